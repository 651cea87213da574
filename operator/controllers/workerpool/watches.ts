// What wakes a WorkerPool's reconcile: the pool itself and its nodes coming, changing and going.
// A change of pending demand (the scheduler's) wakes every pool: the autoscaler looks again.
import type { Caches } from '../../kube/caches.js';
import { LABELS } from '../labels.js';

export function watchWorkerPools(caches: Caches, enqueue: (key: string) => void): void {
  caches.pools.addHandler((event, pool) => {
    if (event !== 'delete') enqueue(pool.metadata.name!);
  });
  caches.nodes.addHandler((_, node) => {
    const pool = node.metadata?.labels?.[LABELS.pool];
    if (pool) enqueue(pool);
  });
}
