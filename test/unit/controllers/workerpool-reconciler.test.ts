// The WorkerPool reconciler in process: the fake provider records what it is asked and fails
// when told, the fake API server holds the pool and its credentials, the ledger and the pending
// demand are plain values.
import { describe, expect, test } from '@jest/globals';
import type { V1Node } from '@kubernetes/client-node';
import type { Subtask } from '../../../operator/api/subtask.js';
import { workerPoolSchema, type WorkerPool } from '../../../operator/api/workerpool.js';
import { makeWorkerPoolReconciler } from '../../../operator/controllers/workerpool/reconciler.js';
import { PlacementLedger, type PendingDemand } from '../../../operator/core/placement/index.js';
import { ProviderError } from '../../../operator/providers/types.js';
import { createLogger } from '../../../operator/runtime/logger.js';
import { workerPool } from '../../builders/index.js';
import { FakeApiServer, FakeCache, RecordingEvents } from '../../support/fake-kube.js';
import { FakeProvider } from '../../support/fake-provider.js';

const GiB = 1024 ** 3;
const gpuDemand = (subtasks: number): PendingDemand => ({
  hardware: 'gpu',
  gpuProduct: 'NVIDIA-A10G',
  subtasks,
  total: { cpuMillis: 1000 * subtasks, memoryBytes: 2 * GiB * subtasks, gpus: subtasks, ephemeralBytes: 0, pods: subtasks },
  largest: { cpuMillis: 1000, memoryBytes: 2 * GiB, gpus: 1, ephemeralBytes: 0, pods: 1 },
});

/** A GPU-node provider whose next call of `method` fails with `error`, if given. */
function gpuProvider(failing?: { method: 'list' | 'launch'; error: unknown }): FakeProvider {
  const provider = new FakeProvider('aws', true, { cpu: 4, memoryBytes: 16 * GiB, gpu: 1 });
  if (failing) provider.failNext(failing.method, failing.error);
  return provider;
}

function setup(options: { provider?: FakeProvider; pending?: PendingDemand[]; pool?: Record<string, unknown>; nodes?: V1Node[] } = {}) {
  const api = new FakeApiServer();
  const pool = workerPoolSchema.parse(workerPool('gpu', 'aws', { metadata: { uid: 'p1', generation: 1 }, spec: { maxNodes: 2, ...options.pool } }));
  api.put('workerpools', pool);
  api.put('Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aws-creds', namespace: 'drm-system' }, data: { AWS_ACCESS_KEY_ID: Buffer.from('AKIA').toString('base64') } } as never);
  const pools = new FakeCache<WorkerPool>([pool]);
  const provider = options.provider ?? gpuProvider();
  const events = new RecordingEvents();
  const reconcile = makeWorkerPoolReconciler({
    clients: api.clients(),
    pools,
    nodes: new FakeCache<V1Node>(options.nodes ?? []),
    subtasks: new FakeCache<Subtask>(),
    ledger: new PlacementLedger(),
    pendingDemand: () => options.pending ?? [],
    providers: { [provider.name]: provider },
    credentialsNamespace: 'drm-system',
    events,
    log: createLogger('silent'),
    clock: { now: () => Date.parse('2026-01-01T00:10:00Z') },
  });
  const stored = () => api.get<WorkerPool>('workerpools', 'gpu')!;
  const condition = (type: string) => stored().status?.conditions?.find((c) => c.type === type);
  return { api, provider, events, reconcile, stored, condition };
}

