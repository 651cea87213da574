// The predictor on real measurements: the built-in matmul and map workloads run in process, as
// the worker runs them (workloadFor(taskType)(items, params, context)), over a grid of sizes, each
// run timed with performance.now(). Per taskType a seeded ~30% of the runs is held out; the
// Predictor trains on the rest and predicts the held-out runs. The baseline, on the same
// held-out runs, is the mean seconds of the taskType's training runs.
import { Predictor, mape, mean, sampleFrom, seededShuffle, type PredictionSource, type TrainingSample } from '../operator/core/predict/index.js';
import { workloadFor } from '../operator/worker/workloads/index.js';

export const MATMUL_SIZES = [32, 48, 64, 96, 128, 160, 192, 256, 320] as const;
export const MATMUL_REPEATS = [1, 2, 3] as const;
export const MAP_ITEMS = [2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000] as const;
export const MAP_OPS = ['square', 'double', 'sha256'] as const;

export interface PredictorBenchOptions {
  /** Rounds over the whole grid (each a fresh, seeded order). Default 5. */
  rounds?: number;
  /** Share of each taskType's runs held out. Default 0.3. */
  holdOut?: number;
  seed?: number;
}

export interface TaskTypeFigures {
  taskType: string;
  runs: number;
  trained: number;
  heldOut: number;
  /** The model the predictor chose, and its cross-validated MAPE on the training runs. */
  model: string | undefined;
  crossValidatedMape: number | undefined;
  /** Every candidate's cross-validated MAPE on the training runs (undefined: could not be fitted). */
  candidates: { name: string; mape: number | undefined }[];
  /** MAPE of the predictor's answers on the held-out runs. */
  predictorMape: number;
  /** MAPE of the training mean on the same held-out runs. */
  baselineMape: number;
  /** baselineMape / predictorMape: how many times better than the baseline. */
  ratio: number;
  /** Which tiers answered for the held-out runs. */
  sources: Partial<Record<PredictionSource, number>>;
  /** Shortest and longest run, seconds. */
  minSeconds: number;
  maxSeconds: number;
}

export interface PredictorBenchResult {
  taskTypes: TaskTypeFigures[];
  /** Wall seconds spent running the workloads, and milliseconds fitting the predictor. */
  measureSeconds: number;
  fitMs: number;
  /** The smallest ratio over the taskTypes, and whether it is at least 3. */
  minRatio: number;
  atLeast3x: boolean;
}

interface Job {
  taskType: 'matmul' | 'map';
  params: Record<string, unknown>;
  items: unknown[] | undefined;
}

function grid(): Job[] {
  const jobs: Job[] = [];
  for (const n of MATMUL_SIZES) for (const repeat of MATMUL_REPEATS) jobs.push({ taskType: 'matmul', params: { n, repeat }, items: undefined });
  for (const size of MAP_ITEMS) {
    const items = Array.from({ length: size }, (_, i) => i % 1000);
    for (const op of MAP_OPS) jobs.push({ taskType: 'map', params: { op }, items });
  }
  return jobs;
}

const EPOCH = Date.UTC(2025, 0, 1);

/** Runs one job as the worker would and times it; cpu from process.cpuUsage over the same span. */
async function measure(job: Job, signal: AbortSignal): Promise<{ seconds: number; cpu: number }> {
  const workload = workloadFor(job.taskType);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await workload(job.items, job.params, { attempt: 1, signal });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds, cpu: seconds > 0 ? (cpu.user + cpu.system) / 1e6 / seconds : 0 };
}

