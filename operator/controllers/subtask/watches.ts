// What wakes a Subtask's reconcile: the subtask itself, its attempt's pod, a dependency that
// finished, its task turning against it (cancelled, failed, deleted, retry policy changed), and
// the loss of the node its pod ran on.
import type { OrchestratedTask } from '../../api/orchestratedtask.js';
import type { Caches } from '../../kube/caches.js';
import { keyOf } from '../../runtime/controller.js';
import { ANNOTATIONS } from '../labels.js';

/** What of a task its subtasks' reconciles read (taskStopReason, the retry policy and timeout). */
export function subtaskFacingState(task: OrchestratedTask): string {
  const phase = task.status?.phase;
  return JSON.stringify([task.metadata.uid, Boolean(task.metadata.deletionTimestamp), Boolean(task.spec.cancel), phase === 'Failed' || phase === 'Cancelled' ? phase : '', task.spec.retry ?? null, task.spec.timeoutSeconds ?? null]);
}

export function watchSubtasks(caches: Caches, enqueue: (key: string) => void): void {
  /** task key → the part of the task its subtasks act on, last seen. */
  const taskSignatures = new Map<string, string>();
  /** subtask key → keys of subtasks that depend on it, so a completion wakes its dependents. */
  const dependents = new Map<string, Set<string>>();

  caches.tasks.addHandler((event, task) => {
    // A task's progress writes do not concern its subtasks, and would otherwise wake every one each time.
    const key = keyOf(task);
    const signature = event === 'delete' ? undefined : subtaskFacingState(task);
    if (event !== 'delete' && taskSignatures.get(key) === signature) return;
    if (signature === undefined) taskSignatures.delete(key);
    else taskSignatures.set(key, signature);
    for (const subtask of caches.subtasks.list(task.metadata?.namespace)) {
      if (subtask.spec.taskRef.name === task.metadata?.name) enqueue(keyOf(subtask));
    }
  });

  caches.subtasks.addHandler((event, subtask) => {
    const key = keyOf(subtask);
    enqueue(key);
    for (const dependency of subtask.spec.dependsOn ?? []) {
      const dependencyKey = `${subtask.metadata.namespace}/${dependency}`;
      if (event === 'delete') dependents.get(dependencyKey)?.delete(key);
      else dependents.set(dependencyKey, (dependents.get(dependencyKey) ?? new Set()).add(key));
    }
    for (const dependent of dependents.get(key) ?? []) enqueue(dependent);
  });

  caches.pods.addHandler((_, pod) => {
    const subtask = pod.metadata?.annotations?.[ANNOTATIONS.subtaskName];
    if (subtask && pod.metadata?.namespace) enqueue(`${pod.metadata.namespace}/${subtask}`);
  });

  // Attempts on a vanished node must be retried elsewhere: wake their subtasks.
  caches.nodes.addHandler((event, node) => {
    if (event !== 'delete') return;
    for (const pod of caches.pods.list()) {
      const subtask = pod.metadata?.annotations?.[ANNOTATIONS.subtaskName];
      if (pod.spec?.nodeName === node.metadata?.name && subtask) enqueue(`${pod.metadata?.namespace}/${subtask}`);
    }
  });
}
