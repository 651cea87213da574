// Training data kept bounded and stored compactly: one ConfigMap per taskType, each under 1 MiB (pure).
import { compareStrings } from './features.js';
import type { HardwareClass, TrainingSample } from './types.js';

export const STORAGE_VERSION = 1;

export interface SampleBounds {
  /** Newest samples kept per taskType. Default 2000. */
  maxPerTaskType?: number;
  /** Most bytes of encodeSamples() per taskType (UTF-8). Default 900 KiB: a ConfigMap holds 1 MiB with its metadata. */
  maxBytes?: number;
}

export const DEFAULT_SAMPLE_BOUNDS: Required<SampleBounds> = { maxPerTaskType: 2000, maxBytes: 900 * 1024 };

/** Milliseconds since the epoch; an unreadable time counts as the oldest. */
export function finishedAtMs(sample: Pick<TrainingSample, 'finishedAt'>): number {
  const ms = Date.parse(sample.finishedAt);
  return Number.isFinite(ms) ? ms : Number.NEGATIVE_INFINITY;
}

/** The one order of samples everywhere: taskType, then oldest first, then id. */
export function compareSamples(a: TrainingSample, b: TrainingSample): number {
  return compareStrings(a.taskType, b.taskType) || compareTime(a, b) || compareStrings(a.id, b.id);
}

