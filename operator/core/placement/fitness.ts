// How well a feasible node suits a request: a score from 0 to 1 (pure). docs/placement.md
// explains each term; the weights below are its table.
import { isGpuNode, type NodeInfo, type PlacementRequest } from './feasibility.js';
import type { ResourceVector } from './resources.js';

import type { PlacementPolicy } from '../../api/workerpool.js';

export { PLACEMENT_POLICIES, type PlacementPolicy } from '../../api/workerpool.js';

export interface FitnessTerms {
  /** binpack: how full the node is after placing (tight fits first); spread: how empty. */
  packing: number;
  /** 1 when the node is the class of hardware the request is for and no more, down to 0 for a GPU node given CPU work. */
  hardware: number;
  /** Predicted speed on this node's hardware relative to the fastest known (1); absent without a prediction. */
  speed?: number;
  /** 1 / (1 + subtasks of the same task already on the node). */
  spread: number;
}

export interface Fitness extends FitnessTerms {
  score: number;
}

/**
 * binpack gives the spread term no weight: for a small pod on a large node the packing gain is
 * tiny, and any pull towards spreading would win over it and scatter the pods.
 */
export const FITNESS_WEIGHTS: Readonly<Record<PlacementPolicy, Readonly<Record<keyof FitnessTerms, number>>>> = {
  binpack: { packing: 0.6, hardware: 0.25, speed: 0.15, spread: 0 },
  spread: { packing: 0.35, hardware: 0.25, speed: 0.15, spread: 0.25 },
};

/** Share of the node's allocatable in use after placing, averaged over what the request asks for. */
export function utilizationAfter(request: ResourceVector, node: NodeInfo, free: ResourceVector): number {
  let sum = 0;
  let terms = 0;
  const add = (asked: number, allocatable: number, available: number) => {
    if (asked <= 0 || allocatable <= 0) return;
    sum += Math.min(1, (allocatable - available + asked) / allocatable);
    terms += 1;
  };
  add(request.cpuMillis, node.allocatable.cpuMillis, free.cpuMillis);
  add(request.memoryBytes, node.allocatable.memoryBytes, free.memoryBytes);
  add(request.gpus, node.allocatable.gpus, free.gpus);
  add(request.ephemeralBytes, node.allocatable.ephemeralBytes, free.ephemeralBytes);
  // A request of nothing at all still takes a pod slot.
  if (terms === 0) add(request.pods, node.allocatable.pods, free.pods);
  return terms === 0 ? 0 : sum / terms;
}

export function hardwareMatch(request: PlacementRequest, node: NodeInfo): number {
  const wantsGpu = request.hardware === 'gpu' || request.requests.gpus > 0;
  if (!isGpuNode(node)) return wantsGpu ? 0 : 1;
  if (!wantsGpu) return 0;
  // A GPU with far more memory than asked for is better kept for work that needs it.
  if (request.minGpuMemoryMiB !== undefined && node.gpuMemoryMiB) return Math.min(1, request.minGpuMemoryMiB / node.gpuMemoryMiB);
  return 1;
}

export interface FitnessContext {
  policy: PlacementPolicy;
  /** Subtasks of the same task already bound or reserved on the node. */
  sameTaskOnNode: number;
  /** Relative predicted speed on the node's hardware (0..1], if known. */
  speed?: number;
}

export function fitness(request: PlacementRequest, node: NodeInfo, free: ResourceVector, context: FitnessContext): Fitness {
  const utilization = utilizationAfter(request.requests, node, free);
  const terms: FitnessTerms = {
    packing: context.policy === 'binpack' ? utilization : 1 - utilization,
    hardware: hardwareMatch(request, node),
    spread: 1 / (1 + context.sameTaskOnNode),
    ...(context.speed !== undefined ? { speed: Math.max(0, Math.min(1, context.speed)) } : {}),
  };
  const weights = FITNESS_WEIGHTS[context.policy];
  let total = 0;
  let weight = 0;
  for (const name of ['packing', 'hardware', 'speed', 'spread'] as const) {
    const value = terms[name];
    if (value === undefined) continue; // without a prediction, the other terms share its weight
    total += weights[name] * value;
    weight += weights[name];
  }
  return { ...terms, score: weight === 0 ? 0 : total / weight };
}
