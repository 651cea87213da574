// A virtual-clock discrete-event simulation of WorkerPools under a workload trace, driving the
// same decideScaling the operator runs (pure: no real time, no I/O, deterministic).
//
// The model:
// - Each trace row is a task whose subtasks all arrive at arrival_s and queue, first in first
//   out, for one pool: among the pools serving its hardware (cpu rows: cpu and memory pools) whose
//   node holds its request, the one choosePool would grow; a row no pool holds is left out and
//   counted (SimulationResult.skipped).
// - A FIFO placer puts the head of each queue on the ready node with room for it that the
//   operator's scheduler scores best (its packing term, core/placement utilizationWith: with the
//   pool's placementPolicy binpack, the default, the node fullest after placing, averaged over the
//   resources asked for; spread, the emptiest), then the next, and stops at the first that fits
//   nowhere: strict arrival order, as a queue of pods would be bound. `placement: 'predicted-end'`
//   (an experiment, not the operator's scheduler) places by predicted end time in predictive pools
//   first (chooseNode).
// - A subtask holds its cpu, memory and GPUs for seconds_per_subtask, then frees them.
// - Every intervalSeconds each pool's autoscaler runs decideScaling. A scale_up launches nodes
//   that become ready provisionSeconds later (counted meanwhile as pendingLaunches); a scale_down
//   removes the named nodes at once (they hold no subtasks: decideScaling never names such).
//   Every decision is checked with decisionViolations; a violation stops the simulation.
// - Nodes are billed from launch to removal; the simulation runs until the work is done and the
//   pools have shrunk back to minNodes, so the idle tail each policy leaves is billed too.
// - What the predictive policy is told (PredictedWork): the remaining resource-seconds of the
//   subtasks running and queued now, and each one's remaining or whole duration, exactly: what a
//   perfect predictor of durations would say about work that has already arrived; and the
//   resources requested by arrivals over the last horizonSeconds + scaleDownIdleSeconds, and the
//   most one task of them asked for within horizonSeconds (largestArrival, as the WorkerPool
//   controller gives it). Nothing about future arrivals. Each running subtask names its
//   node. PoolState.launchSeconds is provisionSeconds.
import { utilizationWith } from '../core/placement/fitness.js';
import { parseQuantity } from '../core/placement/quantity.js';
import type { ResourceVector } from '../core/placement/resources.js';
import {
  choosePool,
  decideScaling,
  decisionViolations,
  fitsIn,
  type Amounts,
  type PendingWork,
  type PoolNodeState,
  type PoolState,
  type PredictedWork,
  type ScalingAction,
  type ScalingDecision,
} from '../core/scaling/index.js';
import { workerPoolSpecSchema, type WorkerPoolSpecInput } from '../api/workerpool.js';
import { seededRandom } from '../core/random.js';
import type { TraceTask } from './trace.js';

export const POLICIES = ['predictive', 'threshold'] as const;
export const PLACEMENTS = ['scheduler', 'predicted-end'] as const;
/** How the simulator places subtasks (SimulationOptions.placement). */
export type Placement = (typeof PLACEMENTS)[number];
/** A policy forced on every pool, or `as-written`: each pool's own spec.scaling.predictive. */
export type Policy = (typeof POLICIES)[number] | 'as-written';

const GI = 2 ** 30;
const EPSILON = 1e-9;

/** One simulated pool: a WorkerPool's spec as the API defaults it, and its trace hardware. */
export interface SimulatedPool {
  /** Trace rows of this hardware go to this pool. */
  serves: 'cpu' | 'gpu';
  /** How the scheduler fills the pool's nodes (spec.placementPolicy; the operator's default binpack). */
  placementPolicy: 'binpack' | 'spread';
  state: Omit<PoolState, 'nodes' | 'pendingLaunches' | 'lastScaleAt'>;
  intervalSeconds: number;
}

export interface SimulationOptions {
  /** Seconds from launching a node to its being ready. Default 60. */
  provisionSeconds?: number;
  /** The pools; default defaultPools(policy). */
  pools?: SimulatedPool[];
  /** Stop (with an error) if the work is not done this long after the last arrival. Default a week. */
  maxSecondsAfterLastArrival?: number;
  /**
   * How wrong the predicted durations are: each subtask's prediction is its true duration times
   * e^(σ·z), z standard normal from a fixed seed (σ = 0.5: half the predictions within about
   * 0.7× to 1.4×). Default 0: exact.
   */
  predictionNoise?: number;
  /**
   * How subtasks are placed: `scheduler` (the default), as the operator's scheduler does; or
   * `predicted-end`, in predictive pools only, by predicted end time (chooseNode). The second is an
   * experiment the operator's scheduler does not do.
   */
  placement?: Placement;
  /** Called with every decision and what it was decided from (for tests and tracing). */
  onDecision?: (step: { state: PoolState; pending: PendingWork | undefined; predicted: PredictedWork; decision: ScalingDecision }) => void;
}

