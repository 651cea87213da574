// The OrchestratedTask reconciler in process, against the fake API server and caches: its steps
// (finalizer, split, progress, merge, deadline, deletion) and its conditions.
import { describe, expect, test } from '@jest/globals';
import type { V1Node } from '@kubernetes/client-node';
import { orchestratedTaskSchema, type OrchestratedTask } from '../../../operator/api/orchestratedtask.js';
import type { Subtask } from '../../../operator/api/subtask.js';
import { FINALIZER } from '../../../operator/controllers/labels.js';
import { makeTaskReconciler } from '../../../operator/controllers/task/reconciler.js';
import { createLogger } from '../../../operator/runtime/logger.js';
import { dataParallelTask } from '../../builders/index.js';
import { FakeApiServer, FakeCache, quotaError, RecordingEvents } from '../../support/fake-kube.js';

const created = Date.parse('2026-01-01T00:00:00Z');

function setup(overrides: Record<string, unknown> = {}) {
  const api = new FakeApiServer();
  const task = orchestratedTaskSchema.parse(
    dataParallelTask('job', { metadata: { namespace: 'ns', uid: 't1', generation: 1, creationTimestamp: new Date(created).toISOString(), finalizers: [FINALIZER] }, ...overrides }),
  );
  api.put('orchestratedtasks', task);
  const tasks = new FakeCache<OrchestratedTask>([task]);
  const subtasks = new FakeCache<Subtask>();
  const events = new RecordingEvents();
  let nowMs = created + 1000;
  const reconcile = makeTaskReconciler({ clients: api.clients(), tasks, subtasks, nodes: new FakeCache<V1Node>(), events, log: createLogger('silent'), clock: { now: () => nowMs } });
  /** What the API server holds, fed back into the caches as the informers would. */
  const sync = () => {
    const stored = api.get<OrchestratedTask>('orchestratedtasks', 'job', 'ns')!;
    tasks.set(stored);
    for (const subtask of api.list<Subtask>('subtasks')) subtasks.set(subtask);
    return stored;
  };
  const finishSubtasks = (phase: 'Completed' | 'Failed', results: unknown[] = []) => {
    api.list<Subtask>('subtasks').forEach((subtask, i) => api.put('subtasks', { ...subtask, status: { phase, result: results[i], message: phase === 'Failed' ? 'worker exited 1' : '' } } as Subtask));
    return sync();
  };
  return { api, events, reconcile, sync, finishSubtasks, advance: (ms: number) => (nowMs += ms) };
}

const condition = (task: OrchestratedTask, type: string) => task.status?.conditions?.find((c) => c.type === type);

