// Candidate regressors for a task type's execution seconds, and choosing one by held-out error
// (pure, deterministic: fixed folds, a seeded forest, no Math.random).
//
//   log-linear     log(seconds) linear in the log-scaled features and items (logScale) and the
//                  hardware one-hot: a power law, so matmul's c·repeat·n³ and map's c_op·items
//                  are fitted exactly. Least squares, then once more without the runs far off
//                  the fit (beyond 4 robust standard deviations: GC pauses, noisy neighbours).
//   polynomial     seconds as a polynomial (degree ≤ 3) in the one quantity that tracks
//                  log(seconds) best: enough when a single size drives the time.
//   random-forest  log(seconds) from the same columns as log-linear; no extrapolation, but
//                  no assumption of shape either.
//   mean           the training mean: the baseline every model must beat.
import MLR from 'ml-regression-multivariate-linear';
import { RandomForestRegression } from 'ml-random-forest';
import { PolynomialRegression } from 'ml-regression-polynomial';
import { FeatureSpace, jobKeyOf, logScale, type Labelled, type Observation } from './features.js';
import { correlation, mean, median, relativeErrors } from './stats.js';

export const MODEL_NAMES = ['log-linear', 'polynomial', 'random-forest', 'mean'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface FittedModel {
  readonly name: ModelName;
  /** Predicted value (positive), for any observation, seen or not. */
  predict(observation: Observation): number;
}

export interface ModelOptions {
  /** Which candidates to try, in order of preference on a tie. Default: all of MODEL_NAMES. */
  candidates?: readonly ModelName[];
  /** Folds of the cross-validation (sample i is held out in fold i mod folds). Default 5. */
  folds?: number;
  /** Seed of the random forest. Default 42. */
  seed?: number;
  /** Trees in the forest. Default 10. */
  forestTrees?: number;
  /** The forest trains on at most this many rows (evenly spaced), as its cost grows quadratically. Default 100. */
  forestMaxRows?: number;
  /**
   * Candidates are preferred in their order: a later one is chosen over the current choice only
   * when its held-out MAPE is lower by more than this share (a forest must clearly beat a power
   * law, not by noise). Default 0.1.
   */
  preferEarlierWithin?: number;
  /** Predictions are kept within [floor, ceiling]. Defaults 1e-5 and 1e7 (seconds); the predictor also floors measured seconds at it. */
  floor?: number;
  ceiling?: number;
}

const DEFAULTS = { preferEarlierWithin: 0.1, folds: 5, seed: 42, forestTrees: 10, forestMaxRows: 100, floor: 1e-5, ceiling: 1e7 };
type Settings = typeof DEFAULTS;

function settings(options: ModelOptions): Settings {
  return {
    preferEarlierWithin: options.preferEarlierWithin ?? DEFAULTS.preferEarlierWithin,
    folds: options.folds ?? DEFAULTS.folds,
    seed: options.seed ?? DEFAULTS.seed,
    forestTrees: options.forestTrees ?? DEFAULTS.forestTrees,
    forestMaxRows: options.forestMaxRows ?? DEFAULTS.forestMaxRows,
    floor: options.floor ?? DEFAULTS.floor,
    ceiling: options.ceiling ?? DEFAULTS.ceiling,
  };
}

/** Why a candidate cannot be fitted on this data; selection skips it. */
export class DegenerateFit extends Error {
  override readonly name = 'DegenerateFit';
}

const bounded = (value: number, s: Settings): number => {
  if (!Number.isFinite(value)) return value > 0 ? s.ceiling : s.floor;
  return Math.min(s.ceiling, Math.max(s.floor, value));
};

/**
 * The columns of `rows` that carry information: not constant, and not a copy of an earlier
 * one (collinear columns make XᵀX singular). Also each kept column's mean and spread, to
 * standardise with.
 */
function informativeColumns(rows: readonly number[][]): { index: number; center: number; scale: number }[] {
  const width = rows[0]?.length ?? 0;
  const kept: { index: number; center: number; scale: number }[] = [];
  for (let j = 0; j < width; j++) {
    const column = rows.map((row) => row[j]!);
    const center = mean(column);
    const spread = Math.sqrt(mean(column.map((v) => (v - center) ** 2)));
    if (!(spread > 1e-12)) continue;
    const duplicate = kept.some(({ index }) => rows.every((row) => row[index] === row[j]));
    if (!duplicate) kept.push({ index: j, center, scale: spread });
  }
  return kept;
}

function fitLogLinear(train: readonly Labelled[], s: Settings): FittedModel {
  const space = FeatureSpace.of(train);
  const raw = train.map((o) => space.vector(o, true));
  const columns = informativeColumns(raw);
  // An intercept plus one weight per column, and at least one degree of freedom to spare.
  if (train.length < columns.length + 2) throw new DegenerateFit(`${train.length} rows for ${columns.length + 1} weights`);
  const project = (row: readonly number[]) => columns.map(({ index, center, scale }) => (row[index]! - center) / scale);
  const x = raw.map(project);
  const y = train.map((o) => Math.log(o.y));
  const solve = (rows: readonly number[]): number[] => {
    if (columns.length === 0) return [mean(rows.map((i) => y[i]!))];
    const regression = new MLR(
      rows.map((i) => x[i]!),
      rows.map((i) => [y[i]!]),
      { intercept: true, statistics: false },
    );
    return regression.weights.map((w) => w[0]!);
  };
  const all = train.map((_, i) => i);
  let weights = solve(all);
  // One robust pass: runs far off the fit (a GC pause, a noisy neighbour) are left out and the
  // fit is redone, so that one slow run does not bend the law for all the others.
  const residuals = all.map((i) => y[i]! - combine(weights, x[i]!));
  const center = median(residuals);
  const spread = 1.4826 * median(residuals.map((r) => Math.abs(r - center)));
  const limit = Math.max(4 * spread, Math.log(1.5));
  const kept = all.filter((i) => Math.abs(residuals[i]! - center) <= limit);
  if (kept.length < all.length && kept.length >= columns.length + 2) weights = solve(kept);
  if (!weights.every(Number.isFinite)) throw new DegenerateFit('non-finite weights');
  return { name: 'log-linear', predict: (observation) => bounded(Math.exp(combine(weights, project(space.vector(observation, true)))), s) };
}

/** weights·row + intercept, with the intercept last (as MLR puts it). */
function combine(weights: readonly number[], row: readonly number[]): number {
  let sum = weights[weights.length - 1]!;
  for (let j = 0; j < row.length; j++) sum += weights[j]! * row[j]!;
  return sum;
}

function fitPolynomial(train: readonly Labelled[], s: Settings): FittedModel {
  const space = FeatureSpace.of(train);
  const logY = train.map((o) => Math.log(o.y));
  let best: { value: (o: Observation) => number; strength: number } | undefined;
  for (const column of space.sizeColumns()) {
    const values = train.map(column.value);
    if (new Set(values).size < 2) continue;
    const strength = Math.abs(correlation(values.map(logScale), logY));
    if (!best || strength > best.strength) best = { value: column.value, strength };
  }
  if (!best) throw new DegenerateFit('no quantity varies');
  const { value } = best;
  const xs = train.map(value);
  const scale = Math.max(...xs.map(Math.abs));
  const degree = Math.min(3, new Set(xs).size - 1);
  const regression = new PolynomialRegression(
    xs.map((x) => x / scale),
    train.map((o) => o.y),
    degree,
  );
  if (!regression.coefficients.every(Number.isFinite)) throw new DegenerateFit('non-finite coefficients');
  return { name: 'polynomial', predict: (observation) => bounded(regression.predict(value(observation) / scale), s) };
}

function fitRandomForest(train: readonly Labelled[], s: Settings): FittedModel {
  const space = FeatureSpace.of(train);
  // Evenly spaced rows, in their given (deterministic) order.
  const step = Math.max(1, train.length / s.forestMaxRows);
  const chosen: Labelled[] = [];
  for (let i = 0; i < train.length && chosen.length < s.forestMaxRows; i++) {
    if (Math.floor(i / step) === chosen.length) chosen.push(train[i]!);
  }
  const raw = chosen.map((o) => space.vector(o, false));
  const columns = informativeColumns(raw).map(({ index }) => index);
  if (columns.length === 0) throw new DegenerateFit('no column varies');
  if (chosen.length < 4) throw new DegenerateFit(`${chosen.length} rows`);
  const project = (row: readonly number[]) => columns.map((index) => row[index]!);
  const forest = new RandomForestRegression({
    seed: s.seed,
    nEstimators: s.forestTrees,
    maxFeatures: 1.0,
    replacement: false,
    useSampleBagging: true,
    noOOB: true,
    treeOptions: { minNumSamples: 2, maxDepth: 10 },
  });
  forest.train(raw.map(project), chosen.map((o) => Math.log(o.y)));
  return {
    name: 'random-forest',
    predict: (observation) => bounded(Math.exp(forest.predict([project(space.vector(observation, false))])[0]!), s),
  };
}

function fitMean(train: readonly Labelled[], s: Settings): FittedModel {
  if (train.length === 0) throw new DegenerateFit('no rows');
  const value = bounded(mean(train.map((o) => o.y)), s);
  return { name: 'mean', predict: () => value };
}

const FITTERS: Record<ModelName, (train: readonly Labelled[], s: Settings) => FittedModel> = {
  'log-linear': fitLogLinear,
  polynomial: fitPolynomial,
  'random-forest': fitRandomForest,
  mean: fitMean,
};

/** Fits one candidate; undefined when it cannot be fitted on this data (degenerate, or the library threw). */
export function fitModel(name: ModelName, train: readonly Labelled[], options: ModelOptions = {}): FittedModel | undefined {
  const s = settings(options);
  try {
    const model = FITTERS[name](train, s);
    // A model that cannot even answer for its own first row is no model.
    if (train.length > 0 && !Number.isFinite(model.predict(train[0]!))) return undefined;
    return model;
  } catch {
    return undefined;
  }
}

export interface CandidateScore {
  name: ModelName;
  /** Held-out MAPE over all folds; undefined when the candidate could not be fitted in some fold. */
  mape: number | undefined;
}

export interface ModelSelection {
  /** The chosen candidate, refitted on all the data. */
  model: FittedModel;
  name: ModelName;
  /** Its cross-validated MAPE: every sample predicted by a model that never saw it. */
  heldOutMape: number;
  /** The mean baseline's cross-validated MAPE on the same folds. */
  baselineMape: number;
  /** The chosen candidate's held-out relative errors, one per sample (for margins). */
  relativeErrors: number[];
  /**
   * Actual over held-out predicted, one per sample: the spread of the truth around an answer
   * (for prediction intervals). Undefined when the chosen candidate has no held-out predictions.
   */
  heldOutRatios?: number[];
  /**
   * The same for jobs never seen: each run predicted by a fit that saw no run of its job (same
   * features, items and hardware), folds split by job. The band for a new size must include the
   * error of the law between sizes, which folds split by run hide when every job ran many times.
   * Undefined when there are fewer than two jobs.
   */
  newJobRatios?: number[];
  candidates: CandidateScore[];
  folds: number;
}

/** actual ÷ predicted per pair, for predictions > 0 (others left out). */
function ratios(predicted: readonly number[], actual: readonly number[]): number[] {
  return actual.flatMap((value, i) => (predicted[i]! > 0 && Number.isFinite(predicted[i]!) ? [value / predicted[i]!] : []));
}

/**
 * actual ÷ predicted with folds split by job (job j of the distinct jobs, in order of first
 * appearance, in fold j mod k): each run answered by a fit that saw none of its job's runs. When
 * every run is a job of its own, the run folds' predictions already are that.
 */
function newJobRatiosOf(name: ModelName, data: readonly Labelled[], options: ModelOptions, folds: number, runFoldPredictions: readonly number[]): { newJobRatios?: number[] } {
  const keys = data.map(jobKeyOf);
  const jobs = [...new Set(keys)];
  if (jobs.length < 2) return {};
  if (jobs.length === data.length) return { newJobRatios: ratios(runFoldPredictions, data.map((o) => o.y)) };
  const k = Math.min(folds, jobs.length);
  const foldOfJob = new Map(jobs.map((job, index) => [job, index % k]));
  const predicted: number[] = [];
  const actual: number[] = [];
  for (let fold = 0; fold < k; fold++) {
    const model = fitModel(
      name,
      data.filter((_, i) => foldOfJob.get(keys[i]!) !== fold),
      options,
    );
    if (!model) continue;
    data.forEach((o, i) => {
      if (foldOfJob.get(keys[i]!) !== fold) return;
      predicted.push(model.predict(o));
      actual.push(o.y);
    });
  }
  return { newJobRatios: ratios(predicted, actual) };
}

/**
 * K-fold cross-validation of every candidate (sample i held out in fold i mod k, so the caller's
 * order decides the folds); the candidate with the lowest held-out MAPE, unless an earlier one
 * is within preferEarlierWithin of it, is refitted on everything. Needs at least 2 samples with
 * positive y.
 */
export function selectModel(data: readonly Labelled[], options: ModelOptions = {}): ModelSelection {
  if (data.length < 2) throw new RangeError(`model selection needs at least 2 samples, not ${data.length}`);
  const s = settings(options);
  const names = options.candidates?.length ? [...options.candidates] : [...MODEL_NAMES];
  if (!names.includes('mean')) names.push('mean');
  const folds = Math.min(s.folds, data.length);
  const actual = data.map((o) => o.y);
  const heldOut = new Map<ModelName, number[] | undefined>(names.map((name) => [name, new Array<number>(data.length)]));
  for (let fold = 0; fold < folds; fold++) {
    const train = data.filter((_, i) => i % folds !== fold);
    for (const name of names) {
      const predictions = heldOut.get(name);
      if (!predictions) continue;
      const model = fitModel(name, train, options);
      if (!model) {
        heldOut.set(name, undefined);
        continue;
      }
      for (let i = fold; i < data.length; i += folds) predictions[i] = model.predict(data[i]!);
    }
  }
  const candidates: CandidateScore[] = names.map((name) => {
    const predictions = heldOut.get(name);
    const errors = predictions ? relativeErrors(predictions, actual) : undefined;
    const score = errors ? mean(errors) : undefined;
    return { name, mape: score !== undefined && Number.isFinite(score) ? score : undefined };
  });
  const baselineMape = candidates.find((c) => c.name === 'mean')!.mape ?? Number.POSITIVE_INFINITY;
  // The choice: in order, a candidate replaces the current one only when clearly better; then,
  // should refitting it on everything fail, the others from best to worst.
  const scored = candidates.filter((c): c is CandidateScore & { mape: number } => c.mape !== undefined);
  let choice = scored[0];
  for (const candidate of scored.slice(1)) {
    if (choice && candidate.mape < choice.mape * (1 - s.preferEarlierWithin)) choice = candidate;
  }
  const ranked = [...(choice ? [choice] : []), ...scored.filter((c) => c !== choice).sort((a, b) => a.mape - b.mape)];
  for (const candidate of ranked) {
    const model = fitModel(candidate.name, data, options);
    if (!model) continue;
    return {
      model,
      name: candidate.name,
      heldOutMape: candidate.mape,
      baselineMape,
      relativeErrors: relativeErrors(heldOut.get(candidate.name)!, actual),
      heldOutRatios: ratios(heldOut.get(candidate.name)!, actual),
      ...newJobRatiosOf(candidate.name, data, options, s.folds, heldOut.get(candidate.name)!),
      candidates,
      folds,
    };
  }
  // Unreachable with data of positive y (the mean always fits); kept total for safety.
  const fallback = fitMean(data, s);
  return { model: fallback, name: 'mean', heldOutMape: baselineMape, baselineMape, relativeErrors: actual.map(() => baselineMape), candidates, folds };
}
