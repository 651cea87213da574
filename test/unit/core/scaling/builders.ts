// Builders for the scaling policy's tests: pools, nodes, pending and predicted work. Defaults are
// small and explicit (a kwok CPU pool of 8-core, 32Gi nodes at the API's scaling defaults);
// tests override what they are about.
import type { Amounts, PendingWork, PoolNodeState, PoolState, PredictedWork } from '../../../../operator/core/scaling/index.js';

export const GI = 2 ** 30;

/** Cores, GiB and GPUs → Amounts. */
export function amounts(cpu = 0, memGi = 0, gpu = 0): Amounts {
  return { cpu, memoryBytes: memGi * GI, gpu };
}

export const CPU_SHAPE = amounts(8, 32);
export const GPU_SHAPE = amounts(8, 32, 1);

/** The WorkerPool scaling defaults (operator/api/workerpool.ts), predictive. */
export const DEFAULT_SCALING: PoolState['scaling'] = {
  targetUtilization: 0.7,
  scaleUpThreshold: 0.85,
  scaleDownThreshold: 0.3,
  cooldownSeconds: 300,
  scaleDownIdleSeconds: 600,
  predictive: true,
  horizonSeconds: 600,
};

export type PoolOverrides = Omit<Partial<PoolState>, 'scaling'> & { scaling?: Partial<PoolState['scaling']> };

/** A kwok CPU pool "cpu": 0 to 10 nodes of 8 cores and 32Gi at $0.40/h, no nodes, predictive. */
export function cpuPool(overrides: PoolOverrides = {}): PoolState {
  const { scaling, ...rest } = overrides;
  return {
    name: 'cpu',
    hardware: 'cpu',
    provider: 'kwok',
    nodeShape: CPU_SHAPE,
    minNodes: 0,
    maxNodes: 10,
    costPerNodeHour: 0.4,
    nodes: [],
    pendingLaunches: 0,
    ...rest,
    scaling: { ...DEFAULT_SCALING, ...scaling },
  };
}

/** The same as a threshold (predictive: false) pool. */
export function thresholdPool(overrides: PoolOverrides = {}): PoolState {
  return cpuPool({ ...overrides, scaling: { ...overrides.scaling, predictive: false } });
}

/** A kwok GPU pool "gpu": nodes of 8 cores, 32Gi and one NVIDIA-A10G at $1.20/h. */
export function gpuPool(overrides: PoolOverrides = {}): PoolState {
  return cpuPool({ name: 'gpu', hardware: 'gpu', gpuProduct: 'NVIDIA-A10G', nodeShape: GPU_SHAPE, costPerNodeHour: 1.2, ...overrides });
}

/** A ready node of the pool's default CPU shape, empty and just joined, unless overridden. */
export function node(name: string, overrides: Partial<PoolNodeState> = {}): PoolNodeState {
  return { name, ready: true, allocatable: CPU_SHAPE, requested: amounts(), ourPods: 0, idleSeconds: 0, ...overrides };
}

/** A node running `pods` subtasks of ours that request `cpu` cores in all. */
export function busyNode(name: string, cpu: number, pods = 1, overrides: Partial<PoolNodeState> = {}): PoolNodeState {
  return node(name, { requested: amounts(cpu, cpu), ourPods: pods, ...overrides });
}

/** A node without pods of ours, idle for `seconds`. */
export function idleNode(name: string, seconds: number, overrides: Partial<PoolNodeState> = {}): PoolNodeState {
  return node(name, { idleSeconds: seconds, ...overrides });
}

/** `subtasks` alike, each requesting `each`. */
export function pendingOf(subtasks: number, each: Amounts): PendingWork {
  return {
    subtasks,
    total: { cpu: each.cpu * subtasks, memoryBytes: each.memoryBytes * subtasks, gpu: each.gpu * subtasks },
    largest: { ...each },
  };
}

/** Predicted resource-seconds: cpu core-seconds, GiB-seconds, GPU-seconds. */
export function predictedOf(cpuSeconds: number, memGiSeconds = 0, gpuSeconds = 0, concurrency?: Partial<Amounts>): PredictedWork {
  return { cpuSeconds, memoryByteSeconds: memGiSeconds * GI, gpuSeconds, ...(concurrency ? { concurrency } : {}) };
}

/** `subtasks` alike, each requesting `each` for `seconds`: what a perfect predictor says of them. */
export function predictedFor(subtasks: number, each: Amounts, seconds: number): PredictedWork {
  return { cpuSeconds: subtasks * each.cpu * seconds, memoryByteSeconds: subtasks * each.memoryBytes * seconds, gpuSeconds: subtasks * each.gpu * seconds };
}

/** Names n nodes name-1 … name-n made by `make`. */
export function nodes(count: number, prefix: string, make: (name: string, index: number) => PoolNodeState): PoolNodeState[] {
  return Array.from({ length: count }, (_, index) => make(`${prefix}-${index + 1}`, index));
}
