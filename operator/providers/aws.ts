// AWS: a pool's nodes are EC2 instances tagged drm.dtf.io/pool=<pool>, launched with
// RunInstances and removed with TerminateInstances.
//
// Launching one scaling step (launch(count, token)):
//   - MinCount 1, MaxCount count: EC2 starts as many as it has capacity for (at least one)
//     instead of all-or-nothing, and the shortfall is topped up from the next option below.
//     With MinCount = count, a zone short of a single instance would give nothing at all and
//     push the whole step onto a costlier fallback.
//   - Options are tried in order: spot (when the pool asks for it) before on-demand, then the
//     pool's instanceTypes in order of preference, then its subnets (starting at one picked
//     by the token, so steps spread over the subnets' zones). A capacity error moves on to
//     the next option; a spot-market error (price, spot quota) skips the remaining spot options.
//   - Idempotent per token, twice over: every instance carries a tag derived from the token,
//     and a retried step counts what it already launched (even if its answer was lost) and only
//     launches the rest; each RunInstances carries a ClientToken derived from the token and the
//     option (market, type, subnet, count), so the SDK's own retry of a call whose answer was
//     lost, or a retry before the new instances show in DescribeInstances, returns the same
//     reservation instead of a second one, and fallbacks never collide with each other.
import { createHash } from 'node:crypto';
import type * as Ec2Sdk from '@aws-sdk/client-ec2';
import type {
  EC2Client,
  EC2ClientConfig,
  Filter,
  Instance,
  RunInstancesCommandInput,
  _InstanceType,
} from '@aws-sdk/client-ec2';
import type { WorkerPool } from '../api/workerpool.js';
import type { V1Node } from '@kubernetes/client-node';
import {
  poolNameOf,
  providerIdNames,
  ProviderError,
  shapeOfInstanceType,
  type NodeShape,
  type Credentials,
  type InstanceState,
  type LaunchResult,
  type NodeProvider,
  type ProviderContext,
  type ProviderErrorKind,
  type ProviderInstance,
} from './types.js';

/** Tag naming the pool an instance belongs to (list() selects on it). */
export const POOL_TAG = 'drm.dtf.io/pool';
/** Tag naming the scaling step (a hash of pool and token) that launched an instance. */
export const LAUNCH_TOKEN_TAG = 'drm.dtf.io/launch-token';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsProviderOptions {
  /** EC2 endpoint, e.g. http://127.0.0.1:5000 for moto; omitted: the region's. */
  endpoint?: string;
  /** Builds the EC2 client for a region (credentials undefined: the SDK's default chain). */
  clientFor?: (region: string, credentials: AwsCredentials | undefined) => EC2Client;
  /** Attempts per EC2 call, the SDK retrying throttling, 5xx and network errors (not capacity errors). Default 3. */
  maxAttempts?: number;
  /** First retry delay in ms, doubled each retry with full jitter; throttling waits 5 times longer. Default 100. */
  retryBaseDelayMs?: number;
  /** Time an EC2 call may take before it is abandoned (and retried), in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** Clock, for instances EC2 reports without a launch time. */
  now?: () => Date;
}

type AwsSpec = NonNullable<WorkerPool['spec']['provider']['aws']>;
type Market = 'spot' | 'on-demand';

/** One way to launch the step's instances; the launch walks through them in order. */
interface LaunchOption {
  market: Market;
  instanceType?: string;
  subnetId?: string;
}

/** EC2 states listed: shutting-down and terminated instances are gone as far as the pool is concerned. */
const LISTED_STATES: Record<string, InstanceState> = {
  pending: 'pending',
  running: 'running',
  stopping: 'stopping',
  // A stopped instance serves nothing but still belongs to the pool: listed (as stopping) so
  // the controller can remove it rather than leak it.
  stopped: 'stopping',
};

