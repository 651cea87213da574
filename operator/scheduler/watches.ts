// The scheduler's view of the cluster: every informer event updates its ledger (what runs and
// is held where), its pools and its queue of waiting work.
import type { Caches } from '../kube/caches.js';
import type { SubtaskScheduler } from './scheduler.js';

export function watchScheduling(caches: Caches, scheduler: SubtaskScheduler): void {
  caches.tasks.addHandler((event, task) => scheduler.onTask(event, task));
  caches.subtasks.addHandler((event, subtask) => scheduler.onSubtask(event, subtask));
  caches.pods.addHandler((event, pod) => scheduler.onPod(event, pod));
  caches.otherPods.addHandler((event, pod) => scheduler.onPod(event, pod));
  caches.nodes.addHandler((event, node) => scheduler.onNode(event, node));
  caches.pools.addHandler((event, pool) => scheduler.onPool(event, pool));
}
