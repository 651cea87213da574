// What wakes a WorkerPool's reconcile: the pool itself and its nodes coming, changing and going.
// A change of pending demand (the scheduler's) wakes every pool: the autoscaler looks again.
// A cloud Node that joins knowing no pool (a providerID, no pool label) wakes the cloud pools,
// so the one whose instance it is adopts it now rather than at its next interval.
import type { V1Node } from '@kubernetes/client-node';
import type { Caches } from '../../kube/caches.js';
import { LABELS } from '../labels.js';

export function watchWorkerPools(caches: Caches, enqueue: (key: string) => void): void {
  caches.pools.addHandler((event, pool) => {
    if (event !== 'delete') enqueue(pool.metadata.name!);
  });
  // A Node's status is rewritten by every heartbeat, and with 1,000 nodes a pool's reconcile ran
  // back to back (what woke it most was not measured). A pool looks again only when what it reads
  // of a node changed (its periodic requeue still catches anything else).
  const seen = new Map<string, string>();
  caches.nodes.addHandler((event, node) => {
    const name = node.metadata?.name ?? '';
    if (event === 'delete') seen.delete(name);
    else {
      const digest = nodeDigest(node);
      if (event === 'update' && seen.get(name) === digest) return;
      seen.set(name, digest);
    }
    const pool = node.metadata?.labels?.[LABELS.pool];
    if (pool) enqueue(pool);
    else if (event === 'add' && node.spec?.providerID) {
      for (const candidate of caches.pools.list()) if (candidate.spec?.provider?.aws || candidate.spec?.provider?.gcp) enqueue(candidate.metadata.name!);
    }
  });
}

/** What a pool's reconcile reads of a Node, without the heartbeat times that change on every update. */
function nodeDigest(node: V1Node): string {
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status;
  return JSON.stringify([
    node.metadata?.labels,
    node.metadata?.annotations,
    node.metadata?.deletionTimestamp,
    node.spec,
    node.status?.capacity,
    node.status?.allocatable,
    node.status?.addresses,
    ready,
  ]);
}
