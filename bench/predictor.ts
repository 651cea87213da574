// The predictor on real measurements: the built-in matmul and map workloads run in process, as
// the worker runs them (workloadFor(taskType)(items, params, context)), over a grid of sizes, each
// run timed with performance.now(). Per taskType a seeded ~30% of the runs is held out; the
// Predictor trains on the rest and predicts the held-out runs. The baseline, on the same
// held-out runs, is the mean seconds of the taskType's training runs.
import { Predictor, mape, mean, quantile, sampleFrom, seededShuffle, type PredictionSource, type TrainingSample } from '../operator/core/predict/index.js';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { workloadFor } from '../operator/worker/workloads/index.js';

/** The sizes each workload runs at: matmul n × repeat, map items × op. */
export interface BenchGrid {
  name: string;
  matmulSizes: readonly number[];
  matmulRepeats: readonly number[];
  mapItems: readonly number[];
  mapOps: readonly string[];
}

/** The original grid: runs from tens of microseconds (map of 2,000 squares) to about a second. */
export const SMALL_GRID: BenchGrid = {
  name: 'from 0.03 ms',
  matmulSizes: [32, 48, 64, 96, 128, 160, 192, 256, 320],
  matmulRepeats: [1, 2, 3],
  mapItems: [2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000],
  mapOps: ['square', 'double', 'sha256'],
};

/**
 * Runs of a millisecond or more, the least a subtask's pod runs for: below that a run's time is
 * mostly the clock's and the scheduler's (see the repeat floor the bench prints).
 */
export const MILLISECOND_GRID: BenchGrid = {
  name: 'from 1 ms',
  matmulSizes: [128, 160, 192, 224, 256, 320, 384],
  matmulRepeats: [1, 2, 3],
  mapItems: [100_000, 200_000, 400_000, 800_000],
  mapOps: ['square', 'double', 'sha256'],
};

