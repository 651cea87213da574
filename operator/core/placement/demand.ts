// Pending demand: what could not be placed, per hardware type, for the autoscaler (pure).
import type { PlacementRequest } from './feasibility.js';
import { addInto, ZERO, type ResourceVector } from './resources.js';

export interface PendingDemand {
  /** gpu, cpu, or any (work that would run on either). */
  hardware: 'gpu' | 'cpu' | 'any';
  /** Set when the work needs one GPU product. */
  gpuProduct?: string;
  /** The WorkerPools the work may use, when its task restricts them. */
  pools?: string[];
  subtasks: number;
  total: ResourceVector;
  /** The largest single request: a node smaller than this helps none of it. */
  largest: ResourceVector;
}

export function demandHardware(request: PlacementRequest): PendingDemand['hardware'] {
  if (request.hardware === 'gpu' || request.requests.gpus > 0) return 'gpu';
  return request.hardware;
}

/** Unplaced requests summed per (hardware, GPU product, allowed pools), in a stable order. */
export function pendingDemand(unplaced: Iterable<PlacementRequest>): PendingDemand[] {
  const groups = new Map<string, PendingDemand>();
  for (const request of unplaced) {
    const hardware = demandHardware(request);
    const pools = request.pools ? [...request.pools].sort() : undefined;
    const key = JSON.stringify([hardware, request.gpuProduct ?? '', pools ?? null]);
    let group = groups.get(key);
    if (!group) {
      group = { hardware, ...(request.gpuProduct ? { gpuProduct: request.gpuProduct } : {}), ...(pools ? { pools } : {}), subtasks: 0, total: { ...ZERO }, largest: { ...ZERO } };
      groups.set(key, group);
    }
    group.subtasks += 1;
    addInto(group.total, request.requests);
    for (const name of Object.keys(group.largest) as Array<keyof ResourceVector>) group.largest[name] = Math.max(group.largest[name], request.requests[name]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}