/**
 * Where a pool's node-hours went: launching (launch to ready), idle (ready, none of our subtasks),
 * busy (ready, running some), and of busy the part the subtasks' requests use (each node's highest
 * share of cpu, memory or GPU requested, over time). busy − used is what partly used nodes leave.
 */
export interface NodeHoursBreakdown {
  launching: number;
  idle: number;
  busy: number;
  used: number;
}

export interface PoolSummary {
  name: string;
  nodeHours: number;
  breakdown: NodeHoursBreakdown;
  /**
   * Node-hours a policy knowing every arrival could not go below: at each instant the nodes that
   * hold every arrived subtask's requests started at once, packed as if divisible (the most of
   * cpu, memory or GPU requested ÷ a node's, rounded up), plus one launch for each node of the
   * highest such count.
   */
  lowerBoundNodeHours: number;
  cost: number;
  peakNodes: number;
  scaleUps: number;
  scaleDowns: number;
  directionChanges: number;
}

export interface SimulationResult {
  policy: Policy;
  /** Node-hours billed, all pools: each node from launch to removal. */
  nodeHours: number;
  /** Where they went, all pools (PoolSummary.breakdown). */
  breakdown: NodeHoursBreakdown;
  /** All pools' lowerBoundNodeHours. */
  lowerBoundNodeHours: number;
  /** nodeHours priced by each pool's costPerNodeHour. */
  cost: number;
  /** Last subtask completion − first arrival, seconds. */
  makespanSeconds: number;
  /** Mean over subtasks of start − arrival, seconds. */
  meanWaitSeconds: number;
  /** Times a pool's action switched between scale_up and scale_down (maintain ignored), all pools. */
  directionChanges: number;
  subtasks: number;
  /** When the simulation ended: the last pool back at minNodes, seconds. */
  endSeconds: number;
  pools: PoolSummary[];
  /** Rows no pool could run (none of its hardware, or every node too small): left out. */
  skipped?: SkippedRows;
}

export interface SkippedRows {
  rows: number;
  subtasks: number;
  /** The first such row: its line and why no pool holds it. */
  first: { line: number; reason: string };
}

function requestOf(task: TraceTask): Amounts {
  return { cpu: task.cpu, memoryBytes: task.memoryGiB * GI, gpu: task.gpu };
}

function amountsTimes(of: Amounts, times: number): Amounts {
  return { cpu: of.cpu * times, memoryBytes: of.memoryBytes * times, gpu: of.gpu * times };
}

/** Why no pool holds a row: no pool of its hardware, or what exceeds the largest node. */
export function whyNoPool(task: TraceTask, pools: readonly SimulatedPool[]): string {
  const serving = pools.filter((pool) => pool.serves === task.hardware);
  if (serving.length === 0) return `no pool serves ${task.hardware} work`;
  const request = requestOf(task);
  const most = (resource: keyof Amounts) => Math.max(...serving.map((pool) => pool.state.nodeShape[resource]));
  const over: string[] = [];
  if (request.cpu > most('cpu') + EPSILON) over.push(`${task.cpu} cores (largest node ${most('cpu')})`);
  if (request.memoryBytes > most('memoryBytes') + EPSILON) over.push(`${task.memoryGiB} GiB (largest node ${round(most('memoryBytes') / GI)})`);
  if (request.gpu > most('gpu') + EPSILON) over.push(`${task.gpu} GPUs (largest node ${most('gpu')})`);
  return over.length > 0 ? `${over.join(', ')} exceed every ${task.hardware} pool's node` : `no single ${task.hardware} pool's node holds ${task.cpu} cores, ${task.memoryGiB} GiB and ${task.gpu} GPUs together`;
}

const round = (value: number) => Number(value.toFixed(2));

/**
 * The pool a WorkerPool spec describes, with every default the API would fill in. The node shape
 * is the kwok provider's node, or `shape` (for providers whose shape the spec does not state).
 */
