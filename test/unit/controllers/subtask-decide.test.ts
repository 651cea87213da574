import { describe, expect, test } from '@jest/globals';
import type { Subtask, SubtaskStatus } from '../../../operator/api/subtask.js';
import { backoffSecondsBefore, decideSubtask, type SubtaskView } from '../../../operator/controllers/subtask/decide.js';
import { boundPod, finishedPod, runningPod, unschedulablePod } from '../../support/pods.js';

const now = new Date('2026-01-01T00:01:00Z');
const retry = { maxAttempts: 3, backoffSeconds: 10, maxBackoffSeconds: 300 };

function subtaskWith(status: SubtaskStatus = {}, dependsOn?: string[]): Subtask {
  return {
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'Subtask',
    metadata: { name: 'job-p0', namespace: 'ns', uid: 'u1' },
    spec: { taskRef: { name: 'job' }, index: 0, role: 'partition', name: 'p0', taskType: 'map', input: { items: [1] }, ...(dependsOn ? { dependsOn } : {}) },
    status,
  } as Subtask;
}

function view(overrides: Partial<SubtaskView>): SubtaskView {
  return { subtask: subtaskWith(), retry, dependencies: [], now, ...overrides };
}

const attempt1Pending: SubtaskStatus = { phase: 'Pending', attempts: 1, attemptHistory: [{ attempt: 1, phase: 'Pending' }] };

