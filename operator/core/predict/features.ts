// From free-form params to the numbers the predictor learns on, and from those to model columns (pure).
import type { HardwareClass, TrainingSample } from './types.js';

/** Nesting deeper than this is ignored: params are configuration, not data. */
export const MAX_PARAM_DEPTH = 6;
/** Strings longer than this are not one-hot encoded (they are data, not a choice among a few). */
export const MAX_ONE_HOT_LENGTH = 64;
/** At most this many features per sample (the first in key order), so stored samples stay small. */
export const MAX_FEATURES = 64;

/**
 * The params as numbers: numbers as they are, booleans 0/1, nested objects dotted
 * ({model: {layers: 4}} → "model.layers": 4), strings one-hot ({op: "square"} → "op=square": 1,
 * numeric-looking strings too). Arrays, null, non-finite numbers, long strings and anything
 * nested deeper than MAX_PARAM_DEPTH are ignored. Keys come out sorted.
 */
export function flattenParams(params: Readonly<Record<string, unknown>> | undefined): Record<string, number> {
  const flat: Record<string, number> = {};
  const visit = (value: unknown, key: string, depth: number): void => {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) flat[key] = value;
    } else if (typeof value === 'boolean') {
      flat[key] = value ? 1 : 0;
    } else if (typeof value === 'string') {
      if (value.length <= MAX_ONE_HOT_LENGTH) flat[`${key}=${value}`] = 1;
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < MAX_PARAM_DEPTH) {
      for (const [child, inner] of Object.entries(value as Record<string, unknown>)) visit(inner, `${key}.${child}`, depth + 1);
    }
  };
  for (const [key, value] of Object.entries(params ?? {})) visit(value, key, 0);
  const sorted: Record<string, number> = {};
  for (const key of Object.keys(flat).sort(compareStrings).slice(0, MAX_FEATURES)) sorted[key] = flat[key]!;
  return sorted;
}

/** A one-hot feature ("op=square") as opposed to a quantity ("n"). */
export const isOneHot = (key: string): boolean => key.includes('=');

/** Code-unit order: the same everywhere, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What speed and statistics are kept per: the GPU product when there is one, else the class (as placement's hardwareKey). */
export function hardwareKeyOf(hardware: { type: string; gpuProduct?: string | undefined }): string {
  return hardware.gpuProduct ?? hardware.type;
}

/** Everything a TrainingSample needs, with params instead of features. */
export interface SampleInput {
  id: string;
  taskType: string;
  params?: Readonly<Record<string, unknown>>;
  inputSize?: number;
  hardware?: { type: HardwareClass; gpuProduct?: string };
  executionSeconds: number;
  cpuCoresUsed?: number;
  memoryBytesUsed?: number;
  succeeded?: boolean;
  finishedAt: string | Date;
}

/** A TrainingSample from params and measurements (defaults: cpu hardware, succeeded, no items). */
export function sampleFrom(input: SampleInput): TrainingSample {
  const hardware = input.hardware ?? { type: 'cpu' };
  return {
    id: input.id,
    taskType: input.taskType,
    features: flattenParams(input.params),
    inputSize: input.inputSize ?? 0,
    hardware: { type: hardware.type, ...(hardware.gpuProduct !== undefined ? { gpuProduct: hardware.gpuProduct } : {}) },
    executionSeconds: input.executionSeconds,
    ...(input.cpuCoresUsed !== undefined ? { cpuCoresUsed: input.cpuCoresUsed } : {}),
    ...(input.memoryBytesUsed !== undefined ? { memoryBytesUsed: input.memoryBytesUsed } : {}),
    succeeded: input.succeeded ?? true,
    finishedAt: typeof input.finishedAt === 'string' ? input.finishedAt : input.finishedAt.toISOString(),
  };
}

/** One run as the models see it: features, items and the hardware key (GPU product or class). */
export interface Observation {
  features: Readonly<Record<string, number>>;
  inputSize: number;
  hardware: string;
}

/** What makes two runs the same job: the features, the items and the hardware key. */
export function jobKeyOf(observation: Observation): string {
  const features = Object.entries(observation.features).sort(([a], [b]) => compareStrings(a, b));
  return JSON.stringify([observation.hardware, observation.inputSize, features]);
}

/** An observation with what was measured (seconds, cores or bytes). */
export interface Labelled extends Observation {
  y: number;
}

/**
 * A log that is defined everywhere: 1 + log|x| from |x| = 1 up, |x| below (continuous, with a
 * continuous slope, at 1), with the sign of x. Unlike log1p it is exactly a log for counts and
 * sizes (≥ 1), so a power law t = c·n³ is exactly linear in it (log1p(32) is off by 1/32, which
 * cubed is a 9% error); 0 and one-hot 0/1 stay 0 and 1.
 */
export function logScale(value: number): number {
  const magnitude = Math.abs(value);
  return Math.sign(value) * (magnitude >= 1 ? 1 + Math.log(magnitude) : magnitude);
}

export const INPUT_SIZE = 'inputSize';

/**
 * The columns of one task type's data: each feature seen (sorted, logScale'd: a power law in
 * the features is linear in these), the items (logScale'd), and the hardware one-hot. A feature a
 * sample lacks counts as 0; features never seen in training are ignored.
 */
export class FeatureSpace {
  private constructor(
    readonly keys: readonly string[],
    readonly hardware: readonly string[],
  ) {}

  static of(observations: readonly Observation[]): FeatureSpace {
    const keys = new Set<string>();
    const hardware = new Set<string>();
    for (const observation of observations) {
      for (const key of Object.keys(observation.features)) keys.add(key);
      hardware.add(observation.hardware);
    }
    return new FeatureSpace([...keys].sort(compareStrings), [...hardware].sort(compareStrings));
  }

  /**
   * Column names. With `reference`, the first hardware key has no column (it is the intercept's),
   * which keeps a linear model's matrix full rank.
   */
  names(reference: boolean): string[] {
    const hardware = reference ? this.hardware.slice(1) : this.hardware;
    return [...this.keys, INPUT_SIZE, ...hardware.map((key) => `hardware=${key}`)];
  }

  vector(observation: Observation, reference: boolean): number[] {
    const row = this.keys.map((key) => logScale(observation.features[key] ?? 0));
    row.push(logScale(Math.max(0, observation.inputSize)));
    const hardware = reference ? this.hardware.slice(1) : this.hardware;
    for (const key of hardware) row.push(observation.hardware === key ? 1 : 0);
    return row;
  }

  /** The quantities (not one-hot, not hardware) a size-driven model may use, with their raw values. */
  sizeColumns(): { name: string; value: (observation: Observation) => number }[] {
    return [
      ...this.keys.filter((key) => !isOneHot(key)).map((key) => ({ name: key, value: (o: Observation) => o.features[key] ?? 0 })),
      { name: INPUT_SIZE, value: (o: Observation) => o.inputSize },
    ];
  }

  /** Keys of the observation that this space has never seen (a choice the models know nothing about). */
  novelKeys(observation: Observation): string[] {
    return Object.keys(observation.features).filter((key) => !this.keys.includes(key));
  }
}