export async function benchPredictor(options: PredictorBenchOptions = {}): Promise<PredictorBenchResult> {
  const rounds = options.rounds ?? 5;
  const holdOut = options.holdOut ?? 0.3;
  const seed = options.seed ?? 42;
  const signal = new AbortController().signal;
  const jobs = grid();

  // Warm-up, so the JIT has optimised the kernels before anything is timed.
  for (const job of jobs.filter((j) => (j.params.n ?? 0) === 64 || (j.items?.length ?? 0) === MAP_ITEMS[0])) await measure(job, signal);

  const samples: TrainingSample[] = [];
  const paramsById = new Map<string, Record<string, unknown>>();
  const measureStarted = performance.now();
  for (let round = 0; round < rounds; round++) {
    // A fresh order per round, so drift (thermal, GC) does not line up with the sizes.
    for (const job of seededShuffle(jobs, seed + round)) {
      const { seconds, cpu } = await measure(job, signal);
      const index = samples.length;
      paramsById.set(`${job.taskType}-${index}`, job.params);
      samples.push(
        sampleFrom({
          id: `${job.taskType}-${index}`,
          taskType: job.taskType,
          params: job.params,
          inputSize: job.items?.length ?? 0,
          hardware: { type: 'cpu' },
          // As the worker reports it: to the microsecond.
          executionSeconds: Number(seconds.toFixed(6)),
          cpuCoresUsed: Number(cpu.toFixed(3)),
          finishedAt: new Date(EPOCH + index * 1000),
        }),
      );
    }
  }
  const measureSeconds = (performance.now() - measureStarted) / 1000;

  // Per taskType, a seeded shuffle: the first share held out, the rest trained on.
  const train: TrainingSample[] = [];
  const test: TrainingSample[] = [];
  for (const taskType of ['map', 'matmul']) {
    const shuffled = seededShuffle(
      samples.filter((s) => s.taskType === taskType),
      seed,
    );
    const cut = Math.round(shuffled.length * holdOut);
    test.push(...shuffled.slice(0, cut));
    train.push(...shuffled.slice(cut));
  }

  const fitStarted = performance.now();
  const predictor = new Predictor(train);
  const summary = predictor.summary();
  const fitMs = performance.now() - fitStarted;

  const taskTypes = summary.map((entry): TaskTypeFigures => {
    const trained = train.filter((s) => s.taskType === entry.taskType);
    const heldOut = test.filter((s) => s.taskType === entry.taskType);
    const actual = heldOut.map((s) => s.executionSeconds);
    const predictions = heldOut.map((s) => predictor.predict({ taskType: s.taskType, params: paramsById.get(s.id)!, inputSize: s.inputSize, hardware: { type: 'cpu' } }));
    const sources: Partial<Record<PredictionSource, number>> = {};
    for (const p of predictions) sources[p.source] = (sources[p.source] ?? 0) + 1;
    const baseline = mean(trained.map((s) => s.executionSeconds));
    const predictorMape = mape(
      predictions.map((p) => p.executionSeconds),
      actual,
    );
    const baselineMape = mape(
      actual.map(() => baseline),
      actual,
    );
    const all = [...trained, ...heldOut].map((s) => s.executionSeconds);
    return {
      taskType: entry.taskType,
      runs: trained.length + heldOut.length,
      trained: trained.length,
      heldOut: heldOut.length,
      model: entry.model,
      crossValidatedMape: entry.heldOutMape,
      candidates: entry.candidates ?? [],
      predictorMape,
      baselineMape,
      ratio: baselineMape / predictorMape,
      sources,
      minSeconds: Math.min(...all),
      maxSeconds: Math.max(...all),
    };
  });
  const minRatio = Math.min(...taskTypes.map((t) => t.ratio));
  return { taskTypes, measureSeconds, fitMs, minRatio, atLeast3x: minRatio >= 3 };
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

export const predictorBenchTitle = `predictor on real runs, in process: matmul n ∈ {${MATMUL_SIZES.join(', ')}} × repeat ∈ {${MATMUL_REPEATS.join(', ')}}, map items ∈ {${MAP_ITEMS.join(', ')}} × op ∈ {${MAP_OPS.join(', ')}}; 30% of each taskType's runs held out`;

/** The figures as bench lines (without the [bench] prefix). */
export function predictorBenchLines(result: PredictorBenchResult): string[] {
  const lines: string[] = [];
  for (const figures of result.taskTypes) {
    const answered = Object.entries(figures.sources)
      .map(([source, count]) => `${count} by ${source}`)
      .join(', ');
    const candidates = figures.candidates.map(({ name, mape }) => `${name} ${mape === undefined ? '-' : percent(mape)}`).join(', ');
    lines.push(
      `  ${figures.taskType}: ${figures.runs} runs of ${fixed(figures.minSeconds * 1000, 3)}–${fixed(figures.maxSeconds * 1000, 1)} ms, ${figures.trained} trained on, ${figures.heldOut} held out; chosen model ${figures.model ?? 'none'} (cross-validated MAPE: ${candidates})`,
      `    held-out MAPE: predictor ${percent(figures.predictorMape)} (${answered}), mean baseline ${percent(figures.baselineMape)}; ratio baseline/predictor ${fixed(figures.ratio)}×`,
    );
  }
  lines.push(
    `  predictor at least 3× better than the baseline on every taskType: ${result.atLeast3x ? 'yes' : 'NO'} (smallest ratio ${fixed(result.minRatio)}×); ${fixed(result.measureSeconds)} s measuring, ${fixed(result.fitMs, 0)} ms fitting`,
  );
  return lines;
}
