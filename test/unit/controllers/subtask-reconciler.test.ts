// The Subtask reconciler in process, against the fake API server and caches: what it does when
// the API server refuses its pod (a quota: named and retried; an invalid pod: the subtask fails),
// where the input goes (the pod or a ConfigMap), and which status writes it saves.
import { describe, expect, test } from '@jest/globals';
import type { V1ConfigMap, V1Node, V1Pod } from '@kubernetes/client-node';
import type { OrchestratedTask } from '../../../operator/api/orchestratedtask.js';
import type { Subtask } from '../../../operator/api/subtask.js';
import { makeSubtaskReconciler } from '../../../operator/controllers/subtask/reconciler.js';
import { ANNOTATIONS } from '../../../operator/controllers/labels.js';
import { createLogger } from '../../../operator/runtime/logger.js';
import { apiError, FakeApiServer, FakeCache, quotaError, RecordingEvents } from '../../support/fake-kube.js';

const now = new Date('2026-01-01T00:00:00Z');

function setup(items: unknown[] = [1]) {
  const api = new FakeApiServer();
  const task = { apiVersion: 'drm.dtf.io/v1alpha1', kind: 'OrchestratedTask', metadata: { name: 'job', namespace: 'ns', uid: 't1' }, spec: { strategy: 'DataParallel', taskType: 'map' } } as unknown as OrchestratedTask;
  const subtask = {
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'Subtask',
    metadata: { name: 'job-p0', namespace: 'ns', uid: 's1', generation: 1 },
    spec: { taskRef: { name: 'job', uid: 't1' }, index: 0, role: 'partition', name: 'p0', taskType: 'map', input: { items } },
  } as unknown as Subtask;
  api.put('subtasks', subtask);
  const subtasks = new FakeCache<Subtask>([subtask]);
  const pods = new FakeCache<V1Pod>();
  const events = new RecordingEvents();
  let nowMs = now.getTime();
  const handedOver: V1Pod[] = [];
  const reconcile = makeSubtaskReconciler({
    clients: api.clients(),
    tasks: new FakeCache<OrchestratedTask>([task]),
    subtasks,
    pods,
    nodes: new FakeCache<V1Node>([{ metadata: { name: 'n1' } }]),
    events,
    log: createLogger('silent'),
    podOptions: () => ({ builtinWorkerImage: 'drm-operator:test', schedulerName: 'drm-scheduler' }),
    onPodCreated: (pod) => handedOver.push(pod),
    clock: { now: () => nowMs },
  });
  /** The status the API server holds now, fed back into the cache as the informer would. */
  const sync = () => {
    const stored = api.get<Subtask>('subtasks', 'job-p0', 'ns')!;
    subtasks.set(stored);
    return stored.status;
  };
  return { api, events, reconcile, sync, pods, handedOver, advance: (ms: number) => (nowMs += ms) };
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
    // An input too large for the pod goes to the ConfigMap, whose refusal is the second case.
    const { api, events, reconcile, sync } = setup(Array.from({ length: 2000 }, (_, i) => i));
    api.failNext(method, apiError(422, message));
    await reconcile('ns/job-p0');
    const status = sync();
    expect(status).toMatchObject({ phase: 'Failed', lastFailure: { reason } });
    expect(status?.message).toContain(said);
    expect(status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason });
    expect(events.reasons('Warning')).toContain(reason);
  });
});

const bigItems = Array.from({ length: 2000 }, (_, i) => i);

describe('subtask reconciler: the input', () => {
  test('a small inline input travels in the pod: its annotation, mounted as input.json by the downward API; no ConfigMap', async () => {
    const { api, reconcile } = setup([1, 2]);
    await reconcile('ns/job-p0');
    const [pod] = api.list<V1Pod>('Pod');
    const document = JSON.parse(pod!.metadata!.annotations![ANNOTATIONS.input]!);
    expect(document).toEqual({ apiVersion: 'drm.dtf.io/v1alpha1', task: 'job', subtask: 'job-p0', namespace: 'ns', role: 'partition', index: 0, taskType: 'map', params: {}, items: [1, 2] });
    expect(pod!.spec!.volumes).toContainEqual({ name: 'input', downwardAPI: { items: [{ path: 'input.json', fieldRef: { fieldPath: `metadata.annotations['${ANNOTATIONS.input}']` } }] } });
    expect(api.callsOf('createNamespacedConfigMap')).toHaveLength(0);
  });

  test('an input over the limit goes to the input ConfigMap, mounted in its place; the pod carries none', async () => {
    const { api, reconcile } = setup(bigItems);
    await reconcile('ns/job-p0');
    const [pod] = api.list<V1Pod>('Pod');
    expect(pod!.metadata!.annotations![ANNOTATIONS.input]).toBeUndefined();
    expect(pod!.spec!.volumes).toContainEqual({ name: 'input', configMap: { name: 'job-p0-input' } });
    const configMap = api.get<V1ConfigMap>('ConfigMap', 'job-p0-input', 'ns');
    expect(JSON.parse(configMap!.data!['input.json']!).items).toEqual(bigItems);
  });
});