describe('task reconciler', () => {
  test('a task is split (said first, then done), runs, merges, and ends Complete', async () => {
    const { api, events, reconcile, sync, finishSubtasks } = setup();
    // Not at once: the watch event of its own write brings the task back.
    expect(await reconcile('ns/job')).toEqual({ requeueAfterMs: 30_000 });
    expect(sync().status).toMatchObject({ phase: 'Splitting' });
    await reconcile('ns/job');
    expect(api.list<Subtask>('subtasks').map((s) => s.metadata.name).sort()).toEqual(['job-p0', 'job-p1']);
    expect(sync().status).toMatchObject({ phase: 'InProgress', subtasks: { total: 2, pending: 2 } });
    expect(condition(sync(), 'Progressing')?.status).toBe('True');
    expect(events.reasons()).toEqual(expect.arrayContaining(['Splitting', 'Split']));

    finishSubtasks('Completed', [[1, 4, 9, 16], [25, 36, 49, 64]]);
    expect(await reconcile('ns/job')).toEqual({ requeueAfterMs: 30_000 });
    expect(sync().status?.phase).toBe('Merging');
    await reconcile('ns/job');
    const done = sync();
    expect(done.status).toMatchObject({ phase: 'Completed', result: [1, 4, 9, 16, 25, 36, 49, 64], completionPercentage: 100 });
    expect(condition(done, 'Complete')).toMatchObject({ status: 'True', reason: 'Completed' });
    expect(condition(done, 'Progressing')?.status).toBe('False');
  });

  test('a reconcile before the cache shows its own Splitting write waits for it: no second write refused as a conflict, no split', async () => {
    const { api, reconcile, sync } = setup();
    await reconcile('ns/job');
    expect(await reconcile('ns/job')).toEqual({ requeueAfterMs: 30_000 });
    expect(api.callsOf('replaceNamespacedCustomObjectStatus')).toHaveLength(1);
    expect(api.list<Subtask>('subtasks')).toHaveLength(0);
    sync();
    await reconcile('ns/job');
    expect(api.list<Subtask>('subtasks')).toHaveLength(2);
  });

  test('progress is written at most once a second per task; a phase change at once', async () => {
    const { api, reconcile, sync, advance } = setup({ spec: { partitions: 3 } });
    await reconcile('ns/job');
    sync();
    await reconcile('ns/job');
    sync();
    const writes = () => api.callsOf('replaceNamespacedCustomObjectStatus').length;
    const before = writes();
    const complete = (name: string) => {
      const subtask = api.get<Subtask>('subtasks', name, 'ns')!;
      api.put('subtasks', { ...subtask, status: { phase: 'Completed', result: [] } } as Subtask);
      sync();
    };
    complete('job-p0');
    expect(await reconcile('ns/job')).toEqual({ requeueAfterMs: 1000 });
    expect(writes()).toBe(before);
    advance(400);
    expect(await reconcile('ns/job')).toEqual({ requeueAfterMs: 600 });
    advance(600);
    await reconcile('ns/job');
    expect(writes()).toBe(before + 1);
    expect(sync().status).toMatchObject({ subtasks: { completed: 1 }, subtasksSummary: '1/3' });
    complete('job-p1');
    complete('job-p2');
    await reconcile('ns/job');
    expect(sync().status?.phase).toBe('Merging');
  });

  test('nothing changed, nothing written: reconciling a running task again makes no status call', async () => {
    const { api, reconcile, sync } = setup();
    for (let i = 0; i < 3; i++) {
      await reconcile('ns/job');
      sync();
    }
    const writes = api.callsOf('replaceNamespacedCustomObjectStatus').length;
    await reconcile('ns/job');
    expect(api.callsOf('replaceNamespacedCustomObjectStatus')).toHaveLength(writes);
  });

  test('a failed subtask fails the task under FailFast, with a Failed condition saying why', async () => {
    const { reconcile, sync, finishSubtasks } = setup();
    await reconcile('ns/job');
    sync();
    await reconcile('ns/job');
    finishSubtasks('Failed');
    await reconcile('ns/job');
    const failed = sync();
    expect(failed.status?.phase).toBe('Failed');
    expect(condition(failed, 'Failed')).toMatchObject({ status: 'True', reason: 'SubtaskFailed' });
    expect(condition(failed, 'Complete')?.status).toBe('False');
  });

  test('a quota refusing subtasks is named in status and an Event, and the split is retried', async () => {
    const { api, events, reconcile, sync } = setup();
    await reconcile('ns/job');
    sync();
    api.failNext('createNamespacedCustomObject', quotaError('count/subtasks.drm.dtf.io'));
    await expect(reconcile('ns/job')).rejects.toThrow(/exceeded quota/);
    expect(sync().status).toMatchObject({ phase: 'Splitting' });
    expect(sync().status?.message).toMatch(/ResourceQuota refused a subtask/);
    expect(events.reasons('Warning')).toContain('QuotaExceeded');
    await reconcile('ns/job');
    expect(sync().status?.phase).toBe('InProgress');
  });

  test('past its deadline a task fails with DeadlineExceeded', async () => {
    const { reconcile, sync, advance } = setup({ spec: { deadlineSeconds: 60 } });
    await reconcile('ns/job');
    sync();
    expect(await reconcile('ns/job')).toEqual({ requeueAfterMs: 59_000 });
    sync();
    advance(60_000);
    await reconcile('ns/job');
    expect(condition(sync(), 'Failed')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded' });
  });

  test('a deleted task has its pods stopped and its finalizer removed', async () => {
    const { api, reconcile, sync } = setup();
    await reconcile('ns/job');
    sync();
    await reconcile('ns/job');
    const task = sync();
    api.put('orchestratedtasks', { ...task, metadata: { ...task.metadata, deletionTimestamp: new Date(created + 5000) } } as OrchestratedTask);
    sync();
    await reconcile('ns/job');
    expect(api.callsOf('deleteCollectionNamespacedPod')).toHaveLength(2);
    expect(sync().metadata.finalizers).toEqual([]);
  });
});
