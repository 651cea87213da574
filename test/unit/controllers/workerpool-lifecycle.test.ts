// The WorkerPool controller's node lifecycle in process, with the fake provider and API server:
// what a pool says when its provider cannot give a node shape, instances that never register,
// interrupted instances, Nodes whose instance is gone, and the finalizer of a cloud pool.
import { describe, expect, test } from '@jest/globals';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Subtask } from '../../../operator/api/subtask.js';
import { workerPoolSchema, type WorkerPool } from '../../../operator/api/workerpool.js';
import { POOL_FINALIZER } from '../../../operator/controllers/workerpool/node-lifecycle.js';
import { makeWorkerPoolReconciler } from '../../../operator/controllers/workerpool/reconciler.js';
import { PlacementLedger, type PendingDemand } from '../../../operator/core/placement/index.js';
import { ProviderError, type NodeShape, type ProviderInstance } from '../../../operator/providers/types.js';
import { createLogger } from '../../../operator/runtime/logger.js';
import { workerPool } from '../../builders/index.js';
import { FakeApiServer, FakeCache, RecordingEvents } from '../../support/fake-kube.js';
import { FakeProvider } from '../../support/fake-provider.js';

const GiB = 1024 ** 3;
const NOW = Date.parse('2026-01-01T00:10:00Z');
const cpuDemand = (subtasks: number): PendingDemand => ({
  hardware: 'cpu',
  subtasks,
  total: { cpuMillis: 1000 * subtasks, memoryBytes: GiB * subtasks, gpus: 0, ephemeralBytes: 0, pods: subtasks },
  largest: { cpuMillis: 1000, memoryBytes: GiB, gpus: 0, ephemeralBytes: 0, pods: 1 },
});

/** A provider whose node shape the cloud cannot tell. */
class ShapelessProvider extends FakeProvider {
  override nodeShape(): NodeShape | undefined {
    throw new ProviderError('EC2 DescribeInstanceTypes for pool cpu failed: UnauthorizedOperation', 'auth');
  }
}

function cloudNode(name: string, instanceId: string, labels: Record<string, string> = {}, created = '2026-01-01T00:00:00Z'): V1Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels, creationTimestamp: new Date(created) }, spec: { providerID: `aws:///us-west-2a/${instanceId}` }, status: { allocatable: { cpu: '2', memory: '8Gi' } } };
}

function setup(options: { provider?: FakeProvider; pending?: PendingDemand[]; nodes?: V1Node[]; instances?: ProviderInstance[] } = {}) {
  const api = new FakeApiServer();
  const pool = workerPoolSchema.parse(
    workerPool('cpu', 'aws', {
      metadata: { uid: 'p1', generation: 1 },
      spec: { hardware: { type: 'cpu', gpuProduct: undefined, gpuCount: undefined, gpuMemoryMiB: undefined }, maxNodes: 2, lifecycle: { registrationTimeoutSeconds: 60 } },
    }),
  );
  api.put('workerpools', pool);
  api.put('Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aws-creds', namespace: 'drm-system' }, data: { AWS_ACCESS_KEY_ID: Buffer.from('AKIA').toString('base64'), AWS_SECRET_ACCESS_KEY: Buffer.from('s').toString('base64') } } as never);
  for (const node of options.nodes ?? []) api.put('Node', node);
  const provider = options.provider ?? new FakeProvider('aws', true, { cpu: 2, memoryBytes: 8 * GiB, gpu: 0, source: 'm5.large (test)' });
  provider.instances = options.instances ?? [];
  const events = new RecordingEvents();
  const reconcile = makeWorkerPoolReconciler({
    clients: api.clients(),
    pools: new FakeCache<WorkerPool>([pool]),
    nodes: new FakeCache<V1Node>(options.nodes ?? []),
    subtasks: new FakeCache<Subtask>(),
    pods: new FakeCache<V1Pod>(),
    otherPods: new FakeCache<V1Pod>(),
    ledger: new PlacementLedger(),
    pendingDemand: () => options.pending ?? [],
    providers: { aws: provider },
    credentialsNamespace: 'drm-system',
    events,
    log: createLogger('silent'),
    clock: { now: () => NOW },
  });
  const stored = () => api.get<WorkerPool>('workerpools', 'cpu')!;
  return { api, provider, events, reconcile, stored };
}

