// The predictor: from finished runs to predicted seconds, cpu, memory and hardware, with the
// tier that answered and how far to trust it (pure, deterministic: the same samples, in any
// order, give exactly the same answers).
//
// Tiers for the seconds, per taskType:
//   model       at least minSamplesForModel successful runs, and the model chosen by
//               cross-validation (models.ts) beats the mean baseline with a held-out MAPE of at
//               most maxModelMape. confidence = 1 / (1 + held-out MAPE), at most 0.99.
//   statistics  at least minSamplesForStatistics runs: the median of the `neighbours` most similar
//               runs (same hardware when any ran there; nearest in log-feature space).
//               confidence = n/(n+2) / (1 + (p90 - p10)/median), at most 0.9.
//   default     built-in per-taskType defaults (defaults.ts); confidence 0.1.
// A query for hardware the taskType never ran on is answered from its runs on other hardware
// (statistics tier, confidence halved); a query with params never seen in training (a new op,
// say) keeps its tier with the confidence halved.
//
// Intervals: every answer carries P10–P90 seconds, the answer times the 10th and 90th percentile
// of actual ÷ answered over runs the tier did not see: the model's cross-validated predictions
// (folds split by run for a job it ran before, by job for a new one), or (statistics) each run
// answered from the others; a factor of 2 either way below
// MIN_INTERVAL_RATIOS of them, and of 4 for the built-in defaults.
//
// cpu and memory: with minSamplesForModel runs that reported the resource, a log-linear or
// polynomial model chosen by cross-validation as for the seconds (memory grows with matmul's n²),
// when it beats the mean; otherwise the median use of the most similar runs. The request is the
// use padded by the margin: p90 of the observed relative errors (the model's held-out errors, or
// the similar runs' deviation from their median) within [minMargin, maxMargin], and at least
// defaultMargin below 3 runs. With no such runs: the taskType's default requests as they stand,
// and margin = defaultMargin. `margin` in a Prediction is the one applied to cpu and memory;
// `source` and `confidence` are about the seconds.
import type { SpeedEstimate } from '../placement/speed.js';
import { defaultsFor, MiB } from './defaults.js';
import { FeatureSpace, compareStrings, flattenParams, hardwareKeyOf, jobKeyOf, type Labelled, type Observation } from './features.js';
import { selectModel, type CandidateScore, type ModelName, type ModelOptions, type ModelSelection } from './models.js';
import { clamp, median, quantile } from './stats.js';
import { compareSamples, dedupeById } from './storage.js';
import type { HardwareClass, Prediction, PredictionQuery, PredictionSource, Throughput, TrainingSample } from './types.js';

export interface PredictorOptions extends ModelOptions {
  /** Successful runs of a taskType before a model may answer. Default 12. */
  minSamplesForModel?: number;
  /** Runs before statistics may answer. Default 1. */
  minSamplesForStatistics?: number;
  /** A model whose held-out MAPE is above this is not trusted. Default 0.5. */
  maxModelMape?: number;
  /** How many similar runs the statistics use. Default 5. */
  neighbours?: number;
  /** Margin when the error is unknown (defaults, few runs). Default 0.25. */
  defaultMargin?: number;
  /** Margins stay within [minMargin, maxMargin]. Defaults 0.1 and 1. */
  minMargin?: number;
  maxMargin?: number;
  /** The newest runs per taskType used for fitting (older ones are ignored). Default 1000. */
  maxTrainingSamples?: number;
}

const DEFAULT_OPTIONS = {
  minSamplesForModel: 12,
  minSamplesForStatistics: 1,
  maxModelMape: 0.5,
  neighbours: 5,
  defaultMargin: 0.25,
  minMargin: 0.1,
  maxMargin: 1,
  maxTrainingSamples: 1000,
  floor: 1e-5,
};

