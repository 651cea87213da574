// The autoscaler's policy: one pool's state, its pending and predicted work → a ScalingDecision
// (pure, deterministic: no clock, no I/O; `now` is passed in).
//
// Two policies, chosen by spec.scaling.predictive:
//
// - threshold (predictive: false), the algorithm of the system this operator replaces, kept as
//   the baseline: utilization is the highest of cpu, memory and gpu requested over allocatable on
//   the ready nodes. Above scaleUpThreshold, or with any pending work, the pool grows until the
//   requested plus pending resources would sit at targetUtilization; below scaleDownThreshold it
//   shrinks toward targetUtilization by removing nodes without pods of ours. Every action starts
//   a cooldown during which nothing else happens.
//
// - predictive (predictive: true): sizes the pool for the work rather than for the moment. When
//   the caller says when each running subtask ends and how long each queued one takes
//   (predicted.running/queued; the WorkerPool controller and the simulator do), see
//   detailedDecision: pending work gets the fewest nodes with which every queued subtask starts
//   by the time a new node would be ready (launchSeconds), at once, even in cooldown, counting
//   where running work frees room node by node (queuedStarts); the pool grows ahead when what
//   arrives at the recent rate within a launch would find no room; and it shrinks, by idle nodes
//   at once, keeping what runs plus what arrives within a launch. Hysteresis guards reversals
//   only: the first removal after a scale-up waits for the cooldown and for utilization below
//   scaleDownThreshold (a busy pool keeps its idle nodes, since removing one is what the next
//   arrival of heavy-tailed work reverses), growing ahead after a scale-down waits for the
//   cooldown; removals that continue a scale-down wait for neither. Told the size of the recent
//   arrivals (predicted.largestArrival), the pool is busy by what will still run a launch from
//   now, and that first removal also keeps room for the largest recent task. With the totals only, the work known now (running
//   and pending) could use at most `requested + pending` at once; the predictor says how many
//   resource-seconds it amounts to over the horizon, and the pool is sized for targetUtilization
//   over the time the capacity is billed: the horizon plus the scaleDownIdleSeconds a node must
//   then sit idle before it may go (see predictiveNeed), never beyond what the work can use at
//   once; it shrinks only by nodes idle for scaleDownIdleSeconds, never while pending work
//   waits, never within the cooldown, never below the capacity the predicted work wants, and
//   never below what runs now plus what arrives at the recent rate over horizonSeconds +
//   scaleDownIdleSeconds (removalFloor).
//
// Both: a static pool is never scaled; nodes never exceed maxNodes nor cost above
// maxCostPerHour (counting nodes still draining and launches not yet registered, all of which
// are billed); minNodes counts the nodes that stay (not draining) plus launches; a node with pods
// of ours is never removed; pending work whose largest request exceeds a new node is reported,
// not scaled for.
import { formatBytes } from '../placement/quantity.js';
import type { Amounts, PendingWork, PoolNodeState, PoolState, PredictedWork, ScalingDecision } from './types.js';

const RESOURCES = ['cpu', 'memoryBytes', 'gpu'] as const;
/** One of the resources scaling weighs. */
export type ScalingResource = (typeof RESOURCES)[number];
type Resource = ScalingResource;
const EPSILON = 1e-9;
const ZERO_AMOUNTS: Readonly<Amounts> = Object.freeze({ cpu: 0, memoryBytes: 0, gpu: 0 });

// ---------------------------------------------------------------------------------------------
// Small arithmetic over Amounts.

function amounts(of: (resource: Resource) => number): Amounts {
  return { cpu: of('cpu'), memoryBytes: of('memoryBytes'), gpu: of('gpu') };
}

function sum(list: Iterable<Readonly<Amounts>>): Amounts {
  const total = { ...ZERO_AMOUNTS };
  for (const item of list) for (const resource of RESOURCES) total[resource] += item[resource];
  return total;
}

/** Whether `request` fits in `capacity` on every resource. */
export function fitsIn(request: Readonly<Amounts>, capacity: Readonly<Amounts>): boolean {
  return RESOURCES.every((resource) => request[resource] <= capacity[resource] + EPSILON);
}