function compareTime(a: TrainingSample, b: TrainingSample): number {
  const x = finishedAtMs(a);
  const y = finishedAtMs(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * One sample per id: the newest; for two versions finished at the same time, the one whose
 * encoding sorts last, so the survivor never depends on the input order.
 */
export function dedupeById(samples: readonly TrainingSample[]): TrainingSample[] {
  const byId = new Map<string, TrainingSample>();
  for (const sample of samples) {
    const kept = byId.get(sample.id);
    if (!kept) {
      byId.set(sample.id, sample);
      continue;
    }
    const order = compareTime(sample, kept) || compareStrings(JSON.stringify(entryOf(sample)), JSON.stringify(entryOf(kept)));
    if (order > 0) byId.set(sample.id, sample);
  }
  return [...byId.values()];
}

const byteLength = (text: string): number => new TextEncoder().encode(text).length;

/**
 * Training data bounded for storage: deduplicated by id, sorted (compareSamples), and per
 * taskType only the newest maxPerTaskType samples whose encoding fits in maxBytes.
 */
export function boundSamples(samples: readonly TrainingSample[], bounds: SampleBounds = {}): TrainingSample[] {
  const maxPerTaskType = Math.max(0, Math.floor(bounds.maxPerTaskType ?? DEFAULT_SAMPLE_BOUNDS.maxPerTaskType));
  const maxBytes = bounds.maxBytes ?? DEFAULT_SAMPLE_BOUNDS.maxBytes;
  const sorted = dedupeById(samples).sort(compareSamples);
  const groups = new Map<string, TrainingSample[]>();
  for (const sample of sorted) {
    const group = groups.get(sample.taskType);
    if (group) group.push(sample);
    else groups.set(sample.taskType, [sample]);
  }
  const kept: TrainingSample[] = [];
  for (const group of groups.values()) {
    let newest = group.slice(Math.max(0, group.length - maxPerTaskType));
    const fits = (count: number) => count === 0 || byteLength(encodeSamples(newest.slice(newest.length - count))) <= maxBytes;
    if (!fits(newest.length)) {
      // The largest count of newest samples that fits (the size grows with the count).
      let low = 0;
      let high = newest.length - 1;
      while (low < high) {
        const middle = Math.ceil((low + high) / 2);
        if (fits(middle)) low = middle;
        else high = middle - 1;
      }
      newest = low === 0 ? [] : newest.slice(newest.length - low);
    }
    kept.push(...newest);
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Encoding. {"v":1,"types":[...],"hardware":[["cpu"],["gpu","NVIDIA-A10G"]],"keys":[...],
// "samples":[[id, type, finishedAt, inputSize, hardware, seconds, succeeded, cpu, memory, [key, value, ...]], ...]}
// with type, hardware and key as indexes into the tables, succeeded as 1/0, and cpu and memory
// null when not measured.

type Entry = [string, string, string, number, [HardwareClass] | [HardwareClass, string], number, 0 | 1, number | null, number | null, [string, number][]];

function entryOf(sample: TrainingSample): Entry {
  const hardware: Entry[4] = sample.hardware.gpuProduct !== undefined ? [sample.hardware.type, sample.hardware.gpuProduct] : [sample.hardware.type];
  return [
    sample.id,
    sample.taskType,
    sample.finishedAt,
    sample.inputSize,
    hardware,
    sample.executionSeconds,
    sample.succeeded ? 1 : 0,
    sample.cpuCoresUsed ?? null,
    sample.memoryBytesUsed ?? null,
    Object.entries(sample.features).sort(([a], [b]) => compareStrings(a, b)),
  ];
}

class Table {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  of(value: string): number {
    let at = this.index.get(value);
    if (at === undefined) {
      at = this.values.length;
      this.values.push(value);
      this.index.set(value, at);
    }
    return at;
  }
}

/** Compact, versioned JSON of the samples, in the order given; decodeSamples reads it back. */
export function encodeSamples(samples: readonly TrainingSample[]): string {
  const types = new Table();
  const hardware = new Table();
  const keys = new Table();
  const rows = samples.map((sample) => {
    const [id, taskType, finishedAt, inputSize, hw, seconds, succeeded, cpu, memory, features] = entryOf(sample);
    return [
      id,
      types.of(taskType),
      finishedAt,
      inputSize,
      hardware.of(JSON.stringify(hw)),
      seconds,
      succeeded,
      cpu,
      memory,
      features.flatMap(([key, value]) => [keys.of(key), value]),
    ];
  });
  return JSON.stringify({
    v: STORAGE_VERSION,
    types: types.values,
    hardware: hardware.values.map((text) => JSON.parse(text) as unknown),
    keys: keys.values,
    samples: rows,
  });
}

export interface DecodeReport {
  samples: TrainingSample[];
  /** Entries that were not valid samples (and tables that were unreadable count all their entries). */
  dropped: number;
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isNonNegative = (value: unknown): value is number => isFiniteNumber(value) && value >= 0;
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

function hardwareOf(value: unknown): TrainingSample['hardware'] | undefined {
  if (!Array.isArray(value) || value.length < 1 || value.length > 2) return undefined;
  const [type, product] = value as unknown[];
  if (type !== 'cpu' && type !== 'gpu') return undefined;
  if (value.length === 1) return { type };
  return typeof product === 'string' && product.length > 0 ? { type, gpuProduct: product } : undefined;
}

/** The valid samples of stored text; never throws: garbage yields what can be read, often nothing. */
export function decodeSamplesWithReport(text: unknown): DecodeReport {
  let document: unknown;
  try {
    document = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    return { samples: [], dropped: 0 };
  }
  if (document === null || typeof document !== 'object') return { samples: [], dropped: 0 };
  const { v, types, hardware, keys, samples } = document as Record<string, unknown>;
  if (!Array.isArray(samples)) return { samples: [], dropped: 0 };
  if (v !== STORAGE_VERSION || !isStringArray(types) || !isStringArray(keys) || !Array.isArray(hardware)) return { samples: [], dropped: samples.length };
  const hardwareTable = hardware.map(hardwareOf);
  const decoded: TrainingSample[] = [];
  for (const row of samples) {
    const sample = decodeEntry(row, types, hardwareTable, keys);
    if (sample) decoded.push(sample);
  }
  return { samples: decoded, dropped: samples.length - decoded.length };
}

/** decodeSamplesWithReport's samples. */
export function decodeSamples(text: unknown): TrainingSample[] {
  return decodeSamplesWithReport(text).samples;
}

const tableIndex = (value: unknown, length: number): value is number => Number.isInteger(value) && (value as number) >= 0 && (value as number) < length;

function decodeEntry(row: unknown, types: readonly string[], hardware: readonly (TrainingSample['hardware'] | undefined)[], keys: readonly string[]): TrainingSample | undefined {
  if (!Array.isArray(row) || row.length !== 10) return undefined;
  const [id, type, finishedAt, inputSize, hw, seconds, succeeded, cpu, memory, pairs] = row as unknown[];
  if (typeof id !== 'string' || id.length === 0) return undefined;
  if (!tableIndex(type, types.length) || !tableIndex(hw, hardware.length)) return undefined;
  const taskType = types[type]!;
  const sampleHardware = hardware[hw];
  if (taskType.length === 0 || !sampleHardware) return undefined;
  if (typeof finishedAt !== 'string' || !Number.isFinite(Date.parse(finishedAt))) return undefined;
  if (!isNonNegative(inputSize) || !isNonNegative(seconds) || (succeeded !== 0 && succeeded !== 1)) return undefined;
  if ((cpu !== null && !isNonNegative(cpu)) || (memory !== null && !isNonNegative(memory))) return undefined;
  if (!Array.isArray(pairs) || pairs.length % 2 !== 0) return undefined;
  const features: Record<string, number> = {};
  for (let i = 0; i < pairs.length; i += 2) {
    const key = pairs[i];
    const value = pairs[i + 1];
    if (!tableIndex(key, keys.length) || !isFiniteNumber(value)) return undefined;
    features[keys[key]!] = value;
  }
  return {
    id,
    taskType,
    features,
    inputSize,
    hardware: { ...sampleHardware },
    executionSeconds: seconds,
    ...(cpu !== null ? { cpuCoresUsed: cpu } : {}),
    ...(memory !== null ? { memoryBytesUsed: memory } : {}),
    succeeded: succeeded === 1,
    finishedAt,
  };
}
