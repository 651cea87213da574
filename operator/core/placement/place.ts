// Choosing nodes: one request at a time, or a task's batch largest first, optionally all or
// nothing (pure over the in-memory ledger, which it reserves in as it decides).
import { explainUnschedulable } from './explain.js';
import { isGpuNode, staticInfeasibility, type NodeInfo, type PlacementRequest } from './feasibility.js';
import { fitness, fitnessScore, type Fitness, type PlacementPolicy } from './fitness.js';
import type { PlacementLedger } from './ledger.js';
import type { ResourceVector } from './resources.js';
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
export function chooseNode(
  request: PlacementRequest,
  ledger: PlacementLedger,
  options: PlacementOptions,
  /** Nodes already known to pass staticInfeasibility for this request (see staticCandidates). */
  candidates?: readonly NodeInfo[],
): { node: NodeInfo; fitness: Fitness } | undefined {
  const needsNoGpu = request.requests.gpus === 0 && request.hardware !== 'gpu';
  let best: NodeInfo | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  let bestTier = Number.POSITIVE_INFINITY;
  for (const node of candidates ?? ledger.nodeList()) {
    const tier = needsNoGpu && isGpuNode(node) ? 1 : 0;
    if (tier > bestTier) continue;
    if (!candidates && !quickStaticPass(request, node)) continue;
    if (!ledger.fitsOn(node.name, request.requests)) continue;
    if (!candidates && staticInfeasibility(request, node)) continue;
    const speed = options.speed?.(request.taskType, node);
    const score = fitnessScore(request, node, ledger.usedView(node.name), {
      policy: options.policyFor(node),
      sameTaskOnNode: ledger.taskEntriesOn(node.name, request.taskKey),
      ...(speed === undefined ? {} : { speed }),
    });
    if (tier < bestTier || score > bestScore) {
      best = node;
      bestScore = score;
      bestTier = tier;
    }
  }
  // The terms are worked out once, for the node chosen.
  return best ? { node: best, fitness: fitnessOn(request, best, ledger.free(best.name)!, ledger, options) } : undefined;
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

/** What static feasibility depends on: requests alike in this share their candidate nodes. */
function staticSignature(request: PlacementRequest): string {
  return JSON.stringify([
    request.hardware,
    request.requests.gpus > 0,
    request.gpuProduct ?? null,
    request.minGpuMemoryMiB ?? null,
    request.tolerations,
    request.nodeSelector ?? null,
    request.nodeAffinity ?? null,
    request.pools ? [...request.pools].sort() : null,
  ]);
}

/**
 * For each request, the nodes that pass every check but free resources. Computed once per kind
 * of request in a batch (a task's subtasks are mostly alike), so a decision only weighs free
 * resources and fitness over the nodes that could ever take it.
 */
export function staticCandidates(requests: readonly PlacementRequest[], nodes: readonly NodeInfo[]): (request: PlacementRequest) => readonly NodeInfo[] {
  const bySignature = new Map<string, readonly NodeInfo[]>();
  const ofRequest = new Map<PlacementRequest, readonly NodeInfo[]>();
  for (const request of requests) {
    const signature = staticSignature(request);
    let candidates = bySignature.get(signature);
    if (!candidates) bySignature.set(signature, (candidates = nodes.filter((node) => !staticInfeasibility(request, node))));
    ofRequest.set(request, candidates);
  }
  return (request) => ofRequest.get(request) ?? nodes.filter((node) => !staticInfeasibility(request, node));
}

/**
 * Places a task's requests together, largest first, reserving each choice in the ledger so the
 * next one sees it. The caller binds what was placed (and releases a reservation whose binding
 * fails).
 */
export function placeBatch(requests: readonly PlacementRequest[], ledger: PlacementLedger, options: BatchOptions): BatchResult {
  const placed: Placement[] = [];
  const unplaced: Unplaced[] = [];
  const candidatesOf = staticCandidates(requests, ledger.nodeList());
  for (const request of largestFirst(requests, ledger.nodeList())) {
    const choice = chooseNode(request, ledger, options, candidatesOf(request));
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