/** "cpu 2.5, memory 4Gi, gpu 1", leaving out what is zero; "nothing" when all are. */
export function describeAmounts(of: Partial<Amounts>): string {
  const parts: string[] = [];
  if ((of.cpu ?? 0) > 0) parts.push(`cpu ${round(of.cpu!, 2)}`);
  if ((of.memoryBytes ?? 0) > 0) parts.push(`memory ${formatBytes(of.memoryBytes!)}`);
  if ((of.gpu ?? 0) > 0) parts.push(`gpu ${round(of.gpu!, 2)}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

// ---------------------------------------------------------------------------------------------
// What the pool is made of.

/** Nodes that stay: not draining. Draining nodes are on their way out and take no new work. */
function stayingNodes(pool: PoolState): PoolNodeState[] {
  return pool.nodes.filter((node) => node.draining !== true);
}

/** Nodes billed now or soon: every node (draining ones too) and every launch under way. */
export function billedNodeCount(pool: PoolState): number {
  return pool.nodes.length + pool.pendingLaunches;
}

/** Nodes the pool will have once draining finishes and launches register: what minNodes counts. */
export function stayingNodeCount(pool: PoolState): number {
  return stayingNodes(pool).length + pool.pendingLaunches;
}

/** The most nodes the pool may bill at once: maxNodes, and maxCostPerHour ÷ costPerNodeHour. */
export function nodeLimit(pool: PoolState): number {
  const byCost = pool.maxCostPerHour !== undefined && pool.costPerNodeHour > 0 ? Math.floor(pool.maxCostPerHour / pool.costPerNodeHour + EPSILON) : Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(pool.maxNodes, byCost));
}

/**
 * Requested over allocatable on the ready nodes that stay, per resource and the highest of them;
 * undefined when there is no such node. A resource the nodes do not offer counts 0.
 */
export function poolUtilization(pool: PoolState): (Amounts & { max: number }) | undefined {
  const ready = stayingNodes(pool).filter((node) => node.ready);
  if (ready.length === 0) return undefined;
  const allocatable = sum(ready.map((node) => node.allocatable));
  const requested = sum(ready.map((node) => node.requested));
  const share = amounts((resource) => (allocatable[resource] > 0 ? requested[resource] / allocatable[resource] : 0));
  return { ...share, max: Math.max(share.cpu, share.memoryBytes, share.gpu) };
}

/** Resources requested on the nodes that stay (pods on draining nodes leave with them). */
function requestedOnStaying(pool: PoolState): Amounts {
  return sum(stayingNodes(pool).map((node) => node.requested));
}

/** What a node offers, or will: its allocatable once reported, else one new node's shape. */
function nodeCapacity(pool: PoolState, node: PoolNodeState): Amounts {
  return RESOURCES.some((resource) => node.allocatable[resource] > 0) ? node.allocatable : pool.nodeShape;
}

/** Capacity of the nodes that stay, ready or joining, plus the launches under way. */
function comingCapacity(pool: PoolState): Amounts {
  const nodes = sum(stayingNodes(pool).map((node) => nodeCapacity(pool, node)));
  return amounts((resource) => nodes[resource] + pool.pendingLaunches * pool.nodeShape[resource]);
}

/** New nodes of the pool's shape that bring `capacity` up to `wanted` on every resource. */
function nodesToReach(pool: PoolState, wanted: Readonly<Amounts>, capacity: Readonly<Amounts>): number {
  let count = 0;
  for (const resource of RESOURCES) {
    const deficit = wanted[resource] - capacity[resource];
    if (deficit <= EPSILON || pool.nodeShape[resource] <= 0) continue;
    count = Math.max(count, Math.ceil(deficit / pool.nodeShape[resource] - EPSILON));
  }
  return count;
}

/** Whether any pending work exists that one new node of this pool could run. */
export function pendingHelpable(pool: PoolState, pending: PendingWork | undefined): boolean {
  return pending !== undefined && pending.subtasks > 0 && fitsIn(pending.largest, pool.nodeShape);
}

function unhelpableNote(pool: PoolState, pending: PendingWork | undefined): string | undefined {
  if (pending === undefined || pending.subtasks <= 0 || fitsIn(pending.largest, pool.nodeShape)) return undefined;
  const over = RESOURCES.filter((resource) => pending.largest[resource] > pool.nodeShape[resource] + EPSILON);
  const asked = describeAmounts(amounts((resource) => (over.includes(resource) ? pending.largest[resource] : 0)));
  const offered = over.map((resource) => describeAmounts({ [resource]: pool.nodeShape[resource] }).replace(/^nothing$/, `no ${resource === 'memoryBytes' ? 'memory' : resource}`));
  return `${plural(pending.subtasks, 'pending subtask')} cannot be helped by this pool: the largest request (${asked}) exceeds a new node's (${offered.join(', ') || 'nothing'}), so the pool does not scale for it`;
}

/**
 * Nodes that may be removed, best first: staying nodes without pods of ours (and, when
 * `minIdleSeconds` is given, idle at least that long), not-ready ones first (they serve nothing),
 * then the longest idle, the least requested (pods not ours), and by name.
 */
function removable(pool: PoolState, minIdleSeconds: number | undefined, readyOnly: boolean): PoolNodeState[] {
  const requestedShare = (node: PoolNodeState) => Math.max(...RESOURCES.map((resource) => (node.allocatable[resource] > 0 ? node.requested[resource] / node.allocatable[resource] : 0)));
  return stayingNodes(pool)
    .filter((node) => node.ourPods === 0 && (!readyOnly || node.ready) && (minIdleSeconds === undefined || node.idleSeconds >= minIdleSeconds))
    .sort(
      (a, b) =>
        Number(a.ready) - Number(b.ready) ||
        b.idleSeconds - a.idleSeconds ||
        requestedShare(a) - requestedShare(b) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
}

/**
 * Takes candidates in order while the remaining capacity still covers `keep` on every resource
 * and the pool keeps minNodes; at most `most` of them.
 */
function pickRemovals(pool: PoolState, candidates: readonly PoolNodeState[], keep: Readonly<Amounts>, most: number): PoolNodeState[] {
  const chosen: PoolNodeState[] = [];
  const capacity = comingCapacity(pool);
  let staying = stayingNodeCount(pool);
  for (const node of candidates) {
    if (chosen.length >= most || staying - 1 < pool.minNodes) break;
    const left = amounts((resource) => capacity[resource] - nodeCapacity(pool, node)[resource]);
    if (!fitsIn(keep, left)) continue;
    chosen.push(node);
    for (const resource of RESOURCES) capacity[resource] = left[resource];
    staying -= 1;
  }
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// Decisions.

interface Context {
  pool: PoolState;
  now: number;
  predictedDemand: ScalingDecision['predictedDemand'];
}

function decision(context: Context, action: ScalingDecision['action'], reason: string, count = 0, nodeNames: string[] = []): ScalingDecision {
  const { pool } = context;
  return {
    action,
    reason,
    count,
    nodeNames,
    requirements: action === 'scale_up' ? { ...pool.nodeShape, ...(pool.gpuProduct ? { gpuProduct: pool.gpuProduct } : {}) } : {},
    workerType: pool.hardware,
    provider: pool.provider,
    predictedDemand: context.predictedDemand,
    time: context.now,
  };
}

function withNote(reason: string, note: string | undefined): string {
  return note ? `${reason}; ${note}` : reason;
}

function limitWords(pool: PoolState, limit: number): string {
  const byCost = pool.maxCostPerHour !== undefined && pool.costPerNodeHour > 0 && limit < pool.maxNodes;
  return byCost ? `maxCostPerHour ${pool.maxCostPerHour} allows ${plural(limit, 'node')} at ${pool.costPerNodeHour}/h` : `maxNodes ${pool.maxNodes}`;
}

/** Up to `wanted` new nodes within the limit, or maintain at the limit; `why` starts the reason. */
function grow(context: Context, wanted: number, why: string, sizing: string, note: string | undefined): ScalingDecision {
  const { pool } = context;
  const limit = nodeLimit(pool);
  const room = Math.max(0, limit - billedNodeCount(pool));
  const count = Math.min(wanted, room);
  if (count <= 0) {
    return decision(context, 'maintain', withNote(`${why}, but the pool is at its limit: ${plural(billedNodeCount(pool), 'node')}, ${limitWords(pool, limit)}`, note));
  }
  const capped = count < wanted ? ` (${wanted} wanted; ${limitWords(pool, limit)})` : '';
  return decision(context, 'scale_up', withNote(`${why}: adding ${plural(count, 'node')} of ${describeAmounts(pool.nodeShape)}${sizing}${capped}`, note), count);
}

function cooldownLeft(pool: PoolState, now: number): number {
  if (pool.lastScaleAt === undefined) return 0;
  return Math.max(0, pool.scaling.cooldownSeconds - (now - pool.lastScaleAt));
}

/** Bounds first, whatever the policy or cooldown: below minNodes, or above maxNodes or the cost cap. */
function boundsDecision(context: Context, note: string | undefined): ScalingDecision | undefined {
  const { pool } = context;
  const staying = stayingNodeCount(pool);
  if (staying < pool.minNodes) {
    const room = nodeLimit(pool) - billedNodeCount(pool);
    if (room > 0) return grow(context, pool.minNodes - staying, `${plural(staying, 'node')} (counting launches) is below minNodes ${pool.minNodes}`, '', note);
  }
  const limit = nodeLimit(pool);
  if (staying > limit) {
    const chosen = pickRemovals(pool, removable(pool, undefined, false), ZERO_AMOUNTS, staying - limit);
    if (chosen.length > 0) {
      return decision(
        context,
        'scale_down',
        withNote(`${plural(staying, 'node')} exceed the limit (${limitWords(pool, limit)}): removing ${plural(chosen.length, 'node')} without pods of ours (${chosen.map((node) => node.name).join(', ')})`, note),
        chosen.length,
        chosen.map((node) => node.name),
      );
    }
  }
  return undefined;
}

function thresholdDecision(pool: PoolState, pending: PendingWork | undefined, now: number): ScalingDecision {
  const helpable = pendingHelpable(pool, pending);
  const note = unhelpableNote(pool, pending);
  const requested = requestedOnStaying(pool);
  const demand = helpable ? amounts((resource) => requested[resource] + pending!.total[resource]) : requested;
  const context: Context = { pool, now, predictedDemand: { ...demand, ...(pending ? { subtasks: pending.subtasks } : {}) } };
  const bounds = boundsDecision(context, note);
  if (bounds) return bounds;
  const waiting = cooldownLeft(pool, now);
  if (waiting > 0) return decision(context, 'maintain', withNote(`cooldown: ${round(waiting, 0)} s left of ${pool.scaling.cooldownSeconds} s after the last action`, note));

  const utilization = poolUtilization(pool);
  const target = Math.max(pool.scaling.targetUtilization, EPSILON);
  const capacity = comingCapacity(pool);
  const wanted = amounts((resource) => demand[resource] / target);
  const utilizationWords = utilization ? `utilization ${round(utilization.max, 2)}` : 'no ready nodes';
  if (helpable || (utilization !== undefined && utilization.max > pool.scaling.scaleUpThreshold)) {
    let count = nodesToReach(pool, wanted, capacity);
    const coming = pool.pendingLaunches + stayingNodes(pool).filter((node) => !node.ready).length;
    // Pending work that the free pieces of capacity cannot hold still needs a node.
    if (helpable && count === 0 && coming === 0) count = 1;
    const why = helpable
      ? `${plural(pending!.subtasks, 'pending subtask')} need ${describeAmounts(pending!.total)}; ${utilizationWords}`
      : `${utilizationWords} > ${pool.scaling.scaleUpThreshold}`;
    if (count === 0) return decision(context, 'maintain', withNote(`${why}; ${plural(coming, 'node')} already coming cover it`, note));
    return grow(context, count, why, `, for utilization ${pool.scaling.targetUtilization}`, note);
  }
  if (utilization !== undefined && utilization.max < pool.scaling.scaleDownThreshold) {
    const chosen = pickRemovals(pool, removable(pool, undefined, true), wanted, Number.POSITIVE_INFINITY);
    if (chosen.length > 0) {
      return decision(
        context,
        'scale_down',
        withNote(`${utilizationWords} < ${pool.scaling.scaleDownThreshold}: removing ${plural(chosen.length, 'node')} without pods of ours (${chosen.map((node) => node.name).join(', ')}), toward utilization ${pool.scaling.targetUtilization}`, note),
        chosen.length,
        chosen.map((node) => node.name),
      );
    }
    return decision(context, 'maintain', withNote(`${utilizationWords} < ${pool.scaling.scaleDownThreshold}, but no node can go (pods of ours, minNodes ${pool.minNodes}, or needed for utilization ${pool.scaling.targetUtilization})`, note));
  }
  return decision(context, 'maintain', withNote(utilization ? `${utilizationWords} within ${pool.scaling.scaleDownThreshold}–${pool.scaling.scaleUpThreshold}` : 'no ready nodes and no pending work', note));
}

/**
 * The predictive policy's view of the work, per resource:
 * - `ceiling`: the most the work can use at once: what runs plus what is pending (or
 *   predicted.concurrency, when the predictor expects more).
 * - `need`: what finishing the predicted work within the horizon takes on average, predicted
 *   resource-seconds ÷ horizonSeconds, at most the ceiling (the ceiling itself without a
 *   prediction).
 * - `wanted`: the capacity to have, at targetUtilization over the time that capacity is billed.
 *   Capacity sized for the horizon is billed for the horizon and then, by the scale-down rule, for
 *   at least scaleDownIdleSeconds more before it can go; so the predicted work is spread over
 *   horizonSeconds + scaleDownIdleSeconds: wanted = predicted ÷ ((horizon + idle) × target),
 *   at most the ceiling (capacity beyond what the work can use at once serves nothing). With
 *   scaleDownIdleSeconds 0 this is need ÷ targetUtilization.
 *
 * What runs now is no floor of `need`: its remaining resource-seconds are part of the prediction,
 * and the capacity it holds is there already (and never removed). Flooring at the requested
 * resources would size each evaluation for `requested ÷ targetUtilization`, which grows as new
 * nodes fill: a ratchet to the size of the whole queue rather than of the work.
 */
export function predictiveNeed(pool: PoolState, pending: PendingWork | undefined, predicted: PredictedWork | undefined): { ceiling: Amounts; need: Amounts; wanted: Amounts } {
  const requested = requestedOnStaying(pool);
  const helpable = pendingHelpable(pool, pending);
  const concurrency = predicted?.concurrency ?? {};
  const ceiling = amounts((resource) => Math.max(requested[resource] + (helpable ? pending!.total[resource] : 0), concurrency[resource] ?? 0));
  const horizon = pool.scaling.horizonSeconds;
  if (!predicted || horizon <= 0) return { ceiling, need: ceiling, wanted: ceiling };
  const work: Amounts = { cpu: predicted.cpuSeconds, memoryBytes: predicted.memoryByteSeconds, gpu: predicted.gpuSeconds };
  const billed = (horizon + pool.scaling.scaleDownIdleSeconds) * Math.max(pool.scaling.targetUtilization, EPSILON);
  return {
    ceiling,
    need: amounts((resource) => Math.min(ceiling[resource], Math.max(0, work[resource]) / horizon)),
    wanted: amounts((resource) => Math.min(ceiling[resource], Math.max(0, work[resource]) / billed)),
  };
}

/**
 * When each queued subtask would start on the capacity there and coming, in seconds from now,
 * given when the running ones end: in queue order, as pods are bound, each on the fullest node
 * with room once enough has freed there (nodes are packed one by one, so a request that fits in
 * the free room of the pool summed but on no single node waits). A running subtask frees its
 * request on its node (one whose node is not given frees it on a node of its own, as if it were
 * one); one on a draining node frees nothing that stays. Nodes joining (not ready, or launched)
 * count from `leadSeconds`, each empty. Infinity for a subtask that would never start on this
 * capacity.
 */
export function queuedStarts(
  pool: PoolState,
  running: NonNullable<PredictedWork['running']>,
  queued: NonNullable<PredictedWork['queued']>,
  leadSeconds: number,
): number[] {
  const staying = stayingNodes(pool);
  const leaving = new Set(pool.nodes.filter((node) => node.draining === true).map((node) => node.name));
  // Free room per node available now, with how full the node is (the placer picks the fullest).
  const share = (room: Amounts) => {
    let most = 0;
    for (const resource of RESOURCES) if (pool.nodeShape[resource] > 0) most = Math.max(most, 1 - room[resource] / pool.nodeShape[resource]);
    return most;
  };
  interface Bin {
    name: string;
    room: Amounts;
    fullness: number;
  }
  const bins = new Map<string, Bin>();
  for (const node of staying) {
    if (!node.ready) continue;
    const room = amounts((resource) => Math.max(0, node.allocatable[resource] - node.requested[resource]));
    bins.set(node.name, { name: node.name, room, fullness: share(room) });
  }
  // Room that frees later, on which node: a heap, soonest first.
  const frees = new MinHeap<{ at: number; node: string; amounts: Amounts }>((item) => item.at);
  running.forEach((item, index) => {
    if (item.node !== undefined && leaving.has(item.node)) return;
    const node = item.node !== undefined && bins.has(item.node) ? item.node : `running:${index}`;
    frees.push({ at: Math.max(0, item.remainingSeconds), node, amounts: item.request });
  });
  const joining = staying.filter((node) => !node.ready).length + pool.pendingLaunches;
  for (let index = 0; index < joining; index += 1) frees.push({ at: Math.max(0, leadSeconds), node: `joining:${index}`, amounts: { ...pool.nodeShape } });
  const starts: number[] = [];
  let now = 0;
  for (const item of queued) {
    let chosen: Bin | undefined;
    for (;;) {
      chosen = undefined;
      for (const bin of bins.values()) if ((chosen === undefined || bin.fullness > chosen.fullness + EPSILON) && fitsIn(item.request, bin.room)) chosen = bin;
      if (chosen || frees.size === 0) break;
      const next = frees.pop()!;
      now = Math.max(now, next.at);
      const bin = bins.get(next.node) ?? { name: next.node, room: { ...ZERO_AMOUNTS }, fullness: 0 };
      for (const resource of RESOURCES) bin.room[resource] += next.amounts[resource];
      bin.fullness = share(bin.room);
      bins.set(next.node, bin);
    }
    if (!chosen) {
      starts.push(Number.POSITIVE_INFINITY);
      continue;
    }
    starts.push(now);
    for (const resource of RESOURCES) chosen.room[resource] -= item.request[resource];
    chosen.fullness = share(chosen.room);
    // It frees its request on that node when done.
    frees.push({ at: now + Math.max(0, item.seconds), node: chosen.name, amounts: item.request });
  }
  return starts;
}

/** A binary heap, smallest key first (queuedStarts: thousands of subtasks per evaluation). */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly key: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.key(items[parent]!) <= this.key(items[index]!)) break;
      [items[parent], items[index]] = [items[index]!, items[parent]!];
      index = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      let smallest = index;
      if (left < items.length && this.key(items[left]!) < this.key(items[smallest]!)) smallest = left;
      if (left + 1 < items.length && this.key(items[left + 1]!) < this.key(items[smallest]!)) smallest = left + 1;
      if (smallest === index) return top;
      [items[smallest], items[index]] = [items[index]!, items[smallest]!];
      index = smallest;
    }
  }
}

