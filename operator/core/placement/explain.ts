// Why a request fits nowhere, in one line that names the shortfall (pure), e.g.
// "needs 1 nvidia.com/gpu NVIDIA-H100: 0 of 12 GPU nodes have one free".
import { staticInfeasibility, type Infeasibility, type NodeInfo, type PlacementRequest } from './feasibility.js';
import type { PlacementLedger } from './ledger.js';
import { formatBytes, formatCores } from './quantity.js';
import type { ResourceName, ResourceVector } from './resources.js';

export function describeNeed(request: PlacementRequest): string {
  const parts: string[] = [];
  const r = request.requests;
  if (r.gpus > 0 || request.hardware === 'gpu') {
    const product = request.gpuProduct ? ` ${request.gpuProduct}` : '';
    const memory = request.minGpuMemoryMiB !== undefined ? ` with ≥${request.minGpuMemoryMiB} MiB` : '';
    parts.push(r.gpus > 0 ? `${r.gpus} nvidia.com/gpu${product}${memory}` : `a GPU node${product}${memory}`);
  }
  if (r.cpuMillis > 0) parts.push(`cpu ${formatCores(r.cpuMillis)}`);
  if (r.memoryBytes > 0) parts.push(`memory ${formatBytes(r.memoryBytes)}`);
  if (r.ephemeralBytes > 0) parts.push(`ephemeral-storage ${formatBytes(r.ephemeralBytes)}`);
  if (parts.length === 0) parts.push(request.hardware === 'cpu' ? 'a CPU node' : 'a pod slot');
  return parts.join(', ');
}

function nodeClass(request: PlacementRequest): string {
  if (request.hardware === 'gpu' || request.requests.gpus > 0) return 'GPU nodes';
  if (request.hardware === 'cpu') return 'CPU nodes';
  return 'nodes';
}

function amountOf(name: ResourceName, value: number): string {
  switch (name) {
    case 'cpuMillis':
      return `${formatCores(value)} cpu`;
    case 'memoryBytes':
      return `${formatBytes(value)} memory`;
    case 'gpus':
      return value === 1 ? 'one' : `${value} GPUs`;
    case 'ephemeralBytes':
      return `${formatBytes(value)} ephemeral-storage`;
    case 'pods':
      return 'a pod slot';
  }
}

function describeInfeasibility(kind: Infeasibility['kind'], count: number, request: PlacementRequest, example?: Infeasibility): string {
  switch (kind) {
    case 'notReady':
      return `${count} not ready`;
    case 'cordoned':
      return `${count} cordoned`;
    case 'pool':
      return `${count} outside the WorkerPools the poolSelector allows`;
    case 'hardware':
      return request.hardware === 'cpu' || (request.hardware === 'any' && request.requests.gpus === 0) ? `${count} GPU nodes (work needs no GPU)` : `${count} without GPUs`;
    case 'gpuProduct':
      return `${count} of another GPU product`;
    case 'gpuMemory':
      return `${count} with less GPU memory`;
    case 'selector':
      return `${count} not matching the pod's node selector`;
    case 'taint':
      return `${count} with a taint it does not tolerate${example?.kind === 'taint' ? ` (${example.taint.key}${example.taint.value ? `=${example.taint.value}` : ''}:${example.taint.effect})` : ''}`;
    case 'resources':
      return `${count} short of resources`;
  }
}

const RESOURCES_ASKED: readonly ResourceName[] = ['gpus', 'cpuMillis', 'memoryBytes', 'ephemeralBytes', 'pods'];

const severity = (fit: { everFit: number; freeFit: number }) => (fit.everFit === 0 ? 0 : fit.freeFit === 0 ? 1 : 2);

/**
 * One line: what the request needs, then the tightest shortfall among the nodes that could take
 * it otherwise, or, when none could, why each kind of node is ruled out.
 */
export function explainUnschedulable(request: PlacementRequest, ledger: PlacementLedger): string {
  const nodes = ledger.nodeList();
  const need = `needs ${describeNeed(request)}`;
  if (nodes.length === 0) return `${need}: there are no nodes`;
  const candidates: Array<{ node: NodeInfo; free: ResourceVector }> = [];
  const excluded = new Map<Infeasibility['kind'], { count: number; example: Infeasibility }>();
  for (const node of nodes) {
    const reason = staticInfeasibility(request, node);
    if (reason) {
      const seen = excluded.get(reason.kind);
      excluded.set(reason.kind, { count: (seen?.count ?? 0) + 1, example: seen?.example ?? reason });
    } else {
      candidates.push({ node, free: ledger.free(node.name)! });
    }
  }
  const exclusions = [...excluded].sort((a, b) => b[1].count - a[1].count).map(([kind, { count, example }]) => describeInfeasibility(kind, count, request, example));
  const others = exclusions.length > 0 ? ` (other nodes: ${exclusions.join(', ')})` : '';
  if (candidates.length === 0) {
    // The fix is in the task, not in the cluster: say so first.
    if (request.pools && request.pools.size === 0) return `${need}: its poolSelector matches no WorkerPool`;
    return `${need}: none of the ${nodes.length} nodes qualifies: ${exclusions.join(', ')}`;
  }

  // Per resource: how many candidates could ever hold it, and how many have it free now.
  let tightest: { name: ResourceName; everFit: number; freeFit: number; largest: number } | undefined;
  for (const name of RESOURCES_ASKED) {
    const asked = request.requests[name];
    if (asked <= 0) continue;
    let everFit = 0;
    let freeFit = 0;
    let largest = 0;
    for (const { node, free } of candidates) {
      if (node.allocatable[name] >= asked) everFit += 1;
      if (free[name] >= asked) freeFit += 1;
      largest = Math.max(largest, node.allocatable[name]);
    }
    // Too large for every node first, then free on none, then the fewest nodes that could ever hold it.
    const candidate = { name, everFit, freeFit, largest };
    if (!tightest || severity(candidate) < severity(tightest) || (severity(candidate) === severity(tightest) && (everFit < tightest.everFit || (everFit === tightest.everFit && freeFit < tightest.freeFit)))) tightest = candidate;
  }
  const total = `${candidates.length} ${candidates.length === 1 ? nodeClass(request).replace(/s$/, '') : nodeClass(request)}`;
  if (!tightest) return `${need}: no free pod slot on ${total}${others}`;
  const asked = request.requests[tightest.name];
  if (tightest.everFit === 0) {
    const largest = tightest.name === 'gpus' ? `${tightest.largest} nvidia.com/gpu` : amountOf(tightest.name, tightest.largest);
    return `${need}: larger than any of the ${total} (largest has ${largest} allocatable)${others}`;
  }
  if (tightest.freeFit === 0) return `${need}: 0 of ${total} have ${amountOf(tightest.name, asked)} free${others}`;
  return `${need}: no one of the ${total} has all of it free at once${others}`;
}
