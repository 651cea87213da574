// The Subtask controller's decisions as a pure function: from the subtask, its task's state,
// its dependencies and the pod of its current attempt, what to do and what its status becomes.
// The adapter (reconciler.ts) gathers the view from the caches and carries the actions out.
import type { V1Pod } from '@kubernetes/client-node';
import type { Attempt, Subtask, SubtaskPhase, SubtaskStatus } from '../../api/subtask.js';
import { MAX_ATTEMPT_HISTORY } from '../../api/subtask.js';
import { ANNOTATIONS } from '../labels.js';
import { podProgress, type PodProgress } from './outcome.js';
import { resultConfigMapNameFor } from './pod.js';

export interface RetryPolicy {
  maxAttempts: number;
  backoffSeconds: number;
  maxBackoffSeconds: number;
}

export interface SubtaskView {
  subtask: Subtask;
  /** Why the task no longer wants this subtask run (cancelled, failed, deadline), if so. */
  taskStopReason?: { reason: string; message: string };
  retry: RetryPolicy;
  /** The task's timeoutSeconds: the longest one attempt may take from its pod's creation. */
  timeoutSeconds?: number;
  dependencies: Array<{ name: string; phase: SubtaskPhase | 'Missing' }>;
  /** The current attempt's pod: the object, 'missing' (confirmed absent), or undefined (no attempt yet). */
  pod?: V1Pod | 'missing';
  /** Whether the node the pod is bound to still exists. */
  podNodeExists?: boolean;
  now: Date;
}

export type SubtaskAction =
  | { type: 'createPod'; attempt: number }
  | { type: 'deletePod'; name: string; reason: string }
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export interface SubtaskDecision {
  status: SubtaskStatus;
  actions: SubtaskAction[];
  /** Come back after this long even if nothing changes (retry backoff). */
  requeueAfterMs?: number;
}

export const TERMINAL_PHASES: ReadonlySet<SubtaskPhase> = new Set(['Completed', 'Failed', 'Cancelled']);

export function isTerminal(phase: SubtaskPhase | undefined): boolean {
  return phase !== undefined && TERMINAL_PHASES.has(phase);
}

/** Seconds to wait before attempt `nextAttempt` (2, 3, ...): doubling from backoffSeconds, capped. */
export function backoffSecondsBefore(nextAttempt: number, retry: RetryPolicy): number {
  return Math.min(retry.backoffSeconds * 2 ** Math.max(0, nextAttempt - 2), retry.maxBackoffSeconds);
}