/**
 * New nodes for the queued work that the nodes there and coming would not start within the
 * horizon (0 without per-subtask predictions), and how many subtasks that is.
 */
function nodesForLateWork(pool: PoolState, predicted: PredictedWork | undefined): { count: number; subtasks: number } {
  if (!predicted?.running || !predicted.queued || predicted.queued.length === 0) return { count: 0, subtasks: 0 };
  const lead = pool.launchSeconds ?? 0;
  const starts = queuedStarts(pool, predicted.running, predicted.queued, lead);
  const late = predicted.queued.filter((_, index) => starts[index]! > pool.scaling.horizonSeconds + EPSILON);
  return { count: nodesToReach(pool, sum(late.map((item) => item.request)), ZERO_AMOUNTS), subtasks: late.length };
}

/**
 * The capacity a scale-down must leave: what the predicted work wants (predictiveNeed's `wanted`)
 * and, with an observed arrival rate, what runs now plus what arrives at that rate over
 * horizonSeconds + scaleDownIdleSeconds. A node is worth removing only if no new work needs it
 * before another would be launched and sit idle as long; removing it sooner is the reversal
 * (scale down, then up for the next arrivals) that heavy-tailed traces showed: long subtasks keep
 * the predicted need at what runs now, so every idle node looked unneeded, and each following
 * arrival launched a node again.
 */
