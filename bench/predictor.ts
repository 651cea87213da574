// The predictor on real measurements. The built-in matmul and map workloads run as the worker runs
// them, each timed by the worker's own measurement (bench/predictor-runs.ts, in a process of its
// own with the CPU weight a pod's request gives), over a grid of runs of about 20 ms to 0.5 s:
// long enough that the timer and the scheduler's slices are small beside the run. The figures are
// about `executionSeconds` as a finished subtask reports it: wall-clock seconds of the workload.
//
// Split (seed 42): per taskType a seeded 30% of the runs is held out; the Predictor trains on the
// rest (its model choice and its P10–P90 bands come from cross-validation on those alone) and
// answers the held-out runs. Beside it, on the same held-out runs:
//   baseline      the taskType's mean training seconds (P10–P90: its training runs').
//   repeat floor  the median of the training runs of the very same job: what is left is the run-to-run
//                 noise of the measurement itself, which no predictor of the job can beat.
// The same runs are also split with seeds 43–46, to show how much one split owes to chance. A
// second kind of split holds out whole jobs (a seeded 30% of each taskType's sizes): sizes never seen.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Predictor, mean, quantile, sampleFrom, seededShuffle, type PredictionSource, type TrainingSample } from '../operator/core/predict/index.js';
import type { BenchJob, MeasureReport, MeasureRequest } from './predictor-runs.js';

/** The grid: matmul n × repeat; map square and double over millions of items, sha256 over tens of thousands. */
export const GRID: readonly BenchJob[] = [
  ...[320, 384, 448, 512, 576].flatMap((n) => [1, 2, 3].map((repeat): BenchJob => ({ taskType: 'matmul', params: { n, repeat }, items: 0 }))),
  ...['square', 'double'].flatMap((op) => [1_500_000, 3_000_000, 6_000_000, 9_000_000].map((items): BenchJob => ({ taskType: 'map', params: { op }, items }))),
  ...[25_000, 50_000, 100_000, 200_000].map((items): BenchJob => ({ taskType: 'map', params: { op: 'sha256' }, items })),
];

/** The CPU weight of the measuring process's scheduling group: that of nice -15 (about 28× a default group's). */
export const MEASURING_GROUP_NICE = -15;

const DEFAULT_ROUNDS = 30;
/** Splits besides the seed's, to show how much one split's figures owe to chance. */
const OTHER_SPLITS = 4;