function podIsLive(pod: V1Pod | 'missing' | undefined): pod is V1Pod {
  return pod !== undefined && pod !== 'missing' && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** Where the scheduler put the pod, from the annotations its Binding left: pool and fitness. */
export function placementOf(pod: V1Pod): Pick<SubtaskStatus, 'workerPool' | 'fitnessScore'> {
  const annotations = pod.metadata?.annotations ?? {};
  const raw = annotations[ANNOTATIONS.fitnessScore];
  const score = raw === undefined ? Number.NaN : Number(raw);
  return {
    ...(annotations[ANNOTATIONS.workerPool] ? { workerPool: annotations[ANNOTATIONS.workerPool] } : {}),
    ...(Number.isFinite(score) ? { fitnessScore: Math.min(1, Math.max(0, score)) } : {}),
  };
}

function withAttempt(status: SubtaskStatus, attempt: Attempt): SubtaskStatus {
  const history = (status.attemptHistory ?? []).filter((a) => a.attempt !== attempt.attempt);
  history.push(attempt);
  history.sort((a, b) => a.attempt - b.attempt);
  return { ...status, attemptHistory: history.slice(-MAX_ATTEMPT_HISTORY) };
}

export function decideSubtask(view: SubtaskView): SubtaskDecision {
  const { subtask, now } = view;
  const nowIso = now.toISOString();
  const status: SubtaskStatus = { ...(subtask.status ?? {}) };
  const actions: SubtaskAction[] = [];
  const attempts = status.attempts ?? 0;
  const livePod = podIsLive(view.pod) ? view.pod : undefined;

  if (isTerminal(status.phase)) {
    if (livePod && status.phase !== 'Completed') actions.push({ type: 'deletePod', name: livePod.metadata!.name!, reason: `subtask ${status.phase}` });
    return { status, actions };
  }

  const stop = (phase: 'Cancelled' | 'Failed', reason: string, message: string): SubtaskDecision => {
    if (livePod) actions.push({ type: 'deletePod', name: livePod.metadata!.name!, reason: message });
    let next: SubtaskStatus = { ...status, phase, message, completionTime: nowIso };
    if (attempts > 0) {
      const current = status.attemptHistory?.find((a) => a.attempt === attempts);
      if (current && !isTerminal(current.phase)) next = withAttempt(next, { ...current, phase, reason, message: message.slice(0, 1024), completionTime: nowIso });
    }
    actions.push({ type: 'event', eventType: phase === 'Failed' ? 'Warning' : 'Normal', reason, message });
    return { status: next, actions };
  };

  if (view.taskStopReason) return stop('Cancelled', view.taskStopReason.reason, view.taskStopReason.message);

  // Dependencies gate the first attempt only: once started, an attempt's input is fixed.
  if (attempts === 0) {
    const broken = view.dependencies.find((d) => d.phase === 'Failed' || d.phase === 'Cancelled');
    if (broken) return stop('Cancelled', 'DependencyFailed', `dependency ${broken.name} is ${broken.phase}`);
    const waiting = view.dependencies.filter((d) => d.phase !== 'Completed');
    if (waiting.length > 0) {
      return { status: { ...status, phase: 'Pending', message: `waiting for ${waiting.map((d) => d.name).join(', ')}` }, actions };
    }
    return startAttempt(status, 1, actions);
  }

  const current: Attempt = status.attemptHistory?.find((a) => a.attempt === attempts) ?? { attempt: attempts, phase: 'Pending' };
  const failureRecorded = status.lastFailure?.attempt === attempts;

  if (!failureRecorded) {
    const pod = view.pod;
    if (pod === undefined || pod === 'missing') {
      // Never seen past Pending: the pod was not created yet, or was deleted before binding; create it (again).
      if (current.phase === 'Pending' && !current.nodeName) return { status: { ...status, phase: 'Pending' }, actions: [{ type: 'createPod', attempt: attempts }] };
      return recordFailure(view, status, current, 'PodLost', `pod of attempt ${attempts} disappeared${current.nodeName ? ` from node ${current.nodeName}` : ''}`, undefined, actions);
    }
    return followPod(view, status, current, pod, actions);
  }

  // The current attempt failed and was recorded: retry when the backoff has passed.
  if (attemptsCounted(status, view.retry) >= view.retry.maxAttempts) {
    return stop('Failed', 'RetriesExhausted', `failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${status.lastFailure?.message ?? 'unknown error'}`);
  }
  const failedAt = Date.parse(status.lastFailure?.time ?? nowIso);
  const dueAt = failedAt + backoffSecondsBefore(attempts + 1, view.retry) * 1000;
  if (now.getTime() < dueAt) {
    const waitMs = dueAt - now.getTime();
    return {
      status: { ...status, phase: 'Pending', message: `attempt ${attempts} failed (${status.lastFailure?.reason}); retrying in ${Math.ceil(waitMs / 1000)}s` },
      actions,
      requeueAfterMs: waitMs,
    };
  }
  return startAttempt(status, attempts + 1, actions);
}

/** The decision while the current attempt's pod exists: follow its progress. */
function followPod(view: SubtaskView, status: SubtaskStatus, current: Attempt, pod: V1Pod, actions: SubtaskAction[]): SubtaskDecision {
  const attempts = current.attempt;
  const progress = podProgress(pod);
  if (progress.state === 'Succeeded') return completed(view, status, current, pod, progress, actions);
  if (progress.state === 'Failed') {
    return recordFailure(view, status, { ...current, ...(progress.nodeName ? { nodeName: progress.nodeName } : {}), ...(progress.startTime && !current.startTime ? { startTime: progress.startTime } : {}) }, progress.reason, progress.message, progress.exitCode, actions);
  }
  if (progress.state !== 'Unscheduled' && view.podNodeExists === false) {
    actions.push({ type: 'deletePod', name: pod.metadata!.name!, reason: `node ${progress.nodeName} is gone` });
    return recordFailure(view, status, { ...current, nodeName: progress.nodeName }, 'NodeLost', `node ${progress.nodeName} disappeared while attempt ${attempts} ran`, undefined, actions);
  }
  const trouble = progress.state === 'Unscheduled' ? undefined : progress.trouble;
  const timeout = attemptTimeout(view, pod);
  if (timeout && timeout.leftMs <= 0) {
    actions.push({ type: 'deletePod', name: pod.metadata!.name!, reason: 'attempt timed out' });
    const why = trouble ? ` (${trouble.reason}: ${trouble.message})` : progress.state === 'Unscheduled' ? ' waiting for a node' : '';
    const nodeName = progress.state === 'Unscheduled' ? {} : { nodeName: progress.nodeName };
    return recordFailure(view, status, { ...current, ...nodeName }, 'DeadlineExceeded', `attempt ${attempts} exceeded its timeout of ${timeout.seconds}s${why}`, undefined, actions);
  }
  const decision = livePod(view, status, current, pod, progress, actions);
  // A stuck pod is news: its cause becomes the message and a Warning Event, once per change.
  if (trouble) {
    const message = `attempt ${attempts} on ${decision.status.nodeName ?? 'its node'}: ${trouble.reason}: ${trouble.message}`;
    if (status.message !== message) actions.push({ type: 'event', eventType: 'Warning', reason: trouble.reason, message });
    decision.status = { ...decision.status, message };
  }
  return timeout ? { ...decision, requeueAfterMs: timeout.leftMs } : decision;
}

/** How long the current attempt may still take, under the task's timeoutSeconds, from its pod's creation. */
function attemptTimeout(view: SubtaskView, pod: V1Pod): { seconds: number; leftMs: number } | undefined {
  const seconds = view.timeoutSeconds;
  const created = pod.metadata?.creationTimestamp;
  if (seconds === undefined || created === undefined) return undefined;
  const createdMs = new Date(created).getTime();
  if (!Number.isFinite(createdMs)) return undefined;
  return { seconds, leftMs: createdMs + seconds * 1000 - view.now.getTime() };
}

type LiveProgress = Extract<PodProgress, { state: 'Unscheduled' | 'Bound' | 'Running' }>;

function livePod(view: SubtaskView, status: SubtaskStatus, current: Attempt, pod: V1Pod, progress: LiveProgress, actions: SubtaskAction[]): SubtaskDecision {
  const attempts = current.attempt;
  switch (progress.state) {
    case 'Unscheduled':
      return { status: { ...status, phase: 'Pending', message: progress.message ?? 'waiting for a node' }, actions };
    case 'Bound': {
      const next = withAttempt({ ...status, phase: 'Assigned', nodeName: progress.nodeName, ...placementOf(pod), message: `bound to ${progress.nodeName}` }, { ...current, nodeName: progress.nodeName, phase: 'Assigned' });
      if (status.phase !== 'Assigned') actions.push({ type: 'event', eventType: 'Normal', reason: 'Assigned', message: `attempt ${attempts} bound to ${progress.nodeName}` });
      return { status: next, actions };
    }
    case 'Running': {
      const startTime = progress.startTime ?? view.now.toISOString();
      const next = withAttempt(
        { ...status, phase: 'Running', nodeName: progress.nodeName, ...placementOf(pod), message: `running on ${progress.nodeName}`, startTime: status.startTime ?? startTime },
        { ...current, nodeName: progress.nodeName, phase: 'Running', startTime: current.startTime ?? startTime },
      );
      if (status.phase !== 'Running') actions.push({ type: 'event', eventType: 'Normal', reason: 'Running', message: `attempt ${attempts} running on ${progress.nodeName}` });
      return { status: next, actions };
    }
  }
}

function completed(view: SubtaskView, status: SubtaskStatus, current: Attempt, pod: V1Pod, progress: Extract<PodProgress, { state: 'Succeeded' }>, actions: SubtaskAction[]): SubtaskDecision {
  const attempts = current.attempt;
  const outcome = progress.outcome;
  // A result elsewhere than the ConfigMap this attempt was told to write (DRM_RESULT_CONFIGMAP)
  // could be another task's, or one shared by many partitions to swell the merge: refused.
  const expected = resultConfigMapNameFor(view.subtask.metadata.name!, attempts);
  if (outcome.resultConfigMap !== undefined && outcome.resultConfigMap !== expected) {
    const where = { ...current, ...(progress.nodeName ? { nodeName: progress.nodeName } : {}) };
    return recordFailure(view, status, where, 'ResultRejected', `the worker reported its result in ConfigMap ${outcome.resultConfigMap}, not ${expected} (DRM_RESULT_CONFIGMAP) as attempt ${attempts} was told`, progress.exitCode, actions);
  }
  // The worker's own timing is to the millisecond; the pod's is to the second.
  const finish = outcome.timing?.finishedAt ?? progress.finishTime ?? view.now.toISOString();
  const attemptStart = outcome.timing?.startedAt ?? current.startTime ?? progress.startTime;
  let next: SubtaskStatus = {
    ...status,
    phase: 'Completed',
    message: `completed on attempt ${attempts}`,
    completionTime: finish,
    startTime: attempts === 1 && outcome.timing ? outcome.timing.startedAt : (status.startTime ?? progress.startTime ?? finish),
    ...(progress.nodeName ? { nodeName: progress.nodeName } : {}),
    ...placementOf(pod),
    ...(outcome.metrics ? { metrics: outcome.metrics } : {}),
  };
  delete next.result;
  delete next.resultRef;
  if (outcome.resultConfigMap) next.resultRef = { configMapName: outcome.resultConfigMap, key: 'result.json' };
  else if (outcome.hasResult) next.result = outcome.result;
  next = withAttempt(next, { ...current, phase: 'Completed', exitCode: progress.exitCode, completionTime: finish, ...(progress.nodeName ? { nodeName: progress.nodeName } : {}), ...(attemptStart ? { startTime: attemptStart } : {}) });
  actions.push({ type: 'event', eventType: 'Normal', reason: 'Completed', message: `attempt ${attempts} completed${progress.nodeName ? ` on ${progress.nodeName}` : ''}` });
  return { status: next, actions };
}

/** The status of a subtask whose attempt `attempt` has just begun: its pod made, not yet placed. */
export function attemptStartStatus(status: SubtaskStatus, attempt: number): SubtaskStatus {
  const next = withAttempt({ ...status, phase: 'Pending', attempts: attempt, message: attempt === 1 ? 'waiting for a node' : `attempt ${attempt} waiting for a node` }, { attempt, phase: 'Pending' });
  delete next.nodeName;
  delete next.workerPool;
  delete next.fitnessScore;
  return next;
}

/**
 * Attempts that use up retries: one whose node was lost under it (a spot interruption, a node
 * removed) is no failure of the subtask's and is not counted, up to maxAttempts such losses, so
 * work on nodes that keep vanishing still ends.
 */
function attemptsCounted(status: SubtaskStatus, retry: RetryPolicy): number {
  const losses = (status.attemptHistory ?? []).filter((a) => a.reason === 'NodeLost').length;
  return (status.attempts ?? 0) - Math.min(losses, retry.maxAttempts);
}

function startAttempt(status: SubtaskStatus, attempt: number, actions: SubtaskAction[]): SubtaskDecision {
  const next = attemptStartStatus(status, attempt);
  actions.push({ type: 'createPod', attempt });
  if (attempt > 1) actions.push({ type: 'event', eventType: 'Normal', reason: 'Retrying', message: `starting attempt ${attempt}` });
  return { status: next, actions };
}

function recordFailure(
  view: SubtaskView,
  status: SubtaskStatus,
  current: Attempt,
  reason: string,
  message: string,
  exitCode: number | undefined,
  actions: SubtaskAction[],
): SubtaskDecision {
  const nowIso = view.now.toISOString();
  const attempt = current.attempt;
  const cleanReason = reason.replace(/[^A-Za-z0-9_]/g, '') || 'Failed';
  let next: SubtaskStatus = {
    ...status,
    lastFailure: { attempt, reason: cleanReason, message, ...(exitCode !== undefined ? { exitCode } : {}), time: nowIso },
  };
  next = withAttempt(next, { ...current, phase: 'Failed', reason: cleanReason, message: message.slice(0, 1024), ...(exitCode !== undefined ? { exitCode } : {}), completionTime: nowIso });
  actions.push({ type: 'event', eventType: 'Warning', reason: 'AttemptFailed', message: `attempt ${attempt} failed (${cleanReason}): ${message.slice(0, 300)}` });
  if (attemptsCounted({ ...next, attempts: attempt }, view.retry) >= view.retry.maxAttempts) {
    return {
      status: { ...next, phase: 'Failed', message: `failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${message.slice(0, 1000)}`, completionTime: nowIso },
      actions: [...actions, { type: 'event', eventType: 'Warning', reason: 'RetriesExhausted', message: `no attempts left (${attempt} of ${view.retry.maxAttempts})` }],
    };
  }
  const waitMs = backoffSecondsBefore(attempt + 1, view.retry) * 1000;
  return {
    status: { ...next, phase: 'Pending', message: `attempt ${attempt} failed (${cleanReason}); retrying in ${Math.ceil(waitMs / 1000)}s` },
    actions,
    requeueAfterMs: Math.max(waitMs, 1),
  };
}