export function removalFloor(pool: PoolState, predicted: PredictedWork | undefined, wanted: Readonly<Amounts>): Amounts {
  const rate = predicted?.arrivingPerSecond;
  if (!rate) return { ...wanted };
  const window = pool.scaling.horizonSeconds + pool.scaling.scaleDownIdleSeconds;
  const requested = requestedOnStaying(pool);
  return amounts((resource) => Math.max(wanted[resource], requested[resource] + Math.max(0, rate[resource]) * window));
}

/** Queued subtasks whose start is worked out one by one (queuedStarts) per evaluation. */
const MAX_QUEUED_WORKED_OUT = 2000;

/**
 * The fewest new nodes with which every queued subtask starts by the time a new node would be
 * ready (launchSeconds): a subtask that the nodes there and coming start later than that would
 * start sooner on a node launched now, so it gets one; one they start sooner waits for them,
 * since a launch would not start it any earlier. Counts nodes against `room` (the nodes the limit
 * still allows); `late`: the queued subtasks that start later without new nodes.
 */
export function nodesToStartPromptly(pool: PoolState, running: NonNullable<PredictedWork['running']>, allQueued: NonNullable<PredictedWork['queued']>, room: number): { count: number; late: number } {
  const lead = pool.launchSeconds ?? 0;
  // Beyond the first MAX_QUEUED_WORKED_OUT, subtasks are counted by their requests alone (nodes
  // to hold them all at once, which is what starting them all within a launch takes when a queue
  // is that long), so an evaluation stays within a fraction of a second.
  const queued = allQueued.slice(0, MAX_QUEUED_WORKED_OUT);
  const beyond = allQueued.slice(MAX_QUEUED_WORKED_OUT);
  const forBeyond = nodesToReach(pool, sum(beyond.map((item) => item.request)), ZERO_AMOUNTS);
  const lateWith = (extra: number) => queuedStarts({ ...pool, pendingLaunches: pool.pendingLaunches + extra }, running, queued, lead).filter((start) => start > lead + EPSILON).length;
  const lateFirst = lateWith(0);
  const late = lateFirst + beyond.length;
  const left = room - forBeyond;
  if (late === 0) return { count: 0, late };
  if (left <= 0) return { count: Math.max(0, room), late };
  if (lateFirst === 0) return { count: forBeyond, late };
  if (lateWith(left) > 0) return { count: room, late };
  // Fewer late subtasks with every node added: the fewest that leave none, by bisection.
  let enough = left;
  let short = 0;
  while (enough - short > 1) {
    const middle = (enough + short) >> 1;
    if (lateWith(middle) > 0) short = middle;
    else enough = middle;
  }
  return { count: enough + forBeyond, late };
}

