// Builders for the predictor's tests: TrainingSamples from a few numbers, and synthetic runs
// that follow a known law (t = c·n³·repeat for matmul, t = c_op·items for map) with seeded noise.
import { sampleFrom, seededRandom, type HardwareClass, type TrainingSample } from '../../../../operator/core/predict/index.js';

export const MI = 2 ** 20;
const EPOCH = Date.UTC(2025, 0, 1);

/** A time `index` seconds after a fixed epoch, RFC 3339. */
export const at = (index: number): string => new Date(EPOCH + index * 1000).toISOString();

export interface RunOptions {
  id?: string;
  index?: number;
  taskType?: string;
  params?: Record<string, unknown>;
  inputSize?: number;
  seconds?: number;
  hardware?: HardwareClass;
  gpuProduct?: string;
  cpu?: number;
  memoryBytes?: number;
  succeeded?: boolean;
}

/** One run: defaults to a successful 1 s matmul on cpu, finished `index` seconds after the epoch. */
export function run(options: RunOptions = {}): TrainingSample {
  const index = options.index ?? 0;
  return sampleFrom({
    id: options.id ?? `run-${index}`,
    taskType: options.taskType ?? 'matmul',
    params: options.params ?? {},
    inputSize: options.inputSize ?? 0,
    hardware: { type: options.hardware ?? 'cpu', ...(options.gpuProduct !== undefined ? { gpuProduct: options.gpuProduct } : {}) },
    executionSeconds: options.seconds ?? 1,
    ...(options.cpu !== undefined ? { cpuCoresUsed: options.cpu } : {}),
    ...(options.memoryBytes !== undefined ? { memoryBytesUsed: options.memoryBytes } : {}),
    succeeded: options.succeeded ?? true,
    finishedAt: at(index),
  });
}

export interface LawOptions {
  /** Relative noise: each time is multiplied by 1 + noise·u, u uniform in [-1, 1). Default 0.05. */
  noise?: number;
  seed?: number;
  /** Seconds per unit of work. Default 1e-9 (matmul: per n³). */
  scale?: number;
  hardware?: HardwareClass;
  gpuProduct?: string;
  /** Ids and times start here. Default 0. */
  first?: number;
  /** Repeat the grid this many times. Default 1. */
  rounds?: number;
}

/** matmul runs over n × repeat with t = scale·n³·repeat, cpu ≈ 1 core and memory 80 MB + 24·n² bytes. */
export function matmulRuns(sizes: readonly number[], repeats: readonly number[], options: LawOptions = {}): TrainingSample[] {
  const random = seededRandom(options.seed ?? 7);
  const noise = options.noise ?? 0.05;
  const scale = options.scale ?? 1e-9;
  const runs: TrainingSample[] = [];
  let index = options.first ?? 0;
  for (let round = 0; round < (options.rounds ?? 1); round++) {
    for (const n of sizes) {
      for (const repeat of repeats) {
        const jitter = 1 + noise * (random() * 2 - 1);
        runs.push(
          run({
            id: `${options.hardware ?? 'cpu'}-${options.gpuProduct ?? ''}-${index}`,
            index: index++,
            params: { n, repeat },
            seconds: scale * n ** 3 * repeat * jitter,
            ...(options.hardware ? { hardware: options.hardware } : {}),
            ...(options.gpuProduct ? { gpuProduct: options.gpuProduct } : {}),
            cpu: 1 + 0.02 * (random() * 2 - 1),
            memoryBytes: 80e6 + 24 * n * n,
          }),
        );
      }
    }
  }
  return runs;
}

/** map runs over items × op with t = perItem[op]·items. */
export function mapRuns(items: readonly number[], perItem: Record<string, number>, options: LawOptions = {}): TrainingSample[] {
  const random = seededRandom(options.seed ?? 11);
  const noise = options.noise ?? 0.05;
  const runs: TrainingSample[] = [];
  let index = options.first ?? 0;
  for (const size of items) {
    for (const [op, seconds] of Object.entries(perItem)) {
      runs.push(run({ id: `map-${index}`, index: index++, taskType: 'map', params: { op }, inputSize: size, seconds: seconds * size * (1 + noise * (random() * 2 - 1)) }));
    }
  }
  return runs;
}

export const MATMUL_SIZES = [32, 48, 64, 96, 128, 160, 192, 256, 320] as const;
