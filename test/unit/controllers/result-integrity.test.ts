// A worker returns its result where its attempt was told (DRM_RESULT_CONFIGMAP) or not at all:
// pointing at any other ConfigMap (another task's, or one many partitions share) fails the attempt.
import { describe, expect, test } from '@jest/globals';
import type { Subtask, SubtaskStatus } from '../../../operator/api/subtask.js';
import { decideSubtask } from '../../../operator/controllers/subtask/decide.js';
import { resultConfigMapNameFor } from '../../../operator/controllers/subtask/pod.js';
import { finishedPod } from '../../support/pods.js';

const subtask = {
  apiVersion: 'drm.dtf.io/v1alpha1',
  kind: 'Subtask',
  metadata: { name: 'job-p3', namespace: 'ns', uid: 'u1' },
  spec: { taskRef: { name: 'job' }, index: 3, role: 'partition', name: 'p3', taskType: 'echo', input: { items: [1] } },
  status: { phase: 'Running', attempts: 1, attemptHistory: [{ attempt: 1, phase: 'Running' }] } satisfies SubtaskStatus,
} as Subtask;

const decide = (resultConfigMap: string, maxAttempts = 1) =>
  decideSubtask({
    subtask,
    retry: { maxAttempts, backoffSeconds: 1, maxBackoffSeconds: 1 },
    dependencies: [],
    now: new Date('2026-01-01T00:01:00Z'),
    pod: finishedPod('job-p3-a1', 'n1', 0, JSON.stringify({ resultConfigMap, metrics: {} })),
    podNodeExists: true,
  });

describe('the result ConfigMap a worker names', () => {
  test('the one its attempt was told to write is taken', () => {
    expect(decide(resultConfigMapNameFor('job-p3', 1)).status).toMatchObject({ phase: 'Completed', resultRef: { configMapName: 'job-p3-a1-result' } });
  });

  test.each([
    ['another task', 'other-task-p0-a1-result'],
    ['a sibling partition', 'job-p0-a1-result'],
    ['an earlier attempt', 'job-p3-a0-result'],
  ])("%s's ConfigMap fails the attempt, naming both", (_what, name) => {
    const decision = decide(name);
    expect(decision.status.phase).toBe('Failed');
    expect(decision.status.resultRef).toBeUndefined();
    expect(decision.status.lastFailure).toMatchObject({ reason: 'ResultRejected' });
    expect(decision.status.message).toContain(`ConfigMap ${name}, not job-p3-a1-result`);
  });

  test('with retries left, the attempt is retried like any failure', () => {
    expect(decide('other-task-p0-a1-result', 3).status).toMatchObject({ phase: 'Pending', lastFailure: { reason: 'ResultRejected' } });
  });
});