const THROTTLING_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'EC2ThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);
/** No capacity for this option: the next option (zone, type, market) may have some. */
const CAPACITY_CODES = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'InsufficientFreeAddressesInSubnet',
  'UnfulfillableCapacity',
  'capacity-not-available',
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'Unsupported',
]);
/** The spot market refuses: no other spot option will do better, on-demand might. */
const SPOT_MARKET_CODES = new Set(['SpotMaxPriceTooLow', 'MaxSpotInstanceCountExceeded', 'MaxSpotFleetRequestCountExceeded']);
const AUTH_CODES = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'RequestExpired',
  'OptInRequired',
  'Blocked',
  'PendingVerification',
  'UnrecognizedClientException',
  'CredentialsProviderError',
]);
const TRANSIENT_CODES = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'ServerInternal',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The EC2 error code (or Node network error code) of a failure. */
export function awsErrorCode(error: unknown): string {
  const e = (error ?? {}) as SdkErrorShape;
  if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) return e.code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  // The SDK wraps what it does not recognise as an Error ("AWS SDK error wrapper for Error:
  // connect ECONNREFUSED ..."): find the network code in the text.
  const network = /\b(E[A-Z]+)\b/.exec(e.message ?? '')?.[1];
  return network && NETWORK_ERROR_CODES.has(network) ? network : 'Error';
}

