// The OrchestratedTask controller: finalizer, split into Subtasks (once, idempotently: names are
// deterministic), progress from the Subtasks' phases, failure policy, deadline and cancellation,
// and the merge of results into status.result (or ConfigMaps named in status.resultRef).
import type { ObjectCache, V1ConfigMap, V1Node } from '@kubernetes/client-node';
import { defaultMergeMethod, type OrchestratedTask } from '../../api/orchestratedtask.js';
import type { OrchestratedTaskStatus } from '../../api/orchestratedtask.js';
import type { Subtask } from '../../api/subtask.js';
import { GROUP_VERSION } from '../../api/common.js';
import { chunkForConfigMaps, MergeError, mergeResults, RESULT_KEY, type SubtaskResult } from '../../core/merge/index.js';
import { cpuMillis, quantityOr } from '../../core/placement/quantity.js';
import { largestNodeOfClass, nodeInfoFrom, type NodeInfo } from '../../core/placement/index.js';
import { choosePartitions, freeCpuSlots, planSubtasks, SplitError, taskResultConfigMapName, toLabelValue, type PlannedSubtask } from '../../core/split/index.js';
import { describeError, ignoreNotFound, isAlreadyExists, isInvalid, isNotFound, isQuotaExceeded, mergePatch, type KubeClients } from '../../kube/client.js';
import type { EventSink } from '../../kube/events.js';
import type { ReconcileResult } from '../../runtime/controller.js';
import { splitKey } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logger.js';
import { nowDate, systemClock, type Clock } from '../../runtime/clock.js';
import type { Prediction, PredictionQuery } from '../../core/predict/index.js';
import { cpuQuantity, memoryQuantity, predictionView } from '../../predict/format.js';
import { FINALIZER, LABELS, MANAGER } from '../labels.js';
import { simulationAnnotations } from '../simulation.js';
import { parseConfigMapJson, readSubtaskResult } from '../results.js';
import { findCondition, writeStatusIfChanged } from '../status.js';
import { taskConditions } from '../conditions.js';
import { completionPercentage, countSubtasks, deadlineOf, taskVerdict, TERMINAL_TASK_PHASES } from './summary.js';

/** Largest merged result kept inline in status.result; larger ones go to ConfigMaps. */
export const INLINE_RESULT_LIMIT_BYTES = 64 * 1024;
const RESULT_CHUNK_BYTES = 900 * 1024;

export interface TaskReconcilerDeps {
  clients: KubeClients;
  tasks: ObjectCache<OrchestratedTask>;
  subtasks: ObjectCache<Subtask>;
  nodes: ObjectCache<V1Node>;
  events: EventSink;
  log: Logger;
  /** Fills what a task leaves out (resources, partitions); omitted: nothing is predicted. */
  predictor?: { predict(query: PredictionQuery): Prediction };
  /** Millicores requested on a node by every pod (the placement ledger); omitted: none. */
  requestedCpuMillis?: (nodeName: string) => number;
  /** The one clock (default: the system's). */
  clock?: Pick<Clock, 'now'>;
  /**
   * Most Subtasks one namespace may hold (--max-subtasks-per-namespace): a split that would pass
   * it waits, or fails when the task alone needs more. Omitted or 0: no limit.
   */
  maxSubtasksPerNamespace?: number;
  /** Most bytes (as JSON) of subtask results one merge reads; more fails the task (default MAX_MERGE_BYTES). */
  maxMergeBytes?: number;
}

/**
 * What one merge may hold: every result is in memory at once, and the leader has 1 GiB. A task
 * whose results add up to more fails with a message; the operator stays up for everyone else.
 */
export const MAX_MERGE_BYTES = 128 * 1024 * 1024;

export function subtasksOf(task: OrchestratedTask, subtasks: ObjectCache<Subtask>): Subtask[] {
  return subtasks
    .list(task.metadata.namespace)
    .filter((s) => s.spec.taskRef.name === task.metadata.name && (!s.spec.taskRef.uid || s.spec.taskRef.uid === task.metadata.uid));
}

