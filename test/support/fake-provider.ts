// A NodeProvider for in-process tests of the WorkerPool controller: it keeps instances in a list,
// records every call, and fails the next call of a method when told to (as Karpenter's fake
// cloud provider does with NextCreateErr).
import type { WorkerPool } from '../../operator/api/workerpool.js';
import type { V1Node } from '@kubernetes/client-node';
import { providerIdNames, type LaunchResult, type NodeProvider, type NodeShape, type ProviderContext, type ProviderInstance } from '../../operator/providers/types.js';

type Method = 'list' | 'launch' | 'terminate';

export class FakeProvider implements NodeProvider {
  readonly calls: Array<{ method: Method; pool: string; count?: number; token?: string; ids?: readonly string[] }> = [];
  instances: ProviderInstance[] = [];
  private readonly failures = new Map<Method, unknown[]>();
  private launched = 0;

  constructor(
    readonly name: NodeProvider['name'] = 'aws',
    readonly canScale = true,
    private readonly shape?: NodeShape,
  ) {}

  failNext(method: Method, error: unknown): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), error]);
  }

  callsOf(method: Method) {
    return this.calls.filter((c) => c.method === method);
  }

  nodeShape(): NodeShape | undefined {
    return this.shape;
  }

  /** Cloud-style: a Node is an instance when its providerID is aws:///ZONE/<id>. */
  isNodeOf(instance: ProviderInstance, node: V1Node): boolean {
    return providerIdNames(node, 'aws', instance.id);
  }

  credentialsRef(pool: WorkerPool): { name: string } | undefined {
    return pool.spec.provider.aws?.credentialsSecretRef;
  }

  async list({ pool }: ProviderContext): Promise<ProviderInstance[]> {
    this.record({ method: 'list', pool: pool.metadata.name! });
    return this.instances.map((i) => ({ ...i }));
  }

  async launch({ pool }: ProviderContext, count: number, token: string): Promise<LaunchResult> {
    this.record({ method: 'launch', pool: pool.metadata.name!, count, token });
    const fresh = Array.from({ length: count }, () => ({ id: `i-${++this.launched}`, nodeName: `${pool.metadata.name}-node-${this.launched}`, state: 'pending' as const }));
    this.instances.push(...fresh);
    return { instances: fresh, notes: [] };
  }

  async terminate({ pool }: ProviderContext, ids: readonly string[]): Promise<void> {
    this.record({ method: 'terminate', pool: pool.metadata.name!, ids });
    this.instances = this.instances.filter((i) => !ids.includes(i.id));
  }

  private record(call: FakeProvider['calls'][number]): void {
    this.calls.push(call);
    const failure = this.failures.get(call.method)?.shift();
    if (failure !== undefined) throw failure;
  }
}
