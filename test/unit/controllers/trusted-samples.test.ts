// The predictor learns only what it can trust: the built-in worker's reports, no longer than the
// attempt was seen to run; a custom worker's report (any image, any taskType) is not learned.
import { describe, expect, test } from '@jest/globals';
import { subtaskSchema, type Subtask } from '../../../operator/api/subtask.js';
import { trustedForLearning } from '../../../operator/controllers/trusted-samples.js';
import { subtask } from '../../builders/index.js';

const finished = (spec: Record<string, unknown>, executionSeconds: number) =>
  subtaskSchema.parse(
    subtask('job-p0', 'job', {
      spec,
      status: { phase: 'Completed', startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:30Z', metrics: { executionSeconds, cpuCoresUsed: 1 } },
    }),
  ) as Subtask;

describe('trustedForLearning', () => {
  test("the built-in worker's report is learned as it is", () => {
    const builtIn = finished({}, 29.5);
    expect(trustedForLearning(builtIn)).toBe(builtIn);
  });

  test('a custom worker reporting under a built-in taskType is not learned', () => {
    expect(trustedForLearning(finished({ taskType: 'map', worker: { image: 'evil:1', command: ['lie'] } }, 1e6))).toBeUndefined();
  });

  test('seconds beyond what the attempt was seen to run are cut to its span', () => {
    expect(trustedForLearning(finished({}, 5000))?.status?.metrics).toEqual({ executionSeconds: 30, cpuCoresUsed: 1 });
  });
});
