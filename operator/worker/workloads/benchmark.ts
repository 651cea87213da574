// benchmark: measures the matmul kernel at params.n. The function (latency | throughput |
// memory) comes from params.function, which is how FunctionParallel names its subtasks.
import { z } from 'zod';
import { matrixSizeSchema } from './matmul.js';
import { matrixPair, matrixSum, multiply, multiplyFlops, workingSetBytes, type MatrixPair } from './matrix.js';
import { WorkloadError, parseParams, type Workload, type WorkloadContext } from './types.js';

export const MAX_BENCHMARK_RUNS = 1000;

const benchmarkParamsSchema = z.object({
  n: matrixSizeSchema.default(256),
  runs: z.int().min(1).max(MAX_BENCHMARK_RUNS).default(5),
});
type BenchmarkParams = z.output<typeof benchmarkParamsSchema>;

/** Nearest-rank percentile (p in 0..100) of ascending samples. */
export function percentile(ascending: readonly number[], p: number): number {
  if (ascending.length === 0) throw new RangeError('percentile of no samples');
  const rank = Math.ceil((p / 100) * ascending.length);
  return ascending[Math.min(ascending.length, Math.max(1, rank)) - 1]!;
}

async function timedMultiply(pair: MatrixPair, signal: AbortSignal): Promise<number> {
  const start = performance.now();
  await multiply(pair, signal);
  return (performance.now() - start) / 1000;
}

async function warmedUpPair(n: number, signal: AbortSignal): Promise<MatrixPair> {
  const pair = matrixPair(n);
  await multiply(pair, signal); // lets the JIT optimise the kernel before anything is timed
  return pair;
}

async function latency({ n, runs }: BenchmarkParams, signal: AbortSignal) {
  const pair = await warmedUpPair(n, signal);
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) samples.push(await timedMultiply(pair, signal));
  const ascending = [...samples].sort((x, y) => x - y);
  return {
    function: 'latency',
    n,
    runs,
    secondsPerMultiply: {
      p50: percentile(ascending, 50),
      p95: percentile(ascending, 95),
      min: ascending[0]!,
      max: ascending[ascending.length - 1]!,
      mean: samples.reduce((sum, s) => sum + s, 0) / runs,
    },
  };
}

async function throughput({ n, runs }: BenchmarkParams, signal: AbortSignal) {
  const pair = await warmedUpPair(n, signal);
  let seconds = 0;
  for (let r = 0; r < runs; r++) seconds += await timedMultiply(pair, signal);
  return {
    function: 'throughput',
    n,
    multiplies: runs,
    seconds,
    multipliesPerSecond: runs / seconds,
    gflopsPerSecond: (multiplyFlops(n) * runs) / seconds / 1e9,
  };
}

async function memory({ n }: BenchmarkParams, signal: AbortSignal) {
  const rssBeforeBytes = process.memoryUsage.rss();
  const pair = matrixPair(n);
  await multiply(pair, signal); // touches every page of all three matrices
  const rssAfterBytes = process.memoryUsage.rss();
  return {
    function: 'memory',
    n,
    workingSetBytes: workingSetBytes(n),
    rssBeforeBytes,
    rssAfterBytes,
    // RSS moves in pages and the allocator may reuse freed memory, so this can undershoot.
    rssDeltaBytes: rssAfterBytes - rssBeforeBytes,
    // Read after RSS so the matrices stay alive until then.
    checksum: matrixSum(pair.c),
  };
}

export const benchmarkFunctions = { latency, throughput, memory };
export type BenchmarkFunctionName = keyof typeof benchmarkFunctions;
export const benchmarkFunctionNames = Object.keys(benchmarkFunctions) as BenchmarkFunctionName[];

function selectedFunction(params: Record<string, unknown>, context: WorkloadContext): BenchmarkFunctionName {
  const name = params.function ?? context.functionName;
  const expected = benchmarkFunctionNames.join(' | ');
  if (name === undefined) throw new WorkloadError(`benchmark: params.function is required, one of ${expected}`);
  if (typeof name !== 'string' || !Object.hasOwn(benchmarkFunctions, name)) {
    throw new WorkloadError(`benchmark: unknown function ${JSON.stringify(name)}; expected one of ${expected}`);
  }
  return name as BenchmarkFunctionName;
}

export const benchmark: Workload = async (_items, params, context) => {
  const functionName = selectedFunction(params, context);
  const parsed = parseParams(`benchmark ${functionName}`, benchmarkParamsSchema, params);
  return benchmarkFunctions[functionName](parsed, context.signal);
};
