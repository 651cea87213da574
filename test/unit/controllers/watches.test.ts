// Each controller's own watches: which informer events wake which keys.
import { describe, expect, test } from '@jest/globals';
import type { KubernetesObject, V1Node, V1Pod } from '@kubernetes/client-node';
import type { OrchestratedTask } from '../../../operator/api/orchestratedtask.js';
import type { Subtask } from '../../../operator/api/subtask.js';
import type { WorkerPool } from '../../../operator/api/workerpool.js';
import { watchSubtasks } from '../../../operator/controllers/subtask/watches.js';
import { watchTasks } from '../../../operator/controllers/task/watches.js';
import { watchWorkerPools } from '../../../operator/controllers/workerpool/watches.js';
import type { Caches } from '../../../operator/kube/caches.js';
import type { EventHandler, InformerEvent } from '../../../operator/runtime/informer.js';
import { FakeCache } from '../../support/fake-kube.js';

/** A cache that also takes handlers, and an `emit` that stores the object and tells them, as an informer does. */
class FakeInformer<T extends KubernetesObject> extends FakeCache<T> {
  private readonly handlers: EventHandler<T>[] = [];
  addHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
  }
  emit(event: InformerEvent, object: T): void {
    if (event === 'delete') this.delete(object);
    else this.set(object);
    for (const handler of this.handlers) handler(event, object);
  }
}

function fakeCaches() {
  const caches = {
    tasks: new FakeInformer<OrchestratedTask>(),
    subtasks: new FakeInformer<Subtask>(),
    pods: new FakeInformer<V1Pod>(),
    nodes: new FakeInformer<V1Node>(),
    otherPods: new FakeInformer<V1Pod>(),
    pools: new FakeInformer<WorkerPool>(),
  };
  return { caches, asCaches: caches as unknown as Caches };
}

const task = (extra: Partial<OrchestratedTask['spec']> = {}, phase = 'InProgress') =>
  ({ metadata: { name: 'job', namespace: 'ns', uid: 't1' }, spec: { strategy: 'DataParallel', taskType: 'map', ...extra }, status: { phase } }) as unknown as OrchestratedTask;
const subtask = (name: string, dependsOn: string[] = [], phase = 'Pending') =>
  ({ metadata: { name, namespace: 'ns' }, spec: { taskRef: { name: 'job' }, dependsOn }, status: { phase } }) as unknown as Subtask;

describe('subtask watches', () => {
  test('a dependency that changes wakes the subtasks that depend on it', () => {
    const { caches, asCaches } = fakeCaches();
    const woken: string[] = [];
    watchSubtasks(asCaches, (key) => woken.push(key));
    caches.subtasks.emit('add', subtask('job-s1', ['job-s0']));
    woken.length = 0;
    caches.subtasks.emit('update', subtask('job-s0', [], 'Completed'));
    expect(woken).toEqual(['ns/job-s0', 'ns/job-s1']);
  });

  test("a task's progress does not wake its subtasks; its cancellation (or a new timeout) does", () => {
    const { caches, asCaches } = fakeCaches();
    const woken: string[] = [];
    caches.subtasks.set(subtask('job-p0'));
    watchSubtasks(asCaches, (key) => woken.push(key));
    caches.tasks.emit('add', task());
    expect(woken).toEqual(['ns/job-p0']);
    woken.length = 0;
    caches.tasks.emit('update', task({}, 'Merging'));
    expect(woken).toEqual([]);
    caches.tasks.emit('update', task({ timeoutSeconds: 30 } as never));
    caches.tasks.emit('update', task({ timeoutSeconds: 30, cancel: true } as never));
    expect(woken).toEqual(['ns/job-p0', 'ns/job-p0']);
  });

  test('a deleted node wakes the subtasks whose pods ran on it', () => {
    const { caches, asCaches } = fakeCaches();
    const woken: string[] = [];
    watchSubtasks(asCaches, (key) => woken.push(key));
    caches.pods.set({ metadata: { name: 'job-p0-a1', namespace: 'ns', annotations: { 'drm.dtf.io/subtask-name': 'job-p0' } }, spec: { nodeName: 'n1', containers: [] } });
    caches.nodes.emit('update', { metadata: { name: 'n1' } });
    expect(woken).toEqual([]);
    caches.nodes.emit('delete', { metadata: { name: 'n1' } });
    expect(woken).toEqual(['ns/job-p0']);
  });
});

