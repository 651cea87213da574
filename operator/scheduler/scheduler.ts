// The scheduler of subtask pods: pods with our schedulerName are placed by fitness over the
// ledger and bound through the Binding subresource; kube-scheduler never sees them. The ledger is
// fed by the node and pod informers (ours and everyone else's) and so is rebuilt from the cluster
// whenever the operator starts. Work is queued per task: a task's unbound pods are placed as one
// batch, largest first, or all or nothing for a gang.
import type { ObjectCache, V1Node, V1Pod } from '@kubernetes/client-node';
import type { OrchestratedTask } from '../api/orchestratedtask.js';
import type { Subtask } from '../api/subtask.js';
import type { PlacementPolicy, WorkerPool } from '../api/workerpool.js';
import { ANNOTATIONS, LABELS } from '../controllers/labels.js';
import { isTerminal } from '../controllers/subtask/decide.js';
import {
  allowedPools,
  fitnessOn,
  hardwareKey,
  nodeInfoFrom,
  pendingDemand,
  placeBatch,
  PlacementLedger,
  podIsTerminal,
  podRequests,
  selectorMatchesLabels,
  speedEstimateFrom,
  type NodeInfo,
  type PendingDemand,
  type Placement,
  type PlacementRequest,
  type PoolInfo,
  type SpeedEstimate,
  type SpeedSample,
  type Unplaced,
} from '../core/placement/index.js';
import { describeError, isConflict, isNotFound, strategicMergePatch, type KubeClients } from '../kube/client.js';
import type { EventSink } from '../kube/events.js';
import type { ReconcileResult } from '../runtime/controller.js';
import { splitKey } from '../runtime/controller.js';
import type { Logger } from '../runtime/logger.js';
import type { OperatorMetrics } from '../runtime/metrics.js';

export interface SchedulerOptions {
  schedulerName: string;
  /** Policy for nodes whose WorkerPool sets none. */
  defaultPolicy: PlacementPolicy;
  /** How often tasks with unschedulable pods are looked at again even if nothing woke them. */
  retryUnschedulableMs?: number;
}

export interface SchedulerDeps {
  clients: KubeClients;
  tasks: ObjectCache<OrchestratedTask>;
  subtasks: ObjectCache<Subtask>;
  pods: ObjectCache<V1Pod>;
  events: EventSink;
  log: Logger;
  metrics?: OperatorMetrics;
  /** The pod an attempt of a subtask would get: how a gang member without a pod yet is sized. */
  podTemplate: (subtask: Subtask) => V1Pod;
  /** Wakes the scheduling of a task (the controller's enqueue). */
  enqueue: (taskKey: string) => void;
  /** Told when the pending demand changed (the autoscaler looks again). */
  onDemandChanged?: () => void;
  /** The predictor's relative speed per hardware; the scheduler's own observed means fill in where it has none. */
  speedEstimate?: () => SpeedEstimate;
  /** The operator's clock, epoch milliseconds (default Date.now). */
  now?: () => number;
}

const SPEED_SAMPLES_PER_KEY = 50;
const REPORT_INTERVAL_MS = 15_000;

export function holdKeyOf(namespace: string, subtaskName: string): string {
  return `hold:${namespace}/${subtaskName}`;
}

/** A pod's task, as namespace/name, from the annotation the subtask controller puts on it. */
export function taskKeyOfPod(pod: V1Pod): string | undefined {
  const task = pod.metadata?.annotations?.[ANNOTATIONS.taskName];
  return task && pod.metadata?.namespace ? `${pod.metadata.namespace}/${task}` : undefined;
}

function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

function poolInfoOf(pool: WorkerPool): PoolInfo {
  return {
    name: pool.metadata.name!,
    labels: pool.metadata.labels ?? {},
    hardware: pool.spec.hardware?.type ?? 'cpu',
    taints: pool.spec.taints ?? [],
    ...(pool.spec.placementPolicy ? { policy: pool.spec.placementPolicy } : {}),
  };
}

function everBound(subtask: Subtask): boolean {
  return Boolean(subtask.status?.nodeName) || (subtask.status?.attemptHistory ?? []).some((attempt) => attempt.nodeName);
}

