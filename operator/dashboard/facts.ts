// Gathers the dashboard's facts from the operator's caches and the placement ledger: no API calls,
// so any replica, leader or not, can serve the page from what it already watches.
import type { OrchestratedTask } from '../api/orchestratedtask.js';
import type { Subtask } from '../api/subtask.js';
import { providerOf, type WorkerPool } from '../api/workerpool.js';
import type { DashboardHistory, PoolPoint } from '../core/dashboard/history.js';
import type { DashboardFacts, PoolFacts, TaskFacts, UsageFacts } from '../core/dashboard/snapshot.js';
import type { PlacementLedger } from '../core/placement/ledger.js';
import { parseQuantity, quantityOr } from '../core/placement/quantity.js';

export interface FactSources {
  ledger: PlacementLedger;
  pools(): Iterable<WorkerPool>;
  tasks(): Iterable<OrchestratedTask>;
  subtasks(): Iterable<Subtask>;
  history: DashboardHistory;
}

/** A timestamp as ISO text; anything unparsable is left out rather than shown wrong. */
function iso(value: unknown): string | undefined {
  if (!(value instanceof Date) && typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Milliseconds since the epoch of a timestamp, NaN if there is none (cheap: once per subtask per tick). */
function millisOf(value: unknown): number {
  return value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

/**
 * The cache holds what the API server accepted, which for an object stored before a field became
 * required (or defaulted) can lack it: every spec field is read as possibly absent.
 */
type StoredSpec<T> = { [K in keyof T]?: T[K] | undefined };

export function poolFacts(pool: WorkerPool): PoolFacts {
  const status = pool.status;
  const spec: StoredSpec<WorkerPool['spec']> = pool.spec ?? {};
  return {
    name: pool.metadata.name!,
    provider: status?.provider ?? (spec.provider ? providerOf(spec.provider) : undefined) ?? 'unknown',
    hardware: spec.hardware?.type ?? 'unknown',
    minNodes: spec.minNodes ?? 0,
    maxNodes: spec.maxNodes ?? 0,
    nodes: status?.nodes ?? 0,
    readyNodes: status?.readyNodes ?? 0,
    ...(status?.desiredNodes !== undefined ? { desiredNodes: status.desiredNodes } : {}),
    costPerHour: status?.costPerHour ?? 0,
    ...(spec.costPerNodeHour !== undefined ? { costPerNodeHour: spec.costPerNodeHour } : {}),
    decisions: (status?.decisions ?? []).map((decision) => ({
      action: decision.action,
      ...(decision.count !== undefined ? { count: decision.count } : {}),
      ...(decision.reason ? { reason: decision.reason } : {}),
      ...(iso(decision.time) ? { time: iso(decision.time)! } : {}),
      ...(decision.nodeNames ? { nodeNames: [...decision.nodeNames] } : {}),
    })),
  };
}

export function taskFacts(task: OrchestratedTask): TaskFacts {
  const counts = task.status?.subtasks;
  const creationTime = iso(task.metadata.creationTimestamp);
  const startTime = iso(task.status?.startTime);
  const completionTime = iso(task.status?.completionTime);
  return {
    namespace: task.metadata.namespace ?? '',
    name: task.metadata.name ?? '',
    strategy: (task.spec as StoredSpec<OrchestratedTask['spec']> | undefined)?.strategy ?? 'unknown',
    phase: task.status?.phase ?? 'Pending',
    total: counts?.total ?? 0,
    completed: counts?.completed ?? 0,
    failed: counts?.failed ?? 0,
    cancelled: counts?.cancelled ?? 0,
    running: counts?.running ?? 0,
    assigned: counts?.assigned ?? 0,
    pending: counts?.pending ?? 0,
    ...(creationTime ? { creationTime } : {}),
    ...(startTime ? { startTime } : {}),
    ...(completionTime ? { completionTime } : {}),
  };
}

/** Completed subtasks with what they requested and, where the worker said, what they used. */
export function usageFacts(subtask: Subtask): UsageFacts | undefined {
  if (subtask.status?.phase !== 'Completed') return undefined;
  const metrics = subtask.status.metrics;
  // The worker's own figure, else the successful attempt's span as the subtask recorded it.
  const span = (millisOf(subtask.status.completionTime) - millisOf(subtask.status.startTime)) / 1000;
  const seconds = metrics?.executionSeconds ?? (Number.isFinite(span) && span >= 0 ? span : undefined);
  return {
    ...(subtask.status.workerPool ? { pool: subtask.status.workerPool } : {}),
    taskType: subtask.spec?.taskType ?? 'unknown',
    requestedCpuCores: quantityOr(parseQuantity, subtask.spec?.resources?.cpu, 0),
    requestedMemoryBytes: quantityOr(parseQuantity, subtask.spec?.resources?.memory, 0),
    ...(seconds !== undefined ? { executionSeconds: seconds } : {}),
    ...(metrics?.cpuCoresUsed !== undefined ? { cpuCoresUsed: metrics.cpuCoresUsed } : {}),
    ...(metrics?.memoryBytesUsed !== undefined ? { memoryBytesUsed: metrics.memoryBytesUsed } : {}),
  };
}

/** What the history samples of each pool: its nodes and cost, from its status. */
export function poolPoints(pools: Iterable<WorkerPool>): Record<string, PoolPoint> {
  const points: Record<string, PoolPoint> = {};
  for (const pool of pools) points[pool.metadata.name!] = { nodes: pool.status?.nodes ?? 0, readyNodes: pool.status?.readyNodes ?? 0, costPerHour: pool.status?.costPerHour ?? 0 };
  return points;
}

/** Samples the pools into the history, then returns everything the snapshot needs. */
export function gatherFacts(sources: FactSources, now = new Date()): DashboardFacts {
  const raw = [...sources.pools()];
  const pools = raw.map(poolFacts);
  sources.history.record(now.getTime(), poolPoints(raw));
  const usage: UsageFacts[] = [];
  for (const subtask of sources.subtasks()) {
    const fact = usageFacts(subtask);
    if (fact) usage.push(fact);
  }
  return {
    now,
    nodes: sources.ledger.nodeList().map((node) => ({
      name: node.name,
      ...(node.pool ? { pool: node.pool } : {}),
      hardware: node.hardware,
      ...(node.gpuProduct ? { gpuProduct: node.gpuProduct } : {}),
      ready: node.ready,
      allocatable: node.allocatable,
      requested: sources.ledger.usedOn(node.name),
    })),
    pools,
    tasks: [...sources.tasks()].map(taskFacts),
    usage,
    history: sources.history.samples(),
    spentUsd: sources.history.spentUsd(now.getTime()),
  };
}
