// The scheduler's reconcile (scheduleTask) in process: informer events fed by hand, the fake API
// server taking the Bindings and the unschedulable reports.
import { describe, expect, test } from '@jest/globals';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { OrchestratedTask } from '../../../operator/api/orchestratedtask.js';
import type { Subtask } from '../../../operator/api/subtask.js';
import { buildWorkerPod } from '../../../operator/controllers/subtask/pod.js';
import { createLogger } from '../../../operator/runtime/logger.js';
import { SubtaskScheduler } from '../../../operator/scheduler/scheduler.js';
import { FakeApiServer, FakeCache, RecordingEvents } from '../../support/fake-kube.js';

const subtask = (cpu: string) =>
  ({
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'Subtask',
    metadata: { name: 'job-p0', namespace: 'ns', uid: 's1' },
    spec: { taskRef: { name: 'job', uid: 't1' }, index: 0, role: 'partition', name: 'p0', taskType: 'map', input: { items: [1] }, hardware: { type: 'cpu' }, resources: { cpu, memory: '1Gi' } },
    status: { phase: 'Pending', attempts: 1 },
  }) as unknown as Subtask;

const node: V1Node = {
  metadata: { name: 'cpu-1', labels: { 'drm.dtf.io/hardware': 'cpu' } },
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, capacity: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
};

function setup(cpu: string) {
  const api = new FakeApiServer();
  const st = subtask(cpu);
  const podOptions = { builtinWorkerImage: 'drm-operator:test', schedulerName: 'drm-scheduler' };
  const pod: V1Pod = buildWorkerPod(st, 1, podOptions);
  api.put('Pod', pod);
  const enqueued: string[] = [];
  const scheduler = new SubtaskScheduler(
    {
      clients: api.clients(),
      tasks: new FakeCache<OrchestratedTask>([{ metadata: { name: 'job', namespace: 'ns', uid: 't1' }, spec: { strategy: 'DataParallel', taskType: 'map' } } as unknown as OrchestratedTask]),
      subtasks: new FakeCache<Subtask>([st]),
      pods: new FakeCache<V1Pod>([pod]),
      events: new RecordingEvents(),
      log: createLogger('silent'),
      podTemplate: (s) => buildWorkerPod(s, 1, podOptions),
      enqueue: (key) => enqueued.push(key),
      now: () => 0,
    },
    { schedulerName: 'drm-scheduler', defaultPolicy: 'binpack' },
  );
  scheduler.onNode('add', node);
  scheduler.onPod('add', pod);
  return { api, scheduler, enqueued };
}

describe('scheduler reconcile', () => {
  test('a new unbound pod of ours wakes its task, and the reconcile binds it to the node that fits', async () => {
    const { api, scheduler, enqueued } = setup('1');
    expect(enqueued).toEqual(['ns/job']);
    expect(await scheduler.scheduleTask('ns/job')).toBeUndefined();
    const bindings = api.callsOf('createNamespacedPodBinding');
    expect(bindings).toHaveLength(1);
    expect((bindings[0]!.request.body as unknown as { target: { name: string } }).target.name).toBe('cpu-1');
    expect(scheduler.pendingDemand()).toEqual([]);
  });

  test('a pod that fits nowhere is told why, counts as pending demand, and is looked at again later', async () => {
    const { api, scheduler } = setup('8');
    expect(await scheduler.scheduleTask('ns/job')).toEqual({ requeueAfterMs: 30_000 });
    expect(api.callsOf('createNamespacedPodBinding')).toEqual([]);
    expect(api.callsOf('patchNamespacedPodStatus')).toHaveLength(1);
    expect(scheduler.pendingDemand()).toEqual([expect.objectContaining({ hardware: 'cpu', subtasks: 1 })]);
  });
});