export function simulatedPool(name: string, spec: WorkerPoolSpecInput, serves: 'cpu' | 'gpu', predictive: boolean, shape?: Amounts): SimulatedPool {
  const parsed = workerPoolSpecSchema.parse(spec);
  const node = parsed.provider.kwok?.node;
  if (!node && !shape) throw new Error(`pool ${name}: the simulator needs a kwok provider or a node shape`);
  const { intervalSeconds, ...scaling } = parsed.scaling;
  return {
    serves,
    placementPolicy: parsed.placementPolicy ?? 'binpack',
    intervalSeconds,
    state: {
      name,
      hardware: parsed.hardware.type,
      ...(parsed.hardware.gpuProduct ? { gpuProduct: parsed.hardware.gpuProduct } : {}),
      provider: 'kwok',
      nodeShape: shape ?? { cpu: parseQuantity(node!.cpu), memoryBytes: parseQuantity(node!.memory), gpu: node!.gpu ?? 0 },
      minNodes: parsed.minNodes,
      maxNodes: parsed.maxNodes,
      costPerNodeHour: parsed.costPerNodeHour ?? 0,
      ...(parsed.maxCostPerHour !== undefined ? { maxCostPerHour: parsed.maxCostPerHour } : {}),
      scaling: { ...scaling, predictive },
    },
  };
}

/**
 * One CPU pool (8 cores, 32Gi, $0.40/h) and one GPU pool (8 cores, 32Gi, one A10G, $1.20/h),
 * 0 to 50 nodes each, every scaling setting at the API's default but `predictive`.
 */