/**
 * Requested over allocatable on the ready nodes that stay, per resource and the highest, as it
 * will be `seconds` from now: less the requests of the running subtasks predicted to end by then.
 * A subtask past its predicted end (0 s remaining) is counted as still running: when it ends is
 * not known. Undefined when no node is ready.
 */
export function utilizationAfter(pool: PoolState, running: NonNullable<PredictedWork['running']>, seconds: number): (Amounts & { max: number }) | undefined {
  const ready = stayingNodes(pool).filter((node) => node.ready);
  if (ready.length === 0) return undefined;
  const names = new Set(ready.map((node) => node.name));
  const allocatable = sum(ready.map((node) => node.allocatable));
  const requested = sum(ready.map((node) => node.requested));
  for (const item of running) {
    if (item.remainingSeconds <= 0 || item.remainingSeconds > seconds || (item.node !== undefined && !names.has(item.node))) continue;
    for (const resource of RESOURCES) requested[resource] = Math.max(0, requested[resource] - item.request[resource]);
  }
  const share = amounts((resource) => (allocatable[resource] > 0 ? requested[resource] / allocatable[resource] : 0));
  return { ...share, max: Math.max(share.cpu, share.memoryBytes, share.gpu) };
}

/**
 * What the recent arrivals will ask for before a node launched now is ready: the arrival rate
 * (predicted.arrivingPerSecond) times launchSeconds, on top of what is requested now. Zero without
 * an arrival rate.
 */
