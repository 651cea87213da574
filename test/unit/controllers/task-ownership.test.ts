// Objects the task reconciler finds already there are checked for ownership, never taken for
// its own: a Subtask or result ConfigMap of another task fails this task with a clear message.
// And a merge holds at most maxMergeBytes of results: more fails the task, not the operator; a
// namespace holds at most maxSubtasksPerNamespace subtasks: a split over it waits, naming it.
import { describe, expect, test } from '@jest/globals';
import type { V1ConfigMap, V1Node } from '@kubernetes/client-node';
import { orchestratedTaskSchema, type OrchestratedTask } from '../../../operator/api/orchestratedtask.js';
import type { Subtask } from '../../../operator/api/subtask.js';
import { FINALIZER } from '../../../operator/controllers/labels.js';
import { makeTaskReconciler, resultConfigMapName } from '../../../operator/controllers/task/reconciler.js';
import { createLogger } from '../../../operator/runtime/logger.js';
import { dataParallelTask } from '../../builders/index.js';
import { FakeApiServer, FakeCache, RecordingEvents } from '../../support/fake-kube.js';

const owned = (name: string, uid: string) => ({ name, namespace: 'ns', ownerReferences: [{ apiVersion: 'drm.dtf.io/v1alpha1', kind: 'OrchestratedTask', name: 'x', uid, controller: true }] });

function run(items: unknown[] = [1, 2, 3, 4], limits: { maxMergeBytes?: number; maxSubtasksPerNamespace?: number } = {}) {
  const api = new FakeApiServer();
  const task = orchestratedTaskSchema.parse(dataParallelTask('job', { metadata: { namespace: 'ns', uid: 't1', generation: 1, finalizers: [FINALIZER] }, spec: { input: { items }, partitions: 2 } }));
  api.put('orchestratedtasks', task);
  const tasks = new FakeCache<OrchestratedTask>([task]);
  const subtasks = new FakeCache<Subtask>();
  const reconcile = makeTaskReconciler({ clients: api.clients(), tasks, subtasks, nodes: new FakeCache<V1Node>(), events: new RecordingEvents(), log: createLogger('silent'), ...limits });
  const step = async () => {
    await reconcile('ns/job');
    const stored = api.get<OrchestratedTask>('orchestratedtasks', 'job', 'ns')!;
    tasks.set(stored);
    for (const subtask of api.list<Subtask>('subtasks')) subtasks.set(subtask);
    return stored;
  };
  return { api, step, subtasks };
}

describe('already exists is checked for ownership', () => {
  test("another task's Subtask under the planned name fails the split, naming it", async () => {
    const { api, step } = run();
    api.put('subtasks', { apiVersion: 'drm.dtf.io/v1alpha1', kind: 'Subtask', metadata: owned('job-p0', 'someone-else'), spec: {} } as unknown as Subtask);
    await step();
    const task = await step();
    expect(task.status).toMatchObject({ phase: 'Failed' });
    expect(task.status?.message).toContain('Subtask job-p0 already exists and belongs to another task');
  });

  test('its own Subtask from an earlier reconcile is taken up as before', async () => {
    const { api, step } = run();
    api.put('subtasks', { apiVersion: 'drm.dtf.io/v1alpha1', kind: 'Subtask', metadata: owned('job-p0', 't1'), spec: {} } as unknown as Subtask);
    await step();
    expect((await step()).status).toMatchObject({ phase: 'InProgress', subtasks: { total: 2 } });
  });

  test("a result ConfigMap of someone else's is not overwritten: the merge fails, naming it", async () => {
    const { api, step } = run();
    await step();
    await step();
    // Results too large for the status go to <task>-result, which someone else already holds.
    const big = 'x'.repeat(300 * 1024);
    api.list<Subtask>('subtasks').forEach((subtask) => api.put('subtasks', { ...subtask, status: { phase: 'Completed', result: [big] } } as Subtask));
    const name = resultConfigMapName('job', 0);
    api.put('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: owned(name, 'someone-else'), data: { keep: 'me' } } as V1ConfigMap);
    let task = await step();
    // The cache sees the results one step late; then Merging, then the merge itself.
    for (let i = 0; i < 3 && task.status?.phase !== 'Failed'; i++) task = await step();
    expect(task.status).toMatchObject({ phase: 'Failed' });
    expect(task.status?.message).toContain(`ConfigMap ${name} for the result already exists and is not this task's`);
    expect(api.get<V1ConfigMap>('ConfigMap', name, 'ns')?.data).toEqual({ keep: 'me' });
  });
});

describe('merges are bounded', () => {
  test('results adding up to more than the cap fail the task with a clear message', async () => {
    const { api, step } = run([1, 2, 3, 4], { maxMergeBytes: 1000 });
    await step();
    await step();
    api.list<Subtask>('subtasks').forEach((subtask) => api.put('subtasks', { ...subtask, status: { phase: 'Completed', result: ['y'.repeat(600)] } } as Subtask));
    let task = await step();
    for (let i = 0; i < 3 && task.status?.phase !== 'Failed'; i++) task = await step();
    expect(task.status).toMatchObject({ phase: 'Failed' });
    expect(task.status?.message).toContain('add up to more than 1000 bytes');
  });
});

describe('subtasks per namespace', () => {
  const others = (api: FakeApiServer, count: number) => {
    for (let i = 0; i < count; i++) api.put('subtasks', { apiVersion: 'drm.dtf.io/v1alpha1', kind: 'Subtask', metadata: owned(`other-p${i}`, 'other'), spec: { taskRef: { name: 'other' } } } as unknown as Subtask);
  };

  test('a split that would pass the limit waits, naming the limit, and goes ahead once there is room', async () => {
    const { api, step, subtasks } = run([1, 2, 3, 4], { maxSubtasksPerNamespace: 3 });
    others(api, 2);
    for (const subtask of api.list<Subtask>('subtasks')) subtasks.set(subtask);
    await step();
    const waiting = await step();
    expect(waiting.status).toMatchObject({ phase: 'Pending' });
    expect(waiting.status?.message).toContain('over the operator\'s limit of 3 subtasks per namespace (--max-subtasks-per-namespace)');
    expect(api.list<Subtask>('subtasks').filter((s) => s.spec.taskRef.name === 'job')).toEqual([]);
    for (const subtask of api.list<Subtask>('subtasks')) {
      await api.clients().custom.deleteNamespacedCustomObject({ group: 'drm.dtf.io', version: 'v1alpha1', plural: 'subtasks', namespace: 'ns', name: subtask.metadata.name! });
      subtasks.delete(subtask);
    }
    await step();
    expect((await step()).status).toMatchObject({ phase: 'InProgress', subtasks: { total: 2 } });
  });

  test('a task that alone needs more than the limit fails, saying so', async () => {
    const { step } = run([1, 2, 3, 4], { maxSubtasksPerNamespace: 1 });
    await step();
    const task = await step();
    expect(task.status).toMatchObject({ phase: 'Failed' });
    expect(task.status?.message).toContain('the task needs 2 subtasks, more than the operator\'s limit of 1');
  });
});