export const DEFAULT_CONFIDENCE = 0.1;
const MAX_STATISTICS_CONFIDENCE = 0.9;
const MAX_MODEL_CONFIDENCE = 0.99;
/** Requests never go below these: 10 millicores, 16 MiB. */
export const MIN_CPU = 0.01;
export const MIN_MEMORY_BYTES = 16 * MiB;
const RESOURCE_FLOORS: Record<ResourceMetric, number> = { cpuCoresUsed: MIN_CPU, memoryBytesUsed: MIN_MEMORY_BYTES };
const RESOURCE_CEILINGS: Record<ResourceMetric, number> = { cpuCoresUsed: 1024, memoryBytesUsed: 2 ** 50 };
/** How many of a taskType's newest runs stand for it when comparing hardware. */
const SPEED_REFERENCE_RUNS = 32;

export interface ModelSummary {
  taskType: string;
  /** Successful runs learned from. */
  samples: number;
  failed: number;
  /** Hardware keys it ran on (GPU product or class). */
  hardware: string[];
  /** The tier answering for it when the query matches what it has seen. */
  tier: PredictionSource;
  /** The chosen model (when enough runs were there to choose), its held-out MAPE and the mean baseline's. */
  model?: ModelName;
  heldOutMape?: number;
  baselineMape?: number;
  candidates?: CandidateScore[];
}

/** Predicted seconds of pending work per hardware class, and per hardware key (GPU product or class). */
export interface PredictedWork {
  cpu: number;
  gpu: number;
  byHardware: Record<string, number>;
}

/** One taskType's runs and what was fitted on them. */
interface TaskTypeData {
  /** Successful runs, oldest first (capped at maxTrainingSamples newest). */
  runs: TrainingSample[];
  observations: Labelled[];
  /** The jobs (features, items, hardware) among the runs: a query for one of them is a job seen. */
  jobs: Set<string>;
  space: FeatureSpace;
  /** Hardware keys seen, sorted, with what each is. */
  hardware: Map<string, { type: HardwareClass; gpuProduct?: string }>;
  medianInputSize: number;
  selection: ModelSelection | undefined;
  trusted: boolean;
  speeds?: Map<string, number> | undefined;
  resources: Map<ResourceMetric, ResourceData>;
  /** The statistics tier's leave-one-out ratios (actual ÷ answer), computed on first use. */
  statisticsRatios?: number[] | undefined;
}

type ResourceMetric = 'cpuCoresUsed' | 'memoryBytesUsed';

interface ResourceData {
  /** Runs that reported the resource, its value as y (floored). */
  runs: Labelled[];
  /** A trusted model of it, if any. */
  selection: ModelSelection | undefined;
}

interface SecondsEstimate {
  seconds: number;
  source: PredictionSource;
  confidence: number;
  interval: { p10: number; p90: number };
}

/** Ratios (actual ÷ answer) standing for a tier's errors; fewer than this and the band is a guess. */
const MIN_INTERVAL_RATIOS = 5;
/** The band when a tier's errors are unknown: a factor of 2 (few runs) or 4 (built-in defaults) either way. */
const GUESS_FACTOR = { statistics: 2, default: 4 } as const;
/** Runs per taskType whose leave-one-out errors stand for the statistics tier (the newest). */
const STATISTICS_INTERVAL_RUNS = 200;

export class Predictor {
  private readonly options: typeof DEFAULT_OPTIONS & ModelOptions;
  private readonly byTaskType = new Map<string, TrainingSample[]>();
  private readonly failedByTaskType = new Map<string, number>();
  private readonly fitted = new Map<string, TaskTypeData>();

