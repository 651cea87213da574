// What wakes a WorkerPool's reconcile: the pool itself and its nodes coming, changing and going.
// A change of pending demand (the scheduler's) wakes every pool: the autoscaler looks again.
// A cloud Node that joins knowing no pool (a providerID, no pool label) wakes the cloud pools,
// so the one whose instance it is adopts it now rather than at its next interval.
import type { Caches } from '../../kube/caches.js';
import { LABELS } from '../labels.js';

export function watchWorkerPools(caches: Caches, enqueue: (key: string) => void): void {
  caches.pools.addHandler((event, pool) => {
    if (event !== 'delete') enqueue(pool.metadata.name!);
  });
  caches.nodes.addHandler((event, node) => {
    const pool = node.metadata?.labels?.[LABELS.pool];
    if (pool) enqueue(pool);
    else if (event === 'add' && node.spec?.providerID) {
      for (const candidate of caches.pools.list()) if (candidate.spec?.provider?.aws || candidate.spec?.provider?.gcp) enqueue(candidate.metadata.name!);
    }
  });
}
