// The one way a controller writes an object's status: conditions merged in the metav1.Condition
// way (lastTransitionTime moves only when a condition's status does), then written only if
// anything changed, so an unchanged reconcile costs no API call and wakes no watcher.
import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../api/common.js';
import { isNotFound, type KubeClients } from '../kube/client.js';

export type ConditionInput = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/** JSON equality: undefined fields are absent fields. */
export function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `existing` with each wanted condition set; the others are kept as they are (meta.SetStatusCondition). */
export function setConditions(existing: readonly Condition[] | undefined, wanted: readonly ConditionInput[], generation: number, now: Date): Condition[] {
  const conditions = [...(existing ?? [])];
  for (const want of wanted) {
    const index = conditions.findIndex((c) => c.type === want.type);
    const previous = index >= 0 ? conditions[index] : undefined;
    const next: Condition = {
      ...want,
      reason: conditionReason(want.reason),
      message: want.message.slice(0, 32768),
      observedGeneration: generation,
      lastTransitionTime: previous && previous.status === want.status ? previous.lastTransitionTime : now.toISOString(),
    };
    if (index >= 0) conditions[index] = next;
    else conditions.push(next);
  }
  return conditions;
}

/** A reason the CRD accepts: CamelCase letters, digits and underscores, starting with a letter. */
export function conditionReason(reason: string): string {
  const clean = reason.replace(/[^A-Za-z0-9_]/g, '').replace(/^[^A-Za-z]+/, '');
  return clean.slice(0, 1024) || 'Unknown';
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

const KINDS = {
  OrchestratedTask: { plural: 'orchestratedtasks', namespaced: true },
  Subtask: { plural: 'subtasks', namespaced: true },
  WorkerPool: { plural: 'workerpools', namespaced: false },
} as const;

export type StatusKind = keyof typeof KINDS;

interface StatusObject<S> {
  metadata: { name?: string; namespace?: string; generation?: number };
  status?: S;
}

export interface StatusWriteOptions {
  /** Conditions to set on the status before comparing. */
  conditions?: readonly ConditionInput[];
  now: Date;
}

/**
 * Writes `status` (with its conditions set) unless it equals the object's current status.
 * Returns whether it wrote. An object deleted meanwhile has nothing left to report on; any
 * other error (a conflict: the cache was behind) goes to the caller, whose reconcile retries.
 */
export async function writeStatusIfChanged<S extends { conditions?: Condition[] | undefined }>(
  clients: Pick<KubeClients, 'custom'>,
  kind: StatusKind,
  object: StatusObject<S>,
  status: S,
  options: StatusWriteOptions,
): Promise<boolean> {
  const generation = object.metadata.generation ?? 0;
  const withConditions = options.conditions ? { ...status, conditions: setConditions(status.conditions ?? object.status?.conditions, options.conditions, generation, options.now) } : status;
  const next = stripUndefined(withConditions);
  if (isDeepStrictEqual(next, stripUndefined(object.status ?? {}))) return false;
  const { plural, namespaced } = KINDS[kind];
  const target = { group: 'drm.dtf.io', version: 'v1alpha1', plural, name: object.metadata.name! };
  const body = { ...object, status: next };
  try {
    if (namespaced) await clients.custom.replaceNamespacedCustomObjectStatus({ ...target, namespace: object.metadata.namespace!, body });
    else await clients.custom.replaceClusterCustomObjectStatus({ ...target, body });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
