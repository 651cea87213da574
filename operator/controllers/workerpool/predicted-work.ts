// What the WorkerPool controller tells the predictive policy about a pool's work (PredictedWork),
// from the subtasks it sees and the predictor: the same facts the simulator gives the policy
// (operator/simulate/simulation.ts), so the policy tuned there runs the same here. A plain
// function of its inputs (no I/O, the time passed in).
import type { V1Node } from '@kubernetes/client-node';
import type { Subtask } from '../../api/subtask.js';
import type { Prediction, PredictionQuery } from '../../core/predict/index.js';
import { parseQuantity } from '../../core/placement/quantity.js';
import { remainingSeconds, type Amounts, type PoolState, type PredictedWork } from '../../core/scaling/index.js';
import type { ProviderInstance } from '../../providers/types.js';
import { isTerminal } from '../subtask/decide.js';
import { LABELS } from '../labels.js';

export interface PredictedWorkInput {
  /** Every subtask the operator sees (terminal ones too: they tell the recent arrival rate). */
  subtasks: readonly Subtask[];
  predictor: { predict(query: PredictionQuery): Prediction };
  pool: PoolState;
  nowMs: number;
  /**
   * Where a subtask's current pod is bound or reserved (the scheduler's ledger). A subtask's
   * status is written late (a first attempt's start not at all, a short-lived placement only with
   * its outcome: controllers/subtask), so a subtask with no phase yet may be waiting or running.
   */
  placedOn?: (subtask: Subtask) => string | undefined;
}

/**
 * A subtask not yet placed whose hardware (class and GPU product) this pool offers: one in Pending
 * with an attempt begun, or one with no phase written yet and no node (`placed` undefined).
 */
export function waitsForPool(pool: PoolState, subtask: Subtask, placed?: string): boolean {
  const phase = subtask.status?.phase;
  const waiting = phase === undefined ? placed === undefined : phase === 'Pending' && !!subtask.status?.attempts;
  if (!waiting) return false;
  const hardware = subtask.spec.hardware;
  const wantsGpu = hardware?.type === 'gpu' || (subtask.spec.resources?.gpu ?? 0) > 0;
  if (wantsGpu !== (pool.hardware === 'gpu')) return false;
  return !hardware?.gpuProduct || hardware.gpuProduct === pool.gpuProduct;
}

function createdMs(subtask: Subtask): number {
  const created = subtask.metadata.creationTimestamp as Date | string | undefined;
  return created === undefined ? Number.NaN : new Date(created).getTime();
}

/** When the attempt running now started (status.startTime is the first attempt's). */
function attemptStart(subtask: Subtask): string | undefined {
  const current = subtask.status?.attemptHistory?.find((attempt) => attempt.attempt === subtask.status?.attempts);
  return current?.startTime ?? subtask.status?.startTime;
}

/**
 * Queue order: oldest first, then by name (the order pods of equal priority are bound in). The
 * creation time comes parsed: parsing it in the comparison cost most of a 10,000-subtask reconcile.
 */
