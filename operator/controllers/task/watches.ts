// What wakes an OrchestratedTask's reconcile: the task itself, any change of its subtasks (their
// phases are its progress), and, for a split waiting for room under the namespace's subtask
// limit, another task's subtask going away.
import type { OrchestratedTask } from '../../api/orchestratedtask.js';
import type { Caches } from '../../kube/caches.js';
import { keyOf } from '../../runtime/controller.js';
import { NAMESPACE_ROOM_WAIT } from './reconciler.js';

function waitsForNamespaceRoom(task: OrchestratedTask): boolean {
  return task.status?.phase === 'Pending' && task.status.subtasks?.total === undefined && (task.status.message ?? '').startsWith(NAMESPACE_ROOM_WAIT);
}

export function watchTasks(caches: Caches, enqueue: (key: string) => void): void {
  caches.tasks.addHandler((_, task) => enqueue(keyOf(task)));
  caches.subtasks.addHandler((event, subtask) => {
    enqueue(`${subtask.metadata.namespace}/${subtask.spec.taskRef.name}`);
    if (event !== 'delete') return;
    for (const task of caches.tasks.list(subtask.metadata.namespace)) {
      if (task.metadata.name !== subtask.spec.taskRef.name && waitsForNamespaceRoom(task)) enqueue(keyOf(task));
    }
  });
}