describe('decideSubtask', () => {
  test('a subtask with no attempt and no dependencies starts attempt 1', () => {
    const decision = decideSubtask(view({}));
    expect(decision.actions).toContainEqual({ type: 'createPod', attempt: 1 });
    expect(decision.status).toMatchObject({ phase: 'Pending', attempts: 1 });
  });

  test('it waits for unfinished dependencies, naming them, and creates no pod', () => {
    const decision = decideSubtask(view({ subtask: subtaskWith({}, ['a', 'b']), dependencies: [{ name: 'a', phase: 'Completed' }, { name: 'b', phase: 'Running' }] }));
    expect(decision.actions).toEqual([]);
    expect(decision.status).toMatchObject({ phase: 'Pending', message: 'waiting for b' });
  });

  test('a failed dependency cancels it', () => {
    const decision = decideSubtask(view({ subtask: subtaskWith({}, ['a']), dependencies: [{ name: 'a', phase: 'Failed' }] }));
    expect(decision.status.phase).toBe('Cancelled');
    expect(decision.actions.some((a) => a.type === 'createPod')).toBe(false);
  });

  test('pod progress moves the phase: unschedulable → Pending with the reason, bound → Assigned, running → Running', () => {
    const base = subtaskWith(attempt1Pending);
    expect(decideSubtask(view({ subtask: base, pod: unschedulablePod('job-p0-a1', '0/3 nodes are available') })).status).toMatchObject({ phase: 'Pending', message: '0/3 nodes are available' });
    expect(decideSubtask(view({ subtask: base, pod: boundPod('job-p0-a1', 'n1'), podNodeExists: true })).status).toMatchObject({ phase: 'Assigned', nodeName: 'n1' });
    const running = decideSubtask(view({ subtask: base, pod: runningPod('job-p0-a1', 'n1'), podNodeExists: true })).status;
    expect(running).toMatchObject({ phase: 'Running', nodeName: 'n1', startTime: '2026-01-01T00:00:00.000Z' });
    expect(running.attemptHistory?.[0]).toMatchObject({ attempt: 1, phase: 'Running', nodeName: 'n1' });
  });

  test('a succeeded pod completes the subtask with the result and metrics of its termination message', () => {
    const message = JSON.stringify({ result: [1, 4, 9], metrics: { executionSeconds: 0.5, cpuCoresUsed: 1, memoryBytesUsed: 1000 } });
    const decision = decideSubtask(view({ subtask: subtaskWith(attempt1Pending), pod: finishedPod('job-p0-a1', 'n1', 0, message), podNodeExists: true }));
    expect(decision.status).toMatchObject({ phase: 'Completed', result: [1, 4, 9], metrics: { executionSeconds: 0.5, cpuCoresUsed: 1, memoryBytesUsed: 1000 } });
    expect(decision.status.resultRef).toBeUndefined();
  });

  test('a large result is referenced through the ConfigMap the worker named', () => {
    const message = JSON.stringify({ resultConfigMap: 'job-p0-a1-result', metrics: {} });
    const decision = decideSubtask(view({ subtask: subtaskWith(attempt1Pending), pod: finishedPod('job-p0-a1', 'n1', 0, message), podNodeExists: true }));
    expect(decision.status.resultRef).toEqual({ configMapName: 'job-p0-a1-result', key: 'result.json' });
    expect(decision.status.result).toBeUndefined();
  });

  test('a failed attempt is recorded with its error and retried after the backoff, not before', () => {
    const failed = decideSubtask(view({ subtask: subtaskWith(attempt1Pending), pod: finishedPod('job-p0-a1', 'n1', 1, JSON.stringify({ error: 'boom' })), podNodeExists: true }));
    expect(failed.status).toMatchObject({ phase: 'Pending', attempts: 1, lastFailure: { attempt: 1, reason: 'Error', message: 'boom', exitCode: 1 } });
    expect(failed.actions.some((a) => a.type === 'createPod')).toBe(false);
    expect(failed.requeueAfterMs).toBe(10_000);

    const tooEarly = decideSubtask(view({ subtask: subtaskWith(failed.status), pod: finishedPod('job-p0-a1', 'n1', 1, '{}'), now: new Date(now.getTime() + 9_000) }));
    expect(tooEarly.actions.some((a) => a.type === 'createPod')).toBe(false);
    expect(tooEarly.requeueAfterMs).toBe(1_000);

    const due = decideSubtask(view({ subtask: subtaskWith(failed.status), pod: finishedPod('job-p0-a1', 'n1', 1, '{}'), now: new Date(now.getTime() + 10_000) }));
    expect(due.actions).toContainEqual({ type: 'createPod', attempt: 2 });
    expect(due.status.attempts).toBe(2);
    expect(due.status.attemptHistory?.map((a) => [a.attempt, a.phase])).toEqual([[1, 'Failed'], [2, 'Pending']]);
  });

  test('the last allowed attempt failing fails the subtask', () => {
    const status: SubtaskStatus = { phase: 'Running', attempts: 3, attemptHistory: [{ attempt: 3, phase: 'Running', nodeName: 'n1' }] };
    const decision = decideSubtask(view({ subtask: subtaskWith(status), pod: finishedPod('job-p0-a3', 'n1', 2, JSON.stringify({ error: 'still broken' })), podNodeExists: true }));
    expect(decision.status).toMatchObject({ phase: 'Failed', lastFailure: { attempt: 3, message: 'still broken' } });
    expect(decision.actions.some((a) => a.type === 'createPod')).toBe(false);
  });

  test('backoff doubles per attempt and is capped', () => {
    expect([2, 3, 4, 5, 6, 7].map((n) => backoffSecondsBefore(n, { maxAttempts: 9, backoffSeconds: 10, maxBackoffSeconds: 100 }))).toEqual([10, 20, 40, 80, 100, 100]);
  });

  test('a pod whose node is gone is deleted and the attempt counts as failed (NodeLost)', () => {
    const status: SubtaskStatus = { phase: 'Running', attempts: 1, attemptHistory: [{ attempt: 1, phase: 'Running', nodeName: 'n1' }] };
    const decision = decideSubtask(view({ subtask: subtaskWith(status), pod: runningPod('job-p0-a1', 'n1'), podNodeExists: false }));
    expect(decision.actions).toContainEqual({ type: 'deletePod', name: 'job-p0-a1', reason: 'node n1 is gone' });
    expect(decision.status.lastFailure).toMatchObject({ attempt: 1, reason: 'NodeLost' });
  });

  test('a lost node does not use up a retry: the last allowed attempt lost with its node is retried, up to maxAttempts losses', () => {
    const last: SubtaskStatus = { phase: 'Running', attempts: 3, attemptHistory: [{ attempt: 3, phase: 'Running', nodeName: 'n1' }] };
    const lost = decideSubtask(view({ subtask: subtaskWith(last), pod: runningPod('job-p0-a3', 'n1'), podNodeExists: false }));
    expect(lost.status).toMatchObject({ phase: 'Pending', lastFailure: { attempt: 3, reason: 'NodeLost' } });
    // Every attempt lost with its node: the losses forgiven stop at maxAttempts.
    const history = [1, 2, 3, 4, 5].map((attempt) => ({ attempt, phase: 'Failed' as const, reason: 'NodeLost' }));
    const status: SubtaskStatus = { phase: 'Running', attempts: 6, attemptHistory: [...history, { attempt: 6, phase: 'Running', nodeName: 'n1' }] };
    expect(decideSubtask(view({ subtask: subtaskWith(status), pod: runningPod('job-p0-a6', 'n1'), podNodeExists: false })).status.phase).toBe('Failed');
  });

  test('a running attempt whose pod vanished counts as failed (PodLost); a never-bound one is recreated', () => {
    const running: SubtaskStatus = { phase: 'Running', attempts: 1, attemptHistory: [{ attempt: 1, phase: 'Running', nodeName: 'n1' }] };
    expect(decideSubtask(view({ subtask: subtaskWith(running), pod: 'missing' })).status.lastFailure?.reason).toBe('PodLost');
    expect(decideSubtask(view({ subtask: subtaskWith(attempt1Pending), pod: 'missing' })).actions).toEqual([{ type: 'createPod', attempt: 1 }]);
  });

  test('a stopped task cancels the subtask and deletes its live pod', () => {
    const status: SubtaskStatus = { phase: 'Running', attempts: 1, attemptHistory: [{ attempt: 1, phase: 'Running', nodeName: 'n1' }] };
    const decision = decideSubtask(view({ subtask: subtaskWith(status), pod: runningPod('job-p0-a1', 'n1'), podNodeExists: true, taskStopReason: { reason: 'TaskCancelled', message: 'task cancelled' } }));
    expect(decision.status).toMatchObject({ phase: 'Cancelled', message: 'task cancelled' });
    expect(decision.actions).toContainEqual({ type: 'deletePod', name: 'job-p0-a1', reason: 'task cancelled' });
  });

  test('each transition is announced by an Event once, not on every reconcile', () => {
    const base = subtaskWith(attempt1Pending);
    const bound = decideSubtask(view({ subtask: base, pod: boundPod('job-p0-a1', 'n1'), podNodeExists: true }));
    expect(bound.actions).toContainEqual({ type: 'event', eventType: 'Normal', reason: 'Assigned', message: 'attempt 1 bound to n1' });
    const again = decideSubtask(view({ subtask: subtaskWith(bound.status), pod: boundPod('job-p0-a1', 'n1'), podNodeExists: true }));
    expect(again.actions).toEqual([]);
    const running = decideSubtask(view({ subtask: subtaskWith(bound.status), pod: runningPod('job-p0-a1', 'n1'), podNodeExists: true }));
    expect(running.actions).toContainEqual({ type: 'event', eventType: 'Normal', reason: 'Running', message: 'attempt 1 running on n1' });
  });

  test('a terminal subtask stays as it is', () => {
    const status: SubtaskStatus = { phase: 'Completed', attempts: 1, result: 1 };
    const decision = decideSubtask(view({ subtask: subtaskWith(status), taskStopReason: { reason: 'TaskCancelled', message: 'x' } }));
    expect(decision.status).toEqual(status);
    expect(decision.actions).toEqual([]);
  });
});
