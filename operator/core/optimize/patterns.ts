// Workload patterns and worker-type recommendations (pure): which task types use resources
// alike, and which kind of worker (and pool) pending work should get.
import { compareStrings, mean, type Prediction, type TrainingSample } from '../predict/index.js';

const GiB = 2 ** 30;

/** Profile dimensions, each normalised to 0..1 across the profiles: cpu, memory, gpu, seconds. */
export type ProfileVector = readonly [cpu: number, memory: number, gpu: number, seconds: number];

export interface WorkloadProfile {
  taskType: string;
  /** Successful runs behind it. */
  samples: number;
  /** Mean cores used (over the runs that reported it; 0 when none did). */
  meanCpu: number;
  meanMemoryBytes: number;
  /** Share of the runs that ran on a GPU. */
  gpuShare: number;
  meanSeconds: number;
  /**
   * cpu / the largest mean cpu; memory and seconds as log1p of the value over log1p of the
   * largest (they span orders of magnitude); gpu share as it is.
   */
  vector: ProfileVector;
}

/** One profile per taskType with successful runs, sorted by taskType. */
export function workloadProfiles(samples: readonly TrainingSample[]): WorkloadProfile[] {
  const byTaskType = new Map<string, TrainingSample[]>();
  for (const sample of samples) {
    if (!sample.succeeded || !Number.isFinite(sample.executionSeconds)) continue;
    const runs = byTaskType.get(sample.taskType);
    if (runs) runs.push(sample);
    else byTaskType.set(sample.taskType, [sample]);
  }
  const meanOf = (runs: TrainingSample[], value: (run: TrainingSample) => number | undefined): number => {
    const values = runs.map(value).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return values.length > 0 ? mean(values) : 0;
  };
  const raw = [...byTaskType.keys()].sort(compareStrings).map((taskType) => {
    const runs = byTaskType.get(taskType)!;
    return {
      taskType,
      samples: runs.length,
      meanCpu: meanOf(runs, (run) => run.cpuCoresUsed),
      meanMemoryBytes: meanOf(runs, (run) => run.memoryBytesUsed),
      gpuShare: runs.filter((run) => run.hardware.type === 'gpu').length / runs.length,
      meanSeconds: meanOf(runs, (run) => run.executionSeconds),
    };
  });
  const maxCpu = Math.max(0, ...raw.map((p) => p.meanCpu));
  const maxMemory = Math.max(0, ...raw.map((p) => Math.log1p(p.meanMemoryBytes / 2 ** 20)));
  const maxSeconds = Math.max(0, ...raw.map((p) => Math.log1p(p.meanSeconds)));
  const ratio = (value: number, max: number) => (max > 0 ? value / max : 0);
  return raw.map((profile) => ({
    ...profile,
    vector: [
      ratio(profile.meanCpu, maxCpu),
      ratio(Math.log1p(profile.meanMemoryBytes / 2 ** 20), maxMemory),
      profile.gpuShare,
      ratio(Math.log1p(profile.meanSeconds), maxSeconds),
    ],
  }));
}

export type PatternKind = 'gpu' | 'memory-heavy' | 'cpu-bound' | 'light';

export interface WorkloadPattern {
  /** pattern-1, pattern-2, …: in order of their first task type. */
  name: string;
  kind: PatternKind;
  taskTypes: string[];
  centroid: ProfileVector;
}

export interface PatternOptions {
  /** A profile joins the nearest pattern within this distance (Euclidean, normalised vectors). Default 0.25. */
  threshold?: number;
  /** Memory per core used from which work counts as memory-heavy. Default 8 GiB. */
  memoryHeavyBytesPerCore?: number;
}

const distance = (a: ProfileVector, b: ProfileVector): number => Math.hypot(...a.map((v, i) => v - b[i]!));

/**
 * Task types grouped by resource profile: in taskType order, each joins the nearest pattern
 * whose centroid is within `threshold`, else starts a new one (leader clustering: deterministic,
 * no k to choose). A pattern's kind comes from its members' absolute means.
 */
