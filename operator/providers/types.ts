// Where a WorkerPool's nodes come from: one interface, one adapter per provider (kwok, static,
// aws, gcp). The WorkerPool controller only ever talks to this interface.
import type { V1Node } from '@kubernetes/client-node';
import type { WorkerPool } from '../api/workerpool.js';

export type InstanceState = 'pending' | 'running' | 'stopping' | 'terminated';

/** One machine of a pool as its provider sees it. */
export interface ProviderInstance {
  /** Provider's id: the Node name for kwok/static, the EC2 instance id, the GCE instance name. */
  id: string;
  /** The Kubernetes Node it is (or will be) registered as, when known. */
  nodeName?: string;
  state: InstanceState;
  instanceType?: string;
  /** Launched as spot/preemptible capacity. */
  spot?: boolean;
  /** RFC 3339. */
  launchedAt?: string;
  /** Why a pending instance is not coming up, as the provider says (e.g. a zone out of capacity). */
  problem?: string;
  /**
   * The provider is taking the instance back or has (a spot interruption notice, a preemption):
   * what it said. The controller removes its Node and replaces it before the work is lost later.
   */
  interruption?: string;
}

/** What the pool's Secret held, already read by the controller (providers never read Secrets). */
export type Credentials = Record<string, string>;

export interface ProviderContext {
  pool: WorkerPool;
  credentials?: Credentials;
}

export interface LaunchResult {
  instances: ProviderInstance[];
  /** Human-readable notes for the decision's Event, e.g. "spot capacity short: launched on-demand". */
  notes: string[];
}

export interface NodeProvider {
  readonly name: 'kwok' | 'static' | 'aws' | 'gcp';
  /** false for static: it adopts nodes and never adds or removes any. */
  readonly canScale: boolean;
  /** The pool's instances as they really are now (vanished ones are simply absent). */
  list(context: ProviderContext): Promise<ProviderInstance[]>;
  /**
   * Adds `count` instances. `token` identifies this scaling step: calling again with the same
   * token (a retry after a lost answer) must not add more (EC2 ClientToken, GCE target size).
   */
  launch(context: ProviderContext, count: number, token: string): Promise<LaunchResult>;
  /** Removes these instances (ids from list()); removing one already gone is not an error. */
  terminate(context: ProviderContext, ids: readonly string[]): Promise<void>;
  /** Labels that select the pool's Nodes; omitted: the pool label (drm.dtf.io/pool=NAME) the operator puts on them. */
  nodeSelector?(pool: WorkerPool): Record<string, string>;
  /**
   * One new node's size, when the provider knows it before any node exists (the instance or
   * machine type's, asked of the cloud and cached by the provider); omitted: the largest node seen.
   * Throws a ProviderError when the cloud cannot say (the pool's status then says why).
   */
  nodeShape?(context: ProviderContext): NodeShape | undefined | Promise<NodeShape | undefined>;
  /** The Secret with the pool's credentials, if the pool names one (read by the controller, never by providers). */
  credentialsRef?(pool: WorkerPool): { name: string } | undefined;
  /**
   * Whether `node` is this instance: cloud nodes join knowing nothing of pools, and are matched by
   * their spec.providerID (aws:///ZONE/i-…, gce://PROJECT/ZONE/NAME). Omitted: by name.
   */
  isNodeOf?(instance: ProviderInstance, node: V1Node): boolean;
  /** terminate() removes the Node objects too (kwok's nodes are nothing else); otherwise the controller deletes them. */
  readonly removesNodes?: boolean;
}

/** CPU cores, memory bytes and GPUs of one node. */
export interface NodeShape {
  cpu: number;
  memoryBytes: number;
  gpu: number;
  /** Where it comes from, for the pool's status, e.g. "m5.large (EC2 DescribeInstanceTypes)". */
  source?: string;
}

/**
 * Share of an instance's memory the hypervisor and the OS keep (Karpenter assumes 7.5%): a new
 * node's memory is estimated below the instance type's, so work sized by the estimate fits the
 * Node that registers.
 */
export const VM_MEMORY_OVERHEAD = 0.075;

/** A node shape from an instance type's vCPUs, memory in MiB and GPUs. */
export function shapeOfInstanceType(vcpus: number, memoryMiB: number, gpus: number, source: string): NodeShape {
  return { cpu: vcpus, memoryBytes: Math.floor(memoryMiB * (1 - VM_MEMORY_OVERHEAD)) * 1024 * 1024, gpu: gpus, source };
}

export type ProviderErrorKind = 'throttled' | 'capacity' | 'transient' | 'auth' | 'invalid';

/** A provider failure, classified so the controller knows to back off, fall back or give up. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly kind: ProviderErrorKind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderError';
  }

  get temporary(): boolean {
    return this.kind === 'throttled' || this.kind === 'capacity' || this.kind === 'transient';
  }
}

/** Whether a Node's spec.providerID names this instance of a provider with this scheme (aws, gce). */
export function providerIdNames(node: V1Node, scheme: string, instanceId: string): boolean {
  const id = node.spec?.providerID;
  return id !== undefined && id.startsWith(`${scheme}://`) && id.endsWith(`/${instanceId}`);
}

/** The pool's name, which every provider tags or names its instances by. */
export function poolNameOf(pool: WorkerPool): string {
  const name = pool.metadata.name;
  if (!name) throw new ProviderError('the pool has no name', 'invalid');
  return name;
}
