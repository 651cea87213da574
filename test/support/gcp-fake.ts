// A local fake of the few Compute Engine REST endpoints the GCP provider calls, speaking the
// real wire protocol (JSON as compute/v1 sends it) on a loopback port:
//   GET  /compute/v1/projects/{p}/zones/{z}/instanceGroupManagers/{mig}
//   POST .../instanceGroupManagers/{mig}/resize?size=N&requestId=UUID
//   POST .../instanceGroupManagers/{mig}/listManagedInstances?maxResults=&pageToken=
//   POST .../instanceGroupManagers/{mig}/deleteInstances   {instances, skipInstancesOnValidationError}
//   GET  /compute/v1/projects/{p}/zones/{z}/operations/{op}
//   POST /compute/v1/projects/{p}/zones/{z}/operations/{op}/wait
//   GET  /compute/v1/projects/{p}/zones/{z}/machineTypes/{type}      (a few real types, MACHINE_TYPES)
//   GET  /compute/v1/projects/{p}/global/instanceTemplates/{name}    (each group's own, <mig>-template)
// A group keeps a target size and instances (<mig>-xxxx: CREATING, then RUNNING), so
// listManagedInstances reflects resizes; operations go PENDING → RUNNING → DONE. Mutations
// honour requestId as Compute does (a repeat returns the first operation). Faults can be
// queued for the next N calls of a kind.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoopbackServer } from './loopback.js';

export type GcpCall = 'get' | 'resize' | 'listManagedInstances' | 'deleteInstances' | 'operations.get' | 'operations.wait' | 'machineTypes.get' | 'instanceTemplates.get';

/** Machine types the fake knows, with Compute's figures (guestCpus, memoryMb, built-in GPUs). */
export const MACHINE_TYPES: Record<string, { guestCpus: number; memoryMb: number; accelerators?: Array<{ guestAcceleratorType: string; guestAcceleratorCount: number }> }> = {
  'e2-standard-2': { guestCpus: 2, memoryMb: 8192 },
  'e2-standard-4': { guestCpus: 4, memoryMb: 16384 },
  'n2-standard-8': { guestCpus: 8, memoryMb: 32768 },
  'n1-standard-4': { guestCpus: 4, memoryMb: 15360 },
  'g2-standard-4': { guestCpus: 4, memoryMb: 16384, accelerators: [{ guestAcceleratorType: 'nvidia-l4', guestAcceleratorCount: 1 }] },
};

export type GcpFault =
  /** 429 rateLimitExceeded. */
  | { kind: 'rateLimit' }
  /** 500 backendError (or another 5xx). */
  | { kind: 'serverError'; status?: number }
  /** resize: the call succeeds but its operation ends DONE with ZONE_RESOURCE_POOL_EXHAUSTED. Other calls: HTTP 503 with that code. */
  | { kind: 'stockout' }
  /** Any HTTP error, e.g. 401, 403, 400 with a reason. */
  | { kind: 'error'; status: number; reason?: string; message?: string }
  /** Processed, but the answer comes this much later (a lost answer when the client gives up first). */
  | { kind: 'delay'; delayMs: number }
  /** Not processed; the connection is dropped after this long. */
  | { kind: 'hang'; delayMs: number };

export interface GcpFaultRule {
  call: GcpCall | '*';
  /** The next N calls of that kind. Default 1. */
  times?: number;
  fault: GcpFault;
}

export interface FakeManagedInstance {
  name: string;
  id: string;
  /** RUNNING once started; absent while the MIG is still creating it. */
  instanceStatus?: string;
  currentAction: string;
  /** Creation errors, as a stocked-out zone reports them. */
  lastAttemptErrors?: Array<{ code: string; message: string }>;
}

interface FakeGroup {
  project: string;
  zone: string;
  name: string;
  id: string;
  targetSize: number;
  instances: FakeManagedInstance[];
  /** New instances stay CREATING with ZONE_RESOURCE_POOL_EXHAUSTED (a stocked-out zone). */
  stockedOut: boolean;
  instanceStartMs: number;
  creationTimestamp: string;
  /** What its instance template says. */
  machineType: string;
  guestAccelerators: Array<{ acceleratorType: string; acceleratorCount: number }>;
}

