// Watches what pods occupy on nodes, from the API server's point of view, independently of the
// operator: a sampler lists every pod now and then and sums the requests of those bound and not
// finished per node, which must never exceed the node's allocatable.
import { CoreV1Api, KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseQuantity } from '../../operator/core/placement/quantity.js';
import { kubeconfigPath } from './cluster.js';

export function coreClient(): CoreV1Api {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath());
  return kubeConfig.makeApiClient(CoreV1Api);
}

const RESOURCES = ['cpu', 'memory', 'nvidia.com/gpu', 'ephemeral-storage', 'pods'] as const;
type Amounts = Record<(typeof RESOURCES)[number], number>;

const zero = (): Amounts => ({ cpu: 0, memory: 0, 'nvidia.com/gpu': 0, 'ephemeral-storage': 0, pods: 0 });

/** Requests of a pod's containers, summed (the test pods have no init containers or overhead). */
export function requestedBy(pod: V1Pod): Amounts {
  const total = zero();
  total.pods = 1;
  for (const container of pod.spec?.containers ?? []) {
    const requests = { ...(container.resources?.limits ?? {}), ...(container.resources?.requests ?? {}) };
    for (const name of RESOURCES) if (name !== 'pods' && requests[name] !== undefined) total[name] += parseQuantity(requests[name]);
  }
  return total;
}

function allocatableOf(node: V1Node): Amounts {
  const total = zero();
  for (const name of RESOURCES) {
    const value = node.status?.allocatable?.[name];
    if (value !== undefined) total[name] = parseQuantity(value);
  }
  return total;
}

export interface Violation {
  node: string;
  resource: string;
  requested: number;
  allocatable: number;
  pods: string[];
}

export interface OccupancyReport {
  samples: number;
  /** Most pods seen bound and unfinished on the watched nodes in one sample. */
  peakPods: number;
  /** Nodes seen with some resource (other than pod slots) fully taken: the bound was reached. */
  saturated: Set<string>;
  violations: Violation[];
}

/** Samples until stopped; nodes are read at each sample too (a node may be added meanwhile). */
export function sampleOccupancy(core: CoreV1Api, nodeNames: () => readonly string[], intervalMs = 250): { stop: () => Promise<OccupancyReport> } {
  let running = true;
  const report: OccupancyReport = { samples: 0, peakPods: 0, saturated: new Set(), violations: [] };
  const loop = (async () => {
    while (running) {
      const watched = new Set(nodeNames());
      const [pods, nodes] = await Promise.all([core.listPodForAllNamespaces(), core.listNode()]);
      const used = new Map<string, { amounts: Amounts; pods: string[] }>();
      let bound = 0;
      for (const pod of pods.items) {
        const node = pod.spec?.nodeName;
        if (!node || !watched.has(node) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
        bound += 1;
        const entry = used.get(node) ?? { amounts: zero(), pods: [] };
        const requested = requestedBy(pod);
        for (const name of RESOURCES) entry.amounts[name] += requested[name];
        entry.pods.push(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
        used.set(node, entry);
      }
      for (const node of nodes.items) {
        const entry = used.get(node.metadata!.name!);
        if (!entry) continue;
        const allocatable = allocatableOf(node);
        for (const name of RESOURCES) {
          if (name !== 'pods' && allocatable[name] > 0 && entry.amounts[name] >= allocatable[name] - 1e-6) report.saturated.add(node.metadata!.name!);
          // Quantities are decimal: allow for float rounding, nothing more.
          if (entry.amounts[name] > allocatable[name] + 1e-6) {
            report.violations.push({ node: node.metadata!.name!, resource: name, requested: entry.amounts[name], allocatable: allocatable[name], pods: entry.pods });
          }
        }
      }
      report.samples += 1;
      report.peakPods = Math.max(report.peakPods, bound);
      await sleep(intervalMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return report;
    },
  };
}
