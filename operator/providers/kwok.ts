// kwok: simulated nodes. Launching creates Node objects with the pool's labels, taints, capacity
// and GPU extended resources, annotated for kwok (which then plays their kubelet); terminating
// deletes them. The local default provider, and the one scale tests run against.
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import type { WorkerPool } from '../api/workerpool.js';
import { shortHash } from '../core/split/names.js';
import { isAlreadyExists, isNotFound } from '../kube/client.js';
import { parseQuantity } from '../core/placement/quantity.js';
import { ProviderError, type LaunchResult, type NodeProvider, type NodeShape, type ProviderContext, type ProviderInstance } from './types.js';

export const POOL_LABEL = 'drm.dtf.io/pool';
export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

/** The Node a kwok pool's launch creates: what a real node of the pool would register as. */
export function kwokNodeFor(pool: WorkerPool, name: string): V1Node {
  const shape = pool.spec.provider.kwok!.node;
  const hardware = pool.spec.hardware;
  const gpus = shape.gpu ?? hardware.gpuCount ?? 0;
  const capacity: Record<string, string> = { cpu: String(shape.cpu), memory: String(shape.memory), pods: String(shape.pods ?? 110), ...(gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_ANNOTATION]: 'fake' },
      labels: {
        ...pool.spec.nodeLabels,
        'kubernetes.io/hostname': name,
        type: 'kwok',
        [POOL_LABEL]: pool.metadata.name!,
        'drm.dtf.io/hardware': hardware.type,
        ...(hardware.gpuProduct ? { 'nvidia.com/gpu.product': hardware.gpuProduct } : {}),
        ...(hardware.gpuMemoryMiB ? { 'nvidia.com/gpu.memory': String(hardware.gpuMemoryMiB) } : {}),
      },
    },
    spec: { taints: (pool.spec.taints ?? []).map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })) },
    status: { capacity, allocatable: capacity },
  };
}

export class KwokProvider implements NodeProvider {
  readonly name = 'kwok' as const;
  readonly canScale = true;
  readonly removesNodes = true;

  constructor(
    private readonly core: CoreV1Api,
    /** The node informer's view, so listing costs no request. */
    private readonly nodes: { list(): ReadonlyArray<V1Node> },
  ) {}

  async list({ pool }: ProviderContext): Promise<ProviderInstance[]> {
    return this.nodes
      .list()
      .filter((node) => node.metadata?.labels?.[POOL_LABEL] === pool.metadata.name && node.metadata?.annotations?.[KWOK_ANNOTATION] === 'fake')
      .map((node) => ({
        id: node.metadata!.name!,
        nodeName: node.metadata!.name!,
        state: node.metadata?.deletionTimestamp ? 'stopping' : node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'running' : 'pending',
        ...(node.metadata?.creationTimestamp ? { launchedAt: new Date(node.metadata.creationTimestamp).toISOString() } : {}),
      }));
  }

  async launch({ pool }: ProviderContext, count: number, token: string): Promise<LaunchResult> {
    // Names come from the token: a retried step creates the same nodes, not more.
    const base = `${pool.metadata.name!.slice(0, 40)}-${shortHash(token).slice(0, 6)}`;
    const instances: ProviderInstance[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${base}-${i}`;
      try {
        await this.core.createNode({ body: kwokNodeFor(pool, name) });
      } catch (error) {
        if (!isAlreadyExists(error)) throw new ProviderError(`creating node ${name}: ${(error as Error).message}`, 'transient', { cause: error });
      }
      instances.push({ id: name, nodeName: name, state: 'pending' });
    }
    return { instances, notes: [] };
  }

  nodeShape({ pool }: ProviderContext): NodeShape | undefined {
    const node = pool.spec.provider.kwok?.node;
    return node ? { cpu: parseQuantity(node.cpu), memoryBytes: parseQuantity(node.memory), gpu: node.gpu ?? pool.spec.hardware.gpuCount ?? 0, source: 'provider.kwok.node' } : undefined;
  }

  async terminate(_context: ProviderContext, ids: readonly string[]): Promise<void> {
    for (const name of ids) {
      try {
        await this.core.deleteNode({ name });
      } catch (error) {
        if (!isNotFound(error)) throw new ProviderError(`deleting node ${name}: ${(error as Error).message}`, 'transient', { cause: error });
      }
    }
  }
}

/** static: the nodes its selector matches form the pool; it never launches or removes any. */
export class StaticProvider implements NodeProvider {
  readonly name = 'static' as const;
  readonly canScale = false;

  constructor(private readonly nodes: { list(): ReadonlyArray<V1Node> }) {}

  async list({ pool }: ProviderContext): Promise<ProviderInstance[]> {
    const selector = this.nodeSelector(pool);
    return this.nodes
      .list()
      .filter((node) => Object.entries(selector).every(([key, value]) => node.metadata?.labels?.[key] === value))
      .map((node) => ({ id: node.metadata!.name!, nodeName: node.metadata!.name!, state: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'running' : 'pending' }));
  }

  nodeSelector(pool: WorkerPool): Record<string, string> {
    return pool.spec.provider.static?.nodeSelector ?? {};
  }

  async launch(): Promise<LaunchResult> {
    throw new ProviderError('static pools are never scaled', 'invalid');
  }

  async terminate(): Promise<void> {
    throw new ProviderError('static pools are never scaled', 'invalid');
  }
}
