// What every built-in workload sees: its items, its params and the context of this attempt.
import type { z } from 'zod';

export interface WorkloadContext {
  /** 1-based attempt number of the subtask (DRM_ATTEMPT). */
  attempt: number;
  /** A FunctionParallel subtask's function name (params.function), when there is one. */
  functionName?: string | undefined;
  /** Aborted when the pod is being terminated; long workloads stop at their next check. */
  signal: AbortSignal;
}

/** A built-in workload: items and params in, a JSON-serializable result out. */
export type Workload = (items: unknown, params: Record<string, unknown>, context: WorkloadContext) => Promise<unknown>;

/** A workload that cannot run as asked (bad params or items); the message is shown to the user. */
export class WorkloadError extends Error {
  override readonly name = 'WorkloadError';
}

/** Validates a workload's params, turning zod issues into one readable message. */
export function parseParams<Schema extends z.ZodType>(workload: string, schema: Schema, params: unknown): z.output<Schema> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = ['params', ...issue.path.map(String)].join('.');
    return `${where}: ${issue.message}`;
  });
  throw new WorkloadError(`${workload}: ${problems.join('; ')}`);
}

/** Rejects with the signal's reason once it is aborted; a cheap check inside long loops. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new Error(`aborted${reason === undefined ? '' : `: ${String(reason)}`}`);
}

/** Human-readable JS type of a JSON value, for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