/** Subtask creates in flight during a split. */
const SPLIT_CONCURRENCY = 32;

/**
 * A running task's progress (its subtask counts) is written at most this often: the counts move
 * with every subtask, and one write each would be as many task writes as subtasks. Phase changes
 * are written at once.
 */
export const PROGRESS_WRITE_INTERVAL_MS = 1000;

/** The start of the message of a split waiting for room under --max-subtasks-per-namespace (watches.ts wakes it). */
export const NAMESPACE_ROOM_WAIT = 'splitting waits: namespace ';
/** A split waiting for room is woken by the subtasks that go (watches.ts); this is only the fallback. */
const NAMESPACE_ROOM_RECHECK_MS = 300_000;

/** How long a reconcile waits for the cache to show the controller's own last status write before going on without it. */
const OWN_WRITE_WAIT_MS = 30_000;

export function resultConfigMapName(taskName: string, chunk: number): string {
  return taskResultConfigMapName(taskName, chunk);
}

/** The uid of the object's controlling owner, if any. */
function controllerUid(metadata: object | undefined): string | undefined {
  const owners = (metadata as { ownerReferences?: Array<{ uid: string; controller?: boolean }> } | undefined)?.ownerReferences;
  return owners?.find((owner) => owner.controller)?.uid;
}

