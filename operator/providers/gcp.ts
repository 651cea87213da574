// GCP: a pool is a zonal managed instance group (MIG); the autoscaler sets its target size and
// the MIG creates the instances from its template. Scaling down deletes chosen instances
// through the MIG (deleteInstances), which lowers the target size with them.
//
// Launching one scaling step (launch(count, token)) is idempotent per token:
//   - the first call records the step's target (the group's target size then, plus count) and
//     the instances there were before; a retry resizes to that same target, and not at all if
//     the group is already that large (a resize whose answer was lost, or done by an earlier try);
//   - every resize carries a requestId derived from the token, so Compute itself ignores a
//     repeat of it (for its request-id window, about an hour), even after an operator restart
//     that forgot the recorded target.
// The call waits for the resize operation (operations.wait, bounded by operationTimeoutMs).
import { createHash, randomUUID } from 'node:crypto';
import type * as ComputeSdk from '@google-cloud/compute';
import type { InstanceGroupManagersClient, InstanceTemplatesClient, MachineTypesClient, ZoneOperationsClient, protos } from '@google-cloud/compute';
import type * as GoogleAuthLibrary from 'google-auth-library';
import type { AuthClient } from 'google-auth-library';
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

type IOperation = protos.google.cloud.compute.v1.IOperation;
type IManagedInstance = protos.google.cloud.compute.v1.IManagedInstance;
type GcpSpec = NonNullable<WorkerPool['spec']['provider']['gcp']>;

export interface GcpProviderOptions {
  /** Compute API host, e.g. 127.0.0.1 for a local fake; omitted: compute.googleapis.com. */
  apiEndpoint?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** Auth client to use instead of the pool's key or the ambient identity, e.g. google-auth-library's PassThroughClient for a local fake. */
  authClient?: AuthClient;
  /** Attempts per Compute call, retrying throttling (429) and transient (5xx, timeout, network) failures. Default 3. */
  maxAttempts?: number;
  /** First retry delay in ms, doubled each retry with full jitter. Default 250. */
  retryBaseDelayMs?: number;
  /** Time one Compute call may take, in ms. Default 60 000. */
  callTimeoutMs?: number;
  /** Time launch and terminate wait for their operation to finish, in ms. Default 300 000. */
  operationTimeoutMs?: number;
}

/** The target one scaling step set, remembered so a retry of the step does not add again. */
interface Step {
  target: number;
  /** Instances of the group before the step's resize: the rest are the step's. */
  before: Set<string>;
  /** Raised after the step's resize operation failed, so a retry sends a new requestId. */
  attempt: number;
}

interface Clients {
  groups: InstanceGroupManagersClient;
  operations: ZoneOperationsClient;
  machineTypes: MachineTypesClient;
  templates: InstanceTemplatesClient;
}

/** gax call options: one attempt (retries are ours) within a timeout. */
interface CallOptions {
  timeout: number;
  retry: null;
}

const MAX_REMEMBERED_STEPS = 1000;
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

