// Reading tasks, subtasks and pods of one namespace through kubectl, and waiting for a task's
// phase: the reads integration tests share.
import type { V1Pod } from '@kubernetes/client-node';
import { kubectlOk, manifestInput } from './cluster.js';
import { waitUntil } from './wait.js';

export interface TaskJson {
  metadata: { name: string; uid: string };
  status?: {
    phase?: string;
    result?: unknown;
    message?: string;
    subtasks?: Record<string, number>;
    completionPercentage?: number;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
  };
}

export interface SubtaskJson {
  metadata: { name: string };
  spec: { role: string; index: number; microBatch?: number; name: string };
  status?: {
    phase?: string;
    nodeName?: string;
    podName?: string;
    attempts?: number;
    message?: string;
    startTime?: string;
    completionTime?: string;
    attemptHistory?: Array<{ attempt: number; phase: string; reason?: string }>;
  };
}

/** The task reads of one namespace; `diagnostics` is appended to a timed-out wait's error. */
export function taskReader(namespace: string, diagnostics: () => string = () => '') {
  const getTask = (name: string) => JSON.parse(kubectlOk(['get', 'ot', name, '-n', namespace, '-o', 'json'])) as TaskJson;
  const list = <T>(kind: string, task: string) =>
    (JSON.parse(kubectlOk(['get', kind, '-n', namespace, '-l', `drm.dtf.io/task=${task}`, '-o', 'json'])) as { items: T[] }).items;
  return {
    getTask,
    subtasksOf: (task: string) => list<SubtaskJson>('st', task),
    podsOf: (task: string) => list<V1Pod>('pods', task),
    apply: (manifest: unknown) => kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput(manifest)),
    async waitForPhase(name: string, phases: string[], timeoutMs = 120_000): Promise<TaskJson> {
      let task: TaskJson | undefined;
      await waitUntil(
        `task ${name} in ${phases.join('|')}`,
        () => {
          task = getTask(name);
          return phases.includes(task.status?.phase ?? '');
        },
        timeoutMs,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; task status: ${JSON.stringify(task?.status)}\n${diagnostics()}`);
      });
      return task!;
    },
  };
}