export function makeTaskReconciler(deps: TaskReconcilerDeps) {
  const { clients, log } = deps;
  const now = () => nowDate(deps.clock ?? systemClock);
  const crd = { group: 'drm.dtf.io', version: 'v1alpha1', plural: 'orchestratedtasks' };
  const emit = (task: OrchestratedTask, type: 'Normal' | 'Warning', reason: string, message: string) =>
    deps.events.emit({ apiVersion: GROUP_VERSION, kind: 'OrchestratedTask', metadata: task.metadata }, type, reason, message);

  async function patchFinalizers(task: OrchestratedTask, finalizers: string[]): Promise<void> {
    await clients.custom.patchNamespacedCustomObject(
      { ...crd, namespace: task.metadata.namespace!, name: task.metadata.name!, body: { metadata: { finalizers, resourceVersion: task.metadata.resourceVersion } } },
      mergePatch,
    );
  }

  /** The task's status, its conditions following its phase; `failureReason` says why a Failed task failed. Whether it wrote. */
  async function writeStatus(task: OrchestratedTask, status: OrchestratedTaskStatus, failureReason?: string): Promise<boolean> {
    const next = { ...status, observedGeneration: task.metadata.generation ?? 0 };
    return writeStatusIfChanged(clients, 'OrchestratedTask', task, next, { conditions: taskConditions(next, failureReason), now: now() });
  }

  /** task uid → when its progress was last written. */
  const progressWrittenAt = new Map<string, number>();
  /**
   * task uid → a step's own status write that the cache has not shown yet, and when it was made.
   * The next reconcile (woken by the write's own watch event) waits for it instead of acting on
   * the older status: a split or merge redone, and a write refused as a conflict.
   */
  const ownWrites = new Map<string, { shown: (status: OrchestratedTaskStatus) => boolean; at: number }>();
  const expectOwnWrite = (task: OrchestratedTask, shown: (status: OrchestratedTaskStatus) => boolean) => ownWrites.set(task.metadata.uid!, { shown, at: now().getTime() });
  /** Milliseconds still to wait for the cache to show this task's own last write; 0: go on. */
  function awaitingOwnWrite(task: OrchestratedTask): number {
    const awaited = ownWrites.get(task.metadata.uid!);
    if (!awaited) return 0;
    const status = task.status ?? {};
    const left = awaited.at + OWN_WRITE_WAIT_MS - now().getTime();
    if (awaited.shown(status) || (status.phase && TERMINAL_TASK_PHASES.has(status.phase)) || left <= 0) {
      ownWrites.delete(task.metadata.uid!);
      return 0;
    }
    return left;
  }

  async function loadItems(task: OrchestratedTask): Promise<unknown[] | { waiting: string }> {
    const input = task.spec.input;
    if (!input) return [];
    if (input.items) return input.items;
    if (!input.configMapRef) return [];
    const { name, key = 'items.json' } = input.configMapRef;
    let configMap: V1ConfigMap;
    try {
      configMap = await clients.core.readNamespacedConfigMap({ name, namespace: task.metadata.namespace! });
    } catch (error) {
      if (isNotFound(error)) return { waiting: `input ConfigMap ${name} does not exist (yet)` };
      throw error;
    }
    let items: unknown;
    try {
      items = parseConfigMapJson(configMap, key);
    } catch (error) {
      return { waiting: `input ConfigMap ${name} key ${key} is not valid JSON: ${(error as Error).message}` };
    }
    if (!Array.isArray(items)) return { waiting: `input ConfigMap ${name} key ${key} must hold a JSON array of items` };
    return items;
  }

  function predictionFor(taskType: string, params: Record<string, unknown> | undefined, inputSize: number, hardware: OrchestratedTask['spec']['hardware']): Prediction | undefined {
    if (!deps.predictor) return undefined;
    const type = hardware?.type ?? 'any';
    return deps.predictor.predict({ taskType, params: params ?? {}, inputSize, hardware: { type, ...(hardware?.gpuProduct ? { gpuProduct: hardware.gpuProduct } : {}) } });
  }

  /**
   * Resources the subtask's spec leaves out, from its own prediction (padded by the observed
   * error), each at most what the largest ready node of its hardware class offers: a predicted
   * request no node fits would leave the subtask waiting forever.
   */
  function withPredictedResources(
    planned: PlannedSubtask,
    fallbackInputSize: number,
    largestOf: (hardware: string | undefined) => ReturnType<typeof largestNodeOfClass>,
  ): { planned: PlannedSubtask; prediction?: Prediction; capped?: boolean } {
    const spec = planned.spec;
    const resources = spec.resources ?? {};
    const wantsGpu = spec.hardware?.type === 'gpu';
    if (resources.cpu !== undefined && resources.memory !== undefined && (!wantsGpu || resources.gpu !== undefined)) return { planned };
    const inputSize = spec.input?.items?.length ?? spec.inputRef?.count ?? fallbackInputSize;
    const prediction = predictionFor(spec.taskType, spec.params, inputSize, spec.hardware);
    if (!prediction) return { planned };
    const largest = largestOf(spec.hardware?.type);
    const cpu = largest ? Math.min(prediction.cpu, largest.cpuMillis / 1000) : prediction.cpu;
    const memoryBytes = largest ? Math.min(prediction.memoryBytes, largest.memoryBytes) : prediction.memoryBytes;
    const gpus = Math.max(1, largest && largest.gpus > 0 ? Math.min(prediction.gpu, largest.gpus) : prediction.gpu);
    const capped =
      (resources.cpu === undefined && cpu < prediction.cpu) ||
      (resources.memory === undefined && memoryBytes < prediction.memoryBytes) ||
      (wantsGpu && resources.gpu === undefined && gpus < prediction.gpu);
    const filled = {
      ...(resources.cpu === undefined ? { cpu: cpuQuantity(cpu) } : {}),
      ...(resources.memory === undefined ? { memory: memoryQuantity(memoryBytes) } : {}),
      ...(wantsGpu && resources.gpu === undefined ? { gpu: gpus } : {}),
      ...resources,
    };
    return { planned: { ...planned, spec: { ...spec, resources: filled } }, prediction, ...(capped ? { capped } : {}) };
  }

  function partitionHints(task: OrchestratedTask) {
    const wanted = task.spec.hardware?.type ?? 'any';
    const ready = deps.nodes.list().filter((node) => {
      if (node.spec?.unschedulable) return false;
      if (!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return false;
      const hardware = node.metadata?.labels?.[LABELS.hardware];
      return wanted === 'any' || hardware === wanted;
    });
    // Free CPU (allocatable minus what every pod requests) divided by what one subtask asks for,
    // one core when the task says nothing: a rough measure, the predictor refines it.
    const slots = freeCpuSlots(
      ready.map((node) => ({ allocatableMillis: quantityOr(cpuMillis, node.status?.allocatable?.cpu, 0), requestedMillis: deps.requestedCpuMillis?.(node.metadata!.name!) ?? 0 })),
      quantityOr(cpuMillis, task.spec.resources?.cpu, 1000),
    );
    return { ...(slots > 0 ? { freeSlots: slots } : {}), slotKind: wanted === 'any' ? '' : wanted.toUpperCase() };
  }

  async function createSubtask(task: OrchestratedTask, planned: PlannedSubtask): Promise<void> {
    // A split redone because the cache had not yet seen its own status write finds its subtasks
    // here: no create refused as a duplicate, and no read to check whose it is.
    const cached = deps.subtasks.get(planned.name, task.metadata.namespace);
    if (cached && controllerUid(cached.metadata) === task.metadata.uid) return;
    const body = {
      apiVersion: GROUP_VERSION,
      kind: 'Subtask',
      metadata: {
        name: planned.name,
        namespace: task.metadata.namespace,
        labels: {
          [LABELS.managedBy]: MANAGER,
          [LABELS.task]: toLabelValue(task.metadata.name!),
          [LABELS.taskUid]: task.metadata.uid!,
          [LABELS.role]: planned.spec.role,
        },
        ownerReferences: [{ apiVersion: GROUP_VERSION, kind: 'OrchestratedTask', name: task.metadata.name!, uid: task.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: planned.spec,
    };
    try {
      await clients.custom.createNamespacedCustomObject({ group: 'drm.dtf.io', version: 'v1alpha1', plural: 'subtasks', namespace: task.metadata.namespace!, body });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      // Ours from an earlier reconcile is fine; another task's must not pass for ours.
      const existing = (await clients.custom.getNamespacedCustomObject({ group: 'drm.dtf.io', version: 'v1alpha1', plural: 'subtasks', namespace: task.metadata.namespace!, name: planned.name })) as Subtask;
      const owner = controllerUid(existing.metadata);
      if (owner !== task.metadata.uid) throw new SplitError(`Subtask ${planned.name} already exists and belongs to ${owner ? `another task (uid ${owner})` : 'no task'}`);
    }
  }

  /**
   * Whether the split stops here: it waits for the namespace's other subtasks to go (said in the
   * status), or the task failed because it alone needs more than the limit. false: go ahead.
   */
  async function overNamespaceLimit(task: OrchestratedTask, status: OrchestratedTaskStatus, needed: number): Promise<boolean> {
    const limit = deps.maxSubtasksPerNamespace ?? 0;
    if (limit <= 0) return false;
    const namespace = task.metadata.namespace!;
    const limitText = `the operator's limit of ${limit} subtasks per namespace (--max-subtasks-per-namespace)`;
    if (needed > limit) {
      const message = `cannot split: the task needs ${needed} subtasks, more than ${limitText}`;
      await writeStatus(task, { ...status, phase: 'Failed', message, completionTime: now().toISOString() }, 'SplitFailed');
      emit(task, 'Warning', 'SplitFailed', message);
      return true;
    }
    // A split interrupted half-way counts its own subtasks once, as part of `needed`.
    const others = deps.subtasks.list(namespace).filter((s) => s.spec.taskRef.name !== task.metadata.name).length;
    if (others + needed <= limit) return false;
    const message = `${NAMESPACE_ROOM_WAIT}${namespace} holds ${others} subtasks of other tasks and this task needs ${needed}, over ${limitText}`;
    if (status.message !== message) emit(task, 'Warning', 'NamespaceSubtaskLimit', message);
    await writeStatus(task, { ...status, phase: 'Pending', message });
    return true;
  }

  async function split(task: OrchestratedTask, status: OrchestratedTaskStatus): Promise<ReconcileResult | void> {
    const items = await loadItems(task);
    if (!Array.isArray(items)) {
      await writeStatus(task, { ...status, phase: 'Pending', message: items.waiting });
      return { requeueAfterMs: 10_000 };
    }
    let partitions: number | undefined;
    if (task.spec.strategy === 'DataParallel' && task.spec.partitions === undefined) {
      // The whole input's predicted time sets how finely to cut it; a default guess does not.
      const whole = predictionFor(task.spec.taskType, task.spec.params, items.length, task.spec.hardware);
      const perItem = whole && whole.source !== 'default' && items.length > 0 ? { secondsPerItem: whole.executionSeconds / items.length } : {};
      const choice = choosePartitions(items.length, { ...partitionHints(task), ...perItem });
      partitions = choice.partitions;
      emit(task, 'Normal', 'PartitionsChosen', choice.reason);
    }
    let plan;
    try {
      plan = planSubtasks(task, items, partitions !== undefined ? { partitions } : {});
    } catch (error) {
      if (!(error instanceof SplitError)) throw error;
      await writeStatus(task, { ...status, phase: 'Failed', message: `cannot split: ${error.message}`, completionTime: now().toISOString() }, 'SplitFailed');
      emit(task, 'Warning', 'SplitFailed', error.message);
      return;
    }
    if (await overNamespaceLimit(task, status, plan.subtasks.length)) return { requeueAfterMs: NAMESPACE_ROOM_RECHECK_MS };
    for (const note of plan.notes) emit(task, 'Normal', 'SplitNote', note);
    for (const problem of simulationAnnotations(task.metadata.annotations).ignored) emit(task, 'Warning', 'SimulationIgnored', problem);
    const perSubtaskItems = Math.ceil(items.length / Math.max(1, plan.subtasks.length));
    // The nodes are read at most once per split (only if a request is predicted), and the
    // largest node of each hardware class found once.
    let nodeInfos: NodeInfo[] | undefined;
    const largestByClass = new Map<string | undefined, ReturnType<typeof largestNodeOfClass>>();
    const largestOf = (hardware: string | undefined) => {
      nodeInfos ??= deps.nodes.list().map(nodeInfoFrom);
      if (!largestByClass.has(hardware)) largestByClass.set(hardware, largestNodeOfClass(nodeInfos, hardware));
      return largestByClass.get(hardware);
    };
    const resolved = plan.subtasks.map((planned) =>
      withPredictedResources(planned, task.spec.strategy === 'DataParallel' || task.spec.strategy === 'PipelineParallel' ? perSubtaskItems : items.length, largestOf),
    );
    const predicted = resolved.find((r) => r.prediction)?.prediction;
    if (predicted) {
      const view = predictionView(predicted);
      const cappedNote = resolved.some((r) => r.capped) ? '; requests capped at the largest ready node' : '';
      emit(task, 'Normal', 'Predicted', `per subtask: ${view.executionSeconds} s, cpu ${view.cpu}, memory ${view.memory}${view.gpu ? `, ${view.gpu} GPU` : ''} on ${view.hardware} (${view.source}, confidence ${view.confidence})${cappedNote}`);
    }
    try {
      // Several creates in flight (the client's rate limiter still bounds them): one at a time,
      // a 10,000-subtask split waits out 10,000 round trips before the last subtask can start.
      let next = 0;
      const creator = async () => {
        while (next < resolved.length) await createSubtask(task, resolved[next++]!.planned);
      };
      await Promise.all(Array.from({ length: Math.min(SPLIT_CONCURRENCY, resolved.length) }, creator));
    } catch (error) {
      if (error instanceof SplitError) {
        await writeStatus(task, { ...status, phase: 'Failed', message: `cannot split: ${error.message}`, completionTime: now().toISOString() }, 'SplitFailed');
        emit(task, 'Warning', 'SplitFailed', error.message);
        return;
      }
      return refusedSplit(task, status, error);
    }
    const total = plan.subtasks.length;
    expectOwnWrite(task, (shown) => shown.subtasks?.total !== undefined);
    progressWrittenAt.set(task.metadata.uid!, now().getTime());
    await writeStatus(task, {
      ...status,
      ...(predicted ? { prediction: predictionView(predicted) } : {}),
      phase: 'InProgress',
      message: `split into ${total} subtask${total === 1 ? '' : 's'}`,
      subtasks: { total, pending: total, assigned: 0, running: 0, completed: 0, failed: 0, cancelled: 0 },
      subtasksSummary: `0/${total}`,
      completionPercentage: 0,
    });
    emit(task, 'Normal', 'Split', `split by ${task.spec.strategy} into ${total} subtask${total === 1 ? '' : 's'}`);
  }

  /**
   * A Subtask create the API server refused: a quota refusal is named in the status and an
   * Event and retried with backoff; an invalid Subtask fails the task; anything else is retried.
   */
  async function refusedSplit(task: OrchestratedTask, status: OrchestratedTaskStatus, error: unknown): Promise<ReconcileResult | void> {
    if (isQuotaExceeded(error)) {
      const message = `splitting waits: a ResourceQuota refused a subtask (${describeError(error)}); retrying`;
      await writeStatus(task, { ...status, phase: 'Splitting', message });
      emit(task, 'Warning', 'QuotaExceeded', message);
      throw error;
    }
    if (!isInvalid(error)) throw error;
    const message = `the API server refused a subtask: ${describeError(error)}`;
    await writeStatus(task, { ...status, phase: 'Failed', message, completionTime: now().toISOString() }, 'SubtaskRejected');
    emit(task, 'Warning', 'SubtaskRejected', message);
  }

  async function storeResult(task: OrchestratedTask, merged: unknown): Promise<Pick<OrchestratedTaskStatus, 'result' | 'resultRef'>> {
    const json = JSON.stringify(merged ?? null);
    if (Buffer.byteLength(json) <= INLINE_RESULT_LIMIT_BYTES) return { result: merged ?? null };
    const chunks = chunkForConfigMaps(json, RESULT_CHUNK_BYTES);
    for (let i = 0; i < chunks.length; i++) {
      const name = resultConfigMapName(task.metadata.name!, i);
      const body: V1ConfigMap = {
        metadata: {
          name,
          namespace: task.metadata.namespace!,
          labels: { [LABELS.managedBy]: MANAGER, [LABELS.task]: toLabelValue(task.metadata.name!) },
          annotations: { 'drm.dtf.io/result-chunks': String(chunks.length), 'drm.dtf.io/result-chunk': String(i) },
          ownerReferences: [{ apiVersion: GROUP_VERSION, kind: 'OrchestratedTask', name: task.metadata.name!, uid: task.metadata.uid!, controller: true }],
        },
        data: { [`${RESULT_KEY}.${i}`]: chunks[i]! },
      };
      try {
        await clients.core.createNamespacedConfigMap({ namespace: task.metadata.namespace!, body });
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        const existing = await clients.core.readNamespacedConfigMap({ name, namespace: task.metadata.namespace! });
        if (controllerUid(existing.metadata) !== task.metadata.uid) throw new MergeError('NameTaken', `ConfigMap ${name} for the result already exists and is not this task's`);
        await clients.core.replaceNamespacedConfigMap({ name, namespace: task.metadata.namespace!, body });
      }
    }
    return { resultRef: { configMapName: resultConfigMapName(task.metadata.name!, 0), key: RESULT_KEY } };
  }

  /** Every subtask's result, read one at a time and stopped once they add up to more than the cap. */
  async function readResults(subtasks: Subtask[]): Promise<SubtaskResult[]> {
    const cap = deps.maxMergeBytes ?? MAX_MERGE_BYTES;
    const results: SubtaskResult[] = [];
    let bytes = 0;
    for (const subtask of subtasks) {
      const succeeded = subtask.status?.phase === 'Completed';
      const result = succeeded ? await readSubtaskResult(clients.core, subtask) : undefined;
      bytes += succeeded ? Buffer.byteLength(JSON.stringify(result ?? null)) : 0;
      if (bytes > cap) throw new MergeError('TooLarge', `the subtasks' results add up to more than ${cap} bytes, the most one merge holds`);
      results.push({
        name: subtask.spec.name,
        role: subtask.spec.role,
        index: subtask.spec.index,
        ...(subtask.spec.microBatch !== undefined ? { microBatch: subtask.spec.microBatch } : {}),
        succeeded,
        ...(succeeded ? { result } : {}),
      });
    }
    return results;
  }

  async function merge(task: OrchestratedTask, subtasks: Subtask[], status: OrchestratedTaskStatus): Promise<void> {
    const method = task.spec.merge?.method ?? defaultMergeMethod(task.spec.strategy);
    const finishedAt = now().toISOString();
    try {
      const results = await readResults(subtasks);
      const merged = mergeResults(task.spec.strategy, method, results);
      const stored = await storeResult(task, merged);
      await writeStatus(task, { ...status, ...stored, phase: 'Completed', message: `merged ${results.filter((r) => r.succeeded).length} results by ${method}`, completionTime: finishedAt, completionPercentage: 100 });
      emit(task, 'Normal', 'Completed', `merged ${results.filter((r) => r.succeeded).length} subtask results by ${method}`);
    } catch (error) {
      if (!(error instanceof MergeError)) throw error;
      await writeStatus(task, { ...status, phase: 'Failed', message: `merge failed: ${error.message}`, completionTime: finishedAt }, 'MergeFailed');
      emit(task, 'Warning', 'MergeFailed', error.message);
    }
  }

  /** A deleted task: its pods are stopped now (not eventually, by garbage collection), then it may go. */
  async function finalize(task: OrchestratedTask, finalizers: string[]): Promise<void> {
    if (!finalizers.includes(FINALIZER)) return;
    const namespace = task.metadata.namespace!;
    for (const subtask of subtasksOf(task, deps.subtasks)) {
      await ignoreNotFound(clients.core.deleteCollectionNamespacedPod({ namespace, labelSelector: `${LABELS.subtask}=${toLabelValue(subtask.metadata.name!)}` }));
    }
    await patchFinalizers(task, finalizers.filter((f) => f !== FINALIZER));
    log.info({ task: task.metadata.name, namespace }, 'task deleted; its pods are stopped');
  }

  /** Cancellation and the deadline end a task whatever its subtasks do; true when this one ended. */
  async function stopIfCancelledOrLate(task: OrchestratedTask, status: OrchestratedTaskStatus, at: Date): Promise<boolean> {
    if (task.spec.cancel) {
      await writeStatus(task, { ...status, phase: 'Cancelled', message: 'cancelled by spec.cancel', completionTime: at.toISOString() });
      emit(task, 'Normal', 'Cancelled', 'cancelled by spec.cancel; unfinished subtasks are cancelled and their pods deleted');
      return true;
    }
    const deadline = deadlineOf(task);
    if (!deadline || at < deadline) return false;
    await writeStatus(task, { ...status, phase: 'Failed', message: `deadline of ${task.spec.deadlineSeconds}s exceeded`, completionTime: at.toISOString() }, 'DeadlineExceeded');
    emit(task, 'Warning', 'DeadlineExceeded', `deadline of ${task.spec.deadlineSeconds}s exceeded; unfinished subtasks are cancelled`);
    return true;
  }

  /** Splitting is said first (its own status write), then done: a crash between redoes it, idempotently. */
  async function splitStep(task: OrchestratedTask, status: OrchestratedTaskStatus, untilDeadline: ReconcileResult | undefined): Promise<ReconcileResult | void> {
    if (status.phase !== 'Splitting') {
      expectOwnWrite(task, (shown) => shown.phase === 'Splitting' || shown.subtasks?.total !== undefined);
      await writeStatus(task, { ...status, phase: 'Splitting', message: 'splitting' });
      emit(task, 'Normal', 'Splitting', `splitting by ${task.spec.strategy}`);
      return { requeueAfterMs: OWN_WRITE_WAIT_MS };
    }
    return (await split(task, status)) ?? untilDeadline;
  }

  /** Progress from the subtasks' phases, and what it means under the failure policy. */
  async function progress(task: OrchestratedTask, status: OrchestratedTaskStatus, at: Date, untilDeadline: ReconcileResult | undefined): Promise<ReconcileResult | void> {
    const total = status.subtasks!.total!;
    const subtasks = subtasksOf(task, deps.subtasks);
    const counts = countSubtasks(subtasks, total);
    const firstFailed = subtasks.find((s) => s.status?.phase === 'Failed');
    const starts = subtasks.map((s) => s.status?.startTime).filter((t): t is string => typeof t === 'string').sort();
    const next: OrchestratedTaskStatus = {
      ...status,
      subtasks: counts,
      subtasksSummary: `${counts.completed}/${total}`,
      completionPercentage: completionPercentage(counts),
      ...(starts[0] ? { startTime: status.startTime ?? starts[0] } : {}),
    };
    const verdict = taskVerdict(task, counts, firstFailed ? `subtask ${firstFailed.metadata.name} failed: ${firstFailed.status?.message ?? ''}` : undefined);
    switch (verdict.verdict) {
      case 'running': {
        const uid = task.metadata.uid!;
        const sinceLast = at.getTime() - (progressWrittenAt.get(uid) ?? Number.NEGATIVE_INFINITY);
        if (status.phase === 'InProgress' && sinceLast < PROGRESS_WRITE_INTERVAL_MS) {
          const wait = PROGRESS_WRITE_INTERVAL_MS - sinceLast;
          return { requeueAfterMs: Math.min(wait, untilDeadline?.requeueAfterMs ?? wait) };
        }
        if (await writeStatus(task, { ...next, phase: 'InProgress', message: `${counts.completed} of ${total} subtasks completed` })) progressWrittenAt.set(uid, at.getTime());
        return untilDeadline;
      }
      case 'fail':
        await writeStatus(task, { ...next, phase: 'Failed', message: verdict.message, completionTime: at.toISOString() }, verdict.reason);
        emit(task, 'Warning', verdict.reason, verdict.message);
        return;
      case 'merge':
        if (status.phase !== 'Merging') {
          expectOwnWrite(task, (shown) => shown.phase === 'Merging');
          await writeStatus(task, { ...next, phase: 'Merging', message: 'merging results' });
          emit(task, 'Normal', 'Merging', `all ${total} subtasks finished; merging results`);
          return { requeueAfterMs: OWN_WRITE_WAIT_MS };
        }
        await merge(task, subtasks, next);
        return;
    }
  }

  return async function reconcileTask(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const task = deps.tasks.get(name, namespace);
    if (!task) return;
    const finalizers = (task.metadata.finalizers as string[] | undefined) ?? [];
    if (task.metadata.deletionTimestamp) {
      progressWrittenAt.delete(task.metadata.uid!);
      ownWrites.delete(task.metadata.uid!);
      return finalize(task, finalizers);
    }
    if (!finalizers.includes(FINALIZER)) {
      await patchFinalizers(task, [...finalizers, FINALIZER]);
      return; // the update event brings the task back
    }
    const status: OrchestratedTaskStatus = { ...(task.status ?? {}) };
    if (status.phase && TERMINAL_TASK_PHASES.has(status.phase)) {
      progressWrittenAt.delete(task.metadata.uid!);
      ownWrites.delete(task.metadata.uid!);
      // A task finished by an operator that wrote no conditions gets them once.
      if (!findCondition(status.conditions, 'Complete')) await writeStatus(task, status);
      return;
    }
    const at = now();
    if (await stopIfCancelledOrLate(task, status, at)) return;
    const ownWriteWait = awaitingOwnWrite(task);
    if (ownWriteWait > 0) return { requeueAfterMs: ownWriteWait };
    const deadline = deadlineOf(task);
    const untilDeadline = deadline ? { requeueAfterMs: deadline.getTime() - at.getTime() } : undefined;
    if (status.subtasks?.total === undefined) return splitStep(task, status, untilDeadline);
    return progress(task, status, at, untilDeadline);
  };
}