function arrivalsWithinLaunch(pool: PoolState, predicted: PredictedWork | undefined): Amounts {
  const rate = predicted?.arrivingPerSecond ?? ZERO_AMOUNTS;
  const lead = pool.launchSeconds ?? 0;
  return amounts((resource) => Math.max(0, rate[resource]) * lead);
}

/**
 * The predictive policy when the caller says when each running subtask ends and how long each
 * queued one takes (predicted.running and queued; the WorkerPool controller and the simulator
 * do):
 * - pending work gets the fewest nodes with which every queued subtask starts by the time a new
 *   node would be ready (nodesToStartPromptly), at once, even in cooldown;
 * - otherwise, after the cooldown, the pool grows when what is requested plus what arrives at the
 *   recent rate within launchSeconds exceeds the nodes there and coming (arrivals then find room
 *   instead of waiting for a launch), or when the predicted work would pass scaleUpThreshold;
 * - it shrinks by idle nodes without pods of ours (at once, as the threshold policy does), keeping
 *   what is requested plus the arrivals within launchSeconds. The first removal after a scale-up
 *   (a reversal) waits for the cooldown and for utilization below scaleDownThreshold: between
 *   scaleDownThreshold and scaleUpThreshold a pool just grown keeps its nodes, since removing an
 *   idle node of a busy pool is what the next arrival reverses (see docs/autoscaling.md,
 *   "Flapping on heavy-tailed work"). After a scale-down, idle nodes go as they empty, whatever
 *   the utilization and the cooldown: that continues the same shrink.
 * - told the size of the recent arrivals (predicted.largestArrival): the busy rule weighs the
 *   utilization a launch from now (utilizationAfter: work predicted to end by then does not hold
 *   the pool busy), and the first removal after a scale-up keeps, besides what runs, the more of
 *   the arrivals within launchSeconds and the largest task that arrived within horizonSeconds.
 */
function detailedDecision(context: Context, pending: PendingWork | undefined, predicted: PredictedWork, words: { sizing: string; predicted: string; note: string | undefined; need: Amounts }): ScalingDecision {
  const { pool, now } = context;
  const capacity = comingCapacity(pool);
  const { sizing, note, need } = words;
  const lead = pool.launchSeconds ?? 0;
  if (pendingHelpable(pool, pending)) {
    const room = Math.max(0, nodeLimit(pool) - billedNodeCount(pool));
    const prompt = nodesToStartPromptly(pool, predicted.running!, predicted.queued!, room);
    let count = prompt.count;
    // Pending work with no node there or coming gets one, whatever the predictions say; late
    // work at the limit asks for one, so the decision says the pool is at its limit.
    if (count === 0 && (prompt.late > 0 || (stayingNodes(pool).length === 0 && pool.pendingLaunches === 0))) count = 1;
    const why = `${plural(pending!.subtasks, 'pending subtask')} need ${describeAmounts(pending!.total)}${words.predicted}`;
    if (count > 0) {
      const lateWords = prompt.late > 0 ? `; ${plural(prompt.late, 'queued subtask')} would start later than ${lead} s (a new node's launch) on the nodes there and coming` : '';
      return grow(context, count, `${why}${lateWords}`, sizing, note);
    }
    return decision(context, 'maintain', withNote(`${why}; the nodes there and coming (${describeAmounts(capacity)}) start every queued subtask within ${lead} s, as soon as a new node could`, note));
  }
  // The cooldown and the busy rule guard reversals only: growing ahead after a scale-down, and
  // the first removal after a scale-up. Removing more idle nodes after a scale-down continues
  // the same shrink (no reversal), so it waits for neither.
  const shrinking = pool.lastScaleAction === 'scale_down';
  const waiting = cooldownLeft(pool, now);
  const cooldownWords = `cooldown: ${round(waiting, 0)} s left of ${pool.scaling.cooldownSeconds} s after the last action`;
  if (waiting > 0 && !shrinking) return decision(context, 'maintain', withNote(cooldownWords, note));
  const requested = requestedOnStaying(pool);
  const arriving = arrivalsWithinLaunch(pool, predicted);
  const keep = amounts((resource) => requested[resource] + arriving[resource]);
  // Told the size of the recent arrivals, the first removal after a scale-up also keeps room for
  // the largest task that arrived within the horizon: a rate spreads a burst's task thin, and
  // that task arriving again is what reverses the removal.
  const largest = predicted.largestArrival;
  const keepAfterGrowth = largest ? amounts((resource) => requested[resource] + Math.max(arriving[resource], largest[resource])) : keep;
  const ahead = nodesToReach(pool, keep, capacity);
  if (ahead > 0 && waiting <= 0 && RESOURCES.some((resource) => arriving[resource] > EPSILON)) {
    return grow(context, ahead, `what runs plus what arrives at the recent rate within ${lead} s (${describeAmounts(keep)}) exceeds the nodes there and coming (${describeAmounts(capacity)})`, sizing, note);
  }
  const projected = Math.max(...RESOURCES.map((resource) => (capacity[resource] > 0 ? need[resource] / capacity[resource] : need[resource] > EPSILON ? Number.POSITIVE_INFINITY : 0)));
  const forecast = nodesToReach(pool, need, capacity);
  if (forecast > 0 && waiting <= 0 && projected > pool.scaling.scaleUpThreshold) {
    return grow(context, forecast, `the predicted work would use ${round(Math.min(projected, 99), 2)} of the pool${words.predicted}`, sizing, note);
  }
  // Whether the pool is busy: by what is requested now, or, told the size of the recent arrivals,
  // by what will still run once a node launched now would be ready (work ending before then does
  // not hold the pool busy; work past its predicted end is counted, its end unknown).
  const utilization = largest ? utilizationAfter(pool, predicted.running!, lead) : poolUtilization(pool);
  const utilizationWords = utilization ? `utilization ${largest ? `${lead} s from now ` : ''}${round(utilization.max, 2)}` : 'no ready nodes';
  if (!shrinking && utilization !== undefined && utilization.max >= pool.scaling.scaleDownThreshold) {
    return decision(context, 'maintain', withNote(`${utilizationWords} ≥ ${pool.scaling.scaleDownThreshold}: the pool is busy and keeps its nodes for the next arrivals`, note));
  }
  const kept = shrinking ? keep : keepAfterGrowth;
  const chosen = pickRemovals(pool, removable(pool, undefined, true), kept, Number.POSITIVE_INFINITY);
  const whyShrink = shrinking ? 'continuing the last scale-down' : `${utilizationWords} < ${pool.scaling.scaleDownThreshold}`;
  const keptWords = kept === keep ? `what arrives at the recent rate within ${lead} s` : `the more of what arrives at the recent rate within ${lead} s and the largest task that arrived within ${pool.scaling.horizonSeconds} s`;
  if (chosen.length > 0) {
    return decision(
      context,
      'scale_down',
      withNote(
        `${whyShrink}: removing ${plural(chosen.length, 'idle node')} without pods of ours (${chosen.map((node) => node.name).join(', ')}), keeping what runs plus ${keptWords} (${describeAmounts(kept)})`,
        note,
      ),
      chosen.length,
      chosen.map((node) => node.name),
    );
  }
  if (waiting > 0) return decision(context, 'maintain', withNote(cooldownWords, note));
  return decision(context, 'maintain', withNote(`${whyShrink}, but no idle node can go (pods of ours, minNodes ${pool.minNodes}, or kept for what runs plus ${keptWords}: ${describeAmounts(kept)})`, note));
}

