// The predictor's last tier: built-in guesses per taskType, for when nothing similar has run (pure).
// They are requests as they stand (headroom included), deliberately on the generous side.

export const MiB = 2 ** 20;

export interface WorkloadDefaults {
  executionSeconds: number;
  /** CPU cores to request. */
  cpu: number;
  /** Memory to request, in bytes. */
  memoryBytes: number;
}

/** Any taskType the predictor knows nothing about: 60 s, 1 core, 512Mi. */
export const GENERIC_DEFAULTS: Readonly<WorkloadDefaults> = { executionSeconds: 60, cpu: 1, memoryBytes: 512 * MiB };

/** A rough single-core rate of the matmul kernel (multiply-adds count 2 flops). */
const DEFAULT_FLOPS_PER_SECOND = 1e9;

const positiveNumber = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);

function matmulSeconds(n: number, multiplies: number): number {
  return (2 * n ** 3 * multiplies) / DEFAULT_FLOPS_PER_SECOND;
}

const BUILT_IN: Record<string, (params: Readonly<Record<string, unknown>>) => WorkloadDefaults> = {
  echo: () => ({ executionSeconds: 1, cpu: 0.25, memoryBytes: 256 * MiB }),
  flaky: () => ({ executionSeconds: 1, cpu: 0.25, memoryBytes: 256 * MiB }),
  map: () => ({ executionSeconds: 10, cpu: 1, memoryBytes: 512 * MiB }),
  sleep: (params) => ({ executionSeconds: positiveNumber(params.seconds) ?? 1, cpu: 0.1, memoryBytes: 256 * MiB }),
  matmul: (params) => {
    const n = positiveNumber(params.n) ?? 512;
    const repeat = positiveNumber(params.repeat) ?? 1;
    // Three n×n Float64 matrices on top of the worker process itself.
    return { executionSeconds: Math.max(1, matmulSeconds(n, repeat)), cpu: 1, memoryBytes: 256 * MiB + 24 * n * n };
  },
  benchmark: (params) => {
    const n = positiveNumber(params.n) ?? 256;
    const runs = positiveNumber(params.runs) ?? 5;
    // A warm-up multiply before the timed runs.
    return { executionSeconds: Math.max(5, matmulSeconds(n, runs + 1)), cpu: 1, memoryBytes: 256 * MiB + 24 * n * n };
  },
};

export const BUILT_IN_DEFAULT_TASK_TYPES = Object.keys(BUILT_IN);

/**
 * The defaults for a taskType: the built-in workloads' own (sized by their params where the
 * work is known, like matmul's n and sleep's seconds), else GENERIC_DEFAULTS. Any workload's
 * params.minSeconds (the worker pads the run to it) is a lower bound on the seconds.
 */
export function defaultsFor(taskType: string, params: Readonly<Record<string, unknown>> = {}): WorkloadDefaults {
  const builtIn = Object.hasOwn(BUILT_IN, taskType) ? BUILT_IN[taskType]! : undefined;
  const base = builtIn ? builtIn(params) : { ...GENERIC_DEFAULTS };
  const minSeconds = positiveNumber(params.minSeconds);
  return minSeconds !== undefined && minSeconds > base.executionSeconds ? { ...base, executionSeconds: minSeconds } : base;
}