export interface PredictorBenchOptions {
  /** Rounds over the whole grid (each a fresh, seeded order). Default 5. */
  rounds?: number;
  /** Share of each taskType's runs held out. Default 0.3. */
  holdOut?: number;
  seed?: number;
  /** Default SMALL_GRID. */
  grid?: BenchGrid;
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
  /** Accuracy and calibration of the predictor's answers on the held-out runs. */
  predictor: Accuracy;
  /** The same for the baseline: the taskType's mean training seconds, its P10–P90 the training runs'. */
  baseline: Accuracy;
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

/** How answers fared against the truth on held-out runs. */
export interface Accuracy {
  runs: number;
  /** Median and 90th percentile of |answer − actual| ÷ actual. */
  medianApe: number;
  p90Ape: number;
  /** Share of answers off by a factor of 2 or more either way. */
  offBy2x: number;
  /** Share of actual seconds within the answer's P10–P90 interval (80% when calibrated). */
  coverage: number;
}

/** The done-when targets of the predictor (issue 17). */
export const TARGETS = { medianApe: 0.15, p90Ape: 0.5, offBy2x: 0.05, coverage: [0.75, 0.85] as const };

export function accuracyOf(answers: ReadonlyArray<{ seconds: number; p10: number; p90: number }>, actual: readonly number[]): Accuracy {
  const errors = actual.map((value, i) => Math.abs(answers[i]!.seconds - value) / value);
  const factor = actual.map((value, i) => Math.max(answers[i]!.seconds / value, value / answers[i]!.seconds));
  const inside = actual.filter((value, i) => value >= answers[i]!.p10 && value <= answers[i]!.p90).length;
  return {
    runs: actual.length,
    medianApe: quantile(errors, 0.5),
    p90Ape: quantile(errors, 0.9),
    offBy2x: factor.filter((f) => f >= 2).length / actual.length,
    coverage: inside / actual.length,
  };
}

/** Whether an accuracy meets every target. */
export function meetsTargets(accuracy: Accuracy): boolean {
  return (
    accuracy.medianApe <= TARGETS.medianApe &&
    accuracy.p90Ape <= TARGETS.p90Ape &&
    accuracy.offBy2x <= TARGETS.offBy2x &&
    accuracy.coverage >= TARGETS.coverage[0] &&
    accuracy.coverage <= TARGETS.coverage[1]
  );
}

export interface PredictorBenchResult {
  taskTypes: TaskTypeFigures[];
  /** All held-out runs together. */
  overall: { predictor: Accuracy; baseline: Accuracy };
  /** The same runs, evaluated on the CPU seconds each used instead of its wall-clock seconds. */
  cpuClock: { taskTypes: TaskTypeFigures[]; overall: { predictor: Accuracy; baseline: Accuracy }; repeatFloor: Accuracy };
  /** Each held-out run answered by the median of the training runs of the very same job: the clock's own noise. */
  repeatFloor: Accuracy;
  /** The machine's 1-minute load average when the runs ended (wall-clock noise grows with it). */
  loadAverage: number;
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

function jobsOf(grid: BenchGrid): Job[] {
  const jobs: Job[] = [];
  for (const n of grid.matmulSizes) for (const repeat of grid.matmulRepeats) jobs.push({ taskType: 'matmul', params: { n, repeat }, items: undefined });
  for (const size of grid.mapItems) {
    const items = Array.from({ length: size }, (_, i) => i % 1000);
    for (const op of grid.mapOps) jobs.push({ taskType: 'map', params: { op }, items });
  }
  return jobs;
}

const EPOCH = Date.UTC(2025, 0, 1);

/** V8's full collection (exposed at run time: the bench runs without --expose-gc). */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * Runs one job as the worker would and times it: wall-clock seconds, and the CPU seconds of the
 * thread that ran it (process.threadCpuUsage: the workload's own execution, without the waits for
 * a CPU that other processes cause, nor other threads' work such as concurrent GC).
 */
async function measure(job: Job, signal: AbortSignal): Promise<{ seconds: number; cpu: number; cpuSeconds: number }> {
  const workload = workloadFor(job.taskType);
  // Each run starts from a collected heap, as a worker's pod starts fresh: the garbage earlier
  // runs left is not collected on this run's clock.
  collectGarbage();
  const cpuBefore = process.threadCpuUsage();
  const started = performance.now();
  await workload(job.items, job.params, { attempt: 1, signal });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.threadCpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { seconds, cpu: seconds > 0 ? cpuSeconds / seconds : 0, cpuSeconds };
}

export async function benchPredictor(options: PredictorBenchOptions = {}): Promise<PredictorBenchResult> {
  const rounds = options.rounds ?? 5;
  const holdOut = options.holdOut ?? 0.3;
  const seed = options.seed ?? 42;
  const signal = new AbortController().signal;
  const grid = options.grid ?? SMALL_GRID;
  const jobs = jobsOf(grid);

  // Warm-up, so the JIT has optimised the kernels before anything is timed.
  for (const job of jobs.filter((j) => (j.params.n ?? 0) === grid.matmulSizes[0] || (j.items?.length ?? 0) === grid.mapItems[0])) await measure(job, signal);

  const samples: TrainingSample[] = [];
  const paramsById = new Map<string, Record<string, unknown>>();
  const cpuSecondsById = new Map<string, number>();
  const measureStarted = performance.now();
  for (let round = 0; round < rounds; round++) {
    // A fresh order per round, so drift (thermal, GC) does not line up with the sizes.
    for (const job of seededShuffle(jobs, seed + round)) {
      const { seconds, cpu, cpuSeconds } = await measure(job, signal);
      const index = samples.length;
      cpuSecondsById.set(`${job.taskType}-${index}`, cpuSeconds);
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

  const wall = evaluate(samples, paramsById, holdOut, seed);
  // The same runs timed by the CPU time they used: what the work costs, without the waits for a
  // CPU that a loaded machine adds to the wall clock.
  const cpuSamples = samples.map((sample) => ({ ...sample, executionSeconds: Number(Math.max(1e-6, cpuSecondsById.get(sample.id)!).toFixed(6)) }));
  const cpuClock = evaluate(cpuSamples, paramsById, holdOut, seed);
  const { taskTypes, overall, fitMs, repeatFloor } = wall;
  const minRatio = Math.min(...taskTypes.map((t) => t.ratio));
  return {
    taskTypes,
    overall,
    repeatFloor,
    cpuClock: { taskTypes: cpuClock.taskTypes, overall: cpuClock.overall, repeatFloor: cpuClock.repeatFloor },
    loadAverage: loadavg()[0]!,
    measureSeconds,
    fitMs,
    minRatio,
    atLeast3x: minRatio >= 3,
  };
}

/**
 * Per taskType, a seeded shuffle of its runs: the first share held out, the rest trained on; the
 * predictor and the baseline answer the held-out runs.
 */
function evaluate(
  samples: readonly TrainingSample[],
  paramsById: ReadonlyMap<string, Record<string, unknown>>,
  holdOut: number,
  seed: number,
): { taskTypes: TaskTypeFigures[]; overall: { predictor: Accuracy; baseline: Accuracy }; fitMs: number; repeatFloor: Accuracy } {
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

  const answered: Array<{ predictor: { seconds: number; p10: number; p90: number }; baseline: { seconds: number; p10: number; p90: number }; actual: number }> = [];
  const taskTypes = summary.map((entry): TaskTypeFigures => {
    const trained = train.filter((s) => s.taskType === entry.taskType);
    const heldOut = test.filter((s) => s.taskType === entry.taskType);
    const actual = heldOut.map((s) => s.executionSeconds);
    const predictions = heldOut.map((s) => predictor.predict({ taskType: s.taskType, params: paramsById.get(s.id)!, inputSize: s.inputSize, hardware: { type: 'cpu' } }));
    const sources: Partial<Record<PredictionSource, number>> = {};
    for (const p of predictions) sources[p.source] = (sources[p.source] ?? 0) + 1;
    const baseline = mean(trained.map((s) => s.executionSeconds));
    const trainedSeconds = trained.map((s) => s.executionSeconds);
    const baselineBand = { p10: quantile(trainedSeconds, 0.1), p90: quantile(trainedSeconds, 0.9) };
    const predictorAnswers = predictions.map((p) => ({ seconds: p.executionSeconds, p10: p.interval?.p10 ?? p.executionSeconds, p90: p.interval?.p90 ?? p.executionSeconds }));
    const baselineAnswers = actual.map(() => ({ seconds: baseline, ...baselineBand }));
    answered.push(...predictorAnswers.map((answer, i) => ({ predictor: answer, baseline: baselineAnswers[i]!, actual: actual[i]! })));
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
      predictor: accuracyOf(predictorAnswers, actual),
      baseline: accuracyOf(baselineAnswers, actual),
      predictorMape,
      baselineMape,
      ratio: baselineMape / predictorMape,
      sources,
      minSeconds: Math.min(...all),
      maxSeconds: Math.max(...all),
    };
  });
  const actual = answered.map((a) => a.actual);
  const overall = { predictor: accuracyOf(answered.map((a) => a.predictor), actual), baseline: accuracyOf(answered.map((a) => a.baseline), actual) };
  return { taskTypes, overall, fitMs, repeatFloor: repeatFloor(train, test, paramsById) };
}

/**
 * How well the held-out runs can be told at all: each answered by the median of the training runs
 * of exactly the same job (taskType, params, input size), P10–P90 theirs. No predictor that sees
 * only the job does better on average; what this misses is the run-to-run noise of the clock.
 */
function repeatFloor(train: readonly TrainingSample[], test: readonly TrainingSample[], paramsById: ReadonlyMap<string, Record<string, unknown>>): Accuracy {
  const keyOf = (sample: TrainingSample) => `${sample.taskType} ${JSON.stringify(paramsById.get(sample.id))} ${sample.inputSize}`;
  const byJob = new Map<string, number[]>();
  for (const sample of train) byJob.set(keyOf(sample), [...(byJob.get(keyOf(sample)) ?? []), sample.executionSeconds]);
  const answered = test.filter((sample) => (byJob.get(keyOf(sample))?.length ?? 0) > 0);
  const answers = answered.map((sample) => {
    const same = byJob.get(keyOf(sample))!;
    return { seconds: quantile(same, 0.5), p10: quantile(same, 0.1), p90: quantile(same, 0.9) };
  });
  return accuracyOf(answers, answered.map((sample) => sample.executionSeconds));
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const accuracyWords = (a: Accuracy) =>
  `median APE ${percent(a.medianApe)}, p90 APE ${percent(a.p90Ape)}, off by ≥ 2× ${percent(a.offBy2x)}, P10–P90 covers ${percent(a.coverage)}`;

/** The bench's heading for a grid. */
export const predictorBenchTitleOf = (grid: BenchGrid) =>
  `predictor on real runs (${grid.name}), in process: matmul n ∈ {${grid.matmulSizes.join(', ')}} × repeat ∈ {${grid.matmulRepeats.join(', ')}}, map items ∈ {${grid.mapItems.join(', ')}} × op ∈ {${grid.mapOps.join(', ')}}; 30% of each taskType's runs held out`;

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
      `    predictor: ${accuracyWords(figures.predictor)}`,
      `    baseline (taskType mean, P10–P90 of its training runs): ${accuracyWords(figures.baseline)}`,
    );
  }
  const overallLines = (label: string, overall: PredictorBenchResult['overall'], floor: Accuracy) => [
    `  ${label}, all ${overall.predictor.runs} held-out runs: predictor ${accuracyWords(overall.predictor)}; meets the targets: ${meetsTargets(overall.predictor) ? 'yes' : 'NO'}`,
    `    baseline (taskType mean; P10–P90 of its training runs): ${accuracyWords(overall.baseline)}`,
    `    repeat floor (median of the training runs of the very same job, ${floor.runs} runs): ${accuracyWords(floor)}; meets the targets: ${meetsTargets(floor) ? 'yes' : 'NO'}`,
  ];
  lines.push(
    `  targets: median APE ≤ ${percent(TARGETS.medianApe)}, p90 APE ≤ ${percent(TARGETS.p90Ape)}, off by ≥ 2× ≤ ${percent(TARGETS.offBy2x)}, P10–P90 covering ${percent(TARGETS.coverage[0])}–${percent(TARGETS.coverage[1])}; load average ${fixed(result.loadAverage, 2)}`,
    ...overallLines('wall-clock seconds (as the worker reports them)', result.overall, result.repeatFloor),
    ...overallLines("CPU seconds of the workload's thread (the same runs, without the waits for a CPU)", result.cpuClock.overall, result.cpuClock.repeatFloor),
  );
  for (const figures of result.cpuClock.taskTypes) lines.push(`    CPU seconds, ${figures.taskType}: predictor ${accuracyWords(figures.predictor)}`);
  lines.push(
    `  predictor at least 3× better than the baseline on every taskType: ${result.atLeast3x ? 'yes' : 'NO'} (smallest ratio ${fixed(result.minRatio)}×); ${fixed(result.measureSeconds)} s measuring, ${fixed(result.fitMs, 0)} ms fitting`,
  );
  return lines;
}

/** The heading of the default (small) grid, as `npm run bench` prints it. */
export const predictorBenchTitle = predictorBenchTitleOf(SMALL_GRID);