describe('subtask reconciler: status writes', () => {
  test("a first attempt's start is not written (its pod says it): the one write is the outcome, with the attempt counted", async () => {
    const { api, reconcile, sync, pods, handedOver } = setup();
    await reconcile('ns/job-p0');
    expect(api.list<V1Pod>('Pod').map((p) => p.metadata?.name)).toEqual(['job-p0-a1']);
    // The pod as created is handed to the scheduler at once, before the informer brings it.
    expect(handedOver.map((p) => [p.metadata?.name, p.metadata?.uid])).toEqual([['job-p0-a1', 'uid-job-p0-a1']]);
    expect(api.callsOf('replaceNamespacedCustomObjectStatus')).toHaveLength(0);

    // The pod seen unbound: nothing new to say.
    const created = api.get<V1Pod>('Pod', 'job-p0-a1', 'ns')!;
    pods.set({ ...created, metadata: { ...created.metadata, ownerReferences: [{ apiVersion: 'drm.dtf.io/v1alpha1', kind: 'Subtask', name: 'job-p0', uid: 's1' }] } });
    await reconcile('ns/job-p0');
    expect(api.callsOf('replaceNamespacedCustomObjectStatus')).toHaveLength(0);
    expect(api.callsOf('createNamespacedPod')).toHaveLength(1);

    // It ran and succeeded before the next look: one write, Completed on attempt 1.
    pods.set({
      ...pods.get('job-p0-a1', 'ns')!,
      spec: { ...created.spec!, nodeName: 'n1' },
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'worker', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, message: '{"result":[1]}' } } }] },
    });
    await reconcile('ns/job-p0');
    expect(api.callsOf('replaceNamespacedCustomObjectStatus')).toHaveLength(1);
    expect(sync()).toMatchObject({ phase: 'Completed', attempts: 1, result: [1], attemptHistory: [{ attempt: 1, phase: 'Completed', nodeName: 'n1' }] });
  });

  test('a passing state (bound, running) is written once it has lasted 5 s, with its Event; and an attempt that ends sooner is written once, as its outcome (the test above)', async () => {
    const { api, events, reconcile, sync, pods, advance } = setup();
    await reconcile('ns/job-p0');
    const created = api.get<V1Pod>('Pod', 'job-p0-a1', 'ns')!;
    const owned = { ...created, metadata: { ...created.metadata, ownerReferences: [{ apiVersion: 'drm.dtf.io/v1alpha1', kind: 'Subtask', name: 'job-p0', uid: 's1' }] } };
    const writes = () => api.callsOf('replaceNamespacedCustomObjectStatus').length;
    pods.set({ ...owned, spec: { ...owned.spec!, nodeName: 'n1' }, status: { phase: 'Running', startTime: now } });
    expect(await reconcile('ns/job-p0')).toEqual({ requeueAfterMs: 5000 });
    advance(4500);
    expect(await reconcile('ns/job-p0')).toEqual({ requeueAfterMs: 500 });
    expect(writes()).toBe(0);
    expect(events.reasons()).not.toContain('Running');
    advance(500);
    await reconcile('ns/job-p0');
    expect(writes()).toBe(1);
    expect(events.reasons().filter((reason) => reason === 'Running')).toHaveLength(1);
    // Until the cache shows the write, a reconcile waits for it rather than decide (and say) it again.
    expect(await reconcile('ns/job-p0')).toEqual({ requeueAfterMs: 30_000 });
    expect(events.reasons().filter((reason) => reason === 'Running')).toHaveLength(1);
    expect(writes()).toBe(1);
    expect(sync()).toMatchObject({ phase: 'Running', attempts: 1, nodeName: 'n1' });
  });

  test("an earlier subtask's pod of the same name is not taken for this one's attempt", async () => {
    const { api, reconcile, pods } = setup();
    pods.set({ metadata: { name: 'job-p0-a1', namespace: 'ns', ownerReferences: [{ apiVersion: 'drm.dtf.io/v1alpha1', kind: 'Subtask', name: 'job-p0', uid: 'an-older-one' }] }, spec: { containers: [], nodeName: 'n1' }, status: { phase: 'Succeeded' } });
    await reconcile('ns/job-p0');
    expect(api.callsOf('createNamespacedPod')).toHaveLength(1);
    expect(api.callsOf('replaceNamespacedCustomObjectStatus')).toHaveLength(0);
  });
});
