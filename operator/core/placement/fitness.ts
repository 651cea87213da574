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
  const a = node.allocatable;
  return utilizationWith(request, a, {
    cpuMillis: a.cpuMillis - free.cpuMillis,
    memoryBytes: a.memoryBytes - free.memoryBytes,
    gpus: a.gpus - free.gpus,
    ephemeralBytes: a.ephemeralBytes - free.ephemeralBytes,
    pods: a.pods - free.pods,
  });
}

/** The same from what is used on the node rather than what is free (no allocation: placement's hot loop). */
export function utilizationWith(request: ResourceVector, allocatable: ResourceVector, used: ResourceVector): number {
  let sum = 0;
  let terms = 0;
  if (request.cpuMillis > 0 && allocatable.cpuMillis > 0) {
    sum += Math.min(1, (used.cpuMillis + request.cpuMillis) / allocatable.cpuMillis);
    terms += 1;
  }
  if (request.memoryBytes > 0 && allocatable.memoryBytes > 0) {
    sum += Math.min(1, (used.memoryBytes + request.memoryBytes) / allocatable.memoryBytes);
    terms += 1;
  }
  if (request.gpus > 0 && allocatable.gpus > 0) {
    sum += Math.min(1, (used.gpus + request.gpus) / allocatable.gpus);
    terms += 1;
  }
  if (request.ephemeralBytes > 0 && allocatable.ephemeralBytes > 0) {
    sum += Math.min(1, (used.ephemeralBytes + request.ephemeralBytes) / allocatable.ephemeralBytes);
    terms += 1;
  }
  // A request of nothing at all still takes a pod slot.
  if (terms === 0 && request.pods > 0 && allocatable.pods > 0) return Math.min(1, (used.pods + request.pods) / allocatable.pods);
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

/** The weighted mean of the terms; without a prediction, the other terms share the speed weight. */
export function scoreOf(policy: PlacementPolicy, packing: number, hardware: number, spread: number, speed: number | undefined): number {
  const weights = FITNESS_WEIGHTS[policy];
  let total = weights.packing * packing + weights.hardware * hardware + weights.spread * spread;
  let weight = weights.packing + weights.hardware + weights.spread;
  if (speed !== undefined) {
    total += weights.speed * speed;
    weight += weights.speed;
  }
  return weight === 0 ? 0 : total / weight;
}

export function fitness(request: PlacementRequest, node: NodeInfo, free: ResourceVector, context: FitnessContext): Fitness {
  const utilization = utilizationAfter(request.requests, node, free);
  const terms: FitnessTerms = {
    packing: context.policy === 'binpack' ? utilization : 1 - utilization,
    hardware: hardwareMatch(request, node),
    spread: 1 / (1 + context.sameTaskOnNode),
    ...(context.speed !== undefined ? { speed: Math.max(0, Math.min(1, context.speed)) } : {}),
  };
  return { ...terms, score: scoreOf(context.policy, terms.packing, terms.hardware, terms.spread, terms.speed) };
}

/** fitness().score from the node's used resources, allocating nothing: what placement compares. */
export function fitnessScore(request: PlacementRequest, node: NodeInfo, used: ResourceVector, context: FitnessContext): number {
  const utilization = utilizationWith(request.requests, node.allocatable, used);
  const speed = context.speed === undefined ? undefined : Math.max(0, Math.min(1, context.speed));
  return scoreOf(context.policy, context.policy === 'binpack' ? utilization : 1 - utilization, hardwareMatch(request, node), 1 / (1 + context.sameTaskOnNode), speed);
}