function predictiveDecision(pool: PoolState, pending: PendingWork | undefined, predicted: PredictedWork | undefined, now: number): ScalingDecision {
  const helpable = pendingHelpable(pool, pending);
  const note = unhelpableNote(pool, pending);
  const { need, wanted } = predictiveNeed(pool, pending, predicted);
  const context: Context = { pool, now, predictedDemand: { ...need, ...(pending ? { subtasks: pending.subtasks } : {}) } };
  const bounds = boundsDecision(context, note);
  if (bounds) return bounds;

  const capacity = comingCapacity(pool);
  const horizon = pool.scaling.horizonSeconds;
  const sizing =
    predicted && horizon > 0
      ? `, sized for utilization ${pool.scaling.targetUtilization} over the ${horizon} s horizon and the ${pool.scaling.scaleDownIdleSeconds} s a node idles before it can go`
      : `, for the pending work (no prediction)`;
  const predictedWords = predicted && horizon > 0 ? `; the work averages ${describeAmounts(need)} over the next ${horizon} s` : '';
  if (predicted?.running && predicted.queued) return detailedDecision(context, pending, predicted, { sizing: `, so queued work starts within a launch (${pool.launchSeconds ?? 0} s)`, predicted: predictedWords, note, need });
  const waiting = cooldownLeft(pool, now);
  let count = nodesToReach(pool, wanted, capacity);
  // Pending work with no node there or coming gets one, whatever the prediction says (a
  // predictor that does not see queued work must not leave it waiting forever).
  if (helpable && count === 0 && stayingNodes(pool).length === 0 && pool.pendingLaunches === 0) count = 1;
  if (helpable) {
    const late = nodesForLateWork(pool, predicted);
    const lateWords = late.count > count ? `; ${plural(late.subtasks, 'queued subtask')} would not start within ${horizon} s on the nodes there and coming` : '';
    count = Math.max(count, late.count);
    const why = `${plural(pending!.subtasks, 'pending subtask')} need ${describeAmounts(pending!.total)}${predictedWords}${lateWords}`;
    if (count > 0) return grow(context, count, why, sizing, note);
    return decision(context, 'maintain', withNote(`${why}; the nodes there and coming (${describeAmounts(capacity)}) suffice, the rest queues`, note));
  }
  if (waiting > 0) return decision(context, 'maintain', withNote(`cooldown: ${round(waiting, 0)} s left of ${pool.scaling.cooldownSeconds} s after the last action`, note));
  // Without pending work, grow only when the predicted work would push the nodes past the
  // scale-up threshold (work the predictor expects beyond what runs now: predicted.concurrency).
  const projected = Math.max(...RESOURCES.map((resource) => (capacity[resource] > 0 ? need[resource] / capacity[resource] : need[resource] > EPSILON ? Number.POSITIVE_INFINITY : 0)));
  if (count > 0 && projected > pool.scaling.scaleUpThreshold) {
    return grow(context, count, `the predicted work would use ${round(Math.min(projected, 99), 2)} of the pool${predictedWords}`, sizing, note);
  }
  const idleEnough = removable(pool, pool.scaling.scaleDownIdleSeconds, true);
  const floor = removalFloor(pool, predicted, wanted);
  const chosen = pickRemovals(pool, idleEnough, floor, Number.POSITIVE_INFINITY);
  const arrivingWords = predicted?.arrivingPerSecond ? ` or by what runs plus what arrives at the recent rate (${describeAmounts(floor)})` : '';
  if (chosen.length > 0) {
    return decision(
      context,
      'scale_down',
      withNote(
        `${plural(chosen.length, 'node')} idle ≥ ${pool.scaling.scaleDownIdleSeconds} s without pods of ours and not needed by the known or predicted work (${describeAmounts(need)})${arrivingWords}: removing ${chosen.map((node) => node.name).join(', ')}`,
        note,
      ),
      chosen.length,
      chosen.map((node) => node.name),
    );
  }
  const idleWords =
    idleEnough.length > 0
      ? `${plural(idleEnough.length, 'idle node')} kept for the work${predicted?.arrivingPerSecond ? ' and the arrivals expected' : ''} or minNodes ${pool.minNodes}`
      : `no node idle ≥ ${pool.scaling.scaleDownIdleSeconds} s`;
  return decision(context, 'maintain', withNote(`the pool covers the work (${describeAmounts(need)}${predicted && horizon > 0 ? ` on average over ${horizon} s` : ''}); ${idleWords}`, note));
}