export interface PredictorBenchOptions {
  /**
   * Rounds over the whole grid, each in a fresh seeded order. Default 30: 810 runs, 243 held out, so a
   * coverage of 80% is told from 75% or 85% (its standard error is 2.6 points).
   */
  rounds?: number;
  /** Share held out. Default 0.3. */
  holdOut?: number;
  /** Seed of the split and of the run order. Default 42. */
  seed?: number;
  /** The measuring group's nice (default MEASURING_GROUP_NICE); null: none, the runs compete as equals. */
  groupNice?: number | null;
  /** Where to write the measured runs as JSON (the MeasureReport), to recompute the figures from. */
  runsFile?: string;
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

interface Answer {
  seconds: number;
  p10: number;
  p90: number;
}

export function accuracyOf(answers: readonly Answer[], actual: readonly number[]): Accuracy {
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

export interface Comparison {
  predictor: Accuracy;
  /** The taskType's mean training seconds; P10–P90 of its training runs. */
  baseline: Accuracy;
  /** The median of the very same job's training runs (undefined when whole jobs are held out). */
  repeatFloor?: Accuracy;
  /** Which tiers answered. */
  sources: Partial<Record<PredictionSource, number>>;
}

export interface TaskTypeFigures extends Comparison {
  taskType: string;
  trained: number;
  /** The model the predictor chose, and every candidate's cross-validated MAPE on the training runs. */
  model: string | undefined;
  candidates: { name: string; mape: number | undefined }[];
  minSeconds: number;
  maxSeconds: number;
}

export interface PredictorBenchResult {
  /** Held-out runs (the done-when figures), all taskTypes together and per taskType. */
  heldOutRuns: Comparison;
  taskTypes: TaskTypeFigures[];
  /** Held-out sizes: whole jobs never trained on. */
  heldOutJobs: Comparison;
  /**
   * The predictor on the held-out runs of the same runs split with the next seeds (seed + 1 …):
   * how much the figures of one split owe to which runs it happened to hold out.
   */
  otherSplits: { seed: number; predictor: Accuracy }[];
  runs: number;
  /** The measuring group's nice while it measured (undefined: no autogroup), and why the requested one was refused. */
  groupNice: number | undefined;
  groupNiceRefused?: string;
  /** Median over the runs of the workload thread's CPU seconds ÷ wall seconds: near 1 when the run had its CPU throughout. */
  onCpuShare: number;
  /** The machine's 1-minute load average before and after measuring. */
  loadBefore: number;
  loadAfter: number;
  measureSeconds: number;
}

const RUNS_SCRIPT = fileURLToPath(new URL('./predictor-runs.ts', import.meta.url));

/** Runs the grid in a process of its own, in a session (so a scheduling group) of its own. */
async function measure(request: MeasureRequest): Promise<MeasureReport> {
  const child = spawn(process.execPath, [...process.execArgv, RUNS_SCRIPT, JSON.stringify(request)], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
  if (code !== 0) throw new Error(`the measuring process (${RUNS_SCRIPT}) exited with ${code}`);
  return JSON.parse(output) as MeasureReport;
}

export async function benchPredictor(options: PredictorBenchOptions = {}): Promise<PredictorBenchResult> {
  const rounds = options.rounds ?? DEFAULT_ROUNDS;
  const holdOut = options.holdOut ?? 0.3;
  const seed = options.seed ?? 42;
  const groupNice = options.groupNice === undefined ? MEASURING_GROUP_NICE : options.groupNice;
  const loadBefore = loadavg()[0]!;
  const report = await measure({ jobs: [...GRID], rounds, seed, ...(groupNice !== null ? { groupNice } : {}) });
  if (options.runsFile) writeFileSync(options.runsFile, JSON.stringify(report));
  return { ...evaluateRuns(report, { holdOut, seed }), loadBefore, loadAfter: loadavg()[0]! };
}

/** The figures of measured runs of GRID (split by the seed). */
export function evaluateRuns(report: MeasureReport, { holdOut, seed }: { holdOut: number; seed: number }): Omit<PredictorBenchResult, 'loadBefore' | 'loadAfter'> {
  const epoch = Date.UTC(2025, 0, 1);
  const runs = report.runs.map((run, index) => {
    const job = GRID[run.job]!;
    const sample = sampleFrom({
      id: `${job.taskType}-${index}`,
      taskType: job.taskType,
      params: job.params,
      inputSize: run.metrics.inputItems ?? 0,
      hardware: { type: 'cpu' },
      executionSeconds: run.metrics.executionSeconds,
      cpuCoresUsed: run.metrics.cpuCoresUsed,
      memoryBytesUsed: run.metrics.memoryBytesUsed,
      finishedAt: new Date(epoch + index * 1000),
    });
    return { sample, job: run.job };
  });

  // Held-out runs: per taskType a seeded share of the runs.
  const heldOutRunsOf = (splitSeed: number) => {
    const heldOut = new Set<number>();
    for (const taskType of ['map', 'matmul']) {
      const indices = seededShuffle(
        runs.flatMap((run, index) => (run.sample.taskType === taskType ? [index] : [])),
        splitSeed,
      );
      for (const index of indices.slice(0, Math.round(indices.length * holdOut))) heldOut.add(index);
    }
    return heldOut;
  };
  const heldOutRun = heldOutRunsOf(seed);
  const byRun = evaluate(runs, (_, index) => heldOutRun.has(index), true);
  const otherSplits = Array.from({ length: OTHER_SPLITS }, (_, i) => {
    const heldOut = heldOutRunsOf(seed + 1 + i);
    return { seed: seed + 1 + i, predictor: evaluate(runs, (_, index) => heldOut.has(index), false).overall.predictor };
  });

  // Held-out sizes: per taskType a seeded share of the jobs, all their runs.
  const heldOutJob = new Set<number>();
  for (const taskType of ['map', 'matmul']) {
    const jobs = seededShuffle(
      GRID.flatMap((job, index) => (job.taskType === taskType ? [index] : [])),
      seed,
    );
    for (const index of jobs.slice(0, Math.round(jobs.length * holdOut))) heldOutJob.add(index);
  }
  const byJob = evaluate(runs, (run) => heldOutJob.has(run.job), false);

  const onCpu = report.runs.map((run) => (run.metrics.executionSeconds > 0 ? run.threadCpuSeconds / run.metrics.executionSeconds : 0));
  return {
    heldOutRuns: byRun.overall,
    taskTypes: byRun.taskTypes,
    heldOutJobs: byJob.overall,
    otherSplits,
    runs: runs.length,
    groupNice: report.groupNice,
    ...(report.groupNiceRefused !== undefined ? { groupNiceRefused: report.groupNiceRefused } : {}),
    onCpuShare: quantile(onCpu, 0.5),
    measureSeconds: report.measureSeconds,
  };
}

interface Run {
  sample: TrainingSample;
  /** Index of its job in GRID. */
  job: number;
}

/** Trains on the runs not held out, answers the held-out ones by the predictor, the baseline and (optionally) the repeat floor. */
function evaluate(runs: readonly Run[], isHeldOut: (run: Run, index: number) => boolean, withFloor: boolean): { overall: Comparison; taskTypes: TaskTypeFigures[] } {
  const train = runs.filter((run, index) => !isHeldOut(run, index));
  const test = runs.filter((run, index) => isHeldOut(run, index));
  const predictor = new Predictor(train.map((run) => run.sample));
  const sameJob = new Map<number, number[]>();
  for (const run of train) sameJob.set(run.job, [...(sameJob.get(run.job) ?? []), run.sample.executionSeconds]);

  const compare = (heldOut: readonly Run[], trained: readonly Run[]): Comparison => {
    const actual = heldOut.map((run) => run.sample.executionSeconds);
    const sources: Partial<Record<PredictionSource, number>> = {};
    const answers = heldOut.map((run): Answer => {
      const prediction = predictor.predict({ taskType: run.sample.taskType, params: GRID[run.job]!.params, inputSize: run.sample.inputSize, hardware: { type: 'cpu' } });
      sources[prediction.source] = (sources[prediction.source] ?? 0) + 1;
      return { seconds: prediction.executionSeconds, p10: prediction.interval?.p10 ?? prediction.executionSeconds, p90: prediction.interval?.p90 ?? prediction.executionSeconds };
    });
    // The baseline per taskType: its training mean, its training runs' P10–P90.
    const baselineOf = new Map<string, Answer>();
    for (const taskType of new Set(trained.map((run) => run.sample.taskType))) {
      const seconds = trained.filter((run) => run.sample.taskType === taskType).map((run) => run.sample.executionSeconds);
      baselineOf.set(taskType, { seconds: mean(seconds), p10: quantile(seconds, 0.1), p90: quantile(seconds, 0.9) });
    }
    const floorAnswers = heldOut.map((run): Answer => {
      const same = sameJob.get(run.job) ?? [];
      return { seconds: quantile(same, 0.5), p10: quantile(same, 0.1), p90: quantile(same, 0.9) };
    });
    return {
      predictor: accuracyOf(answers, actual),
      baseline: accuracyOf(
        heldOut.map((run) => baselineOf.get(run.sample.taskType)!),
        actual,
      ),
      ...(withFloor ? { repeatFloor: accuracyOf(floorAnswers, actual) } : {}),
      sources,
    };
  };

  const summary = predictor.summary();
  const taskTypes = summary.map((entry): TaskTypeFigures => {
    const trained = train.filter((run) => run.sample.taskType === entry.taskType);
    const heldOut = test.filter((run) => run.sample.taskType === entry.taskType);
    const seconds = [...trained, ...heldOut].map((run) => run.sample.executionSeconds);
    return {
      taskType: entry.taskType,
      trained: trained.length,
      model: entry.model,
      candidates: entry.candidates ?? [],
      minSeconds: Math.min(...seconds),
      maxSeconds: Math.max(...seconds),
      ...compare(heldOut, trained),
    };
  });
  return { overall: compare(test, train), taskTypes };
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
/** The coverage's binomial standard error, in points: how far a calibrated band's count may stray by chance. */
const standardError = (a: Accuracy) => (100 * Math.sqrt((a.coverage * (1 - a.coverage)) / a.runs)).toFixed(1);
const accuracyWords = (a: Accuracy) =>
  `median APE ${percent(a.medianApe)}, p90 APE ${percent(a.p90Ape)}, off by ≥ 2× ${percent(a.offBy2x)}, P10–P90 covers ${percent(a.coverage)} (± ${standardError(a)})`;
const sourcesWords = (sources: Comparison['sources']) =>
  Object.entries(sources)
    .map(([source, count]) => `${count} by ${source}`)
    .join(', ');

/** The bench's heading. */
export function predictorBenchTitle(options: PredictorBenchOptions = {}): string {
  const matmul = GRID.filter((job) => job.taskType === 'matmul');
  const map = GRID.filter((job) => job.taskType === 'map');
  const groupNice = options.groupNice === undefined ? MEASURING_GROUP_NICE : options.groupNice;
  return (
    `predictor on real runs, execution seconds as the worker reports them (wall clock): ${GRID.length} jobs ` +
    `(matmul n ∈ {${[...new Set(matmul.map((job) => job.params.n))].join(', ')}} × repeat ∈ {1, 2, 3}; map ${['square', 'double', 'sha256'].map((op) => `${op} × {${map.filter((job) => job.params.op === op).map((job) => job.items.toLocaleString('en-US')).join(', ')}} items`).join(', ')}) × ${options.rounds ?? DEFAULT_ROUNDS} rounds, ` +
    `measured in a process of its own ${groupNice === null ? 'competing for the CPUs as an equal' : `with the CPU weight of nice ${groupNice} (as a pod's CPU request gives)`}; ` +
    `seed ${options.seed ?? 42}, ${percent(options.holdOut ?? 0.3)} of each taskType's runs held out`
  );
}

/** The figures as bench lines (without the [bench] prefix). */
export function predictorBenchLines(result: PredictorBenchResult): string[] {
  const targets = `targets: median APE ≤ ${percent(TARGETS.medianApe)}, p90 APE ≤ ${percent(TARGETS.p90Ape)}, off by ≥ 2× ≤ ${percent(TARGETS.offBy2x)}, P10–P90 covering ${percent(TARGETS.coverage[0])}–${percent(TARGETS.coverage[1])}`;
  const { heldOutRuns: overall } = result;
  const lines = [
    `  ${result.runs} runs in ${fixed(result.measureSeconds)} s; measuring group nice ${result.groupNice ?? 'unknown'}${result.groupNiceRefused ? ` (the weight asked for was refused: ${result.groupNiceRefused})` : ''}; median share of a run's wall clock spent on a CPU ${percent(result.onCpuShare)}; load average ${fixed(result.loadBefore, 2)} before, ${fixed(result.loadAfter, 2)} after`,
    `  ${targets}`,
    `  held-out runs (${overall.predictor.runs}): predictor ${accuracyWords(overall.predictor)} (${sourcesWords(overall.sources)}); meets the targets: ${meetsTargets(overall.predictor) ? 'yes' : 'NO'}`,
    `    baseline (taskType mean; P10–P90 of its training runs): ${accuracyWords(overall.baseline)}`,
    `    repeat floor (median of the very same job's training runs): ${accuracyWords(overall.repeatFloor!)}`,
  ];
  for (const figures of result.taskTypes) {
    const candidates = figures.candidates.map(({ name, mape }) => `${name} ${mape === undefined ? '-' : percent(mape)}`).join(', ');
    lines.push(
      `  ${figures.taskType}: runs of ${fixed(figures.minSeconds * 1000)}–${fixed(figures.maxSeconds * 1000)} ms, ${figures.trained} trained on, ${figures.predictor.runs} held out; model ${figures.model ?? 'none'} (cross-validated MAPE on the training runs: ${candidates})`,
      `    predictor ${accuracyWords(figures.predictor)}`,
      `    baseline ${accuracyWords(figures.baseline)}`,
      `    repeat floor ${accuracyWords(figures.repeatFloor!)}`,
    );
  }
  const splits = [{ seed: Number.NaN, predictor: overall.predictor }, ...result.otherSplits];
  const range = (pick: (a: Accuracy) => number) => {
    const values = splits.map((split) => pick(split.predictor));
    return `${percent(Math.min(...values))}–${percent(Math.max(...values))} (mean ${percent(mean(values))})`;
  };
  if (result.otherSplits.length > 0) {
    lines.push(
      `  the same runs split with seeds ${result.otherSplits[0]!.seed}–${result.otherSplits.at(-1)!.seed} as well, ${splits.length} splits: predictor median APE ${range((a) => a.medianApe)}, p90 APE ${range((a) => a.p90Ape)}, off by ≥ 2× ${range((a) => a.offBy2x)}, P10–P90 covers ${range((a) => a.coverage)}`,
    );
  }
  const { heldOutJobs: jobs } = result;
  lines.push(
    `  held-out sizes (a seeded 30% of each taskType's jobs, ${jobs.predictor.runs} runs of sizes never trained on): predictor ${accuracyWords(jobs.predictor)} (${sourcesWords(jobs.sources)})`,
    `    baseline ${accuracyWords(jobs.baseline)}`,
  );
  return lines;
}