/** Classifies an EC2 failure for the controller. */
export function awsErrorKind(error: unknown): ProviderErrorKind {
  const code = awsErrorCode(error);
  const status = (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
  if (THROTTLING_CODES.has(code) || code.startsWith('Throttl') || status === 429) return 'throttled';
  if (CAPACITY_CODES.has(code) || SPOT_MARKET_CODES.has(code)) return 'capacity';
  if (AUTH_CODES.has(code) || status === 401 || status === 403) return 'auth';
  if (TRANSIENT_CODES.has(code) || NETWORK_ERROR_CODES.has(code) || (status !== undefined && status >= 500)) return 'transient';
  return 'invalid';
}

function toProviderError(operation: string, pool: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const code = awsErrorCode(error);
  const message = (error as SdkErrorShape | undefined)?.message ?? String(error);
  return new ProviderError(`EC2 ${operation} for pool ${pool} failed: ${code}: ${message}`, awsErrorKind(error), { cause: error });
}

type SdkRetryStrategy = Extract<NonNullable<EC2ClientConfig['retryStrategy']>, { refreshRetryTokenForRetry: unknown }>;
type SdkRetryToken = Awaited<ReturnType<SdkRetryStrategy['acquireInitialRetryToken']>>;
type SdkRetryErrorInfo = Parameters<SdkRetryStrategy['refreshRetryTokenForRetry']>[1];

/**
 * The SDK's standard retries (throttling, timeouts, network errors, 500/502/503/504) with
 * exponential backoff and full jitter, except for capacity errors: EC2 reports
 * InsufficientInstanceCapacity as a 500, and retrying it only delays the fallback.
 */
export class Ec2RetryStrategy implements SdkRetryStrategy {
  readonly mode = 'standard';

  constructor(
    private readonly maxAttempts: number,
    private readonly baseDelayMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  async acquireInitialRetryToken(): Promise<SdkRetryToken> {
    return retryToken(0, 0);
  }

  async refreshRetryTokenForRetry(token: SdkRetryToken, info: SdkRetryErrorInfo): Promise<SdkRetryToken> {
    const retries = token.getRetryCount();
    const code = awsErrorCode(info.error);
    const retryable = (info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT') && !CAPACITY_CODES.has(code) && !SPOT_MARKET_CODES.has(code);
    if (!retryable || retries + 1 >= this.maxAttempts) throw new Error(`not retrying ${code}`);
    const base = info.errorType === 'THROTTLING' ? this.baseDelayMs * 5 : this.baseDelayMs;
    let delay = Math.min(20_000, Math.floor(this.random() * base * 2 ** retries));
    if (info.retryAfterHint instanceof Date) delay = Math.max(delay, Math.min(info.retryAfterHint.getTime() - Date.now(), 20_000));
    return retryToken(retries + 1, Math.max(0, delay));
  }

  recordSuccess(): void {}
}

function retryToken(count: number, delay: number): SdkRetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay };
}

function sha256(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/** AWS credentials from the pool's Secret; undefined: the SDK's default chain (IRSA, instance profile). */
export function awsCredentialsFrom(credentials: Credentials | undefined): AwsCredentials | undefined {
  const accessKeyId = credentials?.['AWS_ACCESS_KEY_ID']?.trim();
  const secretAccessKey = credentials?.['AWS_SECRET_ACCESS_KEY']?.trim();
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    throw new ProviderError('the credentials Secret needs both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY', 'auth');
  }
  const sessionToken = credentials?.['AWS_SESSION_TOKEN']?.trim();
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

function awsSpecOf(pool: WorkerPool): AwsSpec {
  const spec = pool.spec.provider.aws;
  if (!spec) throw new ProviderError(`pool ${pool.metadata.name ?? ''} has no aws provider`, 'invalid');
  return spec;
}

// The SDK is loaded by the first pool that uses it: it costs ~90 MiB of resident memory, which an
// operator with no AWS pools should not carry.
let sdk: Promise<typeof Ec2Sdk> | undefined;
const ec2 = () => (sdk ??= import('@aws-sdk/client-ec2'));

export class AwsProvider implements NodeProvider {
  readonly name = 'aws' as const;
  readonly canScale = true;

  isNodeOf(instance: ProviderInstance, node: V1Node): boolean {
    return providerIdNames(node, 'aws', instance.id);
  }

  credentialsRef(pool: WorkerPool): { name: string } | undefined {
    return pool.spec.provider.aws?.credentialsSecretRef;
  }
  private readonly clients = new Map<string, EC2Client>();
  private readonly now: () => Date;
  /** region/type → shape: an instance type's size never changes. */
  private readonly typeShapes = new Map<string, NodeShape>();
  /** region/template/version → its instance type, and when that was read (a version like $Latest moves). */
  private readonly templateTypes = new Map<string, { type: string | undefined; readAt: number }>();

  constructor(private readonly options: AwsProviderOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async list(context: ProviderContext): Promise<ProviderInstance[]> {
    const pool = poolNameOf(context.pool);
    const client = await this.clientFor(context);
    const instances = await this.describe(client, pool, [
      { Name: `tag:${POOL_TAG}`, Values: [pool] },
      { Name: 'instance-state-name', Values: Object.keys(LISTED_STATES) },
    ]);
    const listed = instances.flatMap((instance) => {
      const mapped = this.toProviderInstance(instance);
      return mapped ? [mapped] : [];
    });
    const notices = await this.spotInterruptions(client, pool, listed.filter((i) => i.spot && i.state !== 'terminated').map((i) => i.id));
    return listed.map((instance) => (notices.has(instance.id) ? { ...instance, interruption: notices.get(instance.id)! } : instance));
  }

  /**
   * Spot instances EC2 is taking back: their spot request's status (DescribeSpotInstanceRequests)
   * says marked-for-termination (the two-minute notice) or that the instance was stopped or
   * terminated by EC2. Rebalance recommendations reach only the instance (metadata) and EventBridge.
   */
  private async spotInterruptions(client: EC2Client, pool: string, instanceIds: string[]): Promise<Map<string, string>> {
    const notices = new Map<string, string>();
    // EC2 takes at most 200 values per filter.
    for (let start = 0; start < instanceIds.length; start += 200) {
      let nextToken: string | undefined;
      do {
        let output;
        try {
          output = await client.send(
            new (await ec2()).DescribeSpotInstanceRequestsCommand({ Filters: [{ Name: 'instance-id', Values: instanceIds.slice(start, start + 200) }], MaxResults: 1000, NextToken: nextToken }),
          );
        } catch (error) {
          throw toProviderError('DescribeSpotInstanceRequests', pool, error);
        }
        for (const request of output.SpotInstanceRequests ?? []) {
          const code = request.Status?.Code ?? '';
          if (request.InstanceId && isSpotInterruption(code)) notices.set(request.InstanceId, `spot ${code}${request.Status?.Message ? `: ${request.Status.Message}` : ''}`);
        }
        nextToken = output.NextToken || undefined;
      } while (nextToken);
    }
    return notices;
  }

  /**
   * A new node's size: DescribeInstanceTypes for the pool's instanceTypes (the smallest of each
   * resource among them, since a launch may fall back to any), else for its launch template's
   * type (DescribeLaunchTemplateVersions). Cached: types forever, a template's type for 10 minutes.
   */
  async nodeShape(context: ProviderContext): Promise<NodeShape | undefined> {
    const pool = poolNameOf(context.pool);
    const spec = awsSpecOf(context.pool);
    let types = spec.instanceTypes && spec.instanceTypes.length > 0 ? [...spec.instanceTypes] : [];
    const client = await this.clientFor(context);
    if (types.length === 0 && spec.launchTemplate) {
      const type = await this.templateInstanceType(client, pool, spec.region, spec.launchTemplate);
      if (!type) throw new ProviderError(`launch template ${spec.launchTemplate.name ?? spec.launchTemplate.id} (${spec.launchTemplate.version}) names no instance type: set provider.aws.instanceTypes`, 'invalid');
      types = [type];
    }
    if (types.length === 0) return undefined;
    const missing = types.filter((type) => !this.typeShapes.has(`${spec.region}/${type}`));
    if (missing.length > 0) {
      let output;
      try {
        output = await client.send(new (await ec2()).DescribeInstanceTypesCommand({ InstanceTypes: missing as _InstanceType[] }));
      } catch (error) {
        throw toProviderError('DescribeInstanceTypes', pool, error);
      }
      for (const info of output.InstanceTypes ?? []) {
        if (!info.InstanceType) continue;
        const gpus = (info.GpuInfo?.Gpus ?? []).reduce((sum, gpu) => sum + (gpu.Count ?? 0), 0);
        this.typeShapes.set(`${spec.region}/${info.InstanceType}`, shapeOfInstanceType(info.VCpuInfo?.DefaultVCpus ?? 0, info.MemoryInfo?.SizeInMiB ?? 0, gpus, info.InstanceType));
      }
    }
    const shapes = types.map((type) => this.typeShapes.get(`${spec.region}/${type}`));
    const unknown = types.filter((_, i) => shapes[i] === undefined);
    if (unknown.length > 0) throw new ProviderError(`EC2 DescribeInstanceTypes for pool ${pool} does not know ${unknown.join(', ')} in ${spec.region}`, 'invalid');
    const known = shapes as NodeShape[];
    return {
      cpu: Math.min(...known.map((s) => s.cpu)),
      memoryBytes: Math.min(...known.map((s) => s.memoryBytes)),
      gpu: Math.min(...known.map((s) => s.gpu)),
      source: `${types.join(', ')} (EC2 DescribeInstanceTypes${types.length > 1 ? ', the smallest of each' : ''})`,
    };
  }

  private async templateInstanceType(client: EC2Client, pool: string, region: string, template: NonNullable<AwsSpec['launchTemplate']>): Promise<string | undefined> {
    const key = `${region}/${template.id ?? template.name}/${template.version}`;
    const cached = this.templateTypes.get(key);
    if (cached && this.now().getTime() - cached.readAt < 600_000) return cached.type;
    let output;
    try {
      output = await client.send(
        new (await ec2()).DescribeLaunchTemplateVersionsCommand({
          ...(template.id ? { LaunchTemplateId: template.id } : { LaunchTemplateName: template.name }),
          Versions: [template.version],
        }),
      );
    } catch (error) {
      throw toProviderError('DescribeLaunchTemplateVersions', pool, error);
    }
    const type = output.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType;
    this.templateTypes.set(key, { type, readAt: this.now().getTime() });
    return type;
  }

  async launch(context: ProviderContext, count: number, token: string): Promise<LaunchResult> {
    const pool = poolNameOf(context.pool);
    if (!Number.isInteger(count) || count < 0) throw new ProviderError(`cannot launch ${count} instances`, 'invalid');
    if (count === 0) return { instances: [], notes: [] };
    if (!token) throw new ProviderError('launch needs a token', 'invalid');
    const spec = awsSpecOf(context.pool);
    const client = await this.clientFor(context);
    const stepTag = sha256('drm-launch', pool, token).slice(0, 32);

    // A retry of this step: count what it launched already, in any state (an instance of the
    // step that has since been terminated was still launched by it).
    const already = await this.describe(client, pool, [
      { Name: `tag:${POOL_TAG}`, Values: [pool] },
      { Name: `tag:${LAUNCH_TOKEN_TAG}`, Values: [stepTag] },
    ]);
    // Reported: the step's instances that are still there.
    const launched: ProviderInstance[] = already.flatMap((instance) => {
      const mapped = this.toProviderInstance(instance);
      return mapped && mapped.state !== 'terminated' ? [mapped] : [];
    });
    let added = 0;
    const notes: string[] = [];
    let remaining = count - already.length;
    if (already.length > 0) {
      notes.push(
        remaining > 0
          ? `${already.length} of ${count} instances were already launched for this step; launching ${remaining} more`
          : `all ${count} instances were already launched for this step; nothing added`,
      );
    }
    if (remaining <= 0) return { instances: launched, notes };

    const options = launchOptions(spec, stepTag);
    const failures: Array<{ option: LaunchOption; code: string; error: unknown }> = [];
    let spotRefused = false;
    for (const option of options) {
      if (remaining <= 0) break;
      if (option.market === 'spot' && spotRefused) continue;
      const input = this.runInstancesInput(spec, pool, stepTag, option, remaining);
      let reservation: Instance[];
      try {
        const output = await client.send(new (await ec2()).RunInstancesCommand(input));
        reservation = output.Instances ?? [];
      } catch (error) {
        const code = awsErrorCode(error);
        const kind = awsErrorKind(error);
        if (kind !== 'capacity') {
          const failure = toProviderError('RunInstances', pool, error);
          // Instances this call already launched are real: report them (a retry with the same
          // token finds them by tag and launches only the rest).
          if (added > 0) {
            notes.push(`stopped after ${added} instances: ${failure.message}`);
            return { instances: launched, notes };
          }
          throw failure;
        }
        failures.push({ option, code, error });
        notes.push(`${describeOption(option)}: ${code}`);
        if (option.market === 'spot' && SPOT_MARKET_CODES.has(code)) spotRefused = true;
        continue;
      }
      const started = reservation.flatMap((instance) => {
        const mapped = this.toProviderInstance(instance, option);
        return mapped ? [mapped] : [];
      });
      launched.push(...started);
      added += started.length;
      remaining -= started.length;
      if (started.length > 0) notes.push(...fallbackNotes(spec, option, started.length, failures));
      if (remaining > 0 && started.length > 0) notes.push(`${describeOption(option)}: capacity for ${started.length} of ${started.length + remaining} only`);
    }

    if (added === 0) {
      const tried = failures.map((f) => `${describeOption(f.option)}: ${f.code}`).join('; ');
      throw new ProviderError(`no EC2 capacity for pool ${pool} (${tried})`, 'capacity', { cause: failures.at(-1)?.error });
    }
    if (remaining > 0) notes.push(`launched ${count - remaining} of ${count} instances: no capacity left for the rest`);
    return { instances: launched, notes };
  }

  async terminate(context: ProviderContext, ids: readonly string[]): Promise<void> {
    const pool = poolNameOf(context.pool);
    const client = await this.clientFor(context);
    const unique = [...new Set(ids)];
    for (let start = 0; start < unique.length; start += 1000) {
      await this.terminateBatch(client, pool, unique.slice(start, start + 1000));
    }
  }

  /** Releases the cached clients' connections. */
  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private async terminateBatch(client: EC2Client, pool: string, ids: string[]): Promise<void> {
    let pending = ids;
    // TerminateInstances fails whole if one id is unknown: drop the ones it names, try again.
    for (let round = 0; pending.length > 0 && round < 3; round++) {
      try {
        await client.send(new (await ec2()).TerminateInstancesCommand({ InstanceIds: pending }));
        return;
      } catch (error) {
        if (awsErrorCode(error) !== 'InvalidInstanceID.NotFound') throw toProviderError('TerminateInstances', pool, error);
        const message = (error as SdkErrorShape).message ?? '';
        const missing = new Set(message.match(/i-[0-9a-zA-Z]+/g) ?? []);
        const rest = pending.filter((id) => !missing.has(id));
        if (rest.length === pending.length) break;
        pending = rest;
      }
    }
    // Could not tell which were missing: one at a time.
    for (const id of pending) {
      try {
        await client.send(new (await ec2()).TerminateInstancesCommand({ InstanceIds: [id] }));
      } catch (error) {
        if (awsErrorCode(error) !== 'InvalidInstanceID.NotFound') throw toProviderError('TerminateInstances', pool, error);
      }
    }
  }

  private runInstancesInput(spec: AwsSpec, pool: string, stepTag: string, option: LaunchOption, count: number): RunInstancesCommandInput {
    const template = spec.launchTemplate;
    const tags = [
      { Key: POOL_TAG, Value: pool },
      { Key: 'Name', Value: `drm-${pool}` },
      { Key: LAUNCH_TOKEN_TAG, Value: stepTag },
    ];
    return {
      MinCount: 1,
      MaxCount: count,
      // At most 64 ASCII characters; same step, option and count: same token.
      ClientToken: `drm-${stepTag.slice(0, 24)}-${sha256(option.market, option.instanceType ?? '', option.subnetId ?? '', String(count)).slice(0, 32)}`,
      ...(template
        ? { LaunchTemplate: { ...(template.id ? { LaunchTemplateId: template.id } : { LaunchTemplateName: template.name }), Version: template.version } }
        : {}),
      ...(option.instanceType ? { InstanceType: option.instanceType as _InstanceType } : {}),
      ...(option.subnetId ? { SubnetId: option.subnetId } : {}),
      ...(option.market === 'spot' ? { InstanceMarketOptions: { MarketType: 'spot' as const } } : {}),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: [{ Key: POOL_TAG, Value: pool }] },
      ],
    };
  }

  private async describe(client: EC2Client, pool: string, filters: Filter[]): Promise<Instance[]> {
    const instances: Instance[] = [];
    let nextToken: string | undefined;
    do {
      let output;
      try {
        output = await client.send(new (await ec2()).DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken: nextToken }));
      } catch (error) {
        throw toProviderError('DescribeInstances', pool, error);
      }
      for (const reservation of output.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
      nextToken = output.NextToken || undefined;
    } while (nextToken);
    return instances;
  }

  private toProviderInstance(instance: Instance, option?: LaunchOption): ProviderInstance | undefined {
    const id = instance.InstanceId;
    if (!id) return undefined;
    const stateName = instance.State?.Name ?? 'pending';
    const state = LISTED_STATES[stateName] ?? 'terminated';
    const spot = instance.InstanceLifecycle === 'spot' || (option?.market === 'spot' && instance.InstanceLifecycle === undefined);
    const launchedAt = instance.LaunchTime ? new Date(instance.LaunchTime) : this.now();
    return {
      id,
      // kubelet on EC2 registers under the private DNS name unless told otherwise.
      ...(instance.PrivateDnsName ? { nodeName: instance.PrivateDnsName } : {}),
      state,
      ...(instance.InstanceType ? { instanceType: instance.InstanceType } : option?.instanceType ? { instanceType: option.instanceType } : {}),
      spot,
      launchedAt: launchedAt.toISOString(),
    };
  }

  private async clientFor(context: ProviderContext): Promise<EC2Client> {
    const spec = awsSpecOf(context.pool);
    const credentials = awsCredentialsFrom(context.credentials);
    if (this.options.clientFor) return this.options.clientFor(spec.region, credentials);
    const key = [spec.region, credentials ? sha256(credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? '') : 'default'].join('/');
    let client = this.clients.get(key);
    if (!client) {
      const maxAttempts = Math.max(1, this.options.maxAttempts ?? 3);
      const { EC2Client } = await ec2();
      client = new EC2Client({
        region: spec.region,
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...(credentials ? { credentials } : {}),
        maxAttempts,
        retryStrategy: new Ec2RetryStrategy(maxAttempts, this.options.retryBaseDelayMs ?? 100),
        requestHandler: { requestTimeout: this.options.requestTimeoutMs ?? 30_000, throwOnRequestTimeout: true, connectionTimeout: 10_000 },
      });
      this.clients.set(key, client);
    }
    return client;
  }
}