export function workloadPatterns(profiles: readonly WorkloadProfile[], options: PatternOptions = {}): WorkloadPattern[] {
  const threshold = options.threshold ?? 0.25;
  const groups: { members: WorkloadProfile[]; centroid: ProfileVector }[] = [];
  for (const profile of [...profiles].sort((a, b) => compareStrings(a.taskType, b.taskType))) {
    let nearest: { group: (typeof groups)[number]; distance: number } | undefined;
    for (const group of groups) {
      const d = distance(profile.vector, group.centroid);
      if (d <= threshold && (!nearest || d < nearest.distance)) nearest = { group, distance: d };
    }
    if (!nearest) {
      groups.push({ members: [profile], centroid: profile.vector });
      continue;
    }
    const { group } = nearest;
    group.members.push(profile);
    group.centroid = [0, 1, 2, 3].map((i) => mean(group.members.map((m) => m.vector[i]!))) as unknown as ProfileVector;
  }
  return groups.map((group, i) => ({
    name: `pattern-${i + 1}`,
    kind: kindOf(
      mean(group.members.map((m) => m.gpuShare)),
      mean(group.members.map((m) => m.meanCpu)),
      mean(group.members.map((m) => m.meanMemoryBytes)),
      options.memoryHeavyBytesPerCore ?? DEFAULT_MEMORY_HEAVY_BYTES_PER_CORE,
    ),
    taskTypes: group.members.map((m) => m.taskType),
    centroid: group.centroid,
  }));
}

export const DEFAULT_MEMORY_HEAVY_BYTES_PER_CORE = 8 * GiB;

function kindOf(gpuShare: number, cpu: number, memoryBytes: number, memoryHeavyBytesPerCore: number): PatternKind {
  if (gpuShare >= 0.5) return 'gpu';
  if (memoryBytes / Math.max(cpu, 0.1) >= memoryHeavyBytesPerCore) return 'memory-heavy';
  if (cpu >= 0.5) return 'cpu-bound';
  return 'light';
}

// ---------------------------------------------------------------------------------------------
// Worker types for pending work.

/** The WorkerPool hardware types. */
export type WorkerType = 'cpu' | 'gpu' | 'memory';

export interface PendingWork {
  taskType: string;
  /** Subtasks like this one waiting. Default 1. */
  count?: number;
  /** The predictor's answer for one of them. */
  prediction: Prediction;
}

export interface PoolOffer {
  name: string;
  hardware: { type: WorkerType; gpuProduct?: string };
  /** One node's allocatable resources, when known. */
  node?: { cpu: number; memoryBytes: number; gpu?: number };
  costPerNodeHour?: number;
}

export interface WorkerTypeRecommendation {
  taskType: string;
  workerType: WorkerType;
  gpuProduct?: string;
  /** The cheapest pool per subtask among those offering it (and fitting one subtask), if any. */
  pool?: string;
  /** How many subtasks of it fit on one node of that pool (when its node shape is known). */
  perNode?: number;
  /** Subtasks pending, and their predicted seconds in all. */
  count: number;
  seconds: number;
  reason: string;
}

/** The worker type one prediction calls for: its GPU, else memory-optimised when memory per core is high, else cpu. */
export function workerTypeOf(prediction: Prediction, memoryHeavyBytesPerCore = DEFAULT_MEMORY_HEAVY_BYTES_PER_CORE): WorkerType {
  if (prediction.hardware === 'gpu') return 'gpu';
  return prediction.memoryBytes / Math.max(prediction.cpu, 0.1) >= memoryHeavyBytesPerCore ? 'memory' : 'cpu';
}

const WORKER_TYPE_ORDER: readonly WorkerType[] = ['cpu', 'memory', 'gpu'];

/**
 * Per pending taskType (sorted): the worker type carrying most of its predicted seconds (ties:
 * cpu, then memory, then gpu), its GPU product when the predictions name one, and among the
 * pools the cheapest per subtask that offers that type (and GPU product) and whose node fits the
 * largest request; a cpu and a memory pool stand in for each other when no pool of the type
 * fits, a GPU of another product never does.
 */