// gRPC status codes gax puts on its errors.
const GRPC = { CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, ABORTED: 10, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const STOCKOUT = /ZONE_RESOURCE_POOL_EXHAUSTED|RESOURCE_POOL_EXHAUSTED|STOCKOUT|does not have enough resources available/i;
const QUOTA = /QUOTA_EXCEEDED|quotaExceeded/;
const RATE_LIMIT = /rateLimitExceeded|RATE_LIMIT_EXCEEDED|userRateLimitExceeded/;

interface GaxErrorShape {
  code?: number | string;
  httpStatusCode?: number;
  message?: string;
  reason?: string;
  cause?: unknown;
}

/** Classifies a Compute failure (a gax error, an operation's error code, or a network error) for the controller. */
export function gcpErrorKind(error: unknown): ProviderErrorKind {
  if (error instanceof ProviderError) return error.kind;
  const e = (error ?? {}) as GaxErrorShape;
  const http = typeof e.httpStatusCode === 'number' ? e.httpStatusCode : undefined;
  const code = typeof e.code === 'number' ? e.code : undefined;
  const text = `${e.message ?? ''} ${e.reason ?? ''}`;
  if (STOCKOUT.test(text)) return 'capacity';
  if (http === 429 || RATE_LIMIT.test(text)) return 'throttled';
  if (QUOTA.test(text)) return 'capacity';
  if (http === 401 || http === 403 || code === GRPC.UNAUTHENTICATED || code === GRPC.PERMISSION_DENIED) return 'auth';
  if (code === GRPC.RESOURCE_EXHAUSTED) return 'throttled';
  if ((http !== undefined && http >= 500) || code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED || code === GRPC.INTERNAL || code === GRPC.ABORTED) {
    return 'transient';
  }
  const cause = e.cause as { code?: unknown } | undefined;
  if ((typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) || (typeof cause?.code === 'string' && NETWORK_ERROR_CODES.has(cause.code))) return 'transient';
  // No answer at all (gax reports that as UNAVAILABLE, handled above; a bare fetch failure here).
  if (http === undefined && (code === undefined || code === GRPC.UNKNOWN) && error instanceof Error && /fetch failed|socket|network|ECONN/i.test(error.message)) return 'transient';
  return 'invalid';
}

function toProviderError(what: string, pool: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = (error ?? {}) as GaxErrorShape;
  const status = e.httpStatusCode !== undefined ? `HTTP ${e.httpStatusCode}: ` : '';
  return new ProviderError(`Compute ${what} for pool ${pool} failed: ${status}${e.message ?? String(error)}`, gcpErrorKind(error), { cause: error });
}

/** An operation that ended with an error (not one that could not be waited for). */
class OperationFailed extends ProviderError {}

/** The ProviderError an operation that ended with an error stands for. */
function operationError(what: string, pool: string, op: IOperation): OperationFailed {
  const errors = op.error?.errors ?? [];
  const codes = errors.map((e) => e.code ?? '').filter(Boolean);
  const text = errors.map((e) => `${e.code ?? 'ERROR'}: ${e.message ?? ''}`).join('; ') || op.httpErrorMessage || 'operation failed';
  const joined = `${codes.join(' ')} ${text}`;
  let kind: ProviderErrorKind;
  if (STOCKOUT.test(joined) || QUOTA.test(joined)) kind = 'capacity';
  else if (RATE_LIMIT.test(joined) || op.httpErrorStatusCode === 429) kind = 'throttled';
  else if (op.httpErrorStatusCode === 401 || op.httpErrorStatusCode === 403) kind = 'auth';
  else if ((op.httpErrorStatusCode ?? 0) >= 500) kind = 'transient';
  else kind = 'invalid';
  return new OperationFailed(`Compute ${what} for pool ${pool}: operation ${op.name ?? ''} failed: ${text}`, kind);
}

function sha256(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/** A stable UUID (version-5 layout) from a hash, as Compute's requestId wants. */
function requestIdFrom(...parts: string[]): string {
  const h = sha256(...parts).slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

function gcpSpecOf(pool: WorkerPool): GcpSpec {
  const spec = pool.spec.provider.gcp;
  if (!spec) throw new ProviderError(`pool ${pool.metadata.name ?? ''} has no gcp provider`, 'invalid');
  return spec;
}

function instanceName(managed: IManagedInstance): string | undefined {
  return managed.name || managed.instance?.split('/').at(-1) || undefined;
}

/** What a managed instance is, from the MIG's action on it and the VM's status. */
export function managedInstanceState(managed: Pick<IManagedInstance, 'currentAction' | 'instanceStatus'>): InstanceState {
  const action = managed.currentAction ?? 'NONE';
  const status = managed.instanceStatus ?? '';
  if (action === 'DELETING' || action === 'ABANDONING') return 'stopping';
  if (action === 'CREATING' || action === 'CREATING_WITHOUT_RETRIES' || action === 'RECREATING') return 'pending';
  if (status === 'RUNNING') return 'running';
  if (['STOPPING', 'STOPPED', 'SUSPENDING', 'SUSPENDED', 'TERMINATED', 'PENDING_STOP', 'DEPROVISIONING'].includes(status)) return 'stopping';
  return 'pending';
}

/**
 * A Spot VM Compute took back: stopped or terminated under the group (which recreates it), not
 * one the group itself is deleting or creating for the first time.
 */
export function wasPreempted(managed: Pick<IManagedInstance, 'currentAction' | 'instanceStatus'>): boolean {
  const status = managed.instanceStatus ?? '';
  if (managed.currentAction === 'DELETING' || managed.currentAction === 'ABANDONING') return false;
  return ['TERMINATED', 'STOPPED', 'STOPPING', 'PENDING_STOP'].includes(status);
}

/** The service-account key from the pool's Secret (key.json), if any. */
export function gcpKeyFrom(credentials: Credentials | undefined): Record<string, unknown> | undefined {
  const text = credentials?.['key.json'];
  if (text === undefined || text.trim() === '') return undefined;
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    throw new ProviderError('the credentials Secret\'s key.json is not JSON', 'auth');
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new ProviderError('the credentials Secret\'s key.json is not a key object', 'auth');
  const record = key as Record<string, unknown>;
  // google-auth-library rejects an incomplete key inside promises it does not hand back; check
  // here, so the pool reports what is wrong instead.
  const type = record.type;
  const required = typeof type === 'string' ? KEY_FIELDS[type] : undefined;
  if (!required) {
    throw new ProviderError(`the credentials Secret's key.json has type ${JSON.stringify(type)}; expected one of ${Object.keys(KEY_FIELDS).join(', ')}`, 'auth');
  }
  const missing = required.filter((field) => typeof record[field] !== 'string' && (typeof record[field] !== 'object' || record[field] === null));
  if (missing.length > 0) throw new ProviderError(`the credentials Secret's key.json (${type}) lacks ${missing.join(', ')}`, 'auth');
  return record;
}

/** Fields each kind of Google credentials file must have. */
const KEY_FIELDS: Record<string, readonly string[]> = {
  service_account: ['client_email', 'private_key'],
  authorized_user: ['client_id', 'client_secret', 'refresh_token'],
  external_account: ['audience', 'subject_token_type'],
  impersonated_service_account: ['service_account_impersonation_url', 'source_credentials'],
};

// The client library is loaded by the first pool that uses it: it costs ~200 MiB of resident
// memory (its protobuf descriptors), which an operator with no GCP pools should not carry.
let sdk: Promise<[typeof ComputeSdk, typeof GoogleAuthLibrary]> | undefined;
const compute = () => (sdk ??= Promise.all([import('@google-cloud/compute'), import('google-auth-library')]));

export class GcpProvider implements NodeProvider {
  readonly name = 'gcp' as const;
  readonly canScale = true;

  isNodeOf(instance: ProviderInstance, node: V1Node): boolean {
    return providerIdNames(node, 'gce', instance.id);
  }

  credentialsRef(pool: WorkerPool): { name: string } | undefined {
    return pool.spec.provider.gcp?.credentialsSecretRef;
  }
  private readonly clients = new Map<string, Clients>();
  private readonly steps = new Map<string, Step>();
  /** project/zone/machineType → its size (never changes). */
  private readonly machineShapes = new Map<string, { cpu: number; memoryMiB: number; gpu: number }>();
  /** project/zone/group → the machine type and GPUs of its instance template, and when that was read. */
  private readonly groupTemplates = new Map<string, { machineType: string; gpus: number; template: string; readAt: number }>();
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly callTimeoutMs: number;
  private readonly operationTimeoutMs: number;

  constructor(private readonly options: GcpProviderOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    this.callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 300_000;
  }

  async list(context: ProviderContext): Promise<ProviderInstance[]> {
    const spec = gcpSpecOf(context.pool);
    const pool = poolNameOf(context.pool);
    const managed = await this.listManaged(await this.clientsFor(context), spec, pool);
    return managed.flatMap((m) => {
      const instance = this.toProviderInstance(spec, m);
      return instance ? [instance] : [];
    });
  }

  /**
   * A new node's size: machineTypes.get for the pool's machineType, else for the machine type of
   * the group's instance template (instanceGroupManagers.get, instanceTemplates.get); GPUs from
   * the template's guestAccelerators, the machine type's own accelerators (a2, g2) or the pool's
   * acceleratorCount. Cached: machine types forever, a group's template for 10 minutes.
   */
  async nodeShape(context: ProviderContext): Promise<NodeShape | undefined> {
    const spec = gcpSpecOf(context.pool);
    const pool = poolNameOf(context.pool);
    const clients = await this.clientsFor(context);
    let machineType = spec.machineType;
    let templateGpus = 0;
    let source = `${spec.machineType} (Compute machineTypes.get)`;
    if (!machineType) {
      const template = await this.groupTemplate(clients, spec, pool);
      machineType = template.machineType;
      templateGpus = template.gpus;
      source = `${machineType} of instance template ${template.template} (Compute machineTypes.get)`;
    }
    const key = `${spec.project}/${spec.zone}/${machineType}`;
    let machine = this.machineShapes.get(key);
    if (!machine) {
      const [answer] = await this.call('machineTypes.get', pool, (options) => clients.machineTypes.get({ project: spec.project, zone: spec.zone, machineType: machineType! }, options));
      const builtIn = (answer.accelerators ?? []).reduce((sum, a) => sum + (a.guestAcceleratorCount ?? 0), 0);
      machine = { cpu: Number(answer.guestCpus ?? 0), memoryMiB: Number(answer.memoryMb ?? 0), gpu: builtIn };
      this.machineShapes.set(key, machine);
    }
    const gpus = Math.max(machine.gpu, templateGpus, spec.acceleratorCount ?? 0);
    return shapeOfInstanceType(machine.cpu, machine.memoryMiB, gpus, source);
  }

  private async groupTemplate(clients: Clients, spec: GcpSpec, pool: string): Promise<{ machineType: string; gpus: number; template: string }> {
    const key = `${spec.project}/${spec.zone}/${spec.instanceGroupManager}`;
    const cached = this.groupTemplates.get(key);
    if (cached && Date.now() - cached.readAt < 600_000) return cached;
    const [group] = await this.call('instanceGroupManagers.get', pool, (options) =>
      clients.groups.get({ project: spec.project, zone: spec.zone, instanceGroupManager: spec.instanceGroupManager }, options),
    );
    const url = group.instanceTemplate ?? '';
    const global = /\/projects\/([^/]+)\/global\/instanceTemplates\/([^/]+)$/.exec(url);
    if (!global) throw new ProviderError(`instance group ${spec.instanceGroupManager} uses template ${url || '(none)'}, which is not a global instance template: set provider.gcp.machineType`, 'invalid');
    const [template] = await this.call('instanceTemplates.get', pool, (options) => clients.templates.get({ project: global[1]!, instanceTemplate: global[2]! }, options));
    const machineType = template.properties?.machineType?.split('/').at(-1);
    if (!machineType) throw new ProviderError(`instance template ${global[2]} names no machine type: set provider.gcp.machineType`, 'invalid');
    const gpus = (template.properties?.guestAccelerators ?? []).reduce((sum, a) => sum + (a.acceleratorCount ?? 0), 0);
    const answer = { machineType, gpus, template: global[2]!, readAt: Date.now() };
    this.groupTemplates.set(key, answer);
    return answer;
  }

  async launch(context: ProviderContext, count: number, token: string): Promise<LaunchResult> {
    const spec = gcpSpecOf(context.pool);
    const pool = poolNameOf(context.pool);
    if (!Number.isInteger(count) || count < 0) throw new ProviderError(`cannot launch ${count} instances`, 'invalid');
    if (count === 0) return { instances: [], notes: [] };
    if (!token) throw new ProviderError('launch needs a token', 'invalid');
    const clients = await this.clientsFor(context);
    const where = { project: spec.project, zone: spec.zone, instanceGroupManager: spec.instanceGroupManager };
    const stepKey = [spec.project, spec.zone, spec.instanceGroupManager, token].join('/');
    const notes: string[] = [];

    const current = await this.targetSize(clients, spec, pool);
    let step = this.steps.get(stepKey);
    if (!step) {
      const before = await this.listManaged(clients, spec, pool);
      step = { target: current + count, before: new Set(before.flatMap((m) => instanceName(m) ?? [])), attempt: 0 };
      this.remember(stepKey, step);
    }

    if (current >= step.target) {
      notes.push(`${spec.instanceGroupManager} is already at target size ${current} (this step asked for ${step.target}): not resized again`);
    } else {
      const requestId = requestIdFrom('drm-resize', spec.project, spec.zone, spec.instanceGroupManager, token, String(step.attempt));
      const [operation] = await this.call('resize', pool, (options) =>
        clients.groups.resize({ ...where, size: step.target, requestId }, options),
      );
      try {
        await this.waitForOperation(clients, spec, pool, 'resize', operation.latestResponse as IOperation);
      } catch (error) {
        // A failed operation stays failed under its requestId: the next try needs a new one.
        // (One still running keeps it: resizing to the same target again is harmless.)
        if (error instanceof OperationFailed) step.attempt += 1;
        throw error;
      }
      const after = await this.targetSize(clients, spec, pool);
      if (after < step.target) {
        // Compute answered with an earlier operation of the same requestId (this step's resize
        // done before the operator forgot it): the group is where that left it.
        notes.push(`${spec.instanceGroupManager}: this step's resize was already carried out (target size ${after})`);
        step.target = after;
      } else {
        notes.push(`resized ${spec.instanceGroupManager} from ${current} to ${step.target}`);
      }
    }

    const managed = await this.listManaged(clients, spec, pool);
    const added = managed.filter((m) => {
      const name = instanceName(m);
      return name !== undefined && !step.before.has(name);
    });
    const waiting = added.flatMap((m) => (m.lastAttempt?.errors?.errors ?? []).map((e) => e.code ?? '')).filter(Boolean);
    if (waiting.length > 0) {
      const codes = [...new Set(waiting)].join(', ');
      notes.push(`${added.filter((m) => (m.lastAttempt?.errors?.errors ?? []).length > 0).length} new instances waiting for capacity (${codes}); the group keeps retrying`);
    }
    return {
      instances: added.flatMap((m) => {
        const instance = this.toProviderInstance(spec, m);
        return instance ? [instance] : [];
      }),
      notes,
    };
  }

  async terminate(context: ProviderContext, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const spec = gcpSpecOf(context.pool);
    const pool = poolNameOf(context.pool);
    const clients = await this.clientsFor(context);
    const unique = [...new Set(ids)];
    for (let start = 0; start < unique.length; start += 1000) {
      const instances = unique.slice(start, start + 1000).map((id) => `zones/${spec.zone}/instances/${id}`);
      // One requestId for this call's retries: a retry after a lost answer is the same request.
      const requestId = randomUUID();
      const [operation] = await this.call('deleteInstances', pool, (options) =>
        clients.groups.deleteInstances(
          {
            project: spec.project,
            zone: spec.zone,
            instanceGroupManager: spec.instanceGroupManager,
            requestId,
            // Instances already gone (or never of the group) are skipped, not an error.
            instanceGroupManagersDeleteInstancesRequestResource: { instances, skipInstancesOnValidationError: true },
          },
          options,
        ),
      );
      await this.waitForOperation(clients, spec, pool, 'deleteInstances', operation.latestResponse as IOperation);
    }
  }

  /** Closes the cached clients. */
  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.flatMap((c) => [c.groups.close(), c.operations.close(), c.machineTypes.close(), c.templates.close()]));
  }

  private remember(key: string, step: Step): void {
    this.steps.set(key, step);
    while (this.steps.size > MAX_REMEMBERED_STEPS) {
      const oldest = this.steps.keys().next().value;
      if (oldest === undefined) break;
      this.steps.delete(oldest);
    }
  }

  private async targetSize(clients: Clients, spec: GcpSpec, pool: string): Promise<number> {
    const [group] = await this.call('instanceGroupManagers.get', pool, (options) =>
      clients.groups.get({ project: spec.project, zone: spec.zone, instanceGroupManager: spec.instanceGroupManager }, options),
    );
    return Number(group.targetSize ?? 0);
  }

  private async listManaged(clients: Clients, spec: GcpSpec, pool: string): Promise<IManagedInstance[]> {
    const [managed] = await this.call('listManagedInstances', pool, (options) =>
      clients.groups.listManagedInstances({ project: spec.project, zone: spec.zone, instanceGroupManager: spec.instanceGroupManager }, options),
    );
    return managed;
  }

  /** Waits until the operation is DONE; throws its error, or 'transient' if it is still running at the deadline. */
  private async waitForOperation(clients: Clients, spec: GcpSpec, pool: string, what: string, initial: IOperation | undefined): Promise<IOperation> {
    let op = initial;
    if (!op?.name) throw new ProviderError(`Compute ${what} for pool ${pool} returned no operation`, 'transient');
    const name = op.name;
    const deadline = Date.now() + this.operationTimeoutMs;
    while (op.status !== 'DONE') {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ProviderError(`Compute ${what} for pool ${pool}: operation ${name} still ${op.status ?? 'PENDING'} after ${this.operationTimeoutMs} ms`, 'transient');
      }
      // operations.wait answers when the operation is DONE or after up to 2 minutes.
      try {
        const [next] = await this.call(`operations.wait ${name}`, pool, (options) => clients.operations.wait({ project: spec.project, zone: spec.zone, operation: name }, options), deadline);
        op = next;
      } catch (error) {
        if (Date.now() < deadline) throw error;
        throw new ProviderError(`Compute ${what} for pool ${pool}: operation ${name} still ${op.status ?? 'PENDING'} after ${this.operationTimeoutMs} ms`, 'transient', {
          cause: error,
        });
      }
    }
    if (op.error?.errors && op.error.errors.length > 0) throw operationError(what, pool, op);
    return op;
  }

  /** One Compute call with retries for throttling and transient failures (until `deadline`, if given), mapped to ProviderError. */
  private async call<T>(what: string, pool: string, fn: (options: CallOptions) => Promise<T>, deadline?: number): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const left = deadline === undefined ? Infinity : deadline - Date.now();
      const options: CallOptions = { timeout: Math.max(1, Math.min(this.callTimeoutMs, left)), retry: null };
      try {
        return await fn(options);
      } catch (error) {
        const failure = toProviderError(what, pool, error);
        if (attempt >= this.maxAttempts || (failure.kind !== 'throttled' && failure.kind !== 'transient')) throw failure;
        const base = failure.kind === 'throttled' ? this.retryBaseDelayMs * 4 : this.retryBaseDelayMs;
        const delay = Math.floor(Math.random() * base * 2 ** (attempt - 1));
        if (deadline !== undefined && Date.now() + delay >= deadline) throw failure;
        await new Promise((done) => setTimeout(done, delay));
      }
    }
  }

  private toProviderInstance(spec: GcpSpec, managed: IManagedInstance): ProviderInstance | undefined {
    const name = instanceName(managed);
    if (!name) return undefined;
    // The MIG keeps retrying a creation that failed; its last attempt's errors say why.
    const errors = managed.lastAttempt?.errors?.errors ?? [];
    const problem = errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).filter(Boolean).join('; ').slice(0, 512);
    return {
      id: name,
      // kubelet on GCE registers under the instance name.
      nodeName: name,
      state: managedInstanceState(managed),
      ...(spec.machineType ? { instanceType: spec.machineType } : {}),
      spot: spec.spot,
      ...(problem ? { problem } : {}),
      ...(spec.spot && wasPreempted(managed) ? { interruption: `preempted (instance ${managed.instanceStatus}, group ${managed.currentAction ?? 'NONE'})` } : {}),
    };
  }

  private async clientsFor(context: ProviderContext): Promise<Clients> {
    const key = gcpKeyFrom(context.credentials);
    const cacheKey = key ? sha256(JSON.stringify(key)) : 'ambient';
    let clients = this.clients.get(cacheKey);
    if (!clients) {
      const [{ InstanceGroupManagersClient, InstanceTemplatesClient, MachineTypesClient, ZoneOperationsClient }, { GoogleAuth }] = await compute();
      const common = {
        ...(this.options.apiEndpoint ? { apiEndpoint: this.options.apiEndpoint } : {}),
        ...(this.options.port ? { port: this.options.port } : {}),
        ...(this.options.protocol ? { protocol: this.options.protocol } : {}),
        fallback: true,
      };
      // The pool's own key first; else a given auth client (tests); else Application Default
      // Credentials (Workload Identity).
      const auth = key
        ? { auth: new GoogleAuth({ credentials: key, scopes: [CLOUD_PLATFORM_SCOPE] }) }
        : this.options.authClient
          ? { authClient: this.options.authClient }
          : {};
      clients = {
        groups: new InstanceGroupManagersClient({ ...common, ...auth }),
        operations: new ZoneOperationsClient({ ...common, ...auth }),
        machineTypes: new MachineTypesClient({ ...common, ...auth }),
        templates: new InstanceTemplatesClient({ ...common, ...auth }),
      };
      this.clients.set(cacheKey, clients);
    }
    return clients;
  }
}