export class SubtaskScheduler {
  readonly ledger = new PlacementLedger();
  private readonly now: () => number;
  private readonly pools = new Map<string, { info: PoolInfo; staticSelector?: Record<string, string> }>();
  private readonly nodeObjects = new Map<string, V1Node>();
  /** task key → its unbound pods with our schedulerName, by pod key. */
  private readonly unbound = new Map<string, Map<string, V1Pod>>();
  /** pod key → when it was first seen unbound (placement latency). */
  private readonly firstSeen = new Map<string, number>();
  /** task key → its requests that fit nowhere at the last look. */
  private readonly waiting = new Map<string, Map<string, PlacementRequest>>();
  /** pod key → the unschedulable reason last written to it, and when. */
  private readonly reported = new Map<string, { reason: string; at: number }>();
  private readonly speedSamples = new Map<string, SpeedSample[]>();
  private speed: SpeedEstimate | undefined;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.now = deps.now ?? (() => Date.now());
  }

  // ---------------------------------------------------------------------------------------------
  // Informer events: keep the ledger and the queue of waiting work current.

  onNode(event: 'add' | 'update' | 'delete', node: V1Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    if (event === 'delete') {
      this.nodeObjects.delete(name);
      this.ledger.removeNode(name);
      return;
    }
    this.nodeObjects.set(name, node);
    const info = this.nodeInfo(node);
    const before = this.ledger.node(name);
    if (before && JSON.stringify(before) === JSON.stringify(info)) return; // a heartbeat: nothing placement sees
    this.ledger.setNode(info);
    this.wakeWaiting();
  }

  onPool(event: 'add' | 'update' | 'delete', pool: WorkerPool): void {
    const name = pool.metadata.name!;
    if (event === 'delete') this.pools.delete(name);
    else this.pools.set(name, { info: poolInfoOf(pool), ...(pool.spec.provider.static ? { staticSelector: pool.spec.provider.static.nodeSelector } : {}) });
    // Static pools adopt nodes by selector, and a pool's policy or labels may have changed.
    for (const node of this.nodeObjects.values()) this.ledger.setNode(this.nodeInfo(node));
    this.wakeWaiting();
  }

  onPod(event: 'add' | 'update' | 'delete', pod: V1Pod): void {
    const key = podKey(pod);
    const taskKey = pod.metadata?.labels?.[LABELS.managedBy] ? taskKeyOfPod(pod) : undefined;
    const nodeName = pod.spec?.nodeName;
    if (event === 'delete' || podIsTerminal(pod)) {
      this.forgetUnbound(key, taskKey);
      if (this.ledger.release(key)) this.wakeWaiting();
      return;
    }
    if (nodeName) {
      // A terminating pod still holds its node until it is gone, as kube-scheduler counts it.
      this.forgetUnbound(key, taskKey);
      this.ledger.recordBound(key, nodeName, podRequests(pod), taskKey);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      // A binding in flight fails (the pod is going) and gives its reservation back itself.
      this.forgetUnbound(key, taskKey);
      return;
    }
    if (!taskKey || pod.spec?.schedulerName !== this.options.schedulerName) return;
    let pods = this.unbound.get(taskKey);
    if (!pods) this.unbound.set(taskKey, (pods = new Map()));
    const known = pods.has(key);
    pods.set(key, pod);
    if (!this.firstSeen.has(key)) this.firstSeen.set(key, this.now());
    // A new pod is placed at once; one already waiting for capacity is woken by capacity.
    if (!known || !this.waiting.has(taskKey)) this.deps.enqueue(taskKey);
  }

  onSubtask(event: 'add' | 'update' | 'delete', subtask: Subtask): void {
    const namespace = subtask.metadata.namespace!;
    if (event === 'delete' || isTerminal(subtask.status?.phase) || everBound(subtask)) {
      // A gang member that started (or will never start) holds nothing any more.
      if (this.ledger.entry(holdKeyOf(namespace, subtask.metadata.name!))?.kind === 'held') {
        this.ledger.release(holdKeyOf(namespace, subtask.metadata.name!));
        this.wakeWaiting();
      }
    }
    if (event !== 'delete' && subtask.status?.phase === 'Completed') this.learnSpeed(subtask);
  }

  onTask(event: 'add' | 'update' | 'delete', task: OrchestratedTask): void {
    const phase = task.status?.phase;
    if (event === 'delete' || task.metadata.deletionTimestamp || task.spec.cancel || phase === 'Completed' || phase === 'Failed' || phase === 'Cancelled') {
      const taskKey = `${task.metadata.namespace}/${task.metadata.name}`;
      let released = false;
      for (const key of this.ledger.keysOf(taskKey, 'held')) released = this.ledger.release(key) || released;
      if (released) this.wakeWaiting();
    }
  }

  /** Every task with pods waiting: after startup, or when this replica starts leading. */
  enqueueAll(): void {
    for (const taskKey of this.waitingTaskKeys()) this.deps.enqueue(taskKey);
  }

  /** Keys of the tasks with unbound pods of ours. */
  waitingTaskKeys(): string[] {
    return [...this.unbound.keys()];
  }

  poolInfos(): PoolInfo[] {
    return [...this.pools.values()].map((pool) => pool.info);
  }

  pendingDemand(): PendingDemand[] {
    const requests: PlacementRequest[] = [];
    for (const byPod of this.waiting.values()) requests.push(...byPod.values());
    return pendingDemand(requests);
  }

  /** What is waiting, for the readiness/debug endpoint. */
  summary() {
    return {
      nodes: this.ledger.nodeList().length,
      ledger: { bound: this.ledger.entryCount('bound'), reserved: this.ledger.entryCount('reserved'), held: this.ledger.entryCount('held') },
      unboundPods: [...this.unbound.values()].reduce((sum, pods) => sum + pods.size, 0),
      pendingDemand: this.pendingDemand(),
    };
  }

  private nodeInfo(node: V1Node): NodeInfo {
    const info = nodeInfoFrom(node);
    if (info.pool) return info;
    for (const [name, pool] of this.pools) {
      if (pool.staticSelector && selectorMatchesLabels({ matchLabels: pool.staticSelector }, info.labels)) return { ...info, pool: name };
    }
    return info;
  }

  private forgetUnbound(key: string, taskKey: string | undefined): void {
    this.reported.delete(key);
    if (!taskKey) return;
    const pods = this.unbound.get(taskKey);
    if (pods?.delete(key) && pods.size === 0) this.unbound.delete(taskKey);
    const waiting = this.waiting.get(taskKey);
    if (waiting?.delete(key) && waiting.size === 0) this.waiting.delete(taskKey);
  }

  private wakeWaiting(): void {
    for (const taskKey of this.waiting.keys()) this.deps.enqueue(taskKey);
  }

  private learnSpeed(subtask: Subtask): void {
    const seconds = subtask.status?.metrics?.executionSeconds;
    const node = subtask.status?.nodeName ? this.ledger.node(subtask.status.nodeName) : undefined;
    if (!seconds || !node) return;
    const hardware = hardwareKey(node);
    const key = `${subtask.spec.taskType}|${hardware}`;
    const samples = this.speedSamples.get(key) ?? [];
    samples.push({ taskType: subtask.spec.taskType, hardware, seconds });
    if (samples.length > SPEED_SAMPLES_PER_KEY) samples.shift();
    this.speedSamples.set(key, samples);
    this.speed = undefined;
  }

  private combinedSpeed(): SpeedEstimate {
    const predicted = this.deps.speedEstimate?.();
    const observed = this.speedEstimate();
    return predicted ? (taskType, node) => predicted(taskType, node) ?? observed(taskType, node) : observed;
  }

  private speedEstimate(): SpeedEstimate {
    this.speed ??= speedEstimateFrom([...this.speedSamples.values()].flat());
    return this.speed;
  }

  // ---------------------------------------------------------------------------------------------
  // Placing one task's pods.

  private placementOptions() {
    return {
      policyFor: (node: NodeInfo) => (node.pool ? this.pools.get(node.pool)?.info.policy : undefined) ?? this.options.defaultPolicy,
      speed: this.combinedSpeed(),
    };
  }

  private requestFor(pod: V1Pod, key: string, taskKey: string, subtask: Subtask | undefined, pools: ReadonlySet<string> | undefined): PlacementRequest {
    const hardware = subtask?.spec.hardware;
    const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    return {
      key,
      taskKey,
      requests: podRequests(pod),
      hardware: hardware?.type ?? 'any',
      ...(hardware?.gpuProduct ? { gpuProduct: hardware.gpuProduct } : {}),
      ...(hardware?.minGpuMemoryMiB !== undefined ? { minGpuMemoryMiB: hardware.minGpuMemoryMiB } : {}),
      tolerations: pod.spec?.tolerations ?? [],
      ...(pod.spec?.nodeSelector ? { nodeSelector: pod.spec.nodeSelector } : {}),
      ...(terms ? { nodeAffinity: terms } : {}),
      ...(pools ? { pools } : {}),
      ...(subtask ? { taskType: subtask.spec.taskType } : {}),
    };
  }

  /** The controller's reconcile: place what of the task is unbound, bind it, explain the rest. */
  async scheduleTask(taskKey: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(taskKey);
    const pods = [...(this.unbound.get(taskKey)?.values() ?? [])]
      .map((pod) => this.deps.pods.get(pod.metadata!.name!, namespace) ?? pod)
      .filter((pod) => !pod.spec?.nodeName && !pod.metadata?.deletionTimestamp && this.ledger.entry(podKey(pod))?.kind !== 'reserved');
    if (pods.length === 0) {
      this.waiting.delete(taskKey);
      return;
    }
    const task = this.deps.tasks.get(name, namespace);
    const pools = allowedPools(task?.spec.poolSelector, [...this.pools.values()].map((p) => p.info));
    const subtaskOf = (pod: V1Pod) => {
      const subtaskName = pod.metadata?.annotations?.[ANNOTATIONS.subtaskName];
      return subtaskName ? this.deps.subtasks.get(subtaskName, namespace) : undefined;
    };
    const options = this.placementOptions();
    const started = this.now();
    let placed: Placement[] = [];
    let unplaced: Unplaced[] = [];
    const podsByKey = new Map<string, V1Pod>();

    let loose = pods;
    if (task?.spec.gang) {
      const gang = this.placeGang(task, taskKey, pods, pools, options);
      placed.push(...gang.placed);
      unplaced.push(...gang.unplaced);
      for (const [key, pod] of gang.pods) podsByKey.set(key, pod);
      loose = gang.loose;
    }
    if (loose.length > 0) {
      const requests = loose.map((pod) => {
        podsByKey.set(podKey(pod), pod);
        return this.requestFor(pod, podKey(pod), taskKey, subtaskOf(pod), pools);
      });
      const batch = placeBatch(requests, this.ledger, options);
      placed = placed.concat(batch.placed);
      unplaced = unplaced.concat(batch.unplaced);
    }
    const decided = placed.length + unplaced.length;
    if (decided > 0) {
      const perDecision = (this.now() - started) / 1000 / decided;
      for (let i = 0; i < decided; i++) this.deps.metrics?.placementDecisionSeconds.observe(perDecision);
    }

    const results = await Promise.allSettled(placed.map((placement) => this.bind(podsByKey.get(placement.request.key)!, placement)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');

    // This run looked at every unbound pod of the task: what it could not place is all that waits.
    if (unplaced.length > 0) this.waiting.set(taskKey, new Map(unplaced.map(({ request }) => [request.key, request])));
    else this.waiting.delete(taskKey);
    // While capacity is appearing (this run placed something), reasons are in flux: only pods
    // never told why they wait are told now; the others when placement has settled.
    const settled = placed.length === 0;
    for (const { request, reason } of unplaced) {
      const pod = podsByKey.get(request.key);
      if (pod && (settled || !this.reported.has(request.key))) await this.reportUnschedulable(pod, subtaskOf(pod), reason);
    }
    this.publishDemand();
    if (failures.length > 0) throw failures[0]!.reason;
    return unplaced.length > 0 ? { requeueAfterMs: this.options.retryUnschedulableMs ?? 30_000 } : undefined;
  }

  /**
   * A gang: every member that has not started yet is placed in one all-or-nothing batch, members
   * without a pod (waiting for a dependency) by holds on their nodes. Members with holds bind to
   * their held node once their pod exists. Pods of members that already ran (retries) are loose.
   */
  private placeGang(task: OrchestratedTask, taskKey: string, pods: V1Pod[], pools: ReadonlySet<string> | undefined, options: ReturnType<SubtaskScheduler['placementOptions']>) {
    const namespace = task.metadata.namespace!;
    const members = this.deps.subtasks
      .list(namespace)
      .filter((s) => s.spec.taskRef.name === task.metadata.name && !isTerminal(s.status?.phase) && !everBound(s));
    const memberNames = new Set(members.map((m) => m.metadata.name!));
    const podOfMember = new Map<string, V1Pod>();
    const loose: V1Pod[] = [];
    for (const pod of pods) {
      const subtaskName = pod.metadata?.annotations?.[ANNOTATIONS.subtaskName] ?? '';
      if (memberNames.has(subtaskName)) podOfMember.set(subtaskName, pod);
      else loose.push(pod);
    }
    const placed: Placement[] = [];
    const unplaced: Unplaced[] = [];
    const podsByKey = new Map<string, V1Pod>();
    const requestOf = (member: Subtask) => {
      const pod = podOfMember.get(member.metadata.name!) ?? this.deps.podTemplate(member);
      return this.requestFor(pod, holdKeyOf(namespace, member.metadata.name!), taskKey, member, pools);
    };

    const allHeld = members.every((m) => this.ledger.entry(holdKeyOf(namespace, m.metadata.name!))?.kind === 'held');
    if (!allHeld) {
      // Start over: holds from an earlier plan may no longer fit together with the rest.
      for (const key of this.ledger.keysOf(taskKey, 'held')) this.ledger.release(key);
      const batch = placeBatch(members.map(requestOf), this.ledger, { ...options, gang: true, kindOf: () => 'held' });
      if (batch.unplaced.length > 0) {
        // Members without a pod yet count as demand too: the gang needs all of it.
        for (const { request, reason } of batch.unplaced) {
          const pod = podOfMember.get(request.key.slice(request.key.indexOf('/') + 1));
          if (pod) podsByKey.set(podKey(pod), pod);
          unplaced.push({ request: pod ? { ...request, key: podKey(pod) } : request, reason });
        }
        return { placed, unplaced, pods: podsByKey, loose };
      }
      this.deps.log.info({ task: taskKey, members: members.length }, 'gang placed: capacity held for every member');
    }
    // Every member holds its node: those with a pod turn the hold into a reservation and bind.
    for (const member of members) {
      const pod = podOfMember.get(member.metadata.name!);
      const holdKey = holdKeyOf(namespace, member.metadata.name!);
      const hold = this.ledger.entry(holdKey);
      if (!pod || !hold) continue;
      const node = this.ledger.node(hold.node);
      const key = podKey(pod);
      const request = this.requestFor(pod, key, taskKey, member, pools);
      this.ledger.release(holdKey);
      if (!node) {
        unplaced.push({ request, reason: `held node ${hold.node} is gone; placing the gang again` });
        continue;
      }
      const score = fitnessOn(request, node, this.ledger.free(node.name)!, this.ledger, options);
      this.ledger.reserve(key, node.name, request.requests, taskKey);
      podsByKey.set(key, pod);
      placed.push({ request, node: node.name, fitness: score });
    }
    return { placed, unplaced, pods: podsByKey, loose };
  }

  private async bind(pod: V1Pod, placement: Placement): Promise<void> {
    const key = podKey(pod);
    const { namespace, name } = { namespace: pod.metadata!.namespace!, name: pod.metadata!.name! };
    const node = this.ledger.node(placement.node);
    const score = Math.round(placement.fitness.score * 10_000) / 10_000;
    try {
      await this.deps.clients.core.createNamespacedPodBinding({
        name,
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          // The API server copies a Binding's annotations onto the pod: the subtask controller
          // reads fitness and pool from there into the Subtask's status.
          metadata: { name, namespace, annotations: { [ANNOTATIONS.fitnessScore]: String(score), ...(node?.pool ? { [ANNOTATIONS.workerPool]: node.pool } : {}) } },
          target: { apiVersion: 'v1', kind: 'Node', name: placement.node },
        },
      });
      this.deps.metrics?.bindings.inc({ result: 'bound' });
      const seen = this.firstSeen.get(key);
      if (seen !== undefined) this.deps.metrics?.placementLatencySeconds.observe((this.now() - seen) / 1000);
      this.firstSeen.delete(key);
      this.deps.log.debug({ pod: key, node: placement.node, fitness: score }, 'bound');
    } catch (error) {
      // Unless the pod was seen bound meanwhile, the reservation goes back to the ledger.
      if (this.ledger.entry(key)?.kind === 'reserved') this.ledger.release(key);
      if (isNotFound(error)) {
        this.deps.metrics?.bindings.inc({ result: 'gone' });
        return;
      }
      if (isConflict(error)) {
        // Already bound (by an earlier binding whose answer we lost): the informer brings the truth.
        this.deps.metrics?.bindings.inc({ result: 'conflict' });
        return;
      }
      this.deps.metrics?.bindings.inc({ result: 'error' });
      throw new Error(`binding ${key} to ${placement.node}: ${describeError(error)}`, { cause: error });
    }
  }

  private async reportUnschedulable(pod: V1Pod, subtask: Subtask | undefined, reason: string): Promise<void> {
    const key = podKey(pod);
    // A changed reason is written at most every REPORT_INTERVAL_MS per pod: while capacity comes
    // and goes, rewriting hundreds of pods' conditions would crowd out the bindings themselves.
    const previous = this.reported.get(key);
    if (previous && (previous.reason === reason || this.now() - previous.at < REPORT_INTERVAL_MS)) return;
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status !== 'False' || current.message !== reason) {
      try {
        await this.deps.clients.core.patchNamespacedPodStatus(
          {
            name: pod.metadata!.name!,
            namespace: pod.metadata!.namespace!,
            body: { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: reason, lastTransitionTime: new Date(this.now()) }] } },
          },
          strategicMergePatch,
        );
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
    }
    this.reported.set(key, { reason, at: this.now() });
    if (subtask) this.deps.events.emit({ apiVersion: 'drm.dtf.io/v1alpha1', kind: 'Subtask', metadata: subtask.metadata }, 'Warning', 'Unschedulable', reason);
    this.deps.log.info({ pod: key, reason }, 'unschedulable');
  }

  private lastDemand = '[]';

  private publishDemand(): void {
    const demand = JSON.stringify(this.pendingDemand());
    if (demand !== this.lastDemand) {
      this.lastDemand = demand;
      this.deps.onDemandChanged?.();
    }
    const metrics = this.deps.metrics;
    if (!metrics) return;
    metrics.pendingSubtasks.reset();
    metrics.pendingDemand.reset();
    const byHardware = new Map<string, { subtasks: number; cpu: number; memory: number; gpu: number; ephemeral: number }>();
    for (const demand of this.pendingDemand()) {
      const sum = byHardware.get(demand.hardware) ?? { subtasks: 0, cpu: 0, memory: 0, gpu: 0, ephemeral: 0 };
      sum.subtasks += demand.subtasks;
      sum.cpu += demand.total.cpuMillis / 1000;
      sum.memory += demand.total.memoryBytes;
      sum.gpu += demand.total.gpus;
      sum.ephemeral += demand.total.ephemeralBytes;
      byHardware.set(demand.hardware, sum);
    }
    for (const [hardware, sum] of byHardware) {
      metrics.pendingSubtasks.set({ hardware }, sum.subtasks);
      metrics.pendingDemand.set({ hardware, resource: 'cpu' }, sum.cpu);
      metrics.pendingDemand.set({ hardware, resource: 'memory' }, sum.memory);
      metrics.pendingDemand.set({ hardware, resource: 'gpu' }, sum.gpu);
      metrics.pendingDemand.set({ hardware, resource: 'ephemeral_storage' }, sum.ephemeral);
    }
    for (const kind of ['bound', 'reserved', 'held'] as const) metrics.ledgerEntries.set({ kind }, this.ledger.entryCount(kind));
  }
}
