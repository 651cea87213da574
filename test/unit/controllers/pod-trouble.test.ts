import { describe, expect, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import type { Subtask, SubtaskStatus } from '../../../operator/api/subtask.js';
import { decideSubtask, type SubtaskView } from '../../../operator/controllers/subtask/decide.js';
import { podTrouble, POD_TROUBLE_REASONS } from '../../../operator/controllers/subtask/outcome.js';
import { boundPod, runningPod, unschedulablePod } from '../../support/pods.js';

const created = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(created.getTime() + seconds * 1000);
const retry = { maxAttempts: 2, backoffSeconds: 10, maxBackoffSeconds: 300 };
const attempt1: SubtaskStatus = { phase: 'Assigned', attempts: 1, nodeName: 'n1', attemptHistory: [{ attempt: 1, phase: 'Assigned', nodeName: 'n1' }] };

function subtask(status: SubtaskStatus): Subtask {
  return {
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'Subtask',
    metadata: { name: 'job-p0', namespace: 'ns', uid: 'u1' },
    spec: { taskRef: { name: 'job' }, index: 0, role: 'partition', name: 'p0', taskType: 'map', input: { items: [1] } },
    status,
  } as Subtask;
}

/** A pod bound to n1, created at `created`, whose worker container waits with `reason`. */
function waitingPod(reason: string, message = `${reason} happened`, phase: 'Pending' | 'Running' = 'Pending'): V1Pod {
  const pod = phase === 'Running' ? runningPod('job-p0-a1', 'n1') : boundPod('job-p0-a1', 'n1');
  pod.metadata!.creationTimestamp = created;
  pod.status = { ...pod.status, phase, containerStatuses: [{ name: 'worker', image: 'w', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message } } }] };
  return pod;
}

function view(pod: V1Pod, overrides: Partial<SubtaskView> = {}): SubtaskView {
  return { subtask: subtask(attempt1), retry, dependencies: [], pod, podNodeExists: true, now: at(10), ...overrides };
}

describe('pod trouble', () => {
  test.each([...POD_TROUBLE_REASONS])('%s becomes the subtask message and a Warning Event of that reason', (reason) => {
    const decision = decideSubtask(view(waitingPod(reason, 'details here')));
    expect(decision.status.message).toBe(`attempt 1 on n1: ${reason}: container worker: details here`);
    expect(decision.actions).toContainEqual({ type: 'event', eventType: 'Warning', reason, message: decision.status.message });
  });

  test('CrashLoopBackOff of a running pod keeps it Running and says why', () => {
    const decision = decideSubtask(view(waitingPod('CrashLoopBackOff', 'back-off 10s restarting', 'Running')));
    expect(decision.status.phase).toBe('Running');
    expect(decision.status.message).toMatch(/CrashLoopBackOff: container worker: back-off 10s/);
  });

  test('the same trouble seen again emits no second Event', () => {
    const first = decideSubtask(view(waitingPod('ImagePullBackOff')));
    const again = decideSubtask(view(waitingPod('ImagePullBackOff'), { subtask: subtask(first.status) }));
    expect(again.actions.filter((a) => a.type === 'event')).toEqual([]);
    expect(again.status.message).toBe(first.status.message);
  });

  test('an ordinary wait (ContainerCreating) is no trouble', () => {
    expect(podTrouble(waitingPod('ContainerCreating'))).toBeUndefined();
    const decision = decideSubtask(view(waitingPod('ContainerCreating')));
    expect(decision.status.message).toBe('bound to n1');
    expect(decision.actions.filter((a) => a.type === 'event' && a.eventType === 'Warning')).toEqual([]);
  });
});

describe('timeoutSeconds', () => {
  test('before the timeout the reconcile comes back when it falls due', () => {
    const decision = decideSubtask(view(waitingPod('ImagePullBackOff'), { timeoutSeconds: 60, now: at(25) }));
    expect(decision.requeueAfterMs).toBe(35_000);
    expect(decision.actions.some((a) => a.type === 'deletePod')).toBe(false);
  });

  test('an attempt stuck past its timeout fails with DeadlineExceeded, its pod deleted, and the retry policy takes over', () => {
    const decision = decideSubtask(view(waitingPod('ErrImagePull'), { timeoutSeconds: 60, now: at(60) }));
    expect(decision.actions).toContainEqual({ type: 'deletePod', name: 'job-p0-a1', reason: 'attempt timed out' });
    expect(decision.status.lastFailure).toMatchObject({ attempt: 1, reason: 'DeadlineExceeded' });
    expect(decision.status.lastFailure?.message).toMatch(/timeout of 60s \(ErrImagePull/);
    expect(decision.status.phase).toBe('Pending');
    expect(decision.requeueAfterMs).toBe(10_000);
  });

  test('with no attempts left the timed-out subtask fails', () => {
    const status: SubtaskStatus = { ...attempt1, attempts: 2, attemptHistory: [{ attempt: 2, phase: 'Pending' }] };
    const pod = unschedulablePod('job-p0-a2', 'no node fits');
    pod.metadata!.creationTimestamp = created;
    const decision = decideSubtask(view(pod, { subtask: subtask(status), timeoutSeconds: 30, now: at(31) }));
    expect(decision.status).toMatchObject({ phase: 'Failed', lastFailure: { attempt: 2, reason: 'DeadlineExceeded' } });
    expect(decision.status.lastFailure?.message).toMatch(/waiting for a node/);
  });

  test('a running pod within its timeout is left alone', () => {
    const pod = runningPod('job-p0-a1', 'n1');
    pod.metadata!.creationTimestamp = created;
    const decision = decideSubtask(view(pod, { timeoutSeconds: 600, now: at(100) }));
    expect(decision.status.phase).toBe('Running');
    expect(decision.requeueAfterMs).toBe(500_000);
  });
});
