// What wakes an OrchestratedTask's reconcile: the task itself and any change of its subtasks
// (their phases are its progress).
import type { Caches } from '../../kube/caches.js';
import { keyOf } from '../../runtime/controller.js';

export function watchTasks(caches: Caches, enqueue: (key: string) => void): void {
  caches.tasks.addHandler((_, task) => enqueue(keyOf(task)));
  caches.subtasks.addHandler((_, subtask) => enqueue(`${subtask.metadata.namespace}/${subtask.spec.taskRef.name}`));
}