describe('workerpool reconciler', () => {
  test('pending GPU work at 0 nodes launches nodes of the shape the provider names, within maxNodes, with its credentials', async () => {
    const { provider, reconcile, stored, events, condition } = setup({ pending: [gpuDemand(5)] });
    await reconcile('gpu');
    const launches = provider.callsOf('launch');
    expect(launches).toHaveLength(1);
    expect(launches[0]!.count).toBe(2);
    expect(stored().status).toMatchObject({ desiredNodes: 2, lastDecision: { action: 'scaleUp', count: 2 } });
    expect(events.reasons()).toContain('ScaleUp');
    expect(condition('ScalingActive')).toMatchObject({ status: 'True' });
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'NodesNotReady' });
  });

  test('a provider that cannot launch: a Warning Event, Ready and ScalingActive False with the reason, and a quick retry', async () => {
    const { reconcile, events, condition } = setup({ provider: gpuProvider({ method: 'launch', error: new ProviderError('InsufficientInstanceCapacity', 'capacity') }), pending: [gpuDemand(1)] });
    expect(await reconcile('gpu')).toEqual({ requeueAfterMs: 5_000 });
    expect(events.reasons('Warning')).toContain('ScaleUpFailed');
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'ScaleUpFailed' });
    expect(condition('ScalingActive')).toMatchObject({ status: 'False', reason: 'ScaleUpFailed' });
  });

  test('a provider that cannot list: the pool says so and is retried, nothing launched', async () => {
    const provider = gpuProvider({ method: 'list', error: new ProviderError('AuthFailure', 'auth') });
    const { reconcile, condition, stored } = setup({ provider, pending: [gpuDemand(1)] });
    expect(await reconcile('gpu')).toEqual({ requeueAfterMs: 15_000 });
    expect(provider.callsOf('launch')).toEqual([]);
    expect(stored().status?.message).toMatch(/cannot list the pool's instances: AuthFailure/);
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'ProviderListFailed' });
  });

  test('at maxCostPerHour nothing more is launched', async () => {
    const provider = gpuProvider();
    provider.instances = [{ id: 'i-0', nodeName: 'gpu-node-0', state: 'pending' }];
    const { reconcile } = setup({ provider, pending: [gpuDemand(4)], pool: { maxNodes: 10, costPerNodeHour: 2, maxCostPerHour: 2 } });
    await reconcile('gpu');
    expect(provider.callsOf('launch')).toEqual([]);
  });

  test('a pool whose provider does not scale is never launched for, and says it is not ScalingActive', async () => {
    const provider = new FakeProvider('static', false);
    const { reconcile, condition } = setup({ provider, pending: [gpuDemand(3)], pool: { provider: { aws: undefined, static: { nodeSelector: { team: 'x' } } } } });
    await reconcile('gpu');
    expect(provider.callsOf('launch')).toEqual([]);
    expect(condition('ScalingActive')).toMatchObject({ status: 'False', reason: 'StaticPool' });
    expect(condition('Ready')).toMatchObject({ status: 'True' });
  });

  test('a cloud node that joins as one of the pool\'s instances (by providerID) gets the pool\'s labels and taints, once', async () => {
    const provider = gpuProvider();
    provider.instances = [{ id: 'i-7', nodeName: 'ip-10-0-0-7.ec2.internal', state: 'running' }];
    const node: V1Node = { metadata: { name: 'ip-10-0-0-7', labels: { 'kubernetes.io/os': 'linux' } }, spec: { providerID: 'aws:///us-west-2a/i-7', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] } };
    const { api, reconcile, events } = setup({ provider, nodes: [node], pool: { taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] } });
    api.put('Node', node);
    await reconcile('gpu');
    const patches = api.callsOf('patchNode');
    expect(patches).toHaveLength(1);
    const body = patches[0]!.request.body as unknown as V1Node;
    expect(body.metadata?.labels).toMatchObject({ 'drm.dtf.io/pool': 'gpu', 'drm.dtf.io/hardware': 'gpu', 'nvidia.com/gpu.product': 'NVIDIA-A10G', team: 'vision' });
    expect(body.spec?.taints).toEqual([{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }, { key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(events.reasons()).toContain('NodeRegistered');
  });

  test('an instance whose node already carries the pool label is not patched again', async () => {
    const provider = gpuProvider();
    provider.instances = [{ id: 'i-8', state: 'running' }];
    const node: V1Node = { metadata: { name: 'ip-10-0-0-8', labels: { 'drm.dtf.io/pool': 'gpu' } }, spec: { providerID: 'aws:///us-west-2a/i-8' } };
    const { api, reconcile } = setup({ provider, nodes: [node] });
    await reconcile('gpu');
    expect(api.callsOf('patchNode')).toEqual([]);
  });
});
