// How a cloud pool's nodes come and go, for the WorkerPool controller (reconciler.ts):
//   - registration: a launched instance whose Node has not registered within the pool's
//     registrationTimeoutSeconds is terminated (the autoscaler launches a replacement for the
//     work still waiting); a Node whose instance is gone is deleted;
//   - interruptions: an instance the provider is taking back (spot notice, preemption) loses its
//     Node at once, so the subtasks on it are retried elsewhere as node loss, and is terminated;
//   - drains before removal: cordoned nodes are emptied through the Eviction API (PodDisruptionBudgets
//     decide: a 429 means wait), leaving DaemonSet and mirror pods, and never touching pods
//     annotated karpenter.sh/do-not-disrupt or ours that run; past drainTimeoutSeconds the drain
//     gives up and uncordons, with the reason in status;
//   - deletion: a finalizer keeps a deleted cloud pool until its nodes are drained, its instances
//     terminated (a GCP group resized to 0 with them) and its Nodes deleted.
// What happened goes into status.lifecycle and an Event.
import type { ObjectCache, V1Node, V1Pod } from '@kubernetes/client-node';
import { DEFAULT_DRAIN_TIMEOUT_SECONDS, DEFAULT_REGISTRATION_TIMEOUT_SECONDS, providerOf, type LifecycleEvent, type WorkerPool, type WorkerPoolStatus } from '../../api/workerpool.js';
import type { PlacementLedger } from '../../core/placement/index.js';
import { podRequests } from '../../core/placement/resources.js';
import { describeError, ignoreNotFound, isNotFound, mergePatch, statusCode, type KubeClients } from '../../kube/client.js';
import type { NodeProvider, ProviderContext, ProviderInstance } from '../../providers/types.js';
import { LABELS, MANAGER } from '../labels.js';

export const DRAINING_ANNOTATION = 'drm.dtf.io/draining';
/** Held by a cloud pool until its instances are returned. */
export const POOL_FINALIZER = 'drm.dtf.io/release-instances';
/** Pods that no autoscaler may evict (Karpenter's name, which other autoscalers honour too). */
export const DO_NOT_DISRUPT_ANNOTATION = 'karpenter.sh/do-not-disrupt';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** A Node younger than this whose instance is not listed may be ahead of the listing. */
const NODE_LISTING_GRACE_MS = 10_000;

export interface NodeLifecycleDeps {
  clients: KubeClients;
  nodes: ObjectCache<V1Node>;
  /** The operator's worker pods and everyone else's unfinished pods; without them, drains wait for the ledger to count no pod. */
  pods?: ObjectCache<V1Pod>;
  otherPods?: ObjectCache<V1Pod>;
  ledger: PlacementLedger;
  emit(pool: WorkerPool, type: 'Normal' | 'Warning', reason: string, message: string): void;
  now(): number;
}

export type DrainingNode = NonNullable<WorkerPoolStatus['draining']>[number];

/** Whether the pool's nodes and instances live outside the cluster (and so need returning when it goes). */
/** The pool's finalizers (metadata the API schema leaves untyped). */
function finalizersOf(pool: WorkerPool): string[] {
  const finalizers = pool.metadata.finalizers;
  return Array.isArray(finalizers) ? finalizers.filter((f): f is string => typeof f === 'string') : [];
}

/** Whether the pool is held by this controller's finalizer. */
export function heldForRelease(pool: WorkerPool): boolean {
  return finalizersOf(pool).includes(POOL_FINALIZER);
}

export function holdsCloudCapacity(pool: WorkerPool): boolean {
  const provider = providerOf(pool.spec.provider);
  return provider === 'aws' || provider === 'gcp';
}

const registrationTimeoutMs = (pool: WorkerPool) => (pool.spec.lifecycle?.registrationTimeoutSeconds ?? DEFAULT_REGISTRATION_TIMEOUT_SECONDS) * 1000;
const drainTimeoutMs = (pool: WorkerPool) => (pool.spec.lifecycle?.drainTimeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS) * 1000;