function byArrival(a: { subtask: Subtask; created: number }, b: { subtask: Subtask; created: number }): number {
  const at = (a.created || 0) - (b.created || 0);
  if (at !== 0) return at;
  const [x, y] = [a.subtask.metadata.name ?? '', b.subtask.metadata.name ?? ''];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Predicted work of the pool:
 * - resource-seconds still to do: the remaining time of our subtasks running on the pool's nodes
 *   plus the whole predicted time of those waiting for a node of the pool's kind, each times its
 *   requests (subtasks the predictor knows nothing about, its default tier, count for at least the
 *   whole horizon: remainingSeconds);
 * - `running`: each running subtask's request and predicted remaining seconds;
 * - `queued`: each waiting subtask's request and predicted seconds, oldest first;
 * - `arrivingPerSecond`: the requests of the subtasks created for the pool (waiting for it, or
 *   placed on it) over the last horizonSeconds + scaleDownIdleSeconds, per second.
 */
export function predictedWork({ subtasks, predictor, pool, nowMs, placedOn }: PredictedWorkInput): PredictedWork {
  const nodes = new Set(pool.nodes.map((node) => node.name));
  const work = { cpuSeconds: 0, gpuSeconds: 0, memoryByteSeconds: 0 };
  const running: Array<{ request: Amounts; remainingSeconds: number; node: string }> = [];
  const waiting: Array<{ subtask: Subtask; created: number; request: Amounts; seconds: number }> = [];
  const window = Math.max(1, pool.scaling.horizonSeconds + pool.scaling.scaleDownIdleSeconds);
  const arrived: Amounts = { cpu: 0, memoryBytes: 0, gpu: 0 };
  /** Per task (its uid label), what its subtasks created within the horizon ask for together. */
  const byTask = new Map<string, Amounts>();
  const hardware = { type: pool.hardware === 'gpu' ? ('gpu' as const) : ('cpu' as const) };
  for (const subtask of subtasks) {
    const phase = subtask.status?.phase;
    const placed = phase === undefined ? placedOn?.(subtask) : undefined;
    const nodeName = subtask.status?.nodeName ?? placed;
    const terminal = isTerminal(phase);
    // Pending (a retry keeps the node of its last attempt in status.nodeName): waiting for a node.
    const waits = waitsForPool(pool, subtask, placed);
    const runsHere = !terminal && phase !== 'Pending' && nodeName !== undefined && nodes.has(nodeName);
    const created = createdMs(subtask);
    const recent = Number.isFinite(created) && nowMs - created < window * 1000;
    const ranHere = terminal && recent && ((nodeName !== undefined && nodes.has(nodeName)) || subtask.status?.workerPool === pool.name);
    if (!waits && !runsHere && !ranHere) continue;
    const prediction = predictor.predict({ taskType: subtask.spec.taskType, params: subtask.spec.params ?? {}, hardware });
    const resources = subtask.spec.resources;
    const request: Amounts = {
      cpu: resources?.cpu !== undefined ? parseQuantity(resources.cpu) : prediction.cpu,
      memoryBytes: resources?.memory !== undefined ? parseQuantity(resources.memory) : prediction.memoryBytes,
      gpu: resources?.gpu ?? 0,
    };
    if (recent) for (const resource of ['cpu', 'memoryBytes', 'gpu'] as const) arrived[resource] += request[resource];
    if (Number.isFinite(created) && nowMs - created < pool.scaling.horizonSeconds * 1000) {
      const task = subtask.metadata.labels?.[LABELS.taskUid] ?? subtask.metadata.name ?? '';
      const total = byTask.get(task) ?? { cpu: 0, memoryBytes: 0, gpu: 0 };
      for (const resource of ['cpu', 'memoryBytes', 'gpu'] as const) total[resource] += request[resource];
      byTask.set(task, total);
    }
    if (ranHere) continue;
    const started = runsHere ? attemptStart(subtask) : undefined;
    const elapsed = started !== undefined ? Math.max(0, (nowMs - Date.parse(started)) / 1000) : 0;
    const seconds = remainingSeconds(prediction, elapsed, pool.scaling.horizonSeconds);
    work.cpuSeconds += request.cpu * seconds;
    work.memoryByteSeconds += request.memoryBytes * seconds;
    work.gpuSeconds += request.gpu * seconds;
    if (runsHere) running.push({ request, remainingSeconds: seconds, node: nodeName! });
    else waiting.push({ subtask, created, request, seconds });
  }
  const queued = waiting.sort(byArrival).map(({ request, seconds }) => ({ request, seconds }));
  const arrivingPerSecond: Amounts = { cpu: arrived.cpu / window, memoryBytes: arrived.memoryBytes / window, gpu: arrived.gpu / window };
  const largestArrival: Amounts = { cpu: 0, memoryBytes: 0, gpu: 0 };
  for (const total of byTask.values()) for (const resource of ['cpu', 'memoryBytes', 'gpu'] as const) largestArrival[resource] = Math.max(largestArrival[resource], total[resource]);
  return { ...work, running, queued, arrivingPerSecond, largestArrival };
}

function timeMs(value: Date | string | undefined): number {
  return value === undefined ? Number.NaN : new Date(value).getTime();
}

/**
 * Seconds the pool's launched instances took to become Ready nodes, as observed: the median over
 * instances whose node has joined, from the instance's launch to the node's Ready transition.
 * Undefined when none has been seen (the policy then counts joining nodes as there).
 */
export function observedLaunchSeconds(instances: readonly ProviderInstance[] | undefined, nodes: readonly V1Node[]): number | undefined {
  const byName = new Map(nodes.map((node) => [node.metadata?.name, node]));
  const seconds: number[] = [];
  for (const instance of instances ?? []) {
    const node = instance.nodeName !== undefined ? byName.get(instance.nodeName) : undefined;
    const ready = node?.status?.conditions?.find((condition) => condition.type === 'Ready' && condition.status === 'True');
    const took = (timeMs(ready?.lastTransitionTime as Date | string | undefined) - timeMs(instance.launchedAt)) / 1000;
    if (Number.isFinite(took) && took >= 0) seconds.push(took);
  }
  if (seconds.length === 0) return undefined;
  seconds.sort((a, b) => a - b);
  return seconds[Math.floor((seconds.length - 1) / 2)];
}