interface FakeOperation {
  id: string;
  name: string;
  project: string;
  zone: string;
  operationType: string;
  targetLink: string;
  targetId: string;
  status: 'PENDING' | 'RUNNING' | 'DONE';
  insertTime: string;
  startTime?: string;
  endTime?: string;
  error?: { errors: Array<{ code: string; message: string }> };
  httpErrorStatusCode?: number;
  httpErrorMessage?: string;
  /** Applied when the operation completes. */
  apply?: () => void;
}

export interface GcpFakeOptions {
  /** How long an operation stays RUNNING before DONE. Default 50 ms. */
  operationMs?: number;
  /** How long operations.wait blocks at most before answering with a not-yet-DONE operation (Compute: 2 minutes). Default 2000 ms. */
  waitTimeoutMs?: number;
}

export interface GcpRequest {
  call: GcpCall | 'unknown';
  method: string;
  path: string;
  query: URLSearchParams;
  body?: unknown;
  fault?: GcpFault['kind'];
  authorization?: string;
}

export interface GcpFake {
  /** Host for apiEndpoint: 127.0.0.1 */
  host: string;
  port: number;
  addGroup(group: {
    project: string;
    zone: string;
    name: string;
    targetSize?: number;
    instanceStartMs?: number;
    /** The machine type of the group's instance template (default e2-standard-4). */
    machineType?: string;
    /** GPUs the template attaches to each instance. */
    guestAccelerators?: Array<{ acceleratorType: string; acceleratorCount: number }>;
  }): void;
  /** The group's target size and instances as they are now. */
  group(project: string, zone: string, name: string): { targetSize: number; instances: FakeManagedInstance[]; machineType: string };
  /** New instances of the group wait for capacity (ZONE_RESOURCE_POOL_EXHAUSTED) until set back to false. */
  setStockout(project: string, zone: string, name: string, stockedOut: boolean): void;
  /** An instance vanishes without the MIG asking (deleted by hand): gone from the list, target size lowered. */
  removeInstance(project: string, zone: string, group: string, instance: string): void;
  /** A spot VM is preempted: TERMINATED, and the MIG recreates it (RECREATING, then RUNNING). */
  preempt(project: string, zone: string, group: string, instance: string): void;
  inject(rule: GcpFaultRule): void;
  clearFaults(): void;
  readonly requests: GcpRequest[];
  requestsOf(call: GcpCall): GcpRequest[];
  stop(): Promise<void>;
}

const STOCKOUT_MESSAGE =
  "The zone does not have enough resources available to fulfill the request. '(resource type:compute)'. Try a different zone, or try again later.";

function now(): string {
  return new Date().toISOString();
}

function numericId(): string {
  return BigInt(`0x${randomBytes(7).toString('hex')}`).toString();
}

function suffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(4), (b) => alphabet[b % alphabet.length]).join('');
}

function errorBody(status: number, reason: string, message: string, domain = 'global') {
  return { error: { code: status, message, errors: [{ message, domain, reason }] } };
}

