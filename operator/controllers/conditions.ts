// What each kind's conditions say, from its status (pure). Complete and Failed follow
// batch/v1 Job, so `kubectl wait --for=condition=Complete` (or Failed) works on tasks and
// subtasks; docs/conditions.md describes every type and reason.
import type { OrchestratedTaskStatus } from '../api/orchestratedtask.js';
import type { SubtaskStatus } from '../api/subtask.js';
import type { ConditionInput } from './status.js';

const PROGRESSING_TASK_PHASES = new Set(['Splitting', 'InProgress', 'Merging']);

const condition = (type: string, holds: boolean, reason: string, message: string): ConditionInput => ({ type, status: holds ? 'True' : 'False', reason, message });

/**
 * OrchestratedTask: Complete, Failed and Progressing. `failureReason` is why a Failed task
 * failed (SubtaskFailed, DeadlineExceeded, SplitFailed, MergeFailed, ...).
 */
export function taskConditions(status: OrchestratedTaskStatus, failureReason?: string): ConditionInput[] {
  const phase = status.phase ?? 'Pending';
  const message = status.message ?? '';
  return [
    condition('Complete', phase === 'Completed', phase === 'Completed' ? 'Completed' : phase, phase === 'Completed' ? message : ''),
    condition('Failed', phase === 'Failed', phase === 'Failed' ? (failureReason ?? 'Failed') : phase, phase === 'Failed' ? message : ''),
    condition('Progressing', PROGRESSING_TASK_PHASES.has(phase), phase, message),
  ];
}

/** Subtask: Complete and Failed; a failed one's reason is its last attempt's (e.g. ErrImagePull, DeadlineExceeded). */
export function subtaskConditions(status: SubtaskStatus): ConditionInput[] {
  const phase = status.phase ?? 'Pending';
  const message = status.message ?? '';
  const failedReason = status.lastFailure?.reason ?? 'Failed';
  return [
    condition('Complete', phase === 'Completed', phase, phase === 'Completed' ? message : ''),
    condition('Failed', phase === 'Failed', phase === 'Failed' ? failedReason : phase, phase === 'Failed' ? message : ''),
  ];
}

export interface PoolHealth {
  /** Why a provider call failed this reconcile (listing, credentials, launching, removing), if one did. */
  providerProblem?: { reason: string; message: string };
  /** Whether the provider scales at all (static pools do not). */
  canScale: boolean;
  nodes: number;
  readyNodes: number;
  desiredNodes: number;
}

/**
 * WorkerPool: Ready (every provider call working, as many ready nodes as desired) and
 * ScalingActive (the autoscaler can act on the pool: its provider scales and answers).
 */
export function poolConditions(health: PoolHealth): ConditionInput[] {
  const problem = health.providerProblem;
  const ready = problem
    ? condition('Ready', false, problem.reason, problem.message)
    : health.readyNodes < health.desiredNodes
      ? condition('Ready', false, 'NodesNotReady', `${health.readyNodes} of ${health.desiredNodes} desired nodes ready`)
      : condition('Ready', true, 'NodesReady', `${health.readyNodes} node${health.readyNodes === 1 ? '' : 's'} ready`);
  const scaling = !health.canScale
    ? condition('ScalingActive', false, 'StaticPool', 'the provider does not scale this pool; its nodes are selected, not created')
    : problem
      ? condition('ScalingActive', false, problem.reason, problem.message)
      : condition('ScalingActive', true, 'ScalingEnabled', 'the autoscaler can add and remove nodes');
  return [ready, scaling];
}
