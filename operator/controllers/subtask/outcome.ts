// What a worker Pod says about its attempt (pure): where it is in its life, and, once it ended,
// the outcome the worker wrote to its termination message (docs/worker-contract.md).
import type { V1Pod } from '@kubernetes/client-node';
import { WORKER_CONTAINER } from './pod.js';

export interface WorkerMetrics {
  executionSeconds?: number;
  cpuCoresUsed?: number;
  memoryBytesUsed?: number;
  inputItems?: number;
}

export interface WorkerOutcome {
  /** When the work started and finished, to the millisecond, as the worker measured it. */
  timing?: { startedAt: string; finishedAt: string };
  result?: unknown;
  hasResult: boolean;
  resultConfigMap?: string;
  metrics?: WorkerMetrics;
  error?: string;
}

/** Why a pod that is placed does not get on: a container waiting in one of POD_TROUBLE_REASONS. */
export interface PodTrouble {
  reason: string;
  message: string;
}

/**
 * Waiting reasons that mean the attempt is stuck rather than slow: the kubelet keeps retrying
 * them, and the pod would look healthy until some deadline if they were not surfaced.
 */
export const POD_TROUBLE_REASONS: ReadonlySet<string> = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
]);

export function podTrouble(pod: V1Pod): PodTrouble | undefined {
  for (const container of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = container.state?.waiting;
    if (waiting?.reason && POD_TROUBLE_REASONS.has(waiting.reason)) {
      return { reason: waiting.reason, message: `container ${container.name}: ${waiting.message ?? waiting.reason}`.slice(0, 1024) };
    }
  }
  return undefined;
}

export type PodProgress =
  | { state: 'Unscheduled'; message?: string }
  | { state: 'Bound'; nodeName: string; trouble?: PodTrouble }
  | { state: 'Running'; nodeName: string; startTime?: string; trouble?: PodTrouble }
  | { state: 'Succeeded'; nodeName?: string; startTime?: string; finishTime?: string; outcome: WorkerOutcome; exitCode: number }
  | { state: 'Failed'; nodeName?: string; startTime?: string; finishTime?: string; reason: string; message: string; exitCode?: number; outcome?: WorkerOutcome };

/** Parses a termination message; anything that is not the contract's JSON is kept as an error text. */
export function parseTerminationMessage(message: string | undefined): WorkerOutcome | undefined {
  if (!message || message.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(message) as Record<string, unknown>;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { hasResult: false, error: message.slice(0, 1024) };
    const metrics = sanitizeMetrics(parsed.metrics);
    const timing = timingOf(parsed.metrics);
    return {
      ...(timing ? { timing } : {}),
      hasResult: 'result' in parsed,
      ...('result' in parsed ? { result: parsed.result } : {}),
      ...(typeof parsed.resultConfigMap === 'string' ? { resultConfigMap: parsed.resultConfigMap } : {}),
      ...(metrics ? { metrics } : {}),
      ...(typeof parsed.error === 'string' ? { error: parsed.error } : {}),
    };
  } catch {
    // FallbackToLogsOnError puts the log tail here when the worker wrote nothing.
    return { hasResult: false, error: message.slice(-1024) };
  }
}

function timingOf(raw: unknown): WorkerOutcome['timing'] {
  const value = (raw ?? {}) as { startedAt?: unknown; finishedAt?: unknown };
  const valid = (x: unknown): x is string => typeof x === 'string' && !Number.isNaN(Date.parse(x));
  if (!valid(value.startedAt) || !valid(value.finishedAt)) return undefined;
  return { startedAt: new Date(value.startedAt).toISOString(), finishedAt: new Date(value.finishedAt).toISOString() };
}

function sanitizeMetrics(raw: unknown): WorkerMetrics | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const value = raw as Record<string, unknown>;
  const metrics: WorkerMetrics = {};
  const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  if (finite(value.executionSeconds)) metrics.executionSeconds = value.executionSeconds as number;
  if (finite(value.cpuCoresUsed)) metrics.cpuCoresUsed = value.cpuCoresUsed as number;
  if (finite(value.memoryBytesUsed)) metrics.memoryBytesUsed = Math.round(value.memoryBytesUsed as number);
  if (finite(value.inputItems)) metrics.inputItems = Math.round(value.inputItems as number);
  return Object.keys(metrics).length > 0 ? metrics : undefined;
}

const iso = (value: Date | string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

export function podProgress(pod: V1Pod): PodProgress {
  const nodeName = pod.spec?.nodeName;
  const phase = pod.status?.phase;
  const container = pod.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER) ?? pod.status?.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  const startTime = iso(pod.status?.startTime);
  if (phase === 'Succeeded') {
    const outcome = parseTerminationMessage(terminated?.message) ?? { hasResult: false };
    return { state: 'Succeeded', ...(nodeName ? { nodeName } : {}), ...(startTime ? { startTime } : {}), ...(terminated?.finishedAt ? { finishTime: iso(terminated.finishedAt)! } : {}), outcome, exitCode: terminated?.exitCode ?? 0 };
  }
  if (phase === 'Failed') {
    const outcome = parseTerminationMessage(terminated?.message);
    const reason = terminated?.reason ?? pod.status?.reason ?? 'Failed';
    const message = outcome?.error ?? terminated?.message ?? pod.status?.message ?? `worker exited with code ${terminated?.exitCode ?? 'unknown'}`;
    return {
      state: 'Failed',
      ...(nodeName ? { nodeName } : {}),
      ...(startTime ? { startTime } : {}),
      ...(terminated?.finishedAt ? { finishTime: iso(terminated.finishedAt)! } : {}),
      reason: reason.replace(/[^A-Za-z0-9_]/g, '') || 'Failed',
      message: message.slice(0, 1024),
      ...(terminated?.exitCode !== undefined ? { exitCode: terminated.exitCode } : {}),
      ...(outcome ? { outcome } : {}),
    };
  }
  if (!nodeName) {
    const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    return { state: 'Unscheduled', ...(unschedulable?.message ? { message: unschedulable.message } : {}) };
  }
  const trouble = podTrouble(pod);
  if (phase === 'Running') return { state: 'Running', nodeName, ...(startTime ? { startTime } : {}), ...(trouble ? { trouble } : {}) };
  return { state: 'Bound', nodeName, ...(trouble ? { trouble } : {}) };
}