export function recommendWorkerTypes(pendingWork: readonly PendingWork[], pools?: readonly PoolOffer[], options: PatternOptions = {}): WorkerTypeRecommendation[] {
  const memoryHeavy = options.memoryHeavyBytesPerCore ?? DEFAULT_MEMORY_HEAVY_BYTES_PER_CORE;
  const byTaskType = new Map<string, PendingWork[]>();
  for (const work of pendingWork) {
    const list = byTaskType.get(work.taskType);
    if (list) list.push(work);
    else byTaskType.set(work.taskType, [work]);
  }
  return [...byTaskType.keys()].sort(compareStrings).map((taskType) => {
    const works = byTaskType.get(taskType)!;
    const weight = new Map<string, number>();
    let count = 0;
    let seconds = 0;
    const largest = { cpu: 0, memoryBytes: 0, gpu: 0 };
    for (const work of works) {
      const n = Math.max(0, work.count ?? 1);
      const { prediction } = work;
      const type = workerTypeOf(prediction, memoryHeavy);
      const key = type === 'gpu' && prediction.gpuProduct !== undefined ? `gpu/${prediction.gpuProduct}` : type;
      // Weighted by seconds, so a type still counts when its work is predicted instant.
      weight.set(key, (weight.get(key) ?? 0) + n * Math.max(prediction.executionSeconds, 1e-9));
      count += n;
      seconds += n * prediction.executionSeconds;
      largest.cpu = Math.max(largest.cpu, prediction.cpu);
      largest.memoryBytes = Math.max(largest.memoryBytes, prediction.memoryBytes);
      largest.gpu = Math.max(largest.gpu, prediction.gpu);
    }
    const rank = (key: string) => WORKER_TYPE_ORDER.indexOf(key.startsWith('gpu') ? 'gpu' : (key as WorkerType));
    const [chosen] = [...weight].sort(([a, x], [b, y]) => y - x || rank(a) - rank(b) || compareStrings(a, b));
    const [choice] = chosen!;
    const workerType: WorkerType = choice.startsWith('gpu') ? 'gpu' : (choice as WorkerType);
    const gpuProduct = choice.startsWith('gpu/') ? choice.slice(4) : undefined;
    const recommendation: WorkerTypeRecommendation = { taskType, workerType, ...(gpuProduct ? { gpuProduct } : {}), count, seconds, reason: '' };
    const what = gpuProduct ? `gpu ${gpuProduct}` : workerType;
    if (!pools) return { ...recommendation, reason: `predicted ${what} work` };
    const pick = choosePool(pools, workerType, gpuProduct, largest);
    if (!pick) return { ...recommendation, reason: `predicted ${what} work; no pool offers it with nodes large enough` };
    return {
      ...recommendation,
      pool: pick.pool.name,
      ...(pick.perNode !== undefined ? { perNode: pick.perNode } : {}),
      reason: pick.substitute ? `predicted ${what} work; no such pool fits, ${pick.pool.name} (${pick.pool.hardware.gpuProduct ?? pick.pool.hardware.type}) does` : `predicted ${what} work; cheapest per subtask`,
    };
  });
}

function choosePool(
  pools: readonly PoolOffer[],
  workerType: WorkerType,
  gpuProduct: string | undefined,
  request: { cpu: number; memoryBytes: number; gpu: number },
): { pool: PoolOffer; perNode: number | undefined; substitute: boolean } | undefined {
  const slots = (pool: PoolOffer): number | undefined => {
    if (!pool.node) return undefined;
    const fit = [pool.node.cpu / request.cpu, pool.node.memoryBytes / request.memoryBytes, request.gpu > 0 ? (pool.node.gpu ?? 0) / request.gpu : Infinity];
    return Math.floor(Math.min(...fit.map((v) => (Number.isNaN(v) ? Infinity : v))));
  };
  const cheapest = (candidates: PoolOffer[]) => {
    const scored = candidates
      .map((pool) => ({ pool, perNode: slots(pool) }))
      .filter(({ perNode }) => perNode === undefined || perNode >= 1)
      .map((entry) => ({ ...entry, costPerSubtask: (entry.pool.costPerNodeHour ?? 0) / Math.min(entry.perNode ?? 1, 1e9) }));
    scored.sort((a, b) => a.costPerSubtask - b.costPerSubtask || compareStrings(a.pool.name, b.pool.name));
    return scored[0];
  };
  const exact = pools.filter((p) => p.hardware.type === workerType && (gpuProduct === undefined || p.hardware.gpuProduct === gpuProduct));
  const found = cheapest(exact);
  if (found) return { ...found, substitute: false };
  // A GPU of another product may not run it (the product may have been asked for): no stand-in.
  const stand = workerType === 'gpu' ? [] : workerType === 'cpu' ? ['memory'] : ['cpu'];
  const substitute = cheapest(pools.filter((p) => stand.includes(p.hardware.type) && !exact.includes(p)));
  return substitute ? { ...substitute, substitute: true } : undefined;
}
