// The measuring side of the predictor bench, in a process of its own (bench/predictor.ts starts
// it): the built-in workloads run as the worker runs them (workloadFor(taskType)(items, params)),
// each timed by the worker's own measurement (startMeasurement: wall-clock seconds, cores used,
// peak memory), which is what a finished subtask reports and the predictor learns from.
//
// The process is started in a session of its own (setsid), so it is its own scheduling group
// (Linux autogroup), and, when allowed, gives that group the CPU weight of nice -15: as a worker
// pod's CPU request gives its container a CPU weight on a busy node. Without it, the wall clock of
// a run on this 2-core machine shared with other jobs measures the other jobs as much as the run.
//
//   node --import tsx bench/predictor-runs.ts '<MeasureRequest as JSON>'   → MeasureReport as JSON on stdout
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { seededShuffle } from '../operator/core/predict/index.js';
import { startMeasurement, type Metrics } from '../operator/worker/contract.js';
import { workloadFor } from '../operator/worker/workloads/index.js';

/** One job of the grid: a taskType, its params and, for map, how many items. */
export interface BenchJob {
  taskType: 'matmul' | 'map';
  params: Record<string, unknown>;
  items: number;
}

export interface MeasureRequest {
  jobs: BenchJob[];
  rounds: number;
  seed: number;
  /** Give the process's scheduling group the weight of this nice value (negative: more), if allowed. */
  groupNice?: number;
}

export interface MeasuredRun {
  /** Index of the job in the request. */
  job: number;
  round: number;
  /** As the worker reports them. */
  metrics: Metrics;
  /** CPU seconds of the thread that ran the workload (diagnostic: how much of the wall clock was waiting for a CPU). */
  threadCpuSeconds: number;
}

export interface MeasureReport {
  runs: MeasuredRun[];
  /** The nice value of the process's scheduling group while measuring, as /proc/self/autogroup said (undefined: not there). */
  groupNice: number | undefined;
  /** Why the requested group weight could not be set, if it could not. */
  groupNiceRefused?: string;
  measureSeconds: number;
}

/** V8's full collection (exposed at run time: the process runs without --expose-gc). */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

const AUTOGROUP = '/proc/self/autogroup';

function readGroupNice(): number | undefined {
  try {
    const match = /nice\s+(-?\d+)/.exec(readFileSync(AUTOGROUP, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function itemsOf(size: number): number[] {
  return Array.from({ length: size }, (_, i) => i % 1000);
}

export async function measureRuns(request: MeasureRequest): Promise<MeasureReport> {
  let groupNiceRefused: string | undefined;
  if (request.groupNice !== undefined) {
    try {
      writeFileSync(AUTOGROUP, String(request.groupNice));
    } catch (error) {
      groupNiceRefused = error instanceof Error ? error.message : String(error);
    }
  }
  const signal = new AbortController().signal;
  const inputs = new Map<number, number[]>();
  const inputOf = (size: number) => {
    let items = inputs.get(size);
    if (!items) inputs.set(size, (items = itemsOf(size)));
    return items;
  };
  const run = async (job: BenchJob) => {
    const items = job.taskType === 'map' ? inputOf(job.items) : undefined;
    // Each run starts from a collected heap, as a worker's pod starts fresh: the garbage earlier
    // runs left is not collected on this run's clock.
    collectGarbage();
    const threadBefore = process.threadCpuUsage();
    const measure = startMeasurement();
    await workloadFor(job.taskType)(items, job.params, { attempt: 1, signal });
    const metrics = { ...measure(), inputItems: items?.length ?? 0 };
    const thread = process.threadCpuUsage(threadBefore);
    return { metrics, threadCpuSeconds: (thread.user + thread.system) / 1e6 };
  };

  // Warm-up, so the JIT has optimised the kernels before anything is timed.
  for (const job of request.jobs) await run(job);

  const runs: MeasuredRun[] = [];
  const started = performance.now();
  const order = request.jobs.map((_, index) => index);
  for (let round = 0; round < request.rounds; round++) {
    // A fresh order per round, so drift (heat, other jobs) does not line up with the sizes.
    for (const index of seededShuffle(order, request.seed + round)) runs.push({ job: index, round, ...(await run(request.jobs[index]!)) });
  }
  return {
    runs,
    groupNice: readGroupNice(),
    ...(groupNiceRefused !== undefined ? { groupNiceRefused } : {}),
    measureSeconds: (performance.now() - started) / 1000,
  };
}

if (process.argv[2] !== undefined && process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await measureRuns(JSON.parse(process.argv[2]) as MeasureRequest);
  process.stdout.write(JSON.stringify(report));
}
