// The WorkerPool controller: what the pool has (instances from its provider, nodes from the
// cluster, what is requested on them), what waits for it (the scheduler's pending demand, the
// predictor's expected work), what the autoscaler decides (core/scaling), and carrying that out:
// launches through the provider; removals by cordoning idle nodes first and removing them once
// nothing of ours runs there. Every action is kept in status.decisions and emitted as an Event.
import type { ObjectCache, V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import type { Subtask } from '../../api/subtask.js';
import { providerOf, type WorkerPool, type WorkerPoolStatus } from '../../api/workerpool.js';
import { MAX_DECISIONS, MAX_DRAINING, MAX_LIFECYCLE_EVENTS, type LifecycleEvent } from '../../api/workerpool.js';
import { GROUP_VERSION } from '../../api/common.js';
import { nodeAllocatable, type PendingDemand, type PlacementLedger } from '../../core/placement/index.js';
import type { Prediction, PredictionQuery } from '../../core/predict/index.js';
import { billedNodeCount, choosePool, decideScaling, nodeLimit, poolUtilization, type Amounts, type PendingWork, type PoolNodeState, type PoolState, type PredictedWork, type ScalingDecision } from '../../core/scaling/index.js';
import { isConflict, mergePatch, type KubeClients } from '../../kube/client.js';
import type { EventSink } from '../../kube/events.js';
import { ProviderError, type Credentials, type NodeProvider, type NodeShape, type ProviderInstance } from '../../providers/types.js';
import type { ReconcileResult } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logger.js';
import { nowDate, systemClock, type Clock } from '../../runtime/clock.js';
import { observedLaunchSeconds, predictedWork } from './predicted-work.js';
import { attemptPodName } from '../../core/split/names.js';
import { LABELS } from '../labels.js';
import { writeStatusIfChanged } from '../status.js';
import { poolConditions, type PoolHealth } from '../conditions.js';
import { DRAINING_ANNOTATION, heldForRelease, makeNodeLifecycle, type DrainingNode } from './node-lifecycle.js';

export { DRAINING_ANNOTATION };
const POOL_LABEL = LABELS.pool;

export interface WorkerPoolReconcilerDeps {
  clients: KubeClients;
  pools: ObjectCache<WorkerPool>;
  nodes: ObjectCache<V1Node>;
  subtasks: ObjectCache<Subtask>;
  /** The operator's worker pods and everyone else's unfinished pods, for drains (without them: the ledger's pod count). */
  pods?: ObjectCache<V1Pod>;
  otherPods?: ObjectCache<V1Pod>;
  ledger: PlacementLedger;
  pendingDemand: () => PendingDemand[];
  predictor?: { predict(query: PredictionQuery): Prediction };
  providers: Partial<Record<NodeProvider['name'], NodeProvider>>;
  /** Namespace of the Secrets pools name for credentials. */
  credentialsNamespace: string;
  events: EventSink;
  log: Logger;
  metrics?: { scalingDecisions: { inc(labels: { pool: string; action: string }): void } };
  /** The one clock (default: the system's). */
  clock?: Pick<Clock, 'now'>;
}

const ZERO: Amounts = { cpu: 0, memoryBytes: 0, gpu: 0 };
const API_ACTION = { scale_up: 'scaleUp', scale_down: 'scaleDown', maintain: 'maintain' } as const;

export interface LastScale {
  /** When (seconds). */
  at: number;
  action: 'scale_up' | 'scale_down';
}

/**
 * The last scaling action a pool's status.decisions records, in the policy's names (the API says
 * 'scaleUp'/'scaleDown'). After a restart the controller has no record of its own, and this is
 * how the policy learns which way the pool last went.
 */
export function lastRecordedScale(decisions: WorkerPoolStatus['decisions']): LastScale | undefined {
  const last = [...(decisions ?? [])].reverse().find((d) => d.action !== 'maintain' && d.time);
  return last?.time ? { at: Date.parse(last.time) / 1000, action: last.action === 'scaleUp' ? 'scale_up' : 'scale_down' } : undefined;
}

function amountsOf(vector: { cpuMillis: number; memoryBytes: number; gpus: number }): Amounts {
  return { cpu: vector.cpuMillis / 1000, memoryBytes: vector.memoryBytes, gpu: vector.gpus };
}

/** What is requested on a node less what leaves with it (DaemonSet and mirror pods). */
function withoutNodeBound(used: { cpuMillis: number; memoryBytes: number; gpus: number }, bound: { cpuMillis: number; memoryBytes: number; gpus: number }) {
  return { cpuMillis: Math.max(0, used.cpuMillis - bound.cpuMillis), memoryBytes: Math.max(0, used.memoryBytes - bound.memoryBytes), gpus: Math.max(0, used.gpus - bound.gpus) };
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Whether a pool can ever host a pending group: hardware, GPU product, allowed pools, node size. */
export function poolServes(pool: PoolState, demand: PendingDemand): boolean {
  if (demand.pools && !demand.pools.includes(pool.name)) return false;
  if (demand.hardware === 'gpu' && pool.hardware !== 'gpu') return false;
  if (demand.hardware === 'cpu' && pool.hardware === 'gpu') return false;
  if (demand.gpuProduct && pool.gpuProduct !== demand.gpuProduct) return false;
  return true;
}

export function makeWorkerPoolReconciler(deps: WorkerPoolReconcilerDeps) {
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();
  /** node → when one of our pods last ran there (ms); a restart starts counting again. */
  const lastBusy = new Map<string, number>();
  /** pool → its last scaling action carried out: when (seconds), and which way (the policy holds back reversals only). */
  const lastScale = new Map<string, LastScale>();
  /** pool → the stuck-instances line last reported as an event. */
  const stuckReported = new Map<string, string>();

  const emit = (pool: WorkerPool, type: 'Normal' | 'Warning', reason: string, message: string) =>
    deps.events.emit({ apiVersion: GROUP_VERSION, kind: 'WorkerPool', metadata: pool.metadata }, type, reason, message);
  const lifecycle = makeNodeLifecycle({ clients: deps.clients, nodes: deps.nodes, ...(deps.pods ? { pods: deps.pods } : {}), ...(deps.otherPods ? { otherPods: deps.otherPods } : {}), ledger: deps.ledger, emit, now });
  const setDraining = lifecycle.setDraining;
  /** pool → one new node's size, as its provider last said (other pools' states read it too). */
  const shapes = new Map<string, NodeShape>();

  function providerFor(pool: WorkerPool): NodeProvider | undefined {
    const name = providerOf(pool.spec.provider);
    return name ? deps.providers[name] : undefined;
  }

  /** The pool's nodes: those its provider's selector matches, else those carrying its pool label. */
  function nodesOf(pool: WorkerPool): V1Node[] {
    const selector = providerFor(pool)?.nodeSelector?.(pool) ?? { [POOL_LABEL]: pool.metadata.name! };
    return deps.nodes.list().filter((node) => Object.entries(selector).every(([key, value]) => node.metadata?.labels?.[key] === value));
  }

  /** One new node's size: the provider's answer, else the largest node seen (else the pool's declared GPUs). */
  function nodeShapeOf(pool: WorkerPool, nodes: V1Node[]): Amounts {
    const known = shapes.get(pool.metadata.name!);
    if (known) return { cpu: known.cpu, memoryBytes: known.memoryBytes, gpu: known.gpu };
    let shape: Amounts = { cpu: 0, memoryBytes: 0, gpu: pool.spec.hardware.gpuCount ?? 0 };
    for (const node of nodes) {
      const a = amountsOf(nodeAllocatable(node));
      if (a.cpu > shape.cpu) shape = a;
    }
    return shape;
  }

  function poolState(pool: WorkerPool, instances: ProviderInstance[] | undefined, nowMs: number): PoolState {
    const nodes = nodesOf(pool);
    const nodeNames = new Set(nodes.map((n) => n.metadata!.name!));
    const states: PoolNodeState[] = nodes.map((node) => {
      const name = node.metadata!.name!;
      const ourPods = deps.ledger.taskEntriesTotalOn(name);
      if (ourPods > 0 || !lastBusy.has(name)) lastBusy.set(name, ourPods > 0 ? nowMs : Date.parse(String(node.metadata?.creationTimestamp ?? new Date(nowMs).toISOString())) || nowMs);
      return {
        name,
        ready: isReady(node) && !node.spec?.unschedulable,
        allocatable: amountsOf(nodeAllocatable(node)),
        requested: amountsOf(withoutNodeBound(deps.ledger.usedOn(name), lifecycle.nodeBoundRequests(name))),
        ourPods,
        idleSeconds: Math.max(0, (nowMs - lastBusy.get(name)!) / 1000),
        ...(node.metadata?.annotations?.[DRAINING_ANNOTATION] ? { draining: true } : {}),
      };
    });
    const pendingLaunches = (instances ?? []).filter((i) => i.state !== 'terminated' && i.state !== 'stopping' && !(i.nodeName && nodeNames.has(i.nodeName))).length;
    const scaling = pool.spec.scaling;
    const last = lastScale.get(pool.metadata.name!) ?? lastRecordedScale(pool.status?.decisions);
    const launchSeconds = observedLaunchSeconds(instances, nodes);
    return {
      name: pool.metadata.name!,
      hardware: pool.spec.hardware.type,
      ...(pool.spec.hardware.gpuProduct ? { gpuProduct: pool.spec.hardware.gpuProduct } : {}),
      provider: providerOf(pool.spec.provider) ?? 'kwok',
      nodeShape: nodeShapeOf(pool, nodes),
      minNodes: pool.spec.minNodes,
      maxNodes: pool.spec.maxNodes,
      costPerNodeHour: pool.spec.costPerNodeHour ?? 0,
      ...(pool.spec.maxCostPerHour !== undefined ? { maxCostPerHour: pool.spec.maxCostPerHour } : {}),
      scaling: {
        targetUtilization: scaling.targetUtilization,
        scaleUpThreshold: scaling.scaleUpThreshold,
        scaleDownThreshold: scaling.scaleDownThreshold,
        cooldownSeconds: scaling.cooldownSeconds,
        scaleDownIdleSeconds: scaling.scaleDownIdleSeconds,
        predictive: scaling.predictive,
        horizonSeconds: scaling.horizonSeconds,
      },
      nodes: states,
      pendingLaunches,
      ...(last !== undefined ? { lastScaleAt: last.at, lastScaleAction: last.action } : {}),
      ...(launchSeconds !== undefined ? { launchSeconds } : {}),
    };
  }

  /** The pending groups this pool should answer: those it can host, where it is the cheapest that can. */
  function pendingFor(pool: WorkerPool, state: PoolState): PendingWork | undefined {
    const others = deps.pools.list().filter((p) => p.metadata.name !== pool.metadata.name && providerFor(p)?.canScale === true);
    const otherStates = others.map((p) => poolState(p, undefined, now()));
    let subtasks = 0;
    const total = { ...ZERO };
    const largest = { ...ZERO };
    for (const demand of deps.pendingDemand()) {
      if (!poolServes(state, demand)) continue;
      const work: PendingWork = { subtasks: demand.subtasks, total: amountsOf(demand.total), largest: amountsOf(demand.largest) };
      const candidates = [state, ...otherStates.filter((other) => poolServes(other, demand))];
      if (candidates.length > 1 && choosePool(candidates, work)?.name !== state.name) continue;
      subtasks += work.subtasks;
      total.cpu += work.total.cpu;
      total.memoryBytes += work.total.memoryBytes;
      total.gpu += work.total.gpu;
      largest.cpu = Math.max(largest.cpu, work.largest.cpu);
      largest.memoryBytes = Math.max(largest.memoryBytes, work.largest.memoryBytes);
      largest.gpu = Math.max(largest.gpu, work.largest.gpu);
    }
    return subtasks > 0 ? { subtasks, total, largest } : undefined;
  }

  /** What the predictive policy is told of the pool's work (predicted-work.ts). */
  function predictedFor(state: PoolState, nowMs: number): PredictedWork | undefined {
    if (!deps.predictor) return undefined;
    const placedOn = (subtask: Subtask) => deps.ledger.entry(`${subtask.metadata.namespace}/${attemptPodName(subtask.metadata.name!, subtask.status?.attempts ?? 1)}`)?.node;
    return predictedWork({ subtasks: deps.subtasks.list(), predictor: deps.predictor, pool: state, nowMs, placedOn });
  }

  /** Asks the provider for a new node's size (it caches); what went wrong, for the status, if it cannot say. */
  async function refreshShape(pool: WorkerPool, provider: NodeProvider, context: { pool: WorkerPool; credentials?: Credentials }): Promise<string | undefined> {
    if (!provider.nodeShape) return undefined;
    try {
      const shape = await provider.nodeShape(context);
      if (shape) shapes.set(pool.metadata.name!, shape);
      else shapes.delete(pool.metadata.name!);
      return undefined;
    } catch (error) {
      shapes.delete(pool.metadata.name!);
      return `node shape unknown, so the pool cannot scale up from 0 nodes: ${(error as Error).message}`;
    }
  }

  async function credentialsOf(pool: WorkerPool, provider: NodeProvider): Promise<Credentials | undefined> {
    const ref = provider.credentialsRef?.(pool);
    if (!ref) return undefined;
    const secret = await deps.clients.core.readNamespacedSecret({ name: ref.name, namespace: deps.credentialsNamespace });
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  }

  /**
   * Cloud nodes join knowing nothing of pools: a Node the provider says is one of this pool's
   * instances gets the pool's labels and taints (as Karpenter registers a node). Returns the
   * instances with the names of the Nodes they turned out to be.
   */
  async function adoptNodes(pool: WorkerPool, provider: NodeProvider, instances: ProviderInstance[]): Promise<ProviderInstance[]> {
    if (!provider.isNodeOf) return instances;
    const nodes = deps.nodes.list();
    const matched: ProviderInstance[] = [];
    for (const instance of instances) {
      const node = nodes.find((n) => provider.isNodeOf!(instance, n));
      if (!node) {
        matched.push(instance);
        continue;
      }
      matched.push({ ...instance, nodeName: node.metadata!.name! });
      if (node.metadata?.labels?.[POOL_LABEL] === pool.metadata.name) continue;
      await deps.clients.core.patchNode({ name: node.metadata!.name!, body: { metadata: { labels: poolNodeLabels(pool) }, spec: { taints: withPoolTaints(node, pool) } } }, mergePatch);
      emit(pool, 'Normal', 'NodeRegistered', `node ${node.metadata!.name} is instance ${instance.id}: labeled and tainted for the pool`);
    }
    return matched;
  }

  function apiDecision(decision: ScalingDecision, nodeNames: string[]): NonNullable<WorkerPoolStatus['lastDecision']> {
    return {
      action: API_ACTION[decision.action],
      reason: decision.reason.slice(0, 1024),
      count: decision.count,
      nodeNames: nodeNames.slice(0, 100),
      requirements: decision.requirements as Record<string, unknown>,
      workerType: decision.workerType,
      provider: decision.provider,
      predictedDemand: decision.predictedDemand as Record<string, unknown>,
      time: new Date(decision.time * 1000).toISOString(),
    };
  }

  return async function reconcilePool(key: string): Promise<ReconcileResult | void> {
    const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
    const pool = deps.pools.get(name);
    if (!pool) return;
    if (pool.metadata.deletionTimestamp) return releasePool(pool);
    // A pool stored before these fields were required lacks them: said in its status, not thrown
    // on every reconcile. Applying it again lets the API server fill in the defaults.
    const missing = (['hardware', 'provider', 'scaling'] as const).filter((field) => (pool.spec as Partial<WorkerPool['spec']>)[field] === undefined);
    if (missing.length > 0) {
      const problem = { reason: 'SpecIncomplete', message: `spec.${missing.join(', spec.')} missing (stored under an older schema): apply the pool again so the API server fills in the defaults` };
      await writeStatus(pool, { ...(pool.status ?? {}), message: problem.message }, { ...healthOf(pool.status), canScale: false, providerProblem: problem });
      return;
    }
    const interval = pool.spec.scaling.intervalSeconds * 1000;
    const providerName = providerOf(pool.spec.provider);
    const provider = providerName ? deps.providers[providerName] : undefined;
    const status: WorkerPoolStatus = { ...(pool.status ?? {}), provider: providerName };
    if (!provider) {
      const problem = { reason: 'ProviderUnavailable', message: `provider ${providerName} is not available in this operator` };
      await writeStatus(pool, { ...status, message: problem.message }, { ...healthOf(pool.status), canScale: false, providerProblem: problem });
      return { requeueAfterMs: interval };
    }
    const nowMs = now();
    let context: { pool: WorkerPool; credentials?: Credentials };
    let instances: ProviderInstance[];
    try {
      const credentials = await credentialsOf(pool, provider);
      context = { pool, ...(credentials ? { credentials } : {}) };
      instances = await provider.list(context);
    } catch (error) {
      const problem = { reason: 'ProviderListFailed', message: `cannot list the pool's instances: ${(error as Error).message}` };
      await writeStatus(pool, { ...status, message: problem.message }, { ...healthOf(pool.status), canScale: provider.canScale, providerProblem: problem });
      return { requeueAfterMs: Math.min(interval, 15_000) };
    }

    instances = await adoptNodes(pool, provider, instances);
    const news: LifecycleEvent[] = [];
    if (provider.canScale) {
      await lifecycle.ensureFinalizer(pool);
      instances = await lifecycle.settleInstances(pool, provider, context, instances, news);
    }
    const shapeProblem = await refreshShape(pool, provider, context);
    const stuck = stuckInstances(pool, instances);
    let state = poolState(pool, instances, nowMs);
    const drains = provider.canScale ? await lifecycle.progressDrains(pool, provider, context, state.nodes, instances, news) : { removed: [], draining: [] };
    const removed = drains.removed;
    if (removed.length > 0) state = { ...state, nodes: state.nodes.filter((n) => !removed.includes(n.name)) };
    const report: LifecycleReport = { news, draining: drains.draining, shape: shapes.get(pool.metadata.name!) };

    let decision: ScalingDecision | undefined;
    let problem: { reason: string; message: string } | undefined;
    let nodeNames: string[] = [];
    if (provider.canScale) {
      decision = decideScaling(state, pendingFor(pool, state), state.scaling.predictive ? predictedFor(state, nowMs) : undefined, nowMs / 1000);
      try {
        const outcome = await carryOut(pool, provider, context, state, instances, decision);
        nodeNames = outcome.names;
        // The history says what happened, not what was proposed.
        decision = asCarriedOut(decision, outcome.done, outcome.note);
        deps.metrics?.scalingDecisions.inc({ pool: pool.metadata.name!, action: decision.action });
      } catch (error) {
        deps.metrics?.scalingDecisions.inc({ pool: pool.metadata.name!, action: decision.action });
        problem = { reason: decision.action === 'scale_up' ? 'ScaleUpFailed' : 'ScaleDownFailed', message: `${decision.action} failed: ${(error as Error).message}` };
        emit(pool, 'Warning', problem.reason, problem.message);
        decision = { ...decision, reason: `${decision.reason} (failed: ${(error as Error).message})` };
        if (!(error instanceof ProviderError) || error.temporary) {
          await record(pool, status, state, instances, decision, nodeNames, problem, provider.canScale, report);
          return { requeueAfterMs: Math.min(interval, 5_000) };
        }
      }
    }
    const shown = problem ?? (stuck ? { reason: 'InstancesNotReady', message: stuck } : undefined) ?? (shapeProblem ? { reason: 'NodeShapeUnknown', message: shapeProblem } : undefined);
    await record(pool, status, state, instances, decision, nodeNames, shown, provider.canScale, report);
    // Drains and launches waiting to register are looked at again soon, not only at the interval.
    return { requeueAfterMs: drains.draining.length > 0 ? Math.min(interval, 5_000) : interval };
  };

  /**
   * A deleted pool that holds our finalizer: its nodes drained and removed, its instances
   * returned, then the finalizer released. Progress in status.message.
   */
  async function releasePool(pool: WorkerPool): Promise<ReconcileResult | void> {
    if (!heldForRelease(pool)) return;
    const provider = providerFor(pool);
    if (!provider) {
      await writeStatus(pool, { ...(pool.status ?? {}), message: `deleting: provider ${providerOf(pool.spec.provider)} is not available in this operator` }, { ...healthOf(pool.status), canScale: false });
      return { requeueAfterMs: 30_000 };
    }
    let step: { done: boolean; message: string };
    try {
      const credentials = await credentialsOf(pool, provider);
      const context = { pool, ...(credentials ? { credentials } : {}) };
      const instances = await adoptNodes(pool, provider, await provider.list(context));
      const matched = new Set(instances.flatMap((i) => i.nodeName ?? []));
      const poolNodes = deps.nodes.list().filter((n) => n.metadata?.labels?.[LABELS.pool] === pool.metadata.name || matched.has(n.metadata!.name!));
      step = await lifecycle.release(pool, provider, context, instances, poolNodes);
    } catch (error) {
      step = { done: false, message: `deleting: ${(error as Error).message}` };
    }
    if (step.done) {
      emit(pool, 'Normal', 'Released', 'every instance of the pool returned and its nodes removed');
      await lifecycle.removeFinalizer(pool);
      return;
    }
    await writeStatus(pool, { ...(pool.status ?? {}), message: step.message }, { ...healthOf(pool.status), canScale: provider.canScale });
    return { requeueAfterMs: 3_000 };
  }

  /**
   * Instances the provider says are not coming up (e.g. a zone out of capacity), as one line for
   * the pool's status; a Warning event when that set or its reasons change, not on every reconcile.
   */
  function stuckInstances(pool: WorkerPool, instances: ProviderInstance[]): string | undefined {
    const stuck = instances.filter((i) => i.state === 'pending' && i.problem);
    const line = stuck.length === 0 ? undefined : `${stuck.length} instance${stuck.length === 1 ? '' : 's'} not coming up: ${stuck.map((i) => `${i.id}: ${i.problem}`).join('; ')}`.slice(0, 2048);
    const name = pool.metadata.name!;
    if (line !== undefined && stuckReported.get(name) !== line) emit(pool, 'Warning', 'InstancesNotReady', line);
    if (line === undefined) stuckReported.delete(name);
    else stuckReported.set(name, line);
    return line;
  }

  /**
   * Does what the decision asks within the bounds, and says how much was done: new instances
   * (a repeated step returns the instances it launched before, which are not new), or nodes
   * cordoned for removal.
   */
  async function carryOut(
    pool: WorkerPool,
    provider: NodeProvider,
    context: { pool: WorkerPool; credentials?: Credentials },
    state: PoolState,
    instances: ProviderInstance[],
    decision: ScalingDecision,
  ): Promise<{ names: string[]; done: number; note?: string }> {
    if (decision.action === 'maintain' || decision.count <= 0) return { names: [], done: 0 };
    const current = billedNodeCount(state);
    if (decision.action === 'scale_up') {
      // The engine keeps within the bounds; this is the last guard before money is spent.
      const count = Math.min(decision.count, nodeLimit(state) - current);
      if (count <= 0) return { names: [], done: 0, note: `at the pool's bounds with ${current} nodes there or coming` };
      // The step's identity: from how many nodes it grows, within the second. Decisions in the
      // same second from the same count are one step (its nodes not yet seen) and launch nothing
      // new; the next step starts from more nodes, or later, and gets its own token.
      const token = `${pool.metadata.uid}:${current}:${Math.floor(decision.time)}`;
      const result = await provider.launch(context, count, token);
      lastScale.set(pool.metadata.name!, { at: decision.time, action: 'scale_up' });
      const known = new Set([...instances.flatMap((i) => [i.id, i.nodeName ?? i.id]), ...state.nodes.map((n) => n.name)]);
      const fresh = result.instances.filter((i) => !known.has(i.id) && !known.has(i.nodeName ?? i.id));
      const names = fresh.map((i) => i.nodeName ?? i.id);
      if (fresh.length > 0) emit(pool, 'Normal', 'ScaleUp', `${decision.reason}; launched ${fresh.length}: ${names.join(', ')}${result.notes.length ? ` (${result.notes.join('; ')})` : ''}`);
      return { names, done: fresh.length, ...(fresh.length === 0 ? { note: 'the launch of this step is already under way' } : {}) };
    }
    const removable = decision.nodeNames.filter((name) => lifecycle.mayDrain(name) && state.nodes.some((n) => n.name === name && n.ourPods === 0)).slice(0, Math.max(0, current - state.minNodes));
    for (const name of removable) await setDraining(name, true);
    if (removable.length > 0) {
      lastScale.set(pool.metadata.name!, { at: decision.time, action: 'scale_down' });
      emit(pool, 'Normal', 'ScaleDown', `${decision.reason}; cordoned ${removable.join(', ')} for removal`);
    }
    return { names: removable, done: removable.length, ...(removable.length === 0 ? { note: 'no chosen node is idle any more' } : {}) };
  }

  /** The decision as carried out: its count what was done, a maintain when nothing was. */
  function asCarriedOut(decision: ScalingDecision, done: number, note: string | undefined): ScalingDecision {
    if (decision.action === 'maintain' || done === decision.count) return decision;
    if (done === 0) return { ...decision, action: 'maintain', count: 0, nodeNames: [], reason: `${decision.reason} (nothing done: ${note ?? 'nothing to do'})` };
    return { ...decision, count: done, reason: `${decision.reason} (${done} of ${decision.count} done)` };
  }


  async function record(
    pool: WorkerPool,
    status: WorkerPoolStatus,
    state: PoolState,
    instances: ProviderInstance[],
    decision: ScalingDecision | undefined,
    nodeNames: string[],
    problem: { reason: string; message: string } | undefined,
    canScale: boolean,
    report: LifecycleReport = { news: [], draining: [] },
  ): Promise<void> {
    const message = problem?.message;
    const ready = state.nodes.filter((n) => n.ready);
    const used = poolUtilization(state) ?? ZERO;
    const utilization = { cpu: round(Math.min(1, used.cpu)), memory: round(Math.min(1, used.memoryBytes)), gpu: round(Math.min(1, used.gpu)) };
    const nodes = Math.max(state.nodes.length, instances.filter((i) => i.state !== 'terminated').length);
    const build = (status: WorkerPoolStatus): WorkerPoolStatus => {
      const next: WorkerPoolStatus = {
        ...status,
        nodes,
        readyNodes: ready.length,
        utilization,
        utilizationSummary: `cpu ${pct(utilization.cpu)} mem ${pct(utilization.memory)}${state.hardware === 'gpu' ? ` gpu ${pct(utilization.gpu)}` : ''}`,
        costPerHour: round(nodes * state.costPerNodeHour),
        desiredNodes: Math.max(0, nodes + (decision?.action === 'scale_up' ? decision.count : 0) - (decision?.action === 'scale_down' ? nodeNames.length : 0)),
        ...(message ? { message } : { message: undefined }),
        observedGeneration: pool.metadata.generation ?? 0,
        nodeShape: report.shape ? shapeStatus(report.shape) : undefined,
        draining: report.draining.length > 0 ? report.draining.slice(0, MAX_DRAINING) : undefined,
        ...(report.news.length > 0 ? { lifecycle: [...(status.lifecycle ?? []), ...report.news].slice(-MAX_LIFECYCLE_EVENTS) } : {}),
      };
      if (decision) {
        const api = apiDecision(decision, nodeNames);
        const previous = status.lastDecision;
        // A maintain that says what the last one said is not news: keep the old one (and its time).
        const same = decision.action === 'maintain' && previous?.action === 'maintain' && previous.reason === api.reason;
        if (!same) {
          next.lastDecision = api;
          if (decision.action !== 'maintain' || previous?.action !== 'maintain') next.decisions = [...(status.decisions ?? []), api].slice(-MAX_DECISIONS);
        }
      }
      return next;
    };
    // An action taken must stay in the history: if the pool changed since the cache saw it (a
    // conflict), the record is rebuilt on the newest status and written again, not dropped.
    for (let attempt = 1; ; attempt++) {
      try {
        const next = build({ ...(pool.status ?? {}), ...baseFields(status, pool) });
        await writeStatus(pool, next, { ...healthOf(next), canScale, ...(problem ? { providerProblem: problem } : {}) });
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= 3) throw error;
        pool = (await deps.clients.custom.getClusterCustomObject({ group: 'drm.dtf.io', version: 'v1alpha1', plural: 'workerpools', name: pool.metadata.name! })) as WorkerPool;
      }
    }
  }

  /** What the reconcile set on the status before recording (the provider), kept on a rebuilt record. */
  function baseFields(status: WorkerPoolStatus, pool: WorkerPool): WorkerPoolStatus {
    return status.provider !== undefined ? { provider: status.provider } : pool.status?.provider !== undefined ? { provider: pool.status.provider } : {};
  }

  async function writeStatus(pool: WorkerPool, status: WorkerPoolStatus, health: PoolHealth): Promise<void> {
    await writeStatusIfChanged(deps.clients, 'WorkerPool', pool, status, { conditions: poolConditions(health), now: nowDate(clock) });
  }
}

/** What one reconcile saw of the nodes' lifecycle, for the status. */
interface LifecycleReport {
  news: LifecycleEvent[];
  draining: DrainingNode[];
  shape?: NodeShape;
}

function shapeStatus(shape: NodeShape): NonNullable<WorkerPoolStatus['nodeShape']> {
  return { cpu: shape.cpu, memoryMiB: Math.floor(shape.memoryBytes / 2 ** 20), gpu: shape.gpu, source: (shape.source ?? 'the provider').slice(0, 256) };
}

/** The labels every node of a pool carries: its own nodeLabels, the pool and hardware labels, the GPU's. */
export function poolNodeLabels(pool: WorkerPool): Record<string, string> {
  const hardware = pool.spec.hardware;
  return {
    ...pool.spec.nodeLabels,
    [LABELS.pool]: pool.metadata.name!,
    [LABELS.hardware]: hardware.type,
    ...(hardware.gpuProduct ? { [LABELS.gpuProduct]: hardware.gpuProduct } : {}),
    ...(hardware.gpuMemoryMiB ? { [LABELS.gpuMemory]: String(hardware.gpuMemoryMiB) } : {}),
  };
}

/**
 * A taint a node image may register with (kubelet --register-with-taints) so nothing lands on a
 * new node before the operator has made it a pool's; taken off when the node is adopted.
 */
export const UNREGISTERED_TAINT = 'drm.dtf.io/unregistered';

/** The node's taints plus the pool's it lacks, less the unregistered one (a merge patch replaces the whole list). */
function withPoolTaints(node: V1Node, pool: WorkerPool): V1Taint[] {
  const taints = (node.spec?.taints ?? []).filter((t) => t.key !== UNREGISTERED_TAINT);
  for (const taint of pool.spec.taints ?? []) {
    if (!taints.some((t) => t.key === taint.key && t.effect === taint.effect)) taints.push({ key: taint.key, ...(taint.value ? { value: taint.value } : {}), effect: taint.effect });
  }
  return taints;
}

/** The node counts of a pool's status, for its conditions. */
function healthOf(status: WorkerPoolStatus | undefined): Pick<PoolHealth, 'nodes' | 'readyNodes' | 'desiredNodes'> {
  return { nodes: status?.nodes ?? 0, readyNodes: status?.readyNodes ?? 0, desiredNodes: status?.desiredNodes ?? status?.nodes ?? 0 };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
const pct = (value: number) => `${Math.round(value * 100)}%`;
