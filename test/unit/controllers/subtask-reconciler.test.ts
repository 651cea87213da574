// The Subtask reconciler in process, against the fake API server and caches: what it does when
// the API server refuses its pod (a quota: named and retried; an invalid pod: the subtask fails).
import { describe, expect, test } from '@jest/globals';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { OrchestratedTask } from '../../../operator/api/orchestratedtask.js';
import type { Subtask } from '../../../operator/api/subtask.js';
import { makeSubtaskReconciler } from '../../../operator/controllers/subtask/reconciler.js';
import { createLogger } from '../../../operator/runtime/logger.js';
import { apiError, FakeApiServer, FakeCache, quotaError, RecordingEvents } from '../../support/fake-kube.js';

const now = new Date('2026-01-01T00:00:00Z');

function setup() {
  const api = new FakeApiServer();
  const task = { apiVersion: 'drm.dtf.io/v1alpha1', kind: 'OrchestratedTask', metadata: { name: 'job', namespace: 'ns', uid: 't1' }, spec: { strategy: 'DataParallel', taskType: 'map' } } as unknown as OrchestratedTask;
  const subtask = {
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'Subtask',
    metadata: { name: 'job-p0', namespace: 'ns', uid: 's1', generation: 1 },
    spec: { taskRef: { name: 'job', uid: 't1' }, index: 0, role: 'partition', name: 'p0', taskType: 'map', input: { items: [1] } },
  } as unknown as Subtask;
  api.put('subtasks', subtask);
  const subtasks = new FakeCache<Subtask>([subtask]);
  const events = new RecordingEvents();
  const reconcile = makeSubtaskReconciler({
    clients: api.clients(),
    tasks: new FakeCache<OrchestratedTask>([task]),
    subtasks,
    pods: new FakeCache<V1Pod>(),
    nodes: new FakeCache<V1Node>(),
    events,
    log: createLogger('silent'),
    podOptions: () => ({ builtinWorkerImage: 'drm-operator:test', schedulerName: 'drm-scheduler' }),
    clock: { now: () => now.getTime() },
  });
  /** The status the API server holds now, fed back into the cache as the informer would. */
  const sync = () => {
    const stored = api.get<Subtask>('subtasks', 'job-p0', 'ns')!;
    subtasks.set(stored);
    return stored.status;
  };
  return { api, events, reconcile, sync };
}

describe('subtask reconciler: refusals', () => {
  test('a quota refusal names the quota in status and a Warning Event, and is retried until the pod is created', async () => {
    const { api, events, reconcile, sync } = setup();
    api.failNext('createNamespacedPod', quotaError('zero-pods'), 2);

    await expect(reconcile('ns/job-p0')).rejects.toThrow(/exceeded quota/);
    const status = sync();
    expect(status).toMatchObject({ phase: 'Pending', attempts: 1 });
    expect(status?.message).toMatch(/ResourceQuota refused its pod.*exceeded quota: zero-pods/);
    expect(events.events).toContainEqual(expect.objectContaining({ kind: 'Subtask', type: 'Warning', reason: 'QuotaExceeded' }));

    // Still refused: the same status (not rewritten), the error again for the queue's backoff.
    const writes = api.callsOf('replaceNamespacedCustomObjectStatus').length;
    await expect(reconcile('ns/job-p0')).rejects.toThrow(/exceeded quota/);
    expect(api.callsOf('replaceNamespacedCustomObjectStatus')).toHaveLength(writes);

    // The quota raised: the pod of attempt 1 is created; no attempt was spent.
    await reconcile('ns/job-p0');
    expect(api.list<V1Pod>('Pod').map((p) => p.metadata?.name)).toEqual(['job-p0-a1']);
    expect(sync()?.attempts).toBe(1);
  });

  test.each([
    ['a pod the API server rejects as invalid', 'createNamespacedPod', 'Pod "job-p0-a1" is invalid: spec.containers[0].image: Required value', 'PodRejected', 'is invalid'],
    // An input document over 1 MiB is never stored: failing beats retrying forever.
    ['an input ConfigMap the API server refuses (too large)', 'createNamespacedConfigMap', 'ConfigMap "job-p0-input" is invalid: []: Too long: must have at most 1048576 bytes', 'InputRejected', 'the API server refused the input ConfigMap job-p0-input'],
  ])('%s fails the subtask with the cause, in status, condition and Event', async (_what, method, message, reason, said) => {
    const { api, events, reconcile, sync } = setup();
    api.failNext(method, apiError(422, message));
    await reconcile('ns/job-p0');
    const status = sync();
    expect(status).toMatchObject({ phase: 'Failed', lastFailure: { reason } });
    expect(status?.message).toContain(said);
    expect(status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason });
    expect(events.reasons('Warning')).toContain(reason);
  });
});
