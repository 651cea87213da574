import { describe, expect, test } from '@jest/globals';
import type { Condition } from '../../../operator/api/common.js';
import type { OrchestratedTaskStatus } from '../../../operator/api/orchestratedtask.js';
import { poolConditions, subtaskConditions, taskConditions } from '../../../operator/controllers/conditions.js';
import { setConditions, writeStatusIfChanged } from '../../../operator/controllers/status.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

/** A custom-objects client that records status writes. */
function recordingClient() {
  const writes: Array<{ name: string; namespace?: string; status: unknown }> = [];
  const custom = {
    replaceNamespacedCustomObjectStatus: async (request: { name: string; namespace: string; body: { status: unknown } }) => {
      writes.push({ name: request.name, namespace: request.namespace, status: request.body.status });
      return request.body;
    },
    replaceClusterCustomObjectStatus: async (request: { name: string; body: { status: unknown } }) => {
      writes.push({ name: request.name, status: request.body.status });
      return request.body;
    },
  };
  return { clients: { custom } as never, writes };
}

const byType = (conditions: Condition[] | undefined, type: string) => conditions?.find((c) => c.type === type);

describe('setConditions', () => {
  test('a condition whose status stays keeps its lastTransitionTime; one that flips gets now', () => {
    const first = setConditions([], [{ type: 'Complete', status: 'False', reason: 'InProgress', message: '' }, { type: 'Progressing', status: 'True', reason: 'InProgress', message: 'a' }], 1, t0);
    const second = setConditions(first, [{ type: 'Complete', status: 'True', reason: 'Completed', message: 'done' }, { type: 'Progressing', status: 'True', reason: 'Merging', message: 'b' }], 2, t1);
    expect(byType(second, 'Complete')).toEqual({ type: 'Complete', status: 'True', reason: 'Completed', message: 'done', observedGeneration: 2, lastTransitionTime: t1.toISOString() });
    expect(byType(second, 'Progressing')).toMatchObject({ reason: 'Merging', message: 'b', lastTransitionTime: t0.toISOString() });
  });

  test('conditions of other types are kept, and a reason the CRD would refuse is cleaned', () => {
    const existing: Condition[] = [{ type: 'Custom', status: 'True', reason: 'Mine', message: '', lastTransitionTime: t0.toISOString() }];
    const next = setConditions(existing, [{ type: 'Failed', status: 'True', reason: 'Err-Image Pull!', message: '' }], 0, t1);
    expect(next.map((c) => c.type)).toEqual(['Custom', 'Failed']);
    expect(byType(next, 'Failed')?.reason).toBe('ErrImagePull');
  });
});

describe('writeStatusIfChanged', () => {
  const task: { metadata: { name: string; namespace: string; generation: number }; status: OrchestratedTaskStatus } = { metadata: { name: 't', namespace: 'ns', generation: 3 }, status: { phase: 'InProgress' } };

  test('writes the status with its conditions, then nothing when the same status comes again', async () => {
    const { clients, writes } = recordingClient();
    const status: OrchestratedTaskStatus = { phase: 'Completed', message: 'merged' };
    expect(await writeStatusIfChanged(clients, 'OrchestratedTask', task, status, { conditions: taskConditions(status), now: t0 })).toBe(true);
    expect(writes).toHaveLength(1);
    const written = writes[0]!.status as { conditions: Condition[] };
    expect(byType(written.conditions, 'Complete')).toMatchObject({ status: 'True', reason: 'Completed', observedGeneration: 3 });

    const after = { ...task, status: written as OrchestratedTaskStatus };
    expect(await writeStatusIfChanged(clients, 'OrchestratedTask', after, { ...status, conditions: written.conditions }, { conditions: taskConditions(status), now: t1 })).toBe(false);
    expect(writes).toHaveLength(1);
  });

  test('a cluster-scoped kind is written through the cluster endpoint', async () => {
    const { clients, writes } = recordingClient();
    await writeStatusIfChanged(clients, 'WorkerPool', { metadata: { name: 'p' } }, { nodes: 1 } as { nodes: number; conditions?: Condition[] }, { now: t0 });
    expect(writes).toEqual([{ name: 'p', status: { nodes: 1 } }]);
  });

  test('an object deleted meanwhile is not an error', async () => {
    const custom = { replaceNamespacedCustomObjectStatus: async () => Promise.reject(Object.assign(new Error('gone'), { code: 404 })) };
    await expect(writeStatusIfChanged({ custom } as never, 'Subtask', task, { phase: 'Failed' } as never, { now: t0 })).resolves.toBe(false);
  });
});

describe('condition mapping', () => {
  const status = (conditions: ReturnType<typeof taskConditions>, type: string) => conditions.find((c) => c.type === type)?.status;

  test('a task: Complete when Completed, Failed (with the failure reason) when Failed, Progressing while it runs', () => {
    expect(status(taskConditions({ phase: 'Completed' }), 'Complete')).toBe('True');
    expect(status(taskConditions({ phase: 'InProgress' }), 'Progressing')).toBe('True');
    expect(status(taskConditions({ phase: 'InProgress' }), 'Complete')).toBe('False');
    const failed = taskConditions({ phase: 'Failed', message: 'deadline of 5s exceeded' }, 'DeadlineExceeded');
    expect(failed.find((c) => c.type === 'Failed')).toEqual({ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'deadline of 5s exceeded' });
    expect(status(failed, 'Progressing')).toBe('False');
    expect(status(taskConditions({ phase: 'Cancelled' }), 'Failed')).toBe('False');
  });

  test("a failed subtask's Failed condition carries its last failure's reason", () => {
    const conditions = subtaskConditions({ phase: 'Failed', message: 'failed after 2 attempts', lastFailure: { attempt: 2, reason: 'ErrImagePull', message: 'x', time: t0.toISOString() } });
    expect(conditions.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'ErrImagePull' });
    expect(conditions.find((c) => c.type === 'Complete')?.status).toBe('False');
  });

  test('a pool is Ready with its desired nodes ready and no provider problem; a static pool is not ScalingActive', () => {
    expect(poolConditions({ canScale: true, nodes: 2, readyNodes: 2, desiredNodes: 2 }).map((c) => c.status)).toEqual(['True', 'True']);
    expect(poolConditions({ canScale: true, nodes: 2, readyNodes: 1, desiredNodes: 3 })[0]).toMatchObject({ status: 'False', reason: 'NodesNotReady' });
    const failing = poolConditions({ canScale: true, nodes: 0, readyNodes: 0, desiredNodes: 0, providerProblem: { reason: 'ProviderListFailed', message: 'denied' } });
    expect(failing.map((c) => [c.type, c.status, c.reason])).toEqual([['Ready', 'False', 'ProviderListFailed'], ['ScalingActive', 'False', 'ProviderListFailed']]);
    expect(poolConditions({ canScale: false, nodes: 1, readyNodes: 1, desiredNodes: 1 })[1]).toMatchObject({ status: 'False', reason: 'StaticPool' });
  });
});