export function defaultPools(policy: Policy): SimulatedPool[] {
  const predictive = policy === 'predictive';
  return [
    simulatedPool('cpu', { provider: { kwok: { node: { cpu: '8', memory: '32Gi' } } }, minNodes: 0, maxNodes: 50, costPerNodeHour: 0.4 }, 'cpu', predictive),
    simulatedPool(
      'gpu',
      { hardware: { type: 'gpu', gpuProduct: 'NVIDIA-A10G', gpuCount: 1 }, provider: { kwok: { node: { cpu: '8', memory: '32Gi', gpu: 1 } } }, minNodes: 0, maxNodes: 50, costPerNodeHour: 1.2 },
      'gpu',
      predictive,
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// The event queue: a binary heap ordered by time, then kind, then insertion.

/** What happens at an instant, in the order handled: capacity frees, nodes join, work arrives, autoscalers run. */
const Kind = { Finish: 0, Ready: 1, Arrival: 2, Tick: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface Event {
  time: number;
  kind: Kind;
  seq: number;
  /** Subtask (Finish), node (Ready), task (Arrival) or pool (Tick) index. */
  subject: number;
}

class EventQueue {
  private heap: Event[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, kind: Kind, subject: number): void {
    this.heap.push({ time, kind, subject, seq: this.seq++ });
    let index = this.heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(this.heap[index]!, this.heap[parent]!)) break;
      [this.heap[index], this.heap[parent]] = [this.heap[parent]!, this.heap[index]!];
      index = parent;
    }
  }

  peek(): Event | undefined {
    return this.heap[0];
  }

  pop(): Event | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined || this.heap.length === 0) return top;
    this.heap[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.heap.length && before(this.heap[left]!, this.heap[smallest]!)) smallest = left;
      if (right < this.heap.length && before(this.heap[right]!, this.heap[smallest]!)) smallest = right;
      if (smallest === index) break;
      [this.heap[index], this.heap[smallest]] = [this.heap[smallest]!, this.heap[index]!];
      index = smallest;
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.time !== b.time ? a.time < b.time : a.kind !== b.kind ? a.kind < b.kind : a.seq < b.seq;
}

// ---------------------------------------------------------------------------------------------
// The simulation.

interface Subtask {
  arrival: number;
  seconds: number;
  /** What the predictor says of its duration (seconds, unless predictionNoise). */
  predictedSeconds: number;
  request: Amounts;
  startedAt?: number;
  node?: SimNode;
}

interface SimNode {
  index: number;
  name: string;
  launchedAt: number;
  readyAt?: number;
  removed: boolean;
  requested: Amounts;
  running: Set<number>;
  /** When it last ran a subtask (or became ready). */
  lastBusyAt: number;
}

interface PoolRuntime {
  config: SimulatedPool;
  nodes: SimNode[];
  queue: number[];
  queueHead: number;
  pendingLaunches: number;
  lastScaleAt?: number;
  lastDirection?: ScalingAction;
  /** Arrivals (time, request × subtasks) within the last horizon + idle window, oldest first. */
  arrivals: Array<{ at: number; amounts: Amounts }>;
  nodeSeconds: number;
  peakNodes: number;
  scaleUps: number;
  scaleDowns: number;
  directionChanges: number;
  launched: number;
  /** NodeHoursBreakdown, in node-seconds so far. */
  spent: NodeHoursBreakdown;
  /** The requests of the arrived subtasks as if each started on arrival: for lowerBoundNodeHours. */
  demand: Array<{ at: number; amounts: Amounts }>;
}

function fits(request: Amounts, node: SimNode, shape: Amounts): boolean {
  return request.cpu <= shape.cpu - node.requested.cpu + EPSILON && request.memoryBytes <= shape.memoryBytes - node.requested.memoryBytes + EPSILON && request.gpu <= shape.gpu - node.requested.gpu + EPSILON;
}

/** Amounts as the placement core's vector (one pod slot each, no ephemeral storage). */
function vectorOf(of: Amounts): ResourceVector {
  return { cpuMillis: of.cpu * 1000, memoryBytes: of.memoryBytes, gpus: of.gpu, ephemeralBytes: 0, pods: 1 };
}

function fullness(node: SimNode, shape: Amounts): number {
  const share = (used: number, of: number) => (of > 0 ? used / of : 0);
  return Math.max(share(node.requested.cpu, shape.cpu), share(node.requested.memoryBytes, shape.memoryBytes), share(node.requested.gpu, shape.gpu));
}

/**
 * Which of `candidates` (ready nodes with room for the request) the placer puts a subtask on, as
 * an index; -1 when there is none.
 * - Without `endsAt`: the operator's scheduler, its packing term (core/placement utilizationWith:
 *   binpack the node fullest after placing, averaged over the resources asked for; spread the
 *   emptiest); the pool's other terms are the same on every node of it. Ties: the first.
 * - With `endsAt` (the subtask's predicted end; `--placement predicted-end`, an experiment for
 *   predictive pools, not what the operator's scheduler does): a node whose running work is
 *   predicted to outlast the subtask (`endsAt` of the candidate: the latest end of its running
 *   work), the one ending soonest, so the subtask keeps no node alive longer than it would be
 *   anyway; when no running work lasts that long, the scheduler's choice. Ties: the packing term.
 */
export function chooseNode(candidates: ReadonlyArray<{ requested: Amounts; pods: number; endsAt?: number }>, request: Amounts, shape: Amounts, options: { binpack: boolean; endsAt?: number }): number {
  const allocatable = vectorOf(shape);
  const wanted = vectorOf(request);
  const mine = options.endsAt;
  let best = -1;
  let bestKey: [number, number, number] | undefined;
  candidates.forEach((node, index) => {
    const after = utilizationWith(wanted, allocatable, { ...vectorOf(node.requested), pods: node.pods });
    const packing = options.binpack ? after : 1 - after;
    // Higher is better, compared in order: outlasting the subtask (1) or not (0), how soon such a
    // node's work ends after the subtask's, then packing.
    const outlasts = mine !== undefined && node.endsAt !== undefined && node.endsAt >= mine - EPSILON;
    const key: [number, number, number] = outlasts ? [1, -(node.endsAt! - mine!), packing] : [0, 0, packing];
    if (bestKey === undefined || key[0] > bestKey[0] || (key[0] === bestKey[0] && (key[1] > bestKey[1] + EPSILON || (Math.abs(key[1] - bestKey[1]) <= EPSILON && key[2] > bestKey[2] + EPSILON)))) {
      best = index;
      bestKey = key;
    }
  });
  return best;
}

/** Runs one policy over a trace; rows no pool can hold are left out and reported in `skipped`. */
export function simulate(allTasks: readonly TraceTask[], policy: Policy, options: SimulationOptions = {}): SimulationResult {
  let tasks = allTasks;
  const provisionSeconds = options.provisionSeconds ?? 60;
  const placement = options.placement ?? 'scheduler';
  if (!Number.isFinite(provisionSeconds) || provisionSeconds < 0) throw new Error(`provisionSeconds must be a number ≥ 0, got ${provisionSeconds}`);
  const configs = (options.pools ?? defaultPools(policy === 'threshold' ? 'threshold' : 'predictive')).map((config) =>
    policy === 'as-written' ? config : { ...config, state: { ...config.state, scaling: { ...config.state.scaling, predictive: policy === 'predictive' } } },
  );
  const pools: PoolRuntime[] = configs.map((config) => ({
    config,
    nodes: [],
    queue: [],
    queueHead: 0,
    pendingLaunches: 0,
    arrivals: [],
    nodeSeconds: 0,
    peakNodes: 0,
    scaleUps: 0,
    scaleDowns: 0,
    directionChanges: 0,
    launched: 0,
    spent: { launching: 0, idle: 0, busy: 0, used: 0 },
    demand: [],
  }));
  // Each row may go to the pools serving its hardware whose node holds its request; a row no
  // such pool holds can never run: it is left out and counted (SimulationResult.skipped).
  const candidatesOf = tasks.map((task) =>
    pools.flatMap((pool, index) => (pool.config.serves === task.hardware && fitsIn(requestOf(task), pool.config.state.nodeShape) ? [index] : [])),
  );
  const skippedRows = tasks.flatMap((task, index) => (candidatesOf[index]!.length === 0 ? [task] : []));
  const skipped: SkippedRows | undefined =
    skippedRows.length === 0
      ? undefined
      : { rows: skippedRows.length, subtasks: skippedRows.reduce((total, task) => total + task.subtasks, 0), first: { line: skippedRows[0]!.line, reason: whyNoPool(skippedRows[0]!, configs) } };
  tasks = tasks.filter((_, index) => candidatesOf[index]!.length > 0);
  const candidates = candidatesOf.filter((list) => list.length > 0);

  const subtasks: Subtask[] = [];
  const events = new EventQueue();
  const noise = options.predictionNoise ?? 0;
  if (!Number.isFinite(noise) || noise < 0) throw new Error(`predictionNoise must be a number ≥ 0, got ${noise}`);
  const random = seededRandom(20240617);
  const predictionError = () => (noise === 0 ? 1 : Math.exp(noise * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
  const allNodes: SimNode[] = [];
  const nodePool: number[] = [];
  let firstArrival = Number.POSITIVE_INFINITY;
  let lastArrival = 0;
  tasks.forEach((task, index) => {
    events.push(task.arrivalSeconds, Kind.Arrival, index);
    firstArrival = Math.min(firstArrival, task.arrivalSeconds);
    lastArrival = Math.max(lastArrival, task.arrivalSeconds);
  });
  if (tasks.length === 0) firstArrival = 0;
  pools.forEach((_, index) => events.push(0, Kind.Tick, index));
  const totalSubtasks = tasks.reduce((total, task) => total + task.subtasks, 0);
  let arrivedTasks = 0;
  let completed = 0;
  let lastCompletion = firstArrival;
  let waitSum = 0;
  const deadline = lastArrival + (options.maxSecondsAfterLastArrival ?? 7 * 24 * 3600);

  const release = (pool: PoolRuntime, node: SimNode, now: number) => {
    node.removed = true;
    pool.nodeSeconds += now - node.launchedAt;
  };

  /** When the work running on a node is predicted to end, the latest of it; undefined when none runs. */
  const predictedEnd = (node: SimNode): number | undefined => {
    let end: number | undefined;
    for (const id of node.running) end = Math.max(end ?? Number.NEGATIVE_INFINITY, subtasks[id]!.startedAt! + subtasks[id]!.predictedSeconds);
    return end;
  };

  const place = (pool: PoolRuntime, now: number) => {
    const shape = pool.config.state.nodeShape;
    const binpack = pool.config.placementPolicy === 'binpack';
    const byEnd = placement === 'predicted-end' && pool.config.state.scaling.predictive;
    while (pool.queueHead < pool.queue.length) {
      const id = pool.queue[pool.queueHead]!;
      const subtask = subtasks[id]!;
      const ready = pool.nodes.filter((node) => node.readyAt !== undefined && fits(subtask.request, node, shape));
      const candidates = ready.map((node) => ({ requested: node.requested, pods: node.running.size, ...(byEnd ? { endsAt: predictedEnd(node) } : {}) }));
      const at = chooseNode(candidates, subtask.request, shape, { binpack, ...(byEnd ? { endsAt: now + subtask.predictedSeconds } : {}) });
      const best = ready[at];
      if (!best) break;
      pool.queueHead += 1;
      subtask.startedAt = now;
      subtask.node = best;
      waitSum += now - subtask.arrival;
      best.running.add(id);
      best.requested = { cpu: best.requested.cpu + subtask.request.cpu, memoryBytes: best.requested.memoryBytes + subtask.request.memoryBytes, gpu: best.requested.gpu + subtask.request.gpu };
      events.push(now + subtask.seconds, Kind.Finish, id);
    }
    if (pool.queueHead > 4096 && pool.queueHead * 2 > pool.queue.length) {
      pool.queue = pool.queue.slice(pool.queueHead);
      pool.queueHead = 0;
    }
  };

  const stateOf = (pool: PoolRuntime, now: number): PoolState => ({
    ...pool.config.state,
    nodes: pool.nodes.map(
      (node): PoolNodeState => ({
        name: node.name,
        ready: node.readyAt !== undefined,
        allocatable: node.readyAt !== undefined ? { ...pool.config.state.nodeShape } : { cpu: 0, memoryBytes: 0, gpu: 0 },
        requested: { ...node.requested },
        ourPods: node.running.size,
        idleSeconds: node.running.size > 0 ? 0 : Math.max(0, now - node.lastBusyAt),
      }),
    ),
    pendingLaunches: pool.pendingLaunches,
    ...(pool.lastScaleAt !== undefined ? { lastScaleAt: pool.lastScaleAt } : {}),
    ...(pool.lastDirection === 'scale_up' || pool.lastDirection === 'scale_down' ? { lastScaleAction: pool.lastDirection } : {}),
    launchSeconds: provisionSeconds,
  });

  // Among several pools that could run a row, the one the operator would grow for it
  // (choosePool: cheapest per unit of the short resource, with room); else the first.
  const routeOf = (indices: readonly number[], task: TraceTask, now: number): number => {
    if (indices.length === 1) return indices[0]!;
    const request = requestOf(task);
    const states = indices.map((index) => stateOf(pools[index]!, now));
    const chosen = choosePool(states, { subtasks: task.subtasks, total: amountsTimes(request, task.subtasks), largest: request });
    const at = chosen ? states.indexOf(chosen) : 0;
    return indices[at < 0 ? 0 : at]!;
  };

  const pendingOf = (pool: PoolRuntime): PendingWork | undefined => {
    const waiting = pool.queue.length - pool.queueHead;
    if (waiting === 0) return undefined;
    const total = { cpu: 0, memoryBytes: 0, gpu: 0 };
    const largest = { cpu: 0, memoryBytes: 0, gpu: 0 };
    for (let index = pool.queueHead; index < pool.queue.length; index += 1) {
      const request = subtasks[pool.queue[index]!]!.request;
      total.cpu += request.cpu;
      total.memoryBytes += request.memoryBytes;
      total.gpu += request.gpu;
      largest.cpu = Math.max(largest.cpu, request.cpu);
      largest.memoryBytes = Math.max(largest.memoryBytes, request.memoryBytes);
      largest.gpu = Math.max(largest.gpu, request.gpu);
    }
    return { subtasks: waiting, total, largest };
  };

  const predictedOf = (pool: PoolRuntime, now: number): PredictedWork => {
    const work = { cpuSeconds: 0, gpuSeconds: 0, memoryByteSeconds: 0 };
    const running: Array<{ request: Amounts; remainingSeconds: number; node: string }> = [];
    const queued: Array<{ request: Amounts; seconds: number }> = [];
    const add = (subtask: Subtask, seconds: number) => {
      work.cpuSeconds += subtask.request.cpu * seconds;
      work.gpuSeconds += subtask.request.gpu * seconds;
      work.memoryByteSeconds += subtask.request.memoryBytes * seconds;
    };
    for (let index = pool.queueHead; index < pool.queue.length; index += 1) {
      const subtask = subtasks[pool.queue[index]!]!;
      add(subtask, subtask.predictedSeconds);
      queued.push({ request: subtask.request, seconds: subtask.predictedSeconds });
    }
    for (const node of pool.nodes) {
      for (const id of node.running) {
        const subtask = subtasks[id]!;
        const remainingSeconds = Math.max(0, subtask.startedAt! + subtask.predictedSeconds - now);
        add(subtask, remainingSeconds);
        running.push({ request: subtask.request, remainingSeconds, node: node.name });
      }
    }
    // What arrived over the last horizon + scaleDownIdleSeconds, per second: the past, never the
    // future (the window the policy weighs a removal over).
    const { horizonSeconds, scaleDownIdleSeconds } = pool.config.state.scaling;
    const window = Math.max(horizonSeconds + scaleDownIdleSeconds, pool.config.intervalSeconds);
    while (pool.arrivals.length > 0 && pool.arrivals[0]!.at <= now - window) pool.arrivals.shift();
    const arrived = pool.arrivals.reduce((total, arrival) => ({ cpu: total.cpu + arrival.amounts.cpu, memoryBytes: total.memoryBytes + arrival.amounts.memoryBytes, gpu: total.gpu + arrival.amounts.gpu }), { cpu: 0, memoryBytes: 0, gpu: 0 });
    const arrivingPerSecond = amountsTimes(arrived, 1 / window);
    // The size of the recent arrivals: per resource, the most one task asked for within the horizon.
    const largestArrival = { cpu: 0, memoryBytes: 0, gpu: 0 };
    for (const arrival of pool.arrivals) {
      if (arrival.at <= now - horizonSeconds) continue;
      for (const resource of ['cpu', 'memoryBytes', 'gpu'] as const) largestArrival[resource] = Math.max(largestArrival[resource], arrival.amounts[resource]);
    }
    return { ...work, running, queued, arrivingPerSecond, largestArrival };
  };

  const apply = (poolIndex: number, decision: ScalingDecision, now: number) => {
    const pool = pools[poolIndex]!;
    if (decision.action === 'maintain') return;
    if (pool.lastDirection !== undefined && pool.lastDirection !== decision.action) pool.directionChanges += 1;
    pool.lastDirection = decision.action;
    pool.lastScaleAt = now;
    if (decision.action === 'scale_up') {
      pool.scaleUps += 1;
      for (let count = 0; count < decision.count; count += 1) {
        pool.launched += 1;
        const node: SimNode = {
          index: allNodes.length,
          name: `${pool.config.state.name}-${String(pool.launched).padStart(4, '0')}`,
          launchedAt: now,
          removed: false,
          requested: { cpu: 0, memoryBytes: 0, gpu: 0 },
          running: new Set(),
          lastBusyAt: now,
        };
        allNodes.push(node);
        nodePool.push(poolIndex);
        pool.pendingLaunches += 1;
        events.push(now + provisionSeconds, Kind.Ready, node.index);
      }
    } else {
      pool.scaleDowns += 1;
      const names = new Set(decision.nodeNames);
      for (const node of pool.nodes) if (names.has(node.name)) release(pool, node, now);
      pool.nodes = pool.nodes.filter((node) => !node.removed);
    }
    pool.peakNodes = Math.max(pool.peakNodes, pool.nodes.length + pool.pendingLaunches);
  };

  const settled = () =>
    arrivedTasks === tasks.length &&
    completed === totalSubtasks &&
    pools.every((pool) => pool.pendingLaunches === 0 && pool.nodes.length <= pool.config.state.minNodes);

  // Node-seconds spent since `clock`, by what the nodes were doing (PoolSummary.breakdown).
  let clock = 0;
  const account = (until: number) => {
    const span = until - clock;
    clock = until;
    if (span <= 0) return;
    for (const pool of pools) {
      const shape = pool.config.state.nodeShape;
      pool.spent.launching += pool.pendingLaunches * span;
      for (const node of pool.nodes) {
        if (node.running.size === 0) {
          pool.spent.idle += span;
        } else {
          pool.spent.busy += span;
          pool.spent.used += Math.min(1, fullness(node, shape)) * span;
        }
      }
    }
  };

  let now = 0;
  while (events.size > 0) {
    now = events.peek()!.time;
    account(now);
    if (now > deadline) throw new Error(`the work was not done ${deadline - lastArrival} s after the last arrival (${completed} of ${totalSubtasks} subtasks completed)`);
    const ticks: number[] = [];
    while (events.size > 0 && events.peek()!.time === now) {
      const event = events.pop()!;
      switch (event.kind) {
        case Kind.Finish: {
          const subtask = subtasks[event.subject]!;
          const node = subtask.node!;
          node.running.delete(event.subject);
          node.requested = {
            cpu: Math.max(0, node.requested.cpu - subtask.request.cpu),
            memoryBytes: Math.max(0, node.requested.memoryBytes - subtask.request.memoryBytes),
            gpu: Math.max(0, node.requested.gpu - subtask.request.gpu),
          };
          if (node.running.size === 0) node.requested = { cpu: 0, memoryBytes: 0, gpu: 0 };
          node.lastBusyAt = now;
          completed += 1;
          lastCompletion = Math.max(lastCompletion, now);
          break;
        }
        case Kind.Ready: {
          const node = allNodes[event.subject]!;
          const pool = pools[nodePool[event.subject]!]!;
          pool.pendingLaunches -= 1;
          node.readyAt = now;
          node.lastBusyAt = now;
          pool.nodes.push(node);
          break;
        }
        case Kind.Arrival: {
          const task = tasks[event.subject]!;
          const pool = pools[routeOf(candidates[event.subject]!, task, now)]!;
          arrivedTasks += 1;
          pool.arrivals.push({ at: now, amounts: amountsTimes(requestOf(task), task.subtasks) });
          pool.demand.push({ at: now, amounts: amountsTimes(requestOf(task), task.subtasks) }, { at: now + task.secondsPerSubtask, amounts: amountsTimes(requestOf(task), -task.subtasks) });
          for (let count = 0; count < task.subtasks; count += 1) {
            pool.queue.push(subtasks.length);
            subtasks.push({ arrival: now, seconds: task.secondsPerSubtask, predictedSeconds: task.secondsPerSubtask * predictionError(), request: requestOf(task) });
          }
          break;
        }
        case Kind.Tick:
          ticks.push(event.subject);
          break;
      }
    }
    for (const pool of pools) place(pool, now);
    for (const index of ticks) {
      const pool = pools[index]!;
      const state = stateOf(pool, now);
      const pending = pendingOf(pool);
      const predicted = predictedOf(pool, now);
      const decision = decideScaling(state, pending, predicted, now);
      options.onDecision?.({ state, pending, predicted, decision });
      const problems = decisionViolations(state, decision);
      if (problems.length > 0) throw new Error(`pool ${state.name} at ${now} s: ${problems.join('; ')} (${decision.reason})`);
      apply(index, decision, now);
    }
    if (settled()) break;
    for (const index of ticks) events.push(now + pools[index]!.config.intervalSeconds, Kind.Tick, index);
  }
  for (const pool of pools) for (const node of pool.nodes) release(pool, node, now);

  const poolSummaries = pools.map(
    (pool): PoolSummary => ({
      name: pool.config.state.name,
      nodeHours: pool.nodeSeconds / 3600,
      cost: (pool.nodeSeconds / 3600) * pool.config.state.costPerNodeHour,
      breakdown: hoursOf(pool.spent),
      lowerBoundNodeHours: lowerBoundNodeSeconds(pool.demand, pool.config.state.nodeShape, provisionSeconds) / 3600,
      peakNodes: pool.peakNodes,
      scaleUps: pool.scaleUps,
      scaleDowns: pool.scaleDowns,
      directionChanges: pool.directionChanges,
    }),
  );
  return {
    policy,
    nodeHours: poolSummaries.reduce((total, pool) => total + pool.nodeHours, 0),
    breakdown: hoursOf(poolSummaries.map((pool) => pool.breakdown).reduce(addBreakdowns, { launching: 0, idle: 0, busy: 0, used: 0 }), 1),
    lowerBoundNodeHours: poolSummaries.reduce((total, pool) => total + pool.lowerBoundNodeHours, 0),
    cost: poolSummaries.reduce((total, pool) => total + pool.cost, 0),
    makespanSeconds: completed > 0 ? lastCompletion - firstArrival : 0,
    meanWaitSeconds: completed > 0 ? waitSum / totalSubtasks : 0,
    directionChanges: poolSummaries.reduce((total, pool) => total + pool.directionChanges, 0),
    subtasks: totalSubtasks,
    endSeconds: now,
    pools: poolSummaries,
    ...(skipped ? { skipped } : {}),
  };
}

function addBreakdowns(a: NodeHoursBreakdown, b: NodeHoursBreakdown): NodeHoursBreakdown {
  return { launching: a.launching + b.launching, idle: a.idle + b.idle, busy: a.busy + b.busy, used: a.used + b.used };
}

/** Node-seconds (or already hours, with `per` 1) as node-hours. */
function hoursOf(spent: NodeHoursBreakdown, per = 3600): NodeHoursBreakdown {
  return { launching: spent.launching / per, idle: spent.idle / per, busy: spent.busy / per, used: spent.used / per };
}

/**
 * PoolSummary.lowerBoundNodeHours, in node-seconds: over time, the nodes that the requests of the
 * subtasks started on arrival fill if divisible (most of cpu, memory, GPU ÷ a node's, rounded
 * up), plus a launch for each node of the highest count.
 */
export function lowerBoundNodeSeconds(demand: ReadonlyArray<{ at: number; amounts: Amounts }>, shape: Amounts, provisionSeconds: number): number {
  const changes = [...demand].sort((a, b) => a.at - b.at);
  const held = { cpu: 0, memoryBytes: 0, gpu: 0 };
  const nodes = () => {
    let most = 0;
    for (const resource of ['cpu', 'memoryBytes', 'gpu'] as const) if (shape[resource] > 0) most = Math.max(most, held[resource] / shape[resource]);
    return Math.ceil(most - 1e-6);
  };
  let seconds = 0;
  let peak = 0;
  for (let index = 0; index < changes.length; index += 1) {
    const change = changes[index]!;
    held.cpu += change.amounts.cpu;
    held.memoryBytes += change.amounts.memoryBytes;
    held.gpu += change.amounts.gpu;
    const next = changes[index + 1];
    if (next === undefined || next.at === change.at) continue;
    const count = nodes();
    peak = Math.max(peak, count);
    seconds += count * (next.at - change.at);
  }
  return seconds + peak * provisionSeconds;
}

/** Both policies over the same trace and pools, predictive first. */
export function simulateAll(tasks: readonly TraceTask[], options: SimulationOptions = {}): SimulationResult[] {
  return POLICIES.map((policy) => simulate(tasks, policy, options));
}

/** The figures compared across policies, rounded for reading: exactly these names. */
export interface PolicyFigures {
  policy: Policy;
  nodeHours: number;
  cost: number;
  makespanSeconds: number;
  meanWaitSeconds: number;
  directionChanges: number;
}

export function figuresOf(result: SimulationResult): PolicyFigures {
  return {
    policy: result.policy,
    nodeHours: Number(result.nodeHours.toFixed(3)),
    cost: Number(result.cost.toFixed(2)),
    makespanSeconds: Number(result.makespanSeconds.toFixed(1)),
    meanWaitSeconds: Number(result.meanWaitSeconds.toFixed(1)),
    directionChanges: result.directionChanges,
  };
}