  constructor(samples: readonly TrainingSample[], options: PredictorOptions = {}) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    this.options = { ...DEFAULT_OPTIONS, ...defined };
    const usable = dedupeById(samples.filter(validSample)).sort(compareSamples);
    for (const sample of usable) {
      if (!sample.succeeded) {
        this.failedByTaskType.set(sample.taskType, (this.failedByTaskType.get(sample.taskType) ?? 0) + 1);
        continue;
      }
      const runs = this.byTaskType.get(sample.taskType);
      if (runs) runs.push(sample);
      else this.byTaskType.set(sample.taskType, [sample]);
    }
    for (const [taskType, runs] of this.byTaskType) {
      if (runs.length > this.options.maxTrainingSamples) this.byTaskType.set(taskType, runs.slice(runs.length - this.options.maxTrainingSamples));
    }
  }

  /** The taskTypes with successful runs, sorted. */
  taskTypes(): string[] {
    return [...this.byTaskType.keys()].sort(compareStrings);
  }

  predict(query: PredictionQuery): Prediction {
    const params = query.params ?? {};
    const data = this.data(query.taskType);
    const { key, hardware } = this.hardwareFor(data, query);
    const observation = data ? this.observationOf(data, query, key) : undefined;
    const estimate = data && observation ? this.secondsOn(data, observation) : undefined;
    const defaults = defaultsFor(query.taskType, params);
    const resources = data && observation ? this.resourcesOn(data, observation) : undefined;
    const margin = resources?.margin ?? this.options.defaultMargin;
    const executionSeconds = estimate?.seconds ?? Math.max(this.options.floor, defaults.executionSeconds);
    const interval = estimate?.interval ?? { p10: executionSeconds / GUESS_FACTOR.default, p90: executionSeconds * GUESS_FACTOR.default };
    const items = query.inputSize !== undefined && Number.isFinite(query.inputSize) && query.inputSize > 0 ? query.inputSize : undefined;
    return {
      executionSeconds,
      cpu: resources?.cpu !== undefined ? roundCpu(resources.cpu * (1 + margin)) : defaults.cpu,
      memoryBytes: resources?.memoryBytes !== undefined ? roundMemory(resources.memoryBytes * (1 + margin)) : defaults.memoryBytes,
      gpu: hardware.type === 'gpu' ? 1 : 0,
      hardware: hardware.type,
      ...(hardware.type === 'gpu' && hardware.gpuProduct !== undefined ? { gpuProduct: hardware.gpuProduct } : {}),
      source: estimate?.source ?? 'default',
      confidence: estimate?.confidence ?? DEFAULT_CONFIDENCE,
      margin,
      interval,
      ...(items !== undefined && executionSeconds > 0 ? { itemsPerSecond: items / executionSeconds } : {}),
    };
  }

  /**
   * Items per second a taskType processed, per hardware key (sorted): the median over its
   * successful runs with items of inputSize ÷ executionSeconds. Empty when no run had items.
   */
  throughput(taskType: string): Throughput[] {
    const runs = (this.byTaskType.get(taskType) ?? []).filter((run) => run.inputSize > 0 && run.executionSeconds > 0);
    const byHardware = new Map<string, number[]>();
    for (const run of runs) {
      const key = hardwareKeyOf(run.hardware);
      const rates = byHardware.get(key);
      const rate = run.inputSize / run.executionSeconds;
      if (rates) rates.push(rate);
      else byHardware.set(key, [rate]);
    }
    return [...byHardware.keys()].sort(compareStrings).map((hardware) => {
      const rates = byHardware.get(hardware)!;
      return { hardware, itemsPerSecond: median(rates), runs: rates.length };
    });
  }

  /**
   * Relative predicted speed of a taskType on a node's hardware (GPU product, else class): 1 for
   * the fastest hardware it ran on, fastest seconds / these seconds for the others; undefined
   * when it ran on fewer than two kinds of hardware, or never on this one.
   */
  relativeSpeed(taskType: string, node: { hardware: string; gpuProduct?: string | undefined }): number | undefined {
    const data = this.data(taskType);
    if (!data || data.hardware.size < 2) return undefined;
    data.speeds ??= this.speeds(data);
    return data.speeds.get(hardwareKeyOf({ type: node.hardware, gpuProduct: node.gpuProduct }));
  }

  /** relativeSpeed as placement's SpeedEstimate: (taskType, node) → relative speed | undefined. */
  speedEstimate(): SpeedEstimate {
    return (taskType, node) => (taskType === undefined ? undefined : this.relativeSpeed(taskType, node));
  }

  /** Predicted seconds of the queries (each `count` times, default once), by the hardware each is predicted for. */
  predictedWork(queries: Iterable<PredictionQuery & { count?: number }>): PredictedWork {
    const work: PredictedWork = { cpu: 0, gpu: 0, byHardware: {} };
    for (const query of queries) {
      const count = query.count ?? 1;
      if (!(count > 0)) continue;
      const prediction = this.predict(query);
      const seconds = prediction.executionSeconds * count;
      work[prediction.hardware] += seconds;
      const key = hardwareKeyOf({ type: prediction.hardware, gpuProduct: prediction.gpuProduct });
      work.byHardware[key] = (work.byHardware[key] ?? 0) + seconds;
    }
    return work;
  }

  /** Per taskType (sorted): runs, the tier, the chosen model with its held-out MAPE and the baseline's. */
  summary(): ModelSummary[] {
    const taskTypes = new Set([...this.byTaskType.keys(), ...this.failedByTaskType.keys()]);
    return [...taskTypes].sort(compareStrings).map((taskType) => {
      const data = this.data(taskType);
      const failed = this.failedByTaskType.get(taskType) ?? 0;
      if (!data) return { taskType, samples: 0, failed, hardware: [], tier: 'default' as const };
      const { selection } = data;
      return {
        taskType,
        samples: data.runs.length,
        failed,
        hardware: [...data.hardware.keys()],
        tier: data.trusted ? ('model' as const) : ('statistics' as const),
        ...(selection
          ? { model: selection.name, heldOutMape: selection.heldOutMape, baselineMape: selection.baselineMape, candidates: selection.candidates }
          : {}),
      };
    });
  }

  // -------------------------------------------------------------------------------------------

  /** A taskType's data, fitted on first use; undefined below minSamplesForStatistics runs. */
  private data(taskType: string): TaskTypeData | undefined {
    const cached = this.fitted.get(taskType);
    if (cached) return cached;
    const runs = this.byTaskType.get(taskType);
    if (!runs || runs.length < Math.max(1, this.options.minSamplesForStatistics)) return undefined;
    const floor = this.options.floor;
    const observations: Labelled[] = runs.map((run) => ({
      features: run.features,
      inputSize: run.inputSize,
      hardware: hardwareKeyOf(run.hardware),
      y: Math.max(floor, run.executionSeconds),
    }));
    const hardware = new Map<string, { type: HardwareClass; gpuProduct?: string }>();
    for (const run of runs) {
      const key = hardwareKeyOf(run.hardware);
      if (!hardware.has(key)) hardware.set(key, { type: run.hardware.type, ...(run.hardware.gpuProduct !== undefined ? { gpuProduct: run.hardware.gpuProduct } : {}) });
    }
    const sortedHardware = new Map([...hardware].sort(([a], [b]) => compareStrings(a, b)));
    let selection: ModelSelection | undefined;
    if (runs.length >= Math.max(2, this.options.minSamplesForModel)) selection = selectModel(observations, this.options);
    const trusted = this.trusts(selection);
    const data: TaskTypeData = {
      runs,
      observations,
      jobs: new Set(observations.map(jobKeyOf)),
      space: FeatureSpace.of(observations),
      hardware: sortedHardware,
      medianInputSize: median(runs.map((run) => run.inputSize)),
      selection,
      trusted,
      resources: new Map(),
    };
    this.fitted.set(taskType, data);
    return data;
  }

  private observationOf(data: TaskTypeData, query: PredictionQuery, hardware: string): Observation {
    const inputSize = query.inputSize !== undefined && Number.isFinite(query.inputSize) ? Math.max(0, query.inputSize) : data.medianInputSize;
    return { features: flattenParams(query.params), inputSize, hardware };
  }

  /** The seconds on the observation's hardware, by the best tier available. */
  private secondsOn(data: TaskTypeData, observation: Observation): SecondsEstimate | undefined {
    const novel = data.space.novelKeys(observation).length > 0;
    const penalty = novel ? 0.5 : 1;
    const seen = data.hardware.has(observation.hardware);
    if (seen && data.trusted && data.selection) {
      const confidence = Math.min(MAX_MODEL_CONFIDENCE, 1 / (1 + data.selection.heldOutMape)) * penalty;
      const seconds = data.selection.model.predict(observation);
      // The model's cross-validated errors: how far the truth fell from answers on runs it did not
      // see; for a job it never ran, from answers on jobs it did not see.
      const { heldOutRatios, newJobRatios } = data.selection;
      const ratios = data.jobs.has(jobKeyOf(observation)) ? heldOutRatios : (newJobRatios ?? heldOutRatios);
      return { seconds, source: 'model', confidence, interval: band(seconds, ratios ?? [], GUESS_FACTOR.statistics) };
    }
    const pool = seen ? data.observations.filter((o) => o.hardware === observation.hardware) : data.observations;
    const near = this.nearest(data, pool, observation);
    if (near.length === 0) return undefined;
    const values = near.map((o) => o.y);
    const middle = median(values);
    const spread = (quantile(values, 0.9) - quantile(values, 0.1)) / middle;
    const confidence = Math.min(MAX_STATISTICS_CONFIDENCE, near.length / (near.length + 2) / (1 + spread)) * penalty * (seen ? 1 : 0.5);
    data.statisticsRatios ??= this.leaveOneOutRatios(data);
    return { seconds: middle, source: 'statistics', confidence, interval: band(middle, data.statisticsRatios, GUESS_FACTOR.statistics) };
  }

  /**
   * The statistics tier's errors: each of the newest runs answered from the others (its nearest
   * runs on the same hardware, itself left out), as actual ÷ answer.
   */
  private leaveOneOutRatios(data: TaskTypeData): number[] {
    const from = Math.max(0, data.observations.length - STATISTICS_INTERVAL_RUNS);
    const ratios: number[] = [];
    for (let i = from; i < data.observations.length; i++) {
      const observation = data.observations[i]!;
      const others = data.observations.filter((o, j) => j !== i && o.hardware === observation.hardware);
      if (others.length === 0) continue;
      const answer = median(this.nearest(data, others, observation).map((o) => o.y));
      if (answer > 0) ratios.push(observation.y / answer);
    }
    return ratios;
  }

  /** The `neighbours` runs of the pool nearest the observation (log-feature distance; ties: older first). */
  private nearest<T extends Observation>(data: TaskTypeData, pool: readonly T[], observation: Observation): T[] {
    const width = data.space.keys.length + 1; // features and items; the pool is already one hardware
    const target = data.space.vector(observation, false).slice(0, width);
    const scored = pool.map((o, index) => {
      const row = data.space.vector(o, false);
      let distance = 0;
      for (let j = 0; j < width; j++) distance += (row[j]! - target[j]!) ** 2;
      return { o, index, distance };
    });
    scored.sort((a, b) => a.distance - b.distance || a.index - b.index);
    return scored.slice(0, Math.max(1, this.options.neighbours)).map(({ o }) => o);
  }

  /** cpu and memory use (model or similar runs), and the margin their observed error calls for. */
  private resourcesOn(data: TaskTypeData, observation: Observation): { cpu?: number; memoryBytes?: number; margin: number } | undefined {
    const { minMargin, maxMargin, defaultMargin } = this.options;
    const cpu = this.resourceUse(data, observation, 'cpuCoresUsed');
    const memory = this.resourceUse(data, observation, 'memoryBytesUsed');
    if (!cpu && !memory) return undefined;
    const errors = [...(cpu?.errors ?? []), ...(memory?.errors ?? [])];
    let margin = clamp(quantile(errors, 0.9), minMargin, maxMargin);
    if (Math.min(cpu?.count ?? Infinity, memory?.count ?? Infinity) < 3) margin = Math.max(margin, defaultMargin);
    return { ...(cpu ? { cpu: cpu.use } : {}), ...(memory ? { memoryBytes: memory.use } : {}), margin };
  }

  /**
   * One resource's predicted use: a trusted model (log-linear or polynomial, chosen as for the
   * seconds) when enough runs reported it and the hardware is among theirs, else the median of
   * the most similar runs (on this hardware when any). With the relative errors seen (held-out
   * errors of the model, or the runs' deviations from their median) and how many runs stand behind it.
   */
  private resourceUse(data: TaskTypeData, observation: Observation, metric: ResourceMetric): { use: number; errors: number[]; count: number } | undefined {
    const resource = this.resourceData(data, metric);
    if (resource.runs.length === 0) return undefined;
    const floor = RESOURCE_FLOORS[metric];
    const { selection, runs } = resource;
    if (selection && runs.some((o) => o.hardware === observation.hardware)) {
      let use = selection.model.predict(observation);
      // Cores used is a workload's parallelism, which bigger inputs do not raise without bound:
      // a fit over params never seen together can extrapolate to hundreds of cores, a request no
      // node fits. Keep it within twice the most any run used.
      if (metric === 'cpuCoresUsed') use = Math.min(use, 2 * Math.max(...runs.map((o) => o.y)));
      return { use, errors: selection.relativeErrors, count: runs.length };
    }
    const same = runs.filter((o) => o.hardware === observation.hardware);
    const values = this.nearest(data, same.length > 0 ? same : runs, observation).map((o) => o.y);
    const use = Math.max(floor, median(values));
    return { use, errors: values.map((value) => Math.abs(value - use) / use), count: values.length };
  }

  private resourceData(data: TaskTypeData, metric: ResourceMetric): ResourceData {
    const cached = data.resources.get(metric);
    if (cached) return cached;
    const floor = RESOURCE_FLOORS[metric];
    const runs: Labelled[] = [];
    data.runs.forEach((run, i) => {
      const value = run[metric];
      if (value !== undefined && Number.isFinite(value) && value >= 0) runs.push({ ...data.observations[i]!, y: Math.max(floor, value) });
    });
    let selection: ModelSelection | undefined;
    if (runs.length >= Math.max(2, this.options.minSamplesForModel)) {
      const candidate = selectModel(runs, { ...this.options, candidates: ['log-linear', 'polynomial', 'mean'], floor, ceiling: RESOURCE_CEILINGS[metric] });
      if (this.trusts(candidate)) selection = candidate;
    }
    const resource = { runs, selection };
    data.resources.set(metric, resource);
    return resource;
  }

  private trusts(selection: ModelSelection | undefined): selection is ModelSelection {
    return selection !== undefined && selection.name !== 'mean' && selection.heldOutMape <= this.options.maxModelMape && selection.heldOutMape < selection.baselineMape;
  }

  /** The hardware asked for, or for 'any' (or none) the recommended one; with its hardware key. */
  private hardwareFor(data: TaskTypeData | undefined, query: PredictionQuery): { key: string; hardware: { type: HardwareClass; gpuProduct?: string } } {
    const asked = query.hardware?.type ?? 'any';
    const product = query.hardware?.gpuProduct;
    if (asked === 'cpu') return { key: 'cpu', hardware: { type: 'cpu' } };
    if (asked === 'gpu' && product !== undefined) return { key: product, hardware: { type: 'gpu', gpuProduct: product } };
    const key = asked === 'gpu' ? (this.fastestGpu(data, query) ?? 'gpu') : this.recommendedHardware(data, query);
    return { key, hardware: data?.hardware.get(key) ?? { type: asked === 'gpu' ? 'gpu' : 'cpu' } };
  }

  /** The hardware with the lowest predicted seconds among those the taskType ran on; a GPU only when faster than the CPU. */
  private recommendedHardware(data: TaskTypeData | undefined, query: PredictionQuery): string {
    if (!data || !data.hardware.has('cpu')) return 'cpu';
    const cpuSeconds = this.secondsOn(data, this.observationOf(data, query, 'cpu'))?.seconds ?? Number.POSITIVE_INFINITY;
    const gpu = this.fastestGpu(data, query);
    if (gpu === undefined) return 'cpu';
    const gpuSeconds = this.secondsOn(data, this.observationOf(data, query, gpu))?.seconds ?? Number.POSITIVE_INFINITY;
    return gpuSeconds < cpuSeconds ? gpu : 'cpu';
  }

  /** The GPU hardware key with the lowest predicted seconds (ties: first in order), if it ran on any GPU. */
  private fastestGpu(data: TaskTypeData | undefined, query: PredictionQuery): string | undefined {
    if (!data) return undefined;
    let best: { key: string; seconds: number } | undefined;
    for (const [key, hardware] of data.hardware) {
      if (hardware.type !== 'gpu') continue;
      const seconds = this.secondsOn(data, this.observationOf(data, query, key))?.seconds ?? Number.POSITIVE_INFINITY;
      if (!best || seconds < best.seconds) best = { key, seconds };
    }
    return best?.key;
  }

  /** Relative speed per hardware key: the newest runs predicted on each, compared by geometric mean. */
  private speeds(data: TaskTypeData): Map<string, number> {
    const reference = data.observations.slice(-SPEED_REFERENCE_RUNS);
    const seconds = new Map<string, number>();
    for (const key of data.hardware.keys()) {
      let logSum = 0;
      for (const observation of reference) {
        const estimate = this.secondsOn(data, { ...observation, hardware: key });
        logSum += Math.log(estimate?.seconds ?? Number.POSITIVE_INFINITY);
      }
      seconds.set(key, Math.exp(logSum / reference.length));
    }
    const fastest = Math.min(...seconds.values());
    return new Map([...seconds].map(([key, value]) => [key, Number.isFinite(value) && value > 0 ? fastest / value : 0]));
  }
}