function podId(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

function isDaemonSetPod(pod: V1Pod): boolean {
  return pod.metadata?.ownerReferences?.some((owner) => owner.kind === 'DaemonSet' && owner.controller === true) ?? false;
}

function isFinished(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function makeNodeLifecycle(deps: NodeLifecycleDeps) {
  /** instance id → when this operator first saw it (for providers that give no launch time). */
  const firstSeen = new Map<string, number>();
  /** node → when its drain began, if its annotation does not say. */
  const drainStarted = new Map<string, number>();
  /** node → until when it is not to be drained again (its drain gave up). */
  const drainRefused = new Map<string, number>();

  const news = (reason: string, message: string): LifecycleEvent => ({ time: new Date(deps.now()).toISOString(), reason, message: message.slice(0, 1024) });
  const report = (pool: WorkerPool, list: LifecycleEvent[], type: 'Normal' | 'Warning', reason: string, message: string) => {
    list.push(news(reason, message));
    deps.emit(pool, type, reason, message);
  };

  function launchedAtMs(instance: ProviderInstance, nowMs: number): number {
    const stated = instance.launchedAt ? Date.parse(instance.launchedAt) : Number.NaN;
    if (Number.isFinite(stated)) return stated;
    if (!firstSeen.has(instance.id)) firstSeen.set(instance.id, nowMs);
    return firstSeen.get(instance.id)!;
  }

  async function deleteNode(name: string): Promise<void> {
    drainStarted.delete(name);
    await ignoreNotFound(deps.clients.core.deleteNode({ name }));
  }

  /**
   * Instances and Nodes that no longer make a node of the pool: interrupted instances (their
   * Node deleted at once, then terminated), instances not registered in time (terminated), and
   * Nodes of the pool whose instance is gone (deleted). Returns the instances still in play.
   */
  async function settleInstances(pool: WorkerPool, provider: NodeProvider, context: ProviderContext, instances: ProviderInstance[], events: LifecycleEvent[]): Promise<ProviderInstance[]> {
    if (!provider.isNodeOf) return instances;
    const nowMs = deps.now();
    const gone = new Set<string>();
    const live = instances.filter((i) => i.state !== 'terminated');
    for (const id of firstSeen.keys()) if (!instances.some((i) => i.id === id)) firstSeen.delete(id);
    const nodes = deps.nodes.list();
    const nodeOf = (instance: ProviderInstance) => nodes.find((node) => provider.isNodeOf!(instance, node));

    for (const instance of live.filter((i) => i.interruption)) {
      const node = nodeOf(instance);
      if (node) await deleteNode(node.metadata!.name!);
      await provider.terminate(context, [instance.id]);
      gone.add(instance.id);
      report(pool, events, 'Warning', 'InstanceInterrupted', `instance ${instance.id}${node ? ` (node ${node.metadata!.name})` : ''}: ${instance.interruption}; node removed and instance terminated, its work is retried elsewhere`);
    }

    const timeout = registrationTimeoutMs(pool);
    const late = live.filter((i) => !gone.has(i.id) && i.state !== 'stopping' && !nodeOf(i) && nowMs - launchedAtMs(i, nowMs) > timeout);
    if (late.length > 0) {
      await provider.terminate(context, late.map((i) => i.id));
      for (const instance of late) {
        gone.add(instance.id);
        report(pool, events, 'Warning', 'RegistrationTimeout', `instance ${instance.id} registered no Node within ${timeout / 1000}s of its launch: terminated, to be replaced`);
      }
    }

    // A Node of the pool that no listed instance is: its instance was terminated or vanished.
    const poolName = pool.metadata.name!;
    for (const node of nodes) {
      if (node.metadata?.labels?.[LABELS.pool] !== poolName || !node.spec?.providerID) continue;
      if (live.some((i) => !gone.has(i.id) && provider.isNodeOf!(i, node))) continue;
      const created = Date.parse(String(node.metadata?.creationTimestamp ?? ''));
      if (Number.isFinite(created) && nowMs - created < NODE_LISTING_GRACE_MS) continue;
      if (instances.some((i) => provider.isNodeOf!(i, node) && gone.has(i.id))) continue; // said above
      await deleteNode(node.metadata!.name!);
      report(pool, events, 'Normal', 'NodeRemoved', `node ${node.metadata!.name} (${node.spec.providerID}) removed: its instance is gone`);
    }
    return instances.filter((i) => !gone.has(i.id));
  }

  /** Pods on a node that a drain must see leave, and why each still holds it; done when none. */
  async function evictFrom(nodeName: string, forDeletion: boolean): Promise<{ done: boolean; waitingFor: string[] }> {
    if (!deps.pods || !deps.otherPods) {
      const left = deps.ledger.usedOn(nodeName).pods;
      return { done: left === 0, waitingFor: left === 0 ? [] : [`${left} pods still on the node`] };
    }
    const waitingFor: string[] = [];
    const onNode = (pod: V1Pod) => pod.spec?.nodeName === nodeName && !isFinished(pod);
    for (const pod of deps.pods.list().filter(onNode)) {
      if (pod.metadata?.labels?.[LABELS.managedBy] !== MANAGER) continue;
      waitingFor.push(`subtask pod ${podId(pod)} ${pod.metadata?.deletionTimestamp ? 'terminating' : 'running'}`);
    }
    for (const pod of deps.otherPods.list().filter(onNode)) {
      if (isDaemonSetPod(pod) || pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) continue;
      if (pod.metadata?.deletionTimestamp) {
        waitingFor.push(`pod ${podId(pod)} terminating`);
        continue;
      }
      if (pod.metadata?.annotations?.[DO_NOT_DISRUPT_ANNOTATION] === 'true' && !forDeletion) {
        waitingFor.push(`pod ${podId(pod)} is annotated ${DO_NOT_DISRUPT_ANNOTATION}`);
        continue;
      }
      try {
        await deps.clients.core.createNamespacedPodEviction({
          name: pod.metadata!.name!,
          namespace: pod.metadata!.namespace!,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.metadata!.name!, namespace: pod.metadata!.namespace! } },
        });
        waitingFor.push(`pod ${podId(pod)} evicted`);
      } catch (error) {
        if (isNotFound(error)) continue;
        // 429: a PodDisruptionBudget allows no disruption now; the eviction is tried again later.
        const why = statusCode(error) === 429 ? 'refused by a PodDisruptionBudget' : 'failed';
        waitingFor.push(`eviction of pod ${podId(pod)} ${why}: ${describeError(error).slice(0, 300)}`);
      }
    }
    return { done: waitingFor.length === 0, waitingFor };
  }

  function drainSince(node: V1Node, nowMs: number): number {
    const name = node.metadata!.name!;
    const stated = Date.parse(node.metadata?.annotations?.[DRAINING_ANNOTATION] ?? '');
    if (Number.isFinite(stated)) return stated;
    if (!drainStarted.has(name)) drainStarted.set(name, nowMs);
    return drainStarted.get(name)!;
  }

  async function setDraining(name: string, draining: boolean): Promise<void> {
    if (!draining) drainStarted.delete(name);
    const value = draining ? new Date(deps.now()).toISOString() : null;
    await deps.clients.core.patchNode({ name, body: { metadata: { annotations: { [DRAINING_ANNOTATION]: value } }, spec: { unschedulable: draining ? true : null } } }, mergePatch);
  }

  /** Whether the autoscaler may pick this node for removal now (its last drain did not give up lately). */
  function mayDrain(name: string): boolean {
    const until = drainRefused.get(name);
    if (until === undefined) return true;
    if (until > deps.now()) return false;
    drainRefused.delete(name);
    return true;
  }

  /**
   * One pass over the pool's cordoned nodes: a node that got work of ours back is uncordoned; the
   * others are evicted from; an empty one is removed (instance terminated, Node deleted); one
   * draining past the timeout is uncordoned and the drain given up, with the reason.
   */
  async function progressDrains(
    pool: WorkerPool,
    provider: NodeProvider,
    context: ProviderContext,
    nodes: Array<{ name: string; draining?: boolean; ourPods: number }>,
    instances: ProviderInstance[],
    events: LifecycleEvent[],
  ): Promise<{ removed: string[]; draining: DrainingNode[] }> {
    const removed: string[] = [];
    const draining: DrainingNode[] = [];
    const nowMs = deps.now();
    for (const state of nodes.filter((n) => n.draining)) {
      if (state.ourPods > 0) {
        await setDraining(state.name, false);
        continue;
      }
      const node = deps.nodes.get(state.name);
      if (!node) continue;
      const since = drainSince(node, nowMs);
      const { done, waitingFor } = await evictFrom(state.name, false);
      if (done) {
        const instance = instances.find((i) => i.nodeName === state.name || i.id === state.name);
        await provider.terminate(context, [instance?.id ?? state.name]);
        if (!provider.removesNodes) await deleteNode(state.name);
        removed.push(state.name);
        continue;
      }
      if (nowMs - since > drainTimeoutMs(pool)) {
        await setDraining(state.name, false);
        drainRefused.set(state.name, nowMs + drainTimeoutMs(pool));
        report(pool, events, 'Warning', 'DrainGaveUp', `drain of node ${state.name} gave up after ${drainTimeoutMs(pool) / 1000}s, node uncordoned and kept: ${waitingFor.join('; ')}`);
        continue;
      }
      draining.push({ node: state.name, since: new Date(since).toISOString(), message: waitingFor.join('; ').slice(0, 1024) });
    }
    if (removed.length > 0) deps.emit(pool, 'Normal', 'NodesRemoved', `removed drained node${removed.length === 1 ? '' : 's'} ${removed.join(', ')}`);
    return { removed, draining };
  }

  /** Adds the finalizer a cloud pool is kept by until its instances are returned. */
  async function ensureFinalizer(pool: WorkerPool): Promise<void> {
    const finalizers = finalizersOf(pool);
    if (!holdsCloudCapacity(pool) || finalizers.includes(POOL_FINALIZER)) return;
    await deps.clients.custom.patchClusterCustomObject(
      { group: 'drm.dtf.io', version: 'v1alpha1', plural: 'workerpools', name: pool.metadata.name!, body: { metadata: { finalizers: [...finalizers, POOL_FINALIZER], resourceVersion: pool.metadata.resourceVersion } } },
      mergePatch,
    );
  }

  /**
   * One step of a deleted pool's release: cordon and drain its nodes (past the drain timeout they
   * go anyway: the pool is being deleted), terminate their instances and delete their Nodes, then
   * the instances that never registered. Done (the finalizer may go) when the provider lists none.
   */
  async function release(pool: WorkerPool, provider: NodeProvider, context: ProviderContext, instances: ProviderInstance[], poolNodes: V1Node[]): Promise<{ done: boolean; message: string }> {
    const nowMs = deps.now();
    const waiting: string[] = [];
    let returned = 0;
    for (const node of poolNodes) {
      const name = node.metadata!.name!;
      if (!node.metadata?.annotations?.[DRAINING_ANNOTATION]) await setDraining(name, true);
      const { done, waitingFor } = await evictFrom(name, true);
      const timedOut = nowMs - drainSince(node, nowMs) > drainTimeoutMs(pool);
      if (!done && !timedOut) {
        waiting.push(`${name}: ${waitingFor.join('; ')}`);
        continue;
      }
      const instance = instances.find((i) => i.nodeName === name || (provider.isNodeOf?.(i, node) ?? i.id === name));
      if (instance) await provider.terminate(context, [instance.id]);
      if (!provider.removesNodes) await deleteNode(name);
      returned += 1;
    }
    const known = new Set(poolNodes.map((n) => n.metadata!.name!));
    const unregistered = instances.filter((i) => i.state !== 'terminated' && !(i.nodeName && known.has(i.nodeName)));
    if (unregistered.length > 0 && waiting.length === 0) await provider.terminate(context, unregistered.map((i) => i.id));
    const done = poolNodes.length === returned && instances.filter((i) => i.state !== 'terminated').length === 0;
    const message = done
      ? 'deleting: every instance returned'
      : `deleting: ${waiting.length} node${waiting.length === 1 ? '' : 's'} draining${waiting.length ? ` (${waiting.join(' | ')})` : ''}, ${instances.filter((i) => i.state !== 'terminated').length} instance(s) still listed by the provider`;
    return { done, message: message.slice(0, 4096) };
  }

  async function removeFinalizer(pool: WorkerPool): Promise<void> {
    const finalizers = finalizersOf(pool).filter((f) => f !== POOL_FINALIZER);
    await ignoreNotFound(
      deps.clients.custom.patchClusterCustomObject(
        { group: 'drm.dtf.io', version: 'v1alpha1', plural: 'workerpools', name: pool.metadata.name!, body: { metadata: { finalizers, resourceVersion: pool.metadata.resourceVersion } } },
        mergePatch,
      ),
    );
  }

  /**
   * What the DaemonSet and mirror pods on a node request: they come and go with the node, so they
   * are no work that would need room elsewhere if it went (a logging agent on every node would
   * otherwise keep every node).
   */
  function nodeBoundRequests(nodeName: string): { cpuMillis: number; memoryBytes: number; gpus: number } {
    const total = { cpuMillis: 0, memoryBytes: 0, gpus: 0 };
    for (const pod of deps.otherPods?.list() ?? []) {
      if (pod.spec?.nodeName !== nodeName || isFinished(pod)) continue;
      if (!isDaemonSetPod(pod) && pod.metadata?.annotations?.[MIRROR_ANNOTATION] === undefined) continue;
      const requests = podRequests(pod);
      total.cpuMillis += requests.cpuMillis;
      total.memoryBytes += requests.memoryBytes;
      total.gpus += requests.gpus;
    }
    return total;
  }

  return { settleInstances, progressDrains, setDraining, mayDrain, ensureFinalizer, release, removeFinalizer, nodeBoundRequests };
}

export type NodeLifecycle = ReturnType<typeof makeNodeLifecycle>;