/** A spot request status code saying EC2 takes the instance back (not the user's own stop or termination). */
export function isSpotInterruption(code: string): boolean {
  if (code.startsWith('marked-for-')) return true;
  return (code.startsWith('instance-terminated-') || code.startsWith('instance-stopped-')) && !code.endsWith('-by-user');
}

/** The launch options of a pool, in the order they are tried. */
function launchOptions(spec: AwsSpec, stepTag: string): LaunchOption[] {
  const markets: Market[] = spec.spot ? ['spot', 'on-demand'] : ['on-demand'];
  const types: Array<string | undefined> = spec.instanceTypes && spec.instanceTypes.length > 0 ? [...spec.instanceTypes] : [undefined];
  const subnets = spec.subnetIds ?? [];
  // Each step starts at its own subnet (from the token), so steps spread over the zones;
  // a retry of the step starts at the same one.
  const first = subnets.length > 0 ? Number.parseInt(stepTag.slice(0, 8), 16) % subnets.length : 0;
  const rotated: Array<string | undefined> = subnets.length > 0 ? [...subnets.slice(first), ...subnets.slice(0, first)] : [undefined];
  const options: LaunchOption[] = [];
  for (const market of markets) {
    for (const instanceType of types) {
      for (const subnetId of rotated) {
        options.push({ market, ...(instanceType ? { instanceType } : {}), ...(subnetId ? { subnetId } : {}) });
      }
    }
  }
  return options;
}

