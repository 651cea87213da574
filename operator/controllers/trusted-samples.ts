// Which finished subtasks the predictor may learn from. It learns per taskType for the whole
// cluster, and what it learns sizes everyone's requests; usage is reported by the worker, and a
// custom worker (any image, chosen by the task's author) can report anything under any taskType,
// built-in ones included. So only the built-in worker's reports are learned, and even those no
// further than what was observed: seconds within the attempt's own span. Pure.
import type { Subtask } from '../api/subtask.js';

/** The subtask as the predictor may see it, or undefined when its report is not to be trusted. */
export function trustedForLearning(subtask: Subtask): Subtask | undefined {
  if (subtask.spec.worker !== undefined) return undefined;
  const metrics = subtask.status?.metrics;
  const seconds = metrics?.executionSeconds;
  const span = (Date.parse(subtask.status?.completionTime ?? '') - Date.parse(subtask.status?.startTime ?? '')) / 1000;
  // The pod's times are to the second; the worker's measure may exceed them by that much.
  if (seconds === undefined || !Number.isFinite(span) || seconds <= span + 1) return subtask;
  return { ...subtask, status: { ...subtask.status, metrics: { ...metrics, executionSeconds: Math.max(0, span) } } };
}