/**
 * What the autoscaler does with one pool now: grow, shrink (naming the nodes) or maintain, with a
 * reason. `pending` is the work waiting for a node of this pool's kind; `predicted` the
 * predictor's resource-seconds over the horizon (used by the predictive policy only).
 */
export function decideScaling(pool: PoolState, pending: PendingWork | undefined, predicted: PredictedWork | undefined, now: number): ScalingDecision {
  if (pool.provider === 'static') {
    const context: Context = { pool, now, predictedDemand: pending ? { subtasks: pending.subtasks } : {} };
    return decision(context, 'maintain', 'static pool: its nodes are selected by label, never scaled');
  }
  return pool.scaling.predictive ? predictiveDecision(pool, pending, predicted, now) : thresholdDecision(pool, pending, now);
}

// ---------------------------------------------------------------------------------------------
// Choosing among pools, and checking decisions.

/**
 * The resource the demand is short of: gpu when it asks for GPUs; otherwise cpu or memory,
 * whichever it needs more of relative to what the candidates' nodes offer (ties: cpu).
 */
export function shortResource(pending: PendingWork, candidates: readonly PoolState[]): Resource {
  if (pending.total.gpu > 0 || pending.largest.gpu > 0) return 'gpu';
  const offered = sum(candidates.map((pool) => pool.nodeShape));
  const share = (resource: Resource) => (offered[resource] > 0 ? pending.total[resource] / offered[resource] : pending.total[resource] > 0 ? Number.POSITIVE_INFINITY : 0);
  return share('memoryBytes') > share('cpu') ? 'memoryBytes' : 'cpu';
}

/** $/h for one unit of `resource` on a new node of the pool (e.g. $/GPU-hour); Infinity if none. */
export function unitCost(pool: PoolState, resource: Resource): number {
  return pool.nodeShape[resource] > 0 ? pool.costPerNodeHour / pool.nodeShape[resource] : Number.POSITIVE_INFINITY;
}

/**
 * Among pools that match the demand, the one to grow: only pools that can (not static, a new
 * node holds the largest request, room under maxNodes and the cost cap), the cheapest per unit
 * of the resource the demand is short of ($/GPU-hour for GPU work, $/core-hour for CPU work),
 * ties by name. Undefined when none can.
 */
export function choosePool(candidates: PoolState[], pending: PendingWork): PoolState | undefined {
  const able = candidates.filter((pool) => pool.provider !== 'static' && fitsIn(pending.largest, pool.nodeShape) && billedNodeCount(pool) < nodeLimit(pool));
  if (able.length === 0) return undefined;
  const resource = shortResource(pending, able);
  const priced = able.filter((pool) => Number.isFinite(unitCost(pool, resource)));
  return priced.sort((a, b) => unitCost(a, resource) - unitCost(b, resource) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
}

/**
 * What is wrong with a decision for a pool, as sentences (empty: nothing). Checks the bounds every
 * decision must keep: counts match node names, new nodes stay within maxNodes and
 * maxCostPerHour, removals name distinct staying nodes without pods of ours and keep minNodes,
 * a static pool never scales.
 */
export function decisionViolations(pool: PoolState, decision: ScalingDecision): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(decision.count) || decision.count < 0) problems.push(`count ${decision.count} is not a whole number ≥ 0`);
  if (decision.workerType !== pool.hardware) problems.push(`workerType ${decision.workerType} is not the pool's ${pool.hardware}`);
  if (decision.provider !== pool.provider) problems.push(`provider ${decision.provider} is not the pool's ${pool.provider}`);
  if (decision.reason.trim() === '') problems.push('no reason');
  if (pool.provider === 'static' && decision.action !== 'maintain') problems.push('a static pool is never scaled');
  switch (decision.action) {
    case 'maintain':
      if (decision.count !== 0 || decision.nodeNames.length !== 0) problems.push('maintain names no nodes and counts 0');
      break;
    case 'scale_up': {
      if (decision.count < 1) problems.push('scale_up adds at least one node');
      if (decision.nodeNames.length !== 0) problems.push('scale_up names no nodes (they do not exist yet)');
      const after = billedNodeCount(pool) + decision.count;
      if (after > pool.maxNodes) problems.push(`${after} nodes exceed maxNodes ${pool.maxNodes}`);
      if (pool.maxCostPerHour !== undefined && after * pool.costPerNodeHour > pool.maxCostPerHour + EPSILON) {
        problems.push(`${after} nodes cost ${after * pool.costPerNodeHour}/h, above maxCostPerHour ${pool.maxCostPerHour}`);
      }
      break;
    }
    case 'scale_down': {
      if (decision.count < 1) problems.push('scale_down removes at least one node');
      if (decision.nodeNames.length !== decision.count) problems.push(`count ${decision.count} but ${decision.nodeNames.length} node names`);
      if (new Set(decision.nodeNames).size !== decision.nodeNames.length) problems.push('a node is named twice');
      for (const name of decision.nodeNames) {
        const node = pool.nodes.find((candidate) => candidate.name === name);
        if (!node) problems.push(`${name} is not a node of the pool`);
        else if (node.draining === true) problems.push(`${name} is already draining`);
        else if (node.ourPods > 0) problems.push(`${name} runs ${node.ourPods} pods of ours`);
      }
      if (stayingNodeCount(pool) - decision.count < pool.minNodes) problems.push(`removing ${decision.count} leaves fewer than minNodes ${pool.minNodes}`);
      break;
    }
  }
  return problems;
}

/** Whether the decision keeps every bound (see decisionViolations for what is wrong). */
export function decisionInvariantsHold(pool: PoolState, decision: ScalingDecision): boolean {
  return decisionViolations(pool, decision).length === 0;
}