export async function startGcpFake(options: GcpFakeOptions = {}): Promise<GcpFake> {
  const operationMs = options.operationMs ?? 50;
  const waitTimeoutMs = options.waitTimeoutMs ?? 2000;
  const groups = new Map<string, FakeGroup>();
  const operations = new Map<string, FakeOperation>();
  const byRequestId = new Map<string, FakeOperation>();
  const rules: Array<GcpFaultRule & { times: number }> = [];
  const requests: GcpRequest[] = [];
  const controllers = new Set<AbortController>();
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const wait = async (ms: number) => {
    const controller = new AbortController();
    controllers.add(controller);
    try {
      await sleep(ms, undefined, { signal: controller.signal });
    } catch {
      // stopped
    } finally {
      controllers.delete(controller);
    }
  };

  const key = (project: string, zone: string, name: string) => `${project}/${zone}/${name}`;
  const groupUrl = (g: FakeGroup) => `${origin}/compute/v1/projects/${g.project}/zones/${g.zone}/instanceGroupManagers/${g.name}`;
  const zoneUrl = (project: string, zone: string) => `${origin}/compute/v1/projects/${project}/zones/${zone}`;
  const instanceUrl = (g: FakeGroup, name: string) => `${zoneUrl(g.project, g.zone)}/instances/${name}`;

  const mustGroup = (project: string, zone: string, name: string): FakeGroup => {
    const group = groups.get(key(project, zone, name));
    if (!group) throw new Error(`no fake group ${key(project, zone, name)}`);
    return group;
  };

  const startInstance = (group: FakeGroup, instance: FakeManagedInstance) => {
    const run = () => {
      if (!group.instances.includes(instance) || instance.currentAction === 'DELETING') return;
      if (group.stockedOut) {
        instance.lastAttemptErrors = [{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: STOCKOUT_MESSAGE }];
        later(Math.max(group.instanceStartMs, 20), run);
        return;
      }
      delete instance.lastAttemptErrors;
      instance.instanceStatus = 'RUNNING';
      instance.currentAction = 'NONE';
    };
    if (group.instanceStartMs <= 0 && !group.stockedOut) run();
    else later(group.instanceStartMs, run);
  };

  /** Brings the group's instances to its target size, as the MIG does. */
  const reconcile = (group: FakeGroup) => {
    const live = group.instances.filter((i) => i.currentAction !== 'DELETING');
    for (let n = live.length; n < group.targetSize; n++) {
      const instance: FakeManagedInstance = { name: `${group.name}-${suffix()}`, id: numericId(), currentAction: 'CREATING' };
      group.instances.push(instance);
      startInstance(group, instance);
    }
    // Shrinking: the MIG removes instances that are not running first, newest first.
    const excess = live.length - group.targetSize;
    if (excess > 0) {
      const victims = [...live].reverse().sort((a, b) => Number(a.instanceStatus === 'RUNNING') - Number(b.instanceStatus === 'RUNNING')).slice(0, excess);
      for (const victim of victims) deleteInstance(group, victim);
    }
  };

  const deleteInstance = (group: FakeGroup, instance: FakeManagedInstance) => {
    instance.currentAction = 'DELETING';
    instance.instanceStatus = 'STOPPING';
    later(operationMs, () => {
      group.instances = group.instances.filter((i) => i !== instance);
    });
  };

  const newOperation = (group: FakeGroup, operationType: string, apply: () => void, failure?: { code: string; message: string; status: number }): FakeOperation => {
    const op: FakeOperation = {
      id: numericId(),
      name: `operation-${Date.now()}-${randomBytes(6).toString('hex')}`,
      project: group.project,
      zone: group.zone,
      operationType,
      targetLink: groupUrl(group),
      targetId: group.id,
      status: 'PENDING',
      insertTime: now(),
      apply,
    };
    operations.set(op.name, op);
    later(Math.floor(operationMs / 2), () => {
      op.status = 'RUNNING';
      op.startTime = now();
    });
    later(operationMs, () => {
      op.startTime ??= now();
      if (failure) {
        op.error = { errors: [{ code: failure.code, message: failure.message }] };
        op.httpErrorStatusCode = failure.status;
        op.httpErrorMessage = failure.status === 503 ? 'SERVICE UNAVAILABLE' : 'ERROR';
      } else {
        op.apply?.();
      }
      delete op.apply;
      op.status = 'DONE';
      op.endTime = now();
    });
    return op;
  };

  const operationJson = (op: FakeOperation) => ({
    kind: 'compute#operation',
    id: op.id,
    name: op.name,
    zone: zoneUrl(op.project, op.zone),
    operationType: op.operationType,
    targetLink: op.targetLink,
    targetId: op.targetId,
    status: op.status,
    user: 'drm-operator@example.iam.gserviceaccount.com',
    progress: op.status === 'DONE' ? 100 : 0,
    insertTime: op.insertTime,
    ...(op.startTime ? { startTime: op.startTime } : {}),
    ...(op.endTime ? { endTime: op.endTime } : {}),
    ...(op.error ? { error: op.error, httpErrorStatusCode: op.httpErrorStatusCode, httpErrorMessage: op.httpErrorMessage } : {}),
    selfLink: `${zoneUrl(op.project, op.zone)}/operations/${op.name}`,
  });

  const groupJson = (g: FakeGroup) => {
    const count = (action: string) => g.instances.filter((i) => i.currentAction === action).length;
    return {
      kind: 'compute#instanceGroupManager',
      id: g.id,
      creationTimestamp: g.creationTimestamp,
      name: g.name,
      zone: zoneUrl(g.project, g.zone),
      instanceTemplate: `${origin}/compute/v1/projects/${g.project}/global/instanceTemplates/${g.name}-template`,
      instanceGroup: `${zoneUrl(g.project, g.zone)}/instanceGroups/${g.name}`,
      baseInstanceName: g.name,
      fingerprint: randomBytes(8).toString('base64'),
      currentActions: {
        none: count('NONE'),
        creating: count('CREATING'),
        creatingWithoutRetries: 0,
        verifying: 0,
        recreating: count('RECREATING'),
        deleting: count('DELETING'),
        abandoning: 0,
        restarting: 0,
        refreshing: 0,
        suspending: 0,
        resuming: 0,
        stopping: 0,
        starting: 0,
      },
      status: { isStable: g.instances.every((i) => i.currentAction === 'NONE'), versionTarget: { isReached: true } },
      targetSize: g.targetSize,
      selfLink: groupUrl(g),
    };
  };

  const managedInstanceJson = (g: FakeGroup, i: FakeManagedInstance) => ({
    instance: instanceUrl(g, i.name),
    id: i.id,
    name: i.name,
    ...(i.instanceStatus ? { instanceStatus: i.instanceStatus } : {}),
    currentAction: i.currentAction,
    version: { instanceTemplate: `${origin}/compute/v1/projects/${g.project}/global/instanceTemplates/${g.name}-template` },
    ...(i.lastAttemptErrors ? { lastAttempt: { errors: { errors: i.lastAttemptErrors } } } : {}),
  });

  const takeFault = (call: GcpCall): GcpFault | undefined => {
    for (const rule of rules) {
      if (rule.times > 0 && (rule.call === '*' || rule.call === call)) {
        rule.times -= 1;
        return rule.fault;
      }
    }
    return undefined;
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  type Route = { call: GcpCall; project: string; zone: string; name: string };
  const route = (method: string, path: string): Route | undefined => {
    const machineType = path.match(/^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/machineTypes\/([^/]+)$/);
    if (machineType && method === 'GET') return { call: 'machineTypes.get', project: machineType[1]!, zone: machineType[2]!, name: machineType[3]! };
    const template = path.match(/^\/compute\/v1\/projects\/([^/]+)\/global\/instanceTemplates\/([^/]+)$/);
    if (template && method === 'GET') return { call: 'instanceTemplates.get', project: template[1]!, zone: '', name: template[2]! };
    const igm = path.match(/^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/instanceGroupManagers\/([^/]+?)(?:\/(resize|listManagedInstances|deleteInstances))?$/);
    if (igm) {
      const [, project = '', zone = '', name = '', action] = igm;
      if (!action && method === 'GET') return { call: 'get', project, zone, name };
      if (action && method === 'POST') return { call: action as GcpCall, project, zone, name };
      return undefined;
    }
    const op = path.match(/^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/operations\/([^/]+?)(\/wait)?$/);
    if (op) {
      const [, project = '', zone = '', name = '', waitSuffix] = op;
      if (waitSuffix && method === 'POST') return { call: 'operations.wait', project, zone, name };
      if (!waitSuffix && method === 'GET') return { call: 'operations.get', project, zone, name };
    }
    return undefined;
  };

  /** The call's answer: [status, body]. */
  const serve = async (r: Route, query: URLSearchParams, body: unknown, stockout: boolean): Promise<[number, unknown]> => {
    if (r.call === 'operations.get' || r.call === 'operations.wait') {
      const op = operations.get(r.name);
      if (!op || op.project !== r.project || op.zone !== r.zone) {
        return [404, errorBody(404, 'notFound', `The resource 'projects/${r.project}/zones/${r.zone}/operations/${r.name}' was not found`)];
      }
      if (r.call === 'operations.wait') {
        const deadline = Date.now() + waitTimeoutMs;
        while (op.status !== 'DONE' && Date.now() < deadline) await wait(10);
      }
      return [200, operationJson(op)];
    }
    if (r.call === 'machineTypes.get') {
      const type = MACHINE_TYPES[r.name];
      if (!type) return [404, errorBody(404, 'notFound', `The resource 'projects/${r.project}/zones/${r.zone}/machineTypes/${r.name}' was not found`)];
      return [200, { kind: 'compute#machineType', id: numericId(), name: r.name, zone: r.zone, ...type, selfLink: `${zoneUrl(r.project, r.zone)}/machineTypes/${r.name}` }];
    }
    if (r.call === 'instanceTemplates.get') {
      const owner = [...groups.values()].find((g) => g.project === r.project && `${g.name}-template` === r.name);
      if (!owner) return [404, errorBody(404, 'notFound', `The resource 'projects/${r.project}/global/instanceTemplates/${r.name}' was not found`)];
      return [
        200,
        {
          kind: 'compute#instanceTemplate',
          id: numericId(),
          name: r.name,
          properties: { machineType: owner.machineType, ...(owner.guestAccelerators.length > 0 ? { guestAccelerators: owner.guestAccelerators } : {}), scheduling: {} },
          selfLink: `${origin}/compute/v1/projects/${r.project}/global/instanceTemplates/${r.name}`,
        },
      ];
    }
    const group = groups.get(key(r.project, r.zone, r.name));
    if (!group) {
      return [404, errorBody(404, 'notFound', `The resource 'projects/${r.project}/zones/${r.zone}/instanceGroupManagers/${r.name}' was not found`)];
    }
    switch (r.call) {
      case 'get':
        return [200, groupJson(group)];
      case 'listManagedInstances': {
        const max = Math.min(Number(query.get('maxResults') ?? '500') || 500, 500);
        const start = Number(query.get('pageToken') ?? '0') || 0;
        const page = group.instances.slice(start, start + max).map((i) => managedInstanceJson(group, i));
        const next = start + max < group.instances.length ? String(start + max) : undefined;
        return [200, { managedInstances: page, ...(next ? { nextPageToken: next } : {}) }];
      }
      case 'resize': {
        const sizeText = query.get('size');
        const size = Number(sizeText);
        if (sizeText === null || !Number.isInteger(size) || size < 0) {
          return [400, errorBody(400, 'invalid', `Invalid value for field 'size': '${sizeText ?? ''}'. Must be greater than or equal to 0.`)];
        }
        const requestId = query.get('requestId');
        const repeat = requestId ? byRequestId.get(requestId) : undefined;
        if (repeat) return [200, operationJson(repeat)];
        const op = newOperation(
          group,
          'compute.instanceGroupManagers.resize',
          () => {
            group.targetSize = size;
            reconcile(group);
          },
          stockout ? { code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: STOCKOUT_MESSAGE, status: 503 } : undefined,
        );
        if (requestId) byRequestId.set(requestId, op);
        return [200, operationJson(op)];
      }
      case 'deleteInstances': {
        const request = (body ?? {}) as { instances?: string[]; skipInstancesOnValidationError?: boolean };
        const names = (request.instances ?? []).map((url) => url.split('/').at(-1) ?? url);
        const members = names.filter((n) => group.instances.some((i) => i.name === n && i.currentAction !== 'DELETING'));
        const unknown = names.filter((n) => !group.instances.some((i) => i.name === n));
        if (unknown.length > 0 && !request.skipInstancesOnValidationError) {
          return [
            400,
            errorBody(400, 'invalid', `Resource 'projects/${r.project}/zones/${r.zone}/instances/${unknown[0] ?? ''}' is not a member of the instance group`),
          ];
        }
        const requestId = query.get('requestId');
        const repeat = requestId ? byRequestId.get(requestId) : undefined;
        if (repeat) return [200, operationJson(repeat)];
        // The target size drops at once, as in Compute; the instances go DELETING.
        group.targetSize = Math.max(0, group.targetSize - members.length);
        for (const n of members) {
          const instance = group.instances.find((i) => i.name === n);
          if (instance) deleteInstance(group, instance);
        }
        const op = newOperation(group, 'compute.instanceGroupManagers.deleteInstances', () => {});
        if (requestId) byRequestId.set(requestId, op);
        return [200, operationJson(op)];
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return sendJson(res, 400, errorBody(400, 'parseError', 'This API does not support parsing form-encoded input.'));
      }
    }
    const method = req.method ?? 'GET';
    const r = route(method, url.pathname);
    const fault = r ? takeFault(r.call) : undefined;
    requests.push({
      call: r?.call ?? 'unknown',
      method,
      path: url.pathname,
      query: url.searchParams,
      ...(body !== undefined ? { body } : {}),
      ...(fault ? { fault: fault.kind } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    if (!r) return sendJson(res, 404, errorBody(404, 'notFound', `The requested URL ${url.pathname} was not found on this server.`));

    switch (fault?.kind) {
      case 'rateLimit':
        return sendJson(
          res,
          429,
          errorBody(429, 'rateLimitExceeded', "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service 'compute.googleapis.com'.", 'usageLimits'),
        );
      case 'serverError':
        return sendJson(res, fault.status ?? 500, errorBody(fault.status ?? 500, 'backendError', 'Internal error. Please try again or contact Google Support.'));
      case 'error':
        return sendJson(res, fault.status, errorBody(fault.status, fault.reason ?? 'injected', fault.message ?? `injected HTTP ${fault.status}`));
      case 'stockout':
        if (r.call !== 'resize') return sendJson(res, 503, errorBody(503, 'ZONE_RESOURCE_POOL_EXHAUSTED', STOCKOUT_MESSAGE));
        break;
      case 'hang':
        await wait(fault.delayMs);
        res.socket?.destroy();
        return;
      default:
        break;
    }
    const [status, answer] = await serve(r, url.searchParams, body, fault?.kind === 'stockout');
    if (fault?.kind === 'delay') await wait(fault.delayMs);
    sendJson(res, status, answer);
  };

  const server = await startLoopbackServer(handle, (res, error) => sendJson(res, 500, errorBody(500, 'backendError', String(error))));
  const { port } = server;
  origin = `http://127.0.0.1:${port}`;

  return {
    host: '127.0.0.1',
    port,
    addGroup({ project, zone, name, targetSize = 0, instanceStartMs = 0, machineType = 'e2-standard-4', guestAccelerators = [] }) {
      const group: FakeGroup = {
        project,
        zone,
        name,
        id: numericId(),
        targetSize,
        instances: [],
        stockedOut: false,
        instanceStartMs,
        creationTimestamp: now(),
        machineType,
        guestAccelerators,
      };
      groups.set(key(project, zone, name), group);
      reconcile(group);
    },
    group(project, zone, name) {
      const g = mustGroup(project, zone, name);
      return { targetSize: g.targetSize, instances: g.instances.map((i) => ({ ...i })), machineType: g.machineType };
    },
    setStockout(project, zone, name, stockedOut) {
      mustGroup(project, zone, name).stockedOut = stockedOut;
    },
    removeInstance(project, zone, groupName, instance) {
      const g = mustGroup(project, zone, groupName);
      const before = g.instances.length;
      g.instances = g.instances.filter((i) => i.name !== instance);
      if (g.instances.length === before) throw new Error(`no instance ${instance} in ${groupName}`);
      g.targetSize = Math.max(0, g.targetSize - 1);
    },
    preempt(project, zone, groupName, name) {
      const g = mustGroup(project, zone, groupName);
      const instance = g.instances.find((i) => i.name === name);
      if (!instance) throw new Error(`no instance ${name} in ${groupName}`);
      instance.instanceStatus = 'TERMINATED';
      instance.currentAction = 'RECREATING';
      later(Math.max(g.instanceStartMs, operationMs), () => {
        if (instance.currentAction !== 'RECREATING') return;
        instance.instanceStatus = 'RUNNING';
        instance.currentAction = 'NONE';
      });
    },
    inject(rule) {
      rules.push({ ...rule, times: rule.times ?? 1 });
    },
    clearFaults() {
      rules.length = 0;
    },
    requests,
    requestsOf(call) {
      return requests.filter((r) => r.call === call);
    },
    async stop() {
      for (const controller of controllers) controller.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await server.close();
    },
  };
}
