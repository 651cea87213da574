// Choosing nodes: one request at a time, or a task's batch largest first, optionally all or
// nothing (pure over the in-memory ledger, which it reserves in as it decides).
import { explainUnschedulable } from './explain.js';
import { infeasibility, isGpuNode, type NodeInfo, type PlacementRequest } from './feasibility.js';
import { fitness, type Fitness, type PlacementPolicy } from './fitness.js';
import type { PlacementLedger } from './ledger.js';
import { fits, type ResourceVector } from './resources.js';
import type { SpeedEstimate } from './speed.js';

export interface PlacementOptions {
  /** The policy of the node's WorkerPool, or the operator's default. */
  policyFor: (node: NodeInfo) => PlacementPolicy;
  speed?: SpeedEstimate;
}

export interface Placement {
  request: PlacementRequest;
  node: string;
  fitness: Fitness;
}

export interface Unplaced {
  request: PlacementRequest;
  reason: string;
}

function quickStaticPass(request: PlacementRequest, node: NodeInfo): boolean {
  // The cheap checks first; the full ones follow only for nodes that could take it.
  return node.ready && !node.unschedulable && (!request.gpuProduct || node.gpuProduct === request.gpuProduct);
}

/**
 * The best node for one request, without reserving it. Work that needs no GPU goes to a GPU node
 * only when no node without GPUs can take it: the tiers are strict, the score orders within one.
 */
export function chooseNode(request: PlacementRequest, ledger: PlacementLedger, options: PlacementOptions): { node: NodeInfo; fitness: Fitness } | undefined {
  const needsNoGpu = request.requests.gpus === 0 && request.hardware !== 'gpu';
  let best: { node: NodeInfo; fitness: Fitness } | undefined;
  let bestTier = Number.POSITIVE_INFINITY;
  for (const node of ledger.nodeList()) {
    const tier = needsNoGpu && isGpuNode(node) ? 1 : 0;
    if (tier > bestTier) continue;
    if (!quickStaticPass(request, node)) continue;
    const free = ledger.free(node.name)!;
    if (!fits(request.requests, free)) continue;
    if (infeasibility(request, node, free)) continue;
    const score = fitnessOn(request, node, free, ledger, options);
    if (tier < bestTier || !best || score.score > best.fitness.score) {
      best = { node, fitness: score };
      bestTier = tier;
    }
  }
  return best;
}

/** The fitness of one node for a request, given the node's free resources. */
export function fitnessOn(request: PlacementRequest, node: NodeInfo, free: ResourceVector, ledger: PlacementLedger, options: PlacementOptions): Fitness {
  return fitness(request, node, free, {
    policy: options.policyFor(node),
    sameTaskOnNode: ledger.taskEntriesOn(node.name, request.taskKey),
    ...speedOf(options, request, node),
  });
}

function speedOf(options: PlacementOptions, request: PlacementRequest, node: NodeInfo): { speed?: number } {
  const speed = options.speed?.(request.taskType, node);
  return speed === undefined ? {} : { speed };
}

/** A request's size: its largest share of the largest node's allocatable, over each resource. */
export function dominantShare(requests: ResourceVector, largest: ResourceVector): number {
  const share = (asked: number, most: number) => (asked <= 0 ? 0 : most <= 0 ? Number.POSITIVE_INFINITY : asked / most);
  return Math.max(share(requests.gpus, largest.gpus), share(requests.cpuMillis, largest.cpuMillis), share(requests.memoryBytes, largest.memoryBytes), share(requests.ephemeralBytes, largest.ephemeralBytes));
}

export function largestAllocatable(nodes: readonly NodeInfo[]): ResourceVector {
  const largest = { cpuMillis: 0, memoryBytes: 0, gpus: 0, ephemeralBytes: 0, pods: 0 };
  for (const node of nodes) {
    largest.cpuMillis = Math.max(largest.cpuMillis, node.allocatable.cpuMillis);
    largest.memoryBytes = Math.max(largest.memoryBytes, node.allocatable.memoryBytes);
    largest.gpus = Math.max(largest.gpus, node.allocatable.gpus);
    largest.ephemeralBytes = Math.max(largest.ephemeralBytes, node.allocatable.ephemeralBytes);
    largest.pods = Math.max(largest.pods, node.allocatable.pods);
  }
  return largest;
}

/** Largest first, so big requests find room before small ones fragment the nodes; ties by key. */
export function largestFirst(requests: readonly PlacementRequest[], nodes: readonly NodeInfo[]): PlacementRequest[] {
  const largest = largestAllocatable(nodes);
  const sized = requests.map((request) => ({ request, size: dominantShare(request.requests, largest) }));
  sized.sort((a, b) => b.size - a.size || (a.request.key < b.request.key ? -1 : a.request.key > b.request.key ? 1 : 0));
  return sized.map((s) => s.request);
}

export interface BatchOptions extends PlacementOptions {
  /** All or nothing: if one request cannot be placed, none is, and every reservation is undone. */
  gang?: boolean;
  /** What the reservations made are: 'reserved' (a binding follows) or 'held' (a gang member without a pod yet). */
  kindOf?: (request: PlacementRequest) => 'reserved' | 'held';
}

export interface BatchResult {
  placed: Placement[];
  unplaced: Unplaced[];
}

/**
 * Places a task's requests together, largest first, reserving each choice in the ledger so the
 * next one sees it. The caller binds what was placed (and releases a reservation whose binding
 * fails).
 */
export function placeBatch(requests: readonly PlacementRequest[], ledger: PlacementLedger, options: BatchOptions): BatchResult {
  const placed: Placement[] = [];
  const unplaced: Unplaced[] = [];
  for (const request of largestFirst(requests, ledger.nodeList())) {
    const choice = chooseNode(request, ledger, options);
    if (!choice) {
      unplaced.push({ request, reason: explainUnschedulable(request, ledger) });
      if (options.gang) break;
      continue;
    }
    ledger.reserve(request.key, choice.node.name, request.requests, request.taskKey, options.kindOf?.(request) ?? 'reserved');
    placed.push({ request, node: choice.node.name, fitness: choice.fitness });
  }
  if (options.gang && unplaced.length > 0) {
    for (const placement of placed) ledger.release(placement.request.key);
    const first = unplaced[0]!;
    const reason = `gang of ${requests.length}: ${placed.length} of ${requests.length} could be placed together, none is bound until all fit; ${first.request.key.split('/').pop()} ${first.reason}`;
    return { placed: [], unplaced: requests.map((request) => ({ request, reason })) };
  }
  return { placed, unplaced };
}