/**
 * The P10–P90 band around an answer from the ratios (actual ÷ answer) the tier showed on runs it
 * did not see; with fewer than MIN_INTERVAL_RATIOS of them, a factor of `guess` either way.
 */
function band(seconds: number, ratios: readonly number[], guess: number): { p10: number; p90: number } {
  const usable = ratios.filter((ratio) => Number.isFinite(ratio) && ratio > 0);
  if (usable.length < MIN_INTERVAL_RATIOS) return { p10: seconds / guess, p90: seconds * guess };
  const low = quantile(usable, 0.1);
  const high = quantile(usable, 0.9);
  return { p10: seconds * Math.min(low, high), p90: seconds * Math.max(low, high) };
}

function validSample(sample: TrainingSample): boolean {
  return (
    typeof sample.id === 'string' &&
    typeof sample.taskType === 'string' &&
    Number.isFinite(sample.executionSeconds) &&
    sample.executionSeconds >= 0 &&
    Number.isFinite(sample.inputSize) &&
    (sample.hardware?.type === 'cpu' || sample.hardware?.type === 'gpu')
  );
}

/** Cores rounded up to millicores, at least MIN_CPU. */
function roundCpu(cores: number): number {
  return Math.max(MIN_CPU, Math.ceil(cores * 1000) / 1000);
}

/** Bytes rounded up to whole MiB, at least MIN_MEMORY_BYTES. */
function roundMemory(bytes: number): number {
  return Math.max(MIN_MEMORY_BYTES, Math.ceil(bytes / MiB) * MiB);
}

/** A Predictor's speed estimate in one call: `speedEstimate(predictor)` for the scheduler. */
export function speedEstimate(predictor: Predictor): SpeedEstimate {
  return predictor.speedEstimate();
}

/** Predicted work per hardware for the autoscaler: `predictedWork(predictor, queries)`. */
export function predictedWork(predictor: Predictor, queries: Iterable<PredictionQuery & { count?: number }>): PredictedWork {
  return predictor.predictedWork(queries);
}