describe('workerpool node lifecycle', () => {
  test('the node shape the provider gives is in status, and pending work that fits it launches from 0 nodes', async () => {
    const { reconcile, stored, provider } = setup({ pending: [cpuDemand(2)] });
    await reconcile('cpu');
    expect(stored().status?.nodeShape).toEqual({ cpu: 2, memoryMiB: 8192, gpu: 0, source: 'm5.large (test)' });
    expect(provider.callsOf('launch')).toHaveLength(1);
  });

  test('a provider that cannot tell the shape: nothing launched from 0 nodes, and the status says why', async () => {
    const { reconcile, stored, provider } = setup({ provider: new ShapelessProvider('aws', true), pending: [cpuDemand(2)] });
    await reconcile('cpu');
    expect(provider.callsOf('launch')).toEqual([]);
    expect(stored().status?.message).toMatch(/node shape unknown, so the pool cannot scale up from 0 nodes: .*UnauthorizedOperation/);
    expect(stored().status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NodeShapeUnknown' });
  });

  test('an instance with no Node past the registration timeout is terminated, in status and a Warning Event; a younger one is left', async () => {
    const old = new Date(NOW - 61_000).toISOString();
    const young = new Date(NOW - 30_000).toISOString();
    const { reconcile, stored, provider, events } = setup({
      instances: [
        { id: 'i-late', nodeName: 'ip-10-0-0-1.internal', state: 'running', launchedAt: old },
        { id: 'i-young', nodeName: 'ip-10-0-0-2.internal', state: 'running', launchedAt: young },
      ],
    });
    await reconcile('cpu');
    expect(provider.callsOf('terminate').map((c) => c.ids)).toEqual([['i-late']]);
    expect(stored().status?.lifecycle).toEqual([expect.objectContaining({ reason: 'RegistrationTimeout', message: expect.stringMatching(/instance i-late registered no Node within 60s/) })]);
    expect(events.reasons('Warning')).toContain('RegistrationTimeout');
  });

  test('an instance whose Node registered is not timed out, however old', async () => {
    const { reconcile, provider } = setup({
      nodes: [cloudNode('i-old.compute.internal', 'i-old', { 'drm.dtf.io/pool': 'cpu' })],
      instances: [{ id: 'i-old', nodeName: 'ip-10-0-0-1.internal', state: 'running', launchedAt: '2025-01-01T00:00:00Z' }],
    });
    await reconcile('cpu');
    expect(provider.callsOf('terminate')).toEqual([]);
  });

  test('an interrupted instance: its Node deleted, the instance terminated, said in status', async () => {
    const { reconcile, stored, provider, api } = setup({
      nodes: [cloudNode('i-spot.compute.internal', 'i-spot', { 'drm.dtf.io/pool': 'cpu' })],
      instances: [{ id: 'i-spot', state: 'running', spot: true, interruption: 'spot marked-for-termination', launchedAt: '2026-01-01T00:00:00Z' }],
    });
    await reconcile('cpu');
    expect(api.callsOf('deleteNode').map((c) => c.request.name)).toEqual(['i-spot.compute.internal']);
    expect(provider.callsOf('terminate').map((c) => c.ids)).toEqual([['i-spot']]);
    expect(stored().status?.lifecycle?.[0]).toMatchObject({ reason: 'InstanceInterrupted', message: expect.stringMatching(/i-spot .*marked-for-termination/) });
  });

  test('a Node of the pool whose instance is gone is deleted; a bare Node of no pool is not touched', async () => {
    const { reconcile, api, stored } = setup({
      nodes: [cloudNode('i-gone.compute.internal', 'i-gone', { 'drm.dtf.io/pool': 'cpu' }), cloudNode('i-other.compute.internal', 'i-other')],
    });
    await reconcile('cpu');
    expect(api.callsOf('deleteNode').map((c) => c.request.name)).toEqual(['i-gone.compute.internal']);
    expect(stored().status?.lifecycle?.[0]).toMatchObject({ reason: 'NodeRemoved' });
  });

  test('a bare Node of one of the pool\'s instances is adopted: pool labels and taints on, the unregistered startup taint off', async () => {
    const bare = cloudNode('i-new.compute.internal', 'i-new');
    bare.spec!.taints = [{ key: 'drm.dtf.io/unregistered', value: 'true', effect: 'NoExecute' }, { key: 'example.com/keep', effect: 'NoSchedule' }];
    const { reconcile, api } = setup({ nodes: [bare], instances: [{ id: 'i-new', state: 'running', launchedAt: new Date(NOW).toISOString() }] });
    await reconcile('cpu');
    const adopted = api.get<V1Node>('Node', 'i-new.compute.internal')!;
    expect(adopted.metadata?.labels).toMatchObject({ 'drm.dtf.io/pool': 'cpu', 'drm.dtf.io/hardware': 'cpu' });
    expect(adopted.spec?.taints?.map((t) => t.key)).toEqual(['example.com/keep']);
  });

  test('a cloud pool gets the finalizer that returns its instances when it is deleted', async () => {
    const { reconcile, stored } = setup();
    await reconcile('cpu');
    expect(stored().metadata.finalizers).toEqual([POOL_FINALIZER]);
  });
});
