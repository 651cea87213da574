// The Subtask controller's adapter: gathers the view decideSubtask needs from the informer caches
// (confirming absences against the API server), carries out its actions, and writes the status
// only when it changed.
import type { ObjectCache, V1Node, V1Pod } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import type { OrchestratedTask } from '../../api/orchestratedtask.js';
import type { Subtask, SubtaskPhase, SubtaskStatus } from '../../api/subtask.js';
import { GROUP_VERSION } from '../../api/common.js';
import { attemptPodName, inputSource, itemsFromDependencies, selectItems } from '../../core/split/index.js';
import { describeError, ignoreNotFound, isAlreadyExists, isInvalid, isNotFound, isQuotaExceeded, type KubeClients } from '../../kube/client.js';
import type { EventSink } from '../../kube/events.js';
import type { ReconcileResult } from '../../runtime/controller.js';
import { PermanentError, splitKey } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logger.js';
import { nowDate, systemClock, type Clock } from '../../runtime/clock.js';
import { parseConfigMapJson, readSubtaskResult } from '../results.js';
import { attemptStartStatus, decideSubtask, type RetryPolicy, type SubtaskAction, type SubtaskDecision } from './decide.js';
import { buildInputConfigMap, buildWorkerPod, fitsInPod, inputConfigMapNameFor, inputDocumentJson, type WorkerPodOptions } from './pod.js';
import { stripUndefined, writeStatusIfChanged } from '../status.js';
import { subtaskConditions } from '../conditions.js';
import { ensureWorkerIdentity, forgetWorkerIdentity } from './worker-identity.js';

export interface SubtaskReconcilerDeps {
  clients: KubeClients;
  tasks: ObjectCache<OrchestratedTask>;
  subtasks: ObjectCache<Subtask>;
  pods: ObjectCache<V1Pod>;
  nodes: ObjectCache<V1Node>;
  events: EventSink;
  log: Logger;
  podOptions: (subtask: Subtask) => WorkerPodOptions;
  /**
   * Told of each pod this controller creates, as the API server returned it: the scheduler places
   * it at once instead of when the pod informer brings it (one watch round trip fewer per subtask,
   * seconds each when the API server is loaded).
   */
  onPodCreated?: (pod: V1Pod) => void;
  /** The one clock (default: the system's). */
  clock?: Pick<Clock, 'now'>;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, backoffSeconds: 10, maxBackoffSeconds: 300 };

/**
 * An attempt's passing states (its pod bound, then running) are written once they have lasted
 * this long: an attempt that ends sooner goes from its start to its outcome in one status write
 * (and no Assigned or Running Event), one that lasts shows them this much later.
 */
export const PASSING_STATE_WRITE_DELAY_MS = 5000;
/** How long a reconcile waits for the cache to show the controller's own status write before going on without it. */
const OWN_WRITE_WAIT_MS = 30_000;
const PASSING_PHASES: ReadonlySet<string> = new Set(['Assigned', 'Running']);

export function taskStopReason(task: OrchestratedTask | undefined, subtask: Subtask): { reason: string; message: string } | undefined {
  if (!task || (subtask.spec.taskRef.uid && task.metadata.uid !== subtask.spec.taskRef.uid)) {
    return { reason: 'TaskGone', message: `task ${subtask.spec.taskRef.name} no longer exists` };
  }
  if (task.metadata.deletionTimestamp) return { reason: 'TaskDeleted', message: `task ${task.metadata.name} is being deleted` };
  if (task.spec.cancel) return { reason: 'TaskCancelled', message: `task ${task.metadata.name} was cancelled` };
  const phase = task.status?.phase;
  if (phase === 'Failed' || phase === 'Cancelled') return { reason: `Task${phase}`, message: `task ${task.metadata.name} is ${phase}${task.status?.message ? `: ${task.status.message}` : ''}` };
  return undefined;
}

