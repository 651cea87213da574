// What a pod asks for and what a node offers, as comparable vectors (pure).
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { cpuMillis, wholeUnits } from './quantity.js';

export const GPU_RESOURCE = 'nvidia.com/gpu';

/** Amounts of the resources placement accounts for. */
export interface ResourceVector {
  cpuMillis: number;
  memoryBytes: number;
  gpus: number;
  ephemeralBytes: number;
  pods: number;
}

export const ZERO: Readonly<ResourceVector> = Object.freeze({ cpuMillis: 0, memoryBytes: 0, gpus: 0, ephemeralBytes: 0, pods: 0 });
export const RESOURCE_NAMES = ['cpuMillis', 'memoryBytes', 'gpus', 'ephemeralBytes', 'pods'] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];

export function addInto(target: ResourceVector, amount: Readonly<ResourceVector>, sign = 1): void {
  target.cpuMillis += sign * amount.cpuMillis;
  target.memoryBytes += sign * amount.memoryBytes;
  target.gpus += sign * amount.gpus;
  target.ephemeralBytes += sign * amount.ephemeralBytes;
  target.pods += sign * amount.pods;
}

export function minus(a: Readonly<ResourceVector>, b: Readonly<ResourceVector>): ResourceVector {
  const result = { ...a };
  addInto(result, b, -1);
  return result;
}

/** The resources of `request` that `free` lacks (empty: it fits). */
export function shortOf(request: Readonly<ResourceVector>, free: Readonly<ResourceVector>): ResourceName[] {
  const short: ResourceName[] = [];
  for (const name of RESOURCE_NAMES) if (request[name] > 0 && request[name] > free[name]) short.push(name);
  return short;
}

export function fits(request: Readonly<ResourceVector>, free: Readonly<ResourceVector>): boolean {
  return (
    request.cpuMillis <= free.cpuMillis &&
    request.memoryBytes <= free.memoryBytes &&
    request.gpus <= free.gpus &&
    request.ephemeralBytes <= free.ephemeralBytes &&
    request.pods <= free.pods
  );
}

type ResourceMap = Record<string, string | number> | undefined;

function vectorOf(map: ResourceMap, pods: number): ResourceVector {
  return {
    cpuMillis: cpuMillis(map?.cpu),
    memoryBytes: wholeUnits(map?.memory),
    gpus: wholeUnits(map?.[GPU_RESOURCE]),
    ephemeralBytes: wholeUnits(map?.['ephemeral-storage']),
    pods,
  };
}

/** A container's requests; a limit without a request counts as the request, as in Kubernetes. */
function containerRequests(container: V1Container): ResourceVector {
  const requests = { ...(container.resources?.limits ?? {}), ...(container.resources?.requests ?? {}) } as ResourceMap;
  return vectorOf(requests, 0);
}

/**
 * What a pod occupies on its node, computed as kube-scheduler does: the sum over its containers,
 * at least the largest init container (they run one at a time, before the others), plus the
 * pod overhead, and one pod slot.
 */
export function podRequests(pod: V1Pod): ResourceVector {
  const total: ResourceVector = { ...ZERO, pods: 1 };
  for (const container of pod.spec?.containers ?? []) addInto(total, containerRequests(container));
  // Sidecars (init containers that keep running) add to the pod for its whole life; an ordinary
  // init container needs its requests, plus the sidecars started before it, only while it runs.
  const sidecars: ResourceVector = { ...ZERO };
  const initPeak: ResourceVector = { ...ZERO };
  for (const init of pod.spec?.initContainers ?? []) {
    const each = containerRequests(init);
    if (init.restartPolicy === 'Always') {
      addInto(sidecars, each);
      continue;
    }
    for (const name of RESOURCE_NAMES) initPeak[name] = Math.max(initPeak[name], each[name] + sidecars[name]);
  }
  addInto(total, sidecars);
  for (const name of RESOURCE_NAMES) if (name !== 'pods') total[name] = Math.max(total[name], initPeak[name]);
  const overhead = pod.spec?.overhead as ResourceMap;
  if (overhead) addInto(total, vectorOf(overhead, 0));
  return total;
}

/** A node's allocatable resources (capacity when allocatable is not reported). */
export function nodeAllocatable(node: V1Node): ResourceVector {
  const map = (node.status?.allocatable ?? node.status?.capacity) as ResourceMap;
  return vectorOf(map, wholeUnits(map?.pods ?? 110));
}

/** Pods that no longer hold their node's resources. */
export function podIsTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}
