// A local AWS for tests: moto's server (installed once per machine by hack/moto.sh) on a free
// loopback port, and a small fault-injecting proxy in front of it for EC2 (moto has no fault
// injection), which also supplies two EC2 behaviours moto lacks:
//   - RunInstances launches up to MaxCount (moto launches MinCount), capacity permitting;
//   - RunInstances is idempotent per ClientToken (moto ignores it): a repeat returns the first
//     answer, a repeat with other parameters fails with IdempotentParameterMismatch;
//   - a spot instance launched by RunInstances has a spot request, as in EC2 (moto makes none):
//     DescribeSpotInstanceRequests answers for them, and interruptSpot() gives one the status of
//     an interruption notice (marked-for-termination), as EC2 does two minutes before it takes
//     the instance back.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID, createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoopbackServer } from './loopback.js';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Installs moto's server if needed (hack/moto.sh) and returns the path of moto_server. */
export async function ensureMoto(timeoutMs = 300_000): Promise<string> {
  return new Promise((resolvePath, reject) => {
    execFile('bash', [resolve(repoRoot, 'hack/moto.sh')], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`hack/moto.sh failed: ${error.message}\n${stderr}`));
        return;
      }
      const path = stdout.trim().split('\n').at(-1);
      if (!path) reject(new Error(`hack/moto.sh printed no path\n${stderr}`));
      else resolvePath(path);
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

export interface MotoServer {
  /** e.g. http://127.0.0.1:43121 */
  endpoint: string;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts moto_server on 127.0.0.1 on a free port; it is killed when this process exits. */
export async function startMoto(options: { installTimeoutMs?: number; startTimeoutMs?: number } = {}): Promise<MotoServer> {
  const motoServer = await ensureMoto(options.installTimeoutMs);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8192);
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${endpoint}/moto-api/`, child, options.startTimeoutMs ?? 30_000);
    } catch (error) {
      lastError = new Error(`moto_server did not start: ${String(error)}\n${stderr}`);
      process.off('exit', killOnExit);
      await stopChild(child);
      continue;
    }
    return {
      endpoint,
      async reset() {
        const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`moto reset: HTTP ${response.status}`);
      },
      async stop() {
        process.off('exit', killOnExit);
        await stopChild(child);
      },
    };
  }
  throw lastError;
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Fault-injecting EC2 proxy.

export type Ec2Fault =
  /** 503 RequestLimitExceeded, as EC2 throttles. */
  | { kind: 'throttle' }
  /** 500 InternalError (or another status and code). */
  | { kind: 'serverError'; status?: number; code?: string }
  /** Any EC2 error, e.g. 401 AuthFailure, 400 InvalidParameterValue, 500 SpotMaxPriceTooLow. */
  | { kind: 'error'; status: number; code: string; message?: string }
  /** 500 InsufficientInstanceCapacity (for RunInstances). */
  | { kind: 'insufficientCapacity' }
  /** RunInstances gets capacity for only this many instances (fewer than MinCount: InsufficientInstanceCapacity). */
  | { kind: 'partialCapacity'; available: number }
  /** Forwarded to moto (so it takes effect), but the answer is held back this long: a lost answer when the client gives up first. */
  | { kind: 'lostAnswer'; delayMs: number }
  /** Not forwarded; the connection is dropped after this long. */
  | { kind: 'hang'; delayMs: number };

export interface Ec2FaultRule {
  /** EC2 Action (from the form body), e.g. RunInstances; '*' for any. */
  action: string;
  /** How many of the next matching requests get the fault. Default 1. */
  times?: number;
  /** RunInstances only: match requests asking for spot (true) or not (false). */
  spot?: boolean;
  /** RunInstances only: match requests for this instance type. */
  instanceType?: string;
  /** Any other condition on the request's parameters. */
  match?: (params: URLSearchParams) => boolean;
  fault: Ec2Fault;
}

export interface Ec2Request {
  action: string;
  params: URLSearchParams;
  /** The fault it got, if any. */
  fault?: Ec2Fault['kind'];
}

export interface Ec2FaultProxy {
  endpoint: string;
  /** Queues a fault for the next matching requests; rules are matched in the order given. */
  inject(rule: Ec2FaultRule): void;
  /** Drops the faults not yet used. */
  clearFaults(): void;
  /** Every request seen, oldest first. */
  readonly requests: Ec2Request[];
  /** The requests of one action. */
  requestsOf(action: string): Ec2Request[];
  /** EC2 sends a spot interruption notice for this instance: its spot request's status becomes `code`. */
  interruptSpot(instanceId: string, code?: string): void;
  stop(): Promise<void>;
}

/** The spot request EC2 keeps for an instance launched on the spot market. */
interface SpotRequest {
  id: string;
  instanceId: string;
  instanceType: string;
  createTime: string;
  state: 'active' | 'closed';
  code: string;
  message: string;
  updateTime: string;
}

function spotRequestsXml(requests: SpotRequest[]): string {
  const items = requests
    .map(
      (r) =>
        `<item><spotInstanceRequestId>${r.id}</spotInstanceRequestId><spotPrice>0.100000</spotPrice><type>one-time</type><state>${r.state}</state>` +
        `<status><code>${r.code}</code><updateTime>${r.updateTime}</updateTime><message>${r.message}</message></status>` +
        `<launchSpecification><instanceType>${r.instanceType}</instanceType></launchSpecification><instanceId>${r.instanceId}</instanceId>` +
        `<createTime>${r.createTime}</createTime><productDescription>Linux/UNIX</productDescription><instanceInterruptionBehavior>terminate</instanceInterruptionBehavior></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeSpotInstanceRequestsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId><spotInstanceRequestSet>${items}</spotInstanceRequestSet></DescribeSpotInstanceRequestsResponse>`;
}

/** The values of the request's filter of this name (Filter.N.Name / Filter.N.Value.M). */
function filterValues(params: URLSearchParams, name: string): string[] | undefined {
  for (let n = 1; params.has(`Filter.${n}.Name`); n++) {
    if (params.get(`Filter.${n}.Name`) !== name) continue;
    const values: string[] = [];
    for (let m = 1; params.has(`Filter.${n}.Value.${m}`); m++) values.push(params.get(`Filter.${n}.Value.${m}`)!);
    return values;
  }
  return undefined;
}

export interface Ec2FaultProxyOptions {
  /** Emulate EC2's ClientToken idempotency for RunInstances (moto has none). Default true. */
  clientTokens?: boolean;
  /** Launch up to MaxCount (moto launches MinCount). Default true. */
  maxCount?: boolean;
}

interface CachedAnswer {
  fingerprint: string;
  answer: Promise<UpstreamAnswer>;
}

interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

function ec2ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`;
}

function isSpotRequest(params: URLSearchParams): boolean {
  return params.get('InstanceMarketOptions.MarketType') === 'spot';
}

/** Starts the proxy on a free loopback port, forwarding to `upstream` (moto's endpoint). */
export async function startEc2FaultProxy(upstream: string, options: Ec2FaultProxyOptions = {}): Promise<Ec2FaultProxy> {
  const upstreamUrl = new URL(upstream);
  const rules: Array<Required<Pick<Ec2FaultRule, 'times'>> & Ec2FaultRule> = [];
  const requests: Ec2Request[] = [];
  const byClientToken = new Map<string, CachedAnswer>();
  const timers = new Set<AbortController>();
  const emulateClientTokens = options.clientTokens ?? true;
  const emulateMaxCount = options.maxCount ?? true;
  const spotRequests = new Map<string, SpotRequest>();

  /** Gives each spot instance of a RunInstances answer its spot request. */
  const recordSpotRequests = (params: URLSearchParams, answer: UpstreamAnswer) => {
    if (!isSpotRequest(params) || answer.status >= 300) return;
    const time = new Date().toISOString();
    for (const match of answer.body.toString().matchAll(/<instanceId>(i-[0-9a-z]+)<\/instanceId>/g)) {
      const instanceId = match[1]!;
      if (spotRequests.has(instanceId)) continue;
      spotRequests.set(instanceId, {
        id: `sir-${randomUUID().replace(/-/g, '').slice(0, 8)}`,
        instanceId,
        instanceType: params.get('InstanceType') ?? 'm5.large',
        createTime: time,
        state: 'active',
        code: 'fulfilled',
        message: 'Your spot request is fulfilled.',
        updateTime: time,
      });
    }
  };

  const forward = (incoming: IncomingMessage, body: Buffer): Promise<UpstreamAnswer> =>
    new Promise((resolveAnswer, reject) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined && !HOP_HEADERS.has(name)) headers[name] = value;
      }
      headers['content-length'] = String(body.length);
      headers['host'] = upstreamUrl.host;
      const outgoing = httpRequest(
        { host: upstreamUrl.hostname, port: upstreamUrl.port, method: incoming.method, path: incoming.url, headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolveAnswer({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const send = (res: ServerResponse, answer: UpstreamAnswer) => {
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_HEADERS.has(name)) headers[name] = value;
    }
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  };

  const sendError = (res: ServerResponse, status: number, code: string, message: string) => {
    const body = Buffer.from(ec2ErrorXml(code, message));
    send(res, { status, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body });
  };

  const wait = async (ms: number) => {
    const controller = new AbortController();
    timers.add(controller);
    try {
      await sleep(ms, undefined, { signal: controller.signal });
    } catch {
      // stopped
    } finally {
      timers.delete(controller);
    }
  };

  const takeFault = (action: string, params: URLSearchParams): Ec2Fault | undefined => {
    for (const rule of rules) {
      if (rule.times <= 0) continue;
      if (rule.action !== '*' && rule.action !== action) continue;
      if (rule.spot !== undefined && isSpotRequest(params) !== rule.spot) continue;
      if (rule.instanceType !== undefined && params.get('InstanceType') !== rule.instanceType) continue;
      if (rule.match && !rule.match(params)) continue;
      rule.times -= 1;
      return rule.fault;
    }
    return undefined;
  };

  /** RunInstances as EC2 does it: up to MaxCount (or `available`), once per ClientToken. */
  const runInstances = (incoming: IncomingMessage, params: URLSearchParams, available?: number): Promise<UpstreamAnswer> => {
    const min = Number(params.get('MinCount') ?? '1');
    const max = Number(params.get('MaxCount') ?? String(min));
    let launch = emulateMaxCount ? max : min;
    if (available !== undefined) {
      if (available < min) {
        return Promise.resolve({
          status: 500,
          headers: { 'content-type': 'text/xml;charset=UTF-8' },
          body: Buffer.from(ec2ErrorXml('InsufficientInstanceCapacity', `We currently do not have sufficient capacity for ${min} instances.`)),
        });
      }
      launch = Math.min(launch, available);
    }
    const rewritten = new URLSearchParams(params);
    rewritten.set('MinCount', String(launch));
    rewritten.set('MaxCount', String(launch));
    return forward(incoming, Buffer.from(rewritten.toString()));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const params = new URLSearchParams(body.toString());
    const action = params.get('Action') ?? '';
    const fault = takeFault(action, params);
    requests.push({ action, params, ...(fault ? { fault: fault.kind } : {}) });

    switch (fault?.kind) {
      case 'throttle':
        return sendError(res, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
      case 'serverError':
        return sendError(res, fault.status ?? 500, fault.code ?? 'InternalError', 'An internal error has occurred.');
      case 'error':
        return sendError(res, fault.status, fault.code, fault.message ?? `${fault.code} (injected)`);
      case 'insufficientCapacity':
        return sendError(
          res,
          500,
          'InsufficientInstanceCapacity',
          `We currently do not have sufficient ${params.get('InstanceType') ?? ''} capacity in the Availability Zone you requested.`,
        );
      case 'hang':
        await wait(fault.delayMs);
        res.socket?.destroy();
        return;
      default:
        break;
    }

    if (action === 'DescribeSpotInstanceRequests') {
      const ids = filterValues(params, 'instance-id');
      const matching = [...spotRequests.values()].filter((r) => !ids || ids.includes(r.instanceId));
      return send(res, { status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body: Buffer.from(spotRequestsXml(matching)) });
    }

    let answer: Promise<UpstreamAnswer>;
    if (action === 'RunInstances') {
      const available = fault?.kind === 'partialCapacity' ? fault.available : undefined;
      const token = params.get('ClientToken');
      if (emulateClientTokens && token) {
        const rest = new URLSearchParams(params);
        rest.delete('ClientToken');
        rest.sort();
        const fingerprint = createHash('sha256').update(rest.toString()).digest('hex');
        const cached = byClientToken.get(token);
        if (cached && cached.fingerprint !== fingerprint) {
          return sendError(res, 400, 'IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
        }
        if (cached) {
          answer = cached.answer;
        } else {
          answer = runInstances(req, params, available);
          const entry = { fingerprint, answer };
          byClientToken.set(token, entry);
          // Only a launch that happened is remembered (as EC2 does).
          void answer.then(
            (a) => (a.status >= 300 ? byClientToken.delete(token) : undefined),
            () => byClientToken.delete(token),
          );
        }
      } else {
        answer = runInstances(req, params, available);
      }
    } else {
      answer = forward(req, body);
    }

    let upstreamAnswer: UpstreamAnswer;
    try {
      upstreamAnswer = await answer;
    } catch (error) {
      return sendError(res, 502, 'InternalError', `proxy could not reach moto: ${String(error)}`);
    }
    if (action === 'RunInstances') recordSpotRequests(params, upstreamAnswer);
    if (fault?.kind === 'lostAnswer') {
      await wait(fault.delayMs);
    }
    send(res, upstreamAnswer);
  };

  const server = await startLoopbackServer(handle, (res, error) => sendError(res, 500, 'InternalError', String(error)));
  const { port } = server;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    inject(rule) {
      rules.push({ ...rule, times: rule.times ?? 1 });
    },
    clearFaults() {
      rules.length = 0;
    },
    requests,
    requestsOf(action) {
      return requests.filter((r) => r.action === action);
    },
    interruptSpot(instanceId, code = 'marked-for-termination') {
      const request = spotRequests.get(instanceId);
      if (!request) throw new Error(`no spot request for ${instanceId}`);
      request.code = code;
      request.message = 'Spot Instance interruption notice: the instance is marked for termination.';
      request.updateTime = new Date().toISOString();
    },
    async stop() {
      for (const controller of timers) controller.abort();
      await server.close();
    },
  };
}