/** Whether the pod belongs to this Subtask (not to an earlier one of the same name, not yet collected). */
function ownedBy(pod: V1Pod, subtask: Subtask): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((owner) => owner.uid === subtask.metadata.uid);
}

export function makeSubtaskReconciler(deps: SubtaskReconcilerDeps) {
  const { clients, log } = deps;
  const now = () => nowDate(deps.clock ?? systemClock);
  /** subtask key → when a passing state not yet written was first seen. */
  const passingSince = new Map<string, number>();
  /**
   * subtask key → the resourceVersion our last status write replaced, and when. While the cache
   * still holds that version, a reconcile would decide the same again from the older status: a
   * second Event and a write refused as a conflict. It waits for the write's own watch event.
   */
  const ownWrites = new Map<string, { replaced: string | undefined; at: number }>();

  function awaitingOwnWrite(key: string, stored: Subtask): number {
    const awaited = ownWrites.get(key);
    if (!awaited) return 0;
    const left = awaited.at + OWN_WRITE_WAIT_MS - now().getTime();
    if (stored.metadata.resourceVersion !== awaited.replaced || left <= 0) {
      ownWrites.delete(key);
      return 0;
    }
    return left;
  }

  /**
   * Milliseconds to wait before writing a passing state, or 0 to write now: the decision only
   * moves the subtask into Assigned or Running (nothing to do but say so), and that state has
   * not lasted PASSING_STATE_WRITE_DELAY_MS yet.
   */
  function passingStateWait(key: string, stored: Subtask, decision: SubtaskDecision): number {
    const phase = decision.status.phase ?? '';
    const onlySaying = decision.actions.every((action) => action.type === 'event' && action.eventType === 'Normal' && action.reason === phase);
    if (!PASSING_PHASES.has(phase) || stored.status?.phase === phase || !onlySaying) {
      passingSince.delete(key);
      return 0;
    }
    const at = now().getTime();
    const since = passingSince.get(key) ?? at;
    passingSince.set(key, since);
    const left = since + PASSING_STATE_WRITE_DELAY_MS - at;
    if (left <= 0) passingSince.delete(key);
    return Math.max(0, left);
  }

  async function currentPod(namespace: string, name: string): Promise<V1Pod | 'missing'> {
    const cached = deps.pods.get(name, namespace);
    if (cached) return cached;
    // The cache may lag our own create: ask the API server before concluding it is gone.
    try {
      return await clients.core.readNamespacedPod({ name, namespace });
    } catch (error) {
      if (isNotFound(error)) return 'missing';
      throw error;
    }
  }

  async function nodeExists(name: string): Promise<boolean> {
    if (deps.nodes.get(name)) return true;
    try {
      await clients.core.readNode({ name });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async function resolveItems(subtask: Subtask): Promise<unknown[]> {
    const namespace = subtask.metadata.namespace!;
    const source = inputSource(subtask.spec);
    switch (source.kind) {
      case 'inline':
        return source.items;
      case 'configMap': {
        const configMap = await clients.core.readNamespacedConfigMap({ name: source.name, namespace });
        try {
          return selectItems(parseConfigMapJson(configMap, source.key), source);
        } catch (error) {
          throw new PermanentError(`input ConfigMap ${source.name} key ${source.key}: ${(error as Error).message}`, 'InvalidInput');
        }
      }
      case 'dependency': {
        const dependency = deps.subtasks.get(source.from, namespace);
        if (!dependency) throw new Error(`dependency ${source.from} is not in the cache yet`);
        return itemsFromDependencies(subtask.spec, new Map([[source.from, await readSubtaskResult(clients.core, dependency)]]));
      }
    }
  }

  /**
   * The input document of an attempt: in the pod (returned) when it comes from the Subtask's own
   * spec and is small, else in the input ConfigMap (made here; undefined returned).
   */
  async function prepareInput(subtask: Subtask, attempt: number): Promise<string | undefined> {
    const namespace = subtask.metadata.namespace!;
    const source = inputSource(subtask.spec);
    // Inline items are the spec's own, the same on every attempt: a retry can build them again.
    // Items read from elsewhere (a ConfigMap, a dependency's result) are kept in the ConfigMap.
    if (source.kind === 'inline') {
      const document = inputDocumentJson(subtask, source.items, namespace);
      if (fitsInPod(document)) return document;
      await createInputConfigMap(subtask, document, attempt);
      return undefined;
    }
    await createInputConfigMap(subtask, undefined, attempt);
    return undefined;
  }

  /** The input ConfigMap; `document` when already resolved. */
  async function createInputConfigMap(subtask: Subtask, document: string | undefined, attempt: number): Promise<void> {
    const namespace = subtask.metadata.namespace!;
    // A first attempt (nearly every one) creates without asking first: one request, not two. A
    // retry looks first, so its input is not resolved again from sources that may be gone.
    const name = inputConfigMapNameFor(subtask.metadata.name!);
    const exists = attempt > 1 && (await ignoreNotFound(clients.core.readNamespacedConfigMap({ name, namespace }))) !== undefined;
    if (exists) return;
    try {
      const json = document ?? inputDocumentJson(subtask, await resolveItems(subtask), namespace);
      await clients.core.createNamespacedConfigMap({ namespace, body: buildInputConfigMap(subtask, json, namespace) });
    } catch (createError) {
      // An input document the API server will not store (over 1 MiB) never will: fail, not retry forever.
      if (isInvalid(createError)) throw new PermanentError(`the API server refused the input ConfigMap ${name}: ${describeError(createError)}`, 'InputRejected');
      if (!isAlreadyExists(createError)) throw createError;
    }
  }

  async function createAttemptPod(subtask: Subtask, attempt: number): Promise<void> {
    const namespace = subtask.metadata.namespace!;
    await ensureWorkerIdentity(clients, namespace);
    const inlineInput = await prepareInput(subtask, attempt);
    try {
      const created = await clients.core.createNamespacedPod({ namespace, body: buildWorkerPod(subtask, attempt, deps.podOptions(subtask), inlineInput) });
      deps.onPodCreated?.(created);
    } catch (error) {
      if (isAlreadyExists(error)) return;
      if (isInvalid(error)) throw new PermanentError(`the API server refused the pod of attempt ${attempt}: ${describeError(error)}`, 'PodRejected');
      if (/serviceaccount/i.test(describeError(error))) {
        // The namespace lost its worker identity (deleted and recreated): make it again, retry.
        forgetWorkerIdentity(namespace);
        throw new Error(`worker ServiceAccount missing in ${namespace}: ${describeError(error)}`, { cause: error });
      }
      throw error;
    }
  }

  async function act(subtask: Subtask, action: SubtaskAction): Promise<void> {
    const namespace = subtask.metadata.namespace!;
    switch (action.type) {
      case 'createPod':
        await createAttemptPod(subtask, action.attempt);
        return;
      case 'deletePod':
        await ignoreNotFound(clients.core.deleteNamespacedPod({ name: action.name, namespace, gracePeriodSeconds: 5 }));
        return;
      case 'event':
        deps.events.emit({ apiVersion: GROUP_VERSION, kind: 'Subtask', metadata: subtask.metadata }, action.eventType, action.reason, action.message);
        return;
    }
  }

  function writeStatus(subtask: Subtask, decided: SubtaskStatus): Promise<boolean> {
    const status = { ...decided, observedGeneration: subtask.metadata.generation ?? 0 };
    return writeStatusIfChanged(clients, 'Subtask', subtask, status, { conditions: subtaskConditions(status), now: now() });
  }

  function warn(subtask: Subtask, reason: string, message: string): void {
    deps.events.emit({ apiVersion: GROUP_VERSION, kind: 'Subtask', metadata: subtask.metadata }, 'Warning', reason, message);
  }

  /**
   * An action the API server refused: a quota refusal is named in the status and an Event and
   * retried with backoff (quotas get raised, other pods finish); an error known to be permanent
   * fails the subtask with its cause; anything else is retried as it is.
   */
  async function refused(subtask: Subtask, status: SubtaskStatus, error: unknown): Promise<ReconcileResult | void> {
    const attempt = status.attempts ?? 0;
    if (isQuotaExceeded(error)) {
      const message = `attempt ${attempt} waits: a ResourceQuota refused its pod (${describeError(error)}); retrying`;
      await writeStatus(subtask, { ...status, phase: 'Pending', message });
      warn(subtask, 'QuotaExceeded', message);
      throw error;
    }
    if (!(error instanceof PermanentError)) throw error;
    const time = now().toISOString();
    await writeStatus(subtask, { ...status, phase: 'Failed', message: error.message, completionTime: time, lastFailure: { attempt, reason: error.reason, message: error.message.slice(0, 1024), time } });
    warn(subtask, error.reason, error.message);
  }

  return async function reconcileSubtask(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const stored = deps.subtasks.get(name, namespace);
    if (!stored || stored.metadata.deletionTimestamp) {
      passingSince.delete(key);
      ownWrites.delete(key);
      return;
    }
    const ownWriteWait = awaitingOwnWrite(key, stored);
    if (ownWriteWait > 0) return { requeueAfterMs: ownWriteWait };
    const task = deps.tasks.get(stored.spec.taskRef.name, namespace);
    // The start of a first attempt is not written: its pod says it (one status write per subtask
    // fewer). A subtask with no status yet whose first pod exists is taken as that attempt begun.
    const unwrittenStart = stored.status?.phase === undefined && !stored.status?.attempts ? attemptStartStatus(stored.status ?? {}, 1) : undefined;
    const firstPod = unwrittenStart ? deps.pods.get(attemptPodName(name, 1), namespace) : undefined;
    const subtask = firstPod && ownedBy(firstPod, stored) ? { ...stored, status: unwrittenStart } : stored;
    const attempts = subtask.status?.attempts ?? 0;
    const pod = attempts > 0 ? await currentPod(namespace, attemptPodName(name, attempts)) : undefined;
    const podNode = pod && pod !== 'missing' ? pod.spec?.nodeName : undefined;
    const retry = task?.spec.retry;
    const stopReason = taskStopReason(task, subtask);
    const decision = decideSubtask({
      subtask,
      ...(stopReason ? { taskStopReason: stopReason } : {}),
      retry: {
        maxAttempts: retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
        backoffSeconds: retry?.backoffSeconds ?? DEFAULT_RETRY.backoffSeconds,
        maxBackoffSeconds: retry?.maxBackoffSeconds ?? DEFAULT_RETRY.maxBackoffSeconds,
      },
      ...(task?.spec.timeoutSeconds !== undefined ? { timeoutSeconds: task.spec.timeoutSeconds } : {}),
      dependencies: (subtask.spec.dependsOn ?? []).map((dependency) => {
        const found = deps.subtasks.get(dependency, namespace);
        return { name: dependency, phase: found ? ((found.status?.phase ?? 'Pending') as SubtaskPhase) : 'Missing' };
      }),
      ...(pod ? { pod } : {}),
      ...(podNode ? { podNodeExists: await nodeExists(podNode) } : {}),
      now: now(),
    });
    const wait = passingStateWait(key, stored, decision);
    if (wait > 0) return { requeueAfterMs: Math.min(wait, decision.requeueAfterMs ?? wait) };
    try {
      for (const action of decision.actions) await act(subtask, action);
    } catch (error) {
      return refused(stored, decision.status, error);
    }
    if (unwrittenStart && isDeepStrictEqual(stripUndefined(decision.status), stripUndefined(unwrittenStart))) return undefined;
    if (await writeStatus(stored, decision.status)) {
      ownWrites.set(key, { replaced: stored.metadata.resourceVersion, at: now().getTime() });
      log.debug({ task: subtask.spec.taskRef.name, subtask: name, phase: decision.status.phase }, 'subtask status written');
    }
    return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : undefined;
  };
}