describe('task and pool watches', () => {
  test("a subtask's change wakes its task; a node's change wakes its pool", () => {
    const { caches, asCaches } = fakeCaches();
    const tasks: string[] = [];
    const pools: string[] = [];
    watchTasks(asCaches, (key) => tasks.push(key));
    watchWorkerPools(asCaches, (key) => pools.push(key));
    caches.subtasks.emit('update', subtask('job-p0', [], 'Running'));
    caches.nodes.emit('add', { metadata: { name: 'gpu-1', labels: { 'drm.dtf.io/pool': 'gpu' } } });
    caches.nodes.emit('add', { metadata: { name: 'other' } });
    caches.pools.emit('delete', { metadata: { name: 'old' }, spec: {} } as unknown as WorkerPool);
    expect(tasks).toEqual(['ns/job']);
    expect(pools).toEqual(['gpu']);
  });

  test("a node's heartbeat does not wake its pool; a change the pool reads (readiness, taints) does", () => {
    const { caches, asCaches } = fakeCaches();
    const pools: string[] = [];
    watchWorkerPools(asCaches, (key) => pools.push(key));
    const node = (ready: string, heartbeat: string, taints: V1Node['spec'] = {}): V1Node => ({
      metadata: { name: 'gpu-1', labels: { 'drm.dtf.io/pool': 'gpu' } },
      spec: taints,
      status: { conditions: [{ type: 'Ready', status: ready, lastHeartbeatTime: new Date(heartbeat) }] },
    });
    caches.nodes.emit('add', node('True', '2026-12-02T00:00:00Z'));
    caches.nodes.emit('update', node('True', '2026-12-02T00:00:40Z'));
    expect(pools).toEqual(['gpu']);
    caches.nodes.emit('update', node('False', '2026-12-02T00:01:20Z'));
    caches.nodes.emit('update', node('False', '2026-12-02T00:02:00Z', { taints: [{ key: 'drm.dtf.io/unregistered', effect: 'NoSchedule' }] }));
    caches.nodes.emit('delete', node('False', '2026-12-02T00:02:00Z'));
    expect(pools).toEqual(['gpu', 'gpu', 'gpu', 'gpu']);
  });

  test('a cloud Node joining with a providerID and no pool label wakes the cloud pools (to adopt it), not the others', () => {
    const { caches, asCaches } = fakeCaches();
    const pools: string[] = [];
    caches.pools.emit('add', { metadata: { name: 'ec2' }, spec: { provider: { aws: { region: 'us-west-2' } } } } as unknown as WorkerPool);
    caches.pools.emit('add', { metadata: { name: 'sim' }, spec: { provider: { kwok: {} } } } as unknown as WorkerPool);
    watchWorkerPools(asCaches, (key) => pools.push(key));
    caches.nodes.emit('add', { metadata: { name: 'i-1.us-west-2.compute.internal' }, spec: { providerID: 'aws:///us-west-2a/i-1' } });
    caches.nodes.emit('update', { metadata: { name: 'i-1.us-west-2.compute.internal' }, spec: { providerID: 'aws:///us-west-2a/i-1' } });
    expect(pools).toEqual(['ec2']);
  });

  test("a split waiting for room under the namespace's subtask limit is woken when another task's subtask goes", () => {
    const { caches, asCaches } = fakeCaches();
    const tasks: string[] = [];
    watchTasks(asCaches, (key) => tasks.push(key));
    const waiting = { metadata: { name: 'later', namespace: 'ns', uid: 't2' }, spec: {}, status: { phase: 'Pending', message: 'splitting waits: namespace ns holds 10 subtasks of other tasks and this task needs 5, over the limit' } } as unknown as OrchestratedTask;
    caches.tasks.emit('add', waiting);
    caches.tasks.emit('add', task());
    tasks.length = 0;
    caches.subtasks.emit('update', subtask('job-p0', [], 'Completed'));
    expect(tasks).toEqual(['ns/job']);
    caches.subtasks.emit('delete', subtask('job-p0', [], 'Completed'));
    expect(tasks).toEqual(['ns/job', 'ns/job', 'ns/later']);
  });
});
