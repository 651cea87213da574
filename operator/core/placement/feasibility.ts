// Whether a node can take a request at all, and if not, the first reason why (pure).
import type { V1Node, V1NodeSelectorRequirement, V1NodeSelectorTerm, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { nodeAllocatable, shortOf, type ResourceName, type ResourceVector } from './resources.js';

export const HARDWARE_LABEL = 'drm.dtf.io/hardware';
export const POOL_LABEL = 'drm.dtf.io/pool';
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const GPU_MEMORY_LABEL = 'nvidia.com/gpu.memory';

/** What placement needs to know of a node, read once per node change. */
export interface NodeInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
  taints: readonly V1Taint[];
  allocatable: ResourceVector;
  ready: boolean;
  unschedulable: boolean;
  /** drm.dtf.io/hardware, or "gpu" / "cpu" from whether the node has GPUs. */
  hardware: string;
  gpuProduct?: string;
  gpuMemoryMiB?: number;
  /** The WorkerPool the node belongs to (drm.dtf.io/pool). */
  pool?: string;
}

export function nodeInfoFrom(node: V1Node): NodeInfo {
  const labels = node.metadata?.labels ?? {};
  const allocatable = nodeAllocatable(node);
  const memory = Number.parseInt(labels[GPU_MEMORY_LABEL] ?? '', 10);
  return {
    name: node.metadata!.name!,
    labels,
    taints: node.spec?.taints ?? [],
    allocatable,
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    unschedulable: node.spec?.unschedulable === true,
    hardware: labels[HARDWARE_LABEL] ?? (allocatable.gpus > 0 ? 'gpu' : 'cpu'),
    ...(labels[GPU_PRODUCT_LABEL] ? { gpuProduct: labels[GPU_PRODUCT_LABEL] } : {}),
    ...(Number.isFinite(memory) ? { gpuMemoryMiB: memory } : {}),
    ...(labels[POOL_LABEL] ? { pool: labels[POOL_LABEL] } : {}),
  };
}

export type HardwareNeed = 'gpu' | 'cpu' | 'any';

/** One pod (or a gang member yet without a pod) to be placed. */
export interface PlacementRequest {
  /** namespace/pod name, or a gang hold's key. */
  key: string;
  /** namespace/task name: batches, spread and gangs are per task. */
  taskKey: string;
  requests: ResourceVector;
  hardware: HardwareNeed;
  gpuProduct?: string;
  minGpuMemoryMiB?: number;
  tolerations: readonly V1Toleration[];
  nodeSelector?: Readonly<Record<string, string>>;
  /** requiredDuringScheduling node selector terms (ORed). */
  nodeAffinity?: readonly V1NodeSelectorTerm[];
  /** WorkerPools the task's poolSelector allows; undefined: no selector, any node. */
  pools?: ReadonlySet<string>;
  /** What the speed estimate is looked up under. */
  taskType?: string;
}

export type Infeasibility =
  | { kind: 'notReady' | 'cordoned' | 'pool' | 'hardware' | 'gpuProduct' | 'gpuMemory' | 'selector' }
  | { kind: 'taint'; taint: V1Taint }
  | { kind: 'resources'; short: ResourceName[] };

/** A node without GPUs is where work without GPUs belongs; cpu and memory classes both are. */
export function isGpuNode(node: NodeInfo): boolean {
  return node.hardware === 'gpu';
}

function hardwareMatches(request: PlacementRequest, node: NodeInfo): boolean {
  switch (request.hardware) {
    case 'gpu':
      return isGpuNode(node);
    case 'cpu':
      return !isGpuNode(node);
    case 'any':
      return request.requests.gpus === 0 || isGpuNode(node);
  }
}

export function tolerates(tolerations: readonly V1Toleration[], taint: V1Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** The first NoSchedule or NoExecute taint the tolerations do not cover. */
export function untoleratedTaint(node: NodeInfo, tolerations: readonly V1Toleration[]): V1Taint | undefined {
  return node.taints.find((taint) => taint.effect !== 'PreferNoSchedule' && !tolerates(tolerations, taint));
}

function requirementHolds(requirement: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const actual = Number.parseInt(value ?? '', 10);
      const bound = Number.parseInt(values[0] ?? '', 10);
      if (!Number.isFinite(actual) || !Number.isFinite(bound)) return false;
      return requirement.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

export function selectorMatches(request: PlacementRequest, node: NodeInfo): boolean {
  for (const [key, value] of Object.entries(request.nodeSelector ?? {})) if (node.labels[key] !== value) return false;
  const terms = request.nodeAffinity;
  if (!terms || terms.length === 0) return true;
  // As in Kubernetes, a null or empty term matches no node.
  return terms.some(
    (term) =>
      ((term.matchExpressions?.length ?? 0) > 0 || (term.matchFields?.length ?? 0) > 0) &&
      (term.matchExpressions ?? []).every((r) => requirementHolds(r, node.labels[r.key])) &&
      (term.matchFields ?? []).every((r) => requirementHolds(r, r.key === 'metadata.name' ? node.name : undefined)),
  );
}

/**
 * Everything but free resources: whether the node is of a kind the request may use at all.
 * Checks run in a fixed order so the reason reported is the most fundamental one.
 */
export function staticInfeasibility(request: PlacementRequest, node: NodeInfo): Infeasibility | undefined {
  if (!node.ready) return { kind: 'notReady' };
  if (node.unschedulable) return { kind: 'cordoned' };
  if (request.pools && (!node.pool || !request.pools.has(node.pool))) return { kind: 'pool' };
  if (!hardwareMatches(request, node)) return { kind: 'hardware' };
  if (request.gpuProduct && node.gpuProduct !== request.gpuProduct) return { kind: 'gpuProduct' };
  if (request.minGpuMemoryMiB !== undefined && (node.gpuMemoryMiB ?? 0) < request.minGpuMemoryMiB) return { kind: 'gpuMemory' };
  if (!selectorMatches(request, node)) return { kind: 'selector' };
  const taint = untoleratedTaint(node, request.tolerations);
  if (taint) return { kind: 'taint', taint };
  return undefined;
}

/** Why the node cannot take the request now, or undefined when it can. */
export function infeasibility(request: PlacementRequest, node: NodeInfo, free: ResourceVector): Infeasibility | undefined {
  const fixed = staticInfeasibility(request, node);
  if (fixed) return fixed;
  const short = shortOf(request.requests, free);
  return short.length > 0 ? { kind: 'resources', short } : undefined;
}
