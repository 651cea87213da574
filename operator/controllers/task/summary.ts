// Pure pieces of the task controller: counting subtasks by phase, progress, and what the counts
// mean for the task under its failure policy.
import type { OrchestratedTask, TaskPhase } from '../../api/orchestratedtask.js';
import type { Subtask } from '../../api/subtask.js';

export interface SubtaskCounts {
  total: number;
  pending: number;
  assigned: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export function countSubtasks(subtasks: readonly Subtask[], total: number): SubtaskCounts {
  const counts: SubtaskCounts = { total, pending: 0, assigned: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const subtask of subtasks) {
    switch (subtask.status?.phase ?? 'Pending') {
      case 'Pending': counts.pending++; break;
      case 'Assigned': counts.assigned++; break;
      case 'Running': counts.running++; break;
      case 'Completed': counts.completed++; break;
      case 'Failed': counts.failed++; break;
      case 'Cancelled': counts.cancelled++; break;
    }
  }
  // Subtasks not created yet (or not in the cache yet) are pending.
  counts.pending += Math.max(0, total - subtasks.length);
  return counts;
}

export function finishedCount(counts: SubtaskCounts): number {
  return counts.completed + counts.failed + counts.cancelled;
}

export function completionPercentage(counts: SubtaskCounts): number {
  if (counts.total === 0) return 0;
  return Math.floor((100 * finishedCount(counts)) / counts.total);
}

export type TaskVerdict =
  | { verdict: 'running' }
  | { verdict: 'merge' }
  | { verdict: 'fail'; reason: string; message: string };

/**
 * What the subtask counts mean for the task. FailFast: the first failed subtask fails the task.
 * ContinueOnFailure: the task waits for every subtask to finish, then completes if the share of
 * completed ones reaches minSuccessRatio (default 0), else fails.
 */
export function taskVerdict(task: Pick<OrchestratedTask, 'spec'>, counts: SubtaskCounts, firstFailure?: string): TaskVerdict {
  const mode = task.spec.failurePolicy?.mode ?? 'FailFast';
  if (mode === 'FailFast' && counts.failed > 0) {
    return { verdict: 'fail', reason: 'SubtaskFailed', message: firstFailure ?? `${counts.failed} subtask(s) failed` };
  }
  if (finishedCount(counts) < counts.total) return { verdict: 'running' };
  const ratio = mode === 'FailFast' ? 1 : (task.spec.failurePolicy?.minSuccessRatio ?? 0);
  const achieved = counts.total === 0 ? 1 : counts.completed / counts.total;
  if (counts.completed === 0 && counts.total > 0) {
    return { verdict: 'fail', reason: 'NoSubtaskSucceeded', message: `none of ${counts.total} subtasks succeeded` };
  }
  if (achieved + 1e-9 < ratio) {
    return { verdict: 'fail', reason: 'TooFewSucceeded', message: `${counts.completed} of ${counts.total} subtasks succeeded, below minSuccessRatio ${ratio}` };
  }
  return { verdict: 'merge' };
}

export const TERMINAL_TASK_PHASES: ReadonlySet<TaskPhase> = new Set(['Completed', 'Failed', 'Cancelled']);

/** When the task's deadline passes, if it has one: counted from its creation. */
export function deadlineOf(task: Pick<OrchestratedTask, 'spec' | 'metadata'>): Date | undefined {
  const seconds = task.spec.deadlineSeconds;
  const created = task.metadata.creationTimestamp;
  if (seconds === undefined || !created) return undefined;
  return new Date(new Date(String(created)).getTime() + seconds * 1000);
}