function describeOption(option: LaunchOption): string {
  return [option.market, option.instanceType ?? 'template type', option.subnetId ? `in ${option.subnetId}` : undefined].filter(Boolean).join(' ');
}

/** Notes for instances launched on something other than the pool's first choice. */
function fallbackNotes(spec: AwsSpec, option: LaunchOption, launched: number, failures: Array<{ option: LaunchOption; code: string }>): string[] {
  const notes: string[] = [];
  const what = `${launched} × ${option.instanceType ?? 'the template\'s type'}`;
  if (spec.spot && option.market === 'on-demand') {
    const codes = [...new Set(failures.filter((f) => f.option.market === 'spot').map((f) => f.code))].join(', ');
    notes.push(`spot capacity short (${codes || 'no spot capacity'}): launched ${what} on-demand`);
  } else if (option.instanceType && spec.instanceTypes && option.instanceType !== spec.instanceTypes[0]) {
    const codes = [...new Set(failures.filter((f) => f.option.market === option.market).map((f) => `${f.option.instanceType ?? ''} ${f.code}`.trim()))].join(', ');
    notes.push(`preferred instance types unavailable (${codes}): launched ${what} ${option.market}`);
  } else if (failures.length > 0) {
    notes.push(`launched ${what} ${option.market}${option.subnetId ? ` in ${option.subnetId}` : ''} after ${failures.length} failed option${failures.length === 1 ? '' : 's'}`);
  }
  return notes;
}
