// What the dashboard shows, computed from plain facts (pure): the utilization heatmap, each
// pool's allocation and cost, how much of what was requested was used, task progress and the
// scaling history. The operator's adapter gathers the facts from its caches; the page renders.
import type { ResourceVector } from '../placement/resources.js';
import type { HistorySample } from './history.js';

export const HEATMAP_RESOURCES = ['cpu', 'memory', 'gpu'] as const;
export type HeatmapResource = (typeof HEATMAP_RESOURCES)[number];

/** A node as the placement ledger sees it: what it offers and what is requested on it. */
export interface NodeFacts {
  name: string;
  pool?: string;
  hardware: string;
  gpuProduct?: string;
  ready: boolean;
  allocatable: ResourceVector;
  /** Requests of every pod on the node (ours bound, reserved or held, and others'). */
  requested: ResourceVector;
}

export interface DecisionFacts {
  action: string;
  count?: number;
  reason?: string;
  time?: string;
  nodeNames?: string[];
}

export interface PoolFacts {
  name: string;
  provider: string;
  hardware: string;
  minNodes: number;
  maxNodes: number;
  nodes: number;
  readyNodes: number;
  desiredNodes?: number;
  costPerHour: number;
  costPerNodeHour?: number;
  decisions: DecisionFacts[];
}

export interface TaskFacts {
  namespace: string;
  name: string;
  strategy: string;
  phase: string;
  total: number;
  completed: number;
  failed: number;
  cancelled: number;
  running: number;
  assigned: number;
  pending: number;
  creationTime?: string;
  startTime?: string;
  completionTime?: string;
}

/** A finished subtask's requests and what its worker measured, for efficiency. */
export interface UsageFacts {
  pool?: string;
  taskType: string;
  requestedCpuCores: number;
  requestedMemoryBytes: number;
  executionSeconds?: number;
  cpuCoresUsed?: number;
  memoryBytesUsed?: number;
}

export interface DashboardFacts {
  now: Date;
  nodes: NodeFacts[];
  pools: PoolFacts[];
  tasks: TaskFacts[];
  usage: UsageFacts[];
  history: readonly HistorySample[];
  /** Dollars spent by all pools since the history began (see DashboardHistory). */
  spentUsd: number;
}

export interface Share {
  requested: number;
  allocatable: number;
  /** requested ÷ allocatable, 0 to 1 (above 1 only if something over-commits); null when nothing is allocatable. */
  share: number | null;
}

export interface HeatmapRow {
  node: string;
  pool: string | null;
  hardware: string;
  gpuProduct: string | null;
  ready: boolean;
  cells: Record<HeatmapResource, Share>;
}

export interface PoolView extends Omit<PoolFacts, 'decisions' | 'desiredNodes' | 'costPerNodeHour'> {
  desiredNodes: number | null;
  allocation: Record<HeatmapResource, Share>;
}

export interface EfficiencyView {
  /** "all", or a pool's name. */
  scope: string;
  /** Finished subtasks whose worker reported usage. */
  subtasks: number;
  /** CPU core-seconds used over core-seconds requested (cores × execution time). */
  cpu: { used: number; requested: number; ratio: number | null };
  /** Mean of peak memory used over memory requested. */
  memory: { used: number; requested: number; ratio: number | null };
}

export interface TaskView extends TaskFacts {
  /** Finished (completed, failed or cancelled) over all subtasks, 0 to 1. */
  progress: number;
}

export interface DecisionView extends DecisionFacts {
  pool: string;
}

export interface DashboardSnapshot {
  time: string;
  totals: { nodes: number; readyNodes: number; costPerHour: number; spentUsd: number; activeTasks: number; runningSubtasks: number; pendingSubtasks: number };
  heatmap: { resources: readonly HeatmapResource[]; rows: HeatmapRow[] };
  pools: PoolView[];
  efficiency: EfficiencyView[];
  tasks: TaskView[];
  scaling: { decisions: DecisionView[]; series: readonly HistorySample[] };
}

/** Tasks shown: all active ones, then the most recently finished, up to this many in all. */
export const MAX_TASKS_SHOWN = 50;
/** Scaling decisions shown, newest first. */
export const MAX_DECISIONS_SHOWN = 60;

const FINISHED_PHASES = new Set(['Completed', 'Failed', 'Cancelled']);

export function share(requested: number, allocatable: number): Share {
  return { requested, allocatable, share: allocatable > 0 ? requested / allocatable : null };
}

function cellsOf(requested: ResourceVector, allocatable: ResourceVector): Record<HeatmapResource, Share> {
  return {
    cpu: share(requested.cpuMillis / 1000, allocatable.cpuMillis / 1000),
    memory: share(requested.memoryBytes, allocatable.memoryBytes),
    gpu: share(requested.gpus, allocatable.gpus),
  };
}

function byName<T>(key: (item: T) => string) {
  return (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/** Rows grouped by pool (pool-less nodes last), then by node name. */
export function heatmapRows(nodes: readonly NodeFacts[]): HeatmapRow[] {
  return [...nodes]
    .sort(byName((node) => `${node.pool === undefined ? '\uffff' : node.pool}\u0000${node.name}`))
    .map((node) => ({
      node: node.name,
      pool: node.pool ?? null,
      hardware: node.hardware,
      gpuProduct: node.gpuProduct ?? null,
      ready: node.ready,
      cells: cellsOf(node.requested, node.allocatable),
    }));
}

/** Each pool's requests over allocatable, summed over its ready nodes (as status.utilization is). */
export function poolViews(pools: readonly PoolFacts[], nodes: readonly NodeFacts[]): PoolView[] {
  return [...pools].sort(byName((pool) => pool.name)).map((pool) => {
    const requested = { cpuMillis: 0, memoryBytes: 0, gpus: 0, ephemeralBytes: 0, pods: 0 };
    const allocatable = { ...requested };
    for (const node of nodes) {
      if (node.pool !== pool.name || !node.ready) continue;
      for (const key of ['cpuMillis', 'memoryBytes', 'gpus'] as const) {
        requested[key] += node.requested[key];
        allocatable[key] += node.allocatable[key];
      }
    }
    const { decisions: _decisions, desiredNodes, costPerNodeHour: _price, ...rest } = pool;
    return { ...rest, desiredNodes: desiredNodes ?? null, allocation: cellsOf(requested, allocatable) };
  });
}

/**
 * Used against requested for finished subtasks that reported usage: CPU as core-seconds (a
 * subtask that requested 2 cores for 10 s and averaged 1 core used half), memory as the mean of
 * peak over request. Subtasks without usage figures are left out rather than counted as idle.
 */
export function efficiency(usage: readonly UsageFacts[]): EfficiencyView[] {
  const scopes = new Map<string, UsageFacts[]>();
  const add = (scope: string, fact: UsageFacts) => {
    const facts = scopes.get(scope);
    if (facts) facts.push(fact);
    else scopes.set(scope, [fact]);
  };
  for (const fact of usage) {
    if (fact.cpuCoresUsed === undefined && fact.memoryBytesUsed === undefined) continue;
    add('all', fact);
    if (fact.pool) add(fact.pool, fact);
  }
  const views: EfficiencyView[] = [];
  for (const [scope, facts] of scopes) {
    let cpuUsed = 0;
    let cpuRequested = 0;
    let memoryUsed = 0;
    let memoryRequested = 0;
    for (const fact of facts) {
      const seconds = fact.executionSeconds ?? 0;
      if (fact.cpuCoresUsed !== undefined && seconds > 0 && fact.requestedCpuCores > 0) {
        cpuUsed += fact.cpuCoresUsed * seconds;
        cpuRequested += fact.requestedCpuCores * seconds;
      }
      if (fact.memoryBytesUsed !== undefined && fact.requestedMemoryBytes > 0) {
        memoryUsed += fact.memoryBytesUsed;
        memoryRequested += fact.requestedMemoryBytes;
      }
    }
    views.push({
      scope,
      subtasks: facts.length,
      cpu: { used: cpuUsed, requested: cpuRequested, ratio: cpuRequested > 0 ? cpuUsed / cpuRequested : null },
      memory: { used: memoryUsed, requested: memoryRequested, ratio: memoryRequested > 0 ? memoryUsed / memoryRequested : null },
    });
  }
  return views.sort((a, b) => (a.scope === 'all' ? -1 : b.scope === 'all' ? 1 : a.scope < b.scope ? -1 : 1));
}

function finishedAt(task: TaskFacts): string {
  return task.completionTime ?? task.startTime ?? task.creationTime ?? '';
}

/** Active tasks first (oldest first), then finished ones (newest first), at most MAX_TASKS_SHOWN. */
export function taskViews(tasks: readonly TaskFacts[]): TaskView[] {
  const active = tasks.filter((task) => !FINISHED_PHASES.has(task.phase));
  const finished = tasks.filter((task) => FINISHED_PHASES.has(task.phase));
  active.sort(byName((task) => `${task.creationTime ?? ''}\u0000${task.namespace}/${task.name}`));
  finished.sort((a, b) => (finishedAt(a) > finishedAt(b) ? -1 : finishedAt(a) < finishedAt(b) ? 1 : 0));
  return [...active, ...finished].slice(0, MAX_TASKS_SHOWN).map((task) => ({
    ...task,
    progress: task.total > 0 ? (task.completed + task.failed + task.cancelled) / task.total : task.phase === 'Completed' ? 1 : 0,
  }));
}

/** Decisions other than "maintain" of every pool, newest first. */
export function scalingDecisions(pools: readonly PoolFacts[]): DecisionView[] {
  const all: DecisionView[] = [];
  for (const pool of pools) for (const decision of pool.decisions) if (decision.action !== 'maintain') all.push({ pool: pool.name, ...decision });
  all.sort((a, b) => ((a.time ?? '') > (b.time ?? '') ? -1 : (a.time ?? '') < (b.time ?? '') ? 1 : 0));
  return all.slice(0, MAX_DECISIONS_SHOWN);
}

export function dashboardSnapshot(facts: DashboardFacts): DashboardSnapshot {
  const tasks = taskViews(facts.tasks);
  return {
    time: facts.now.toISOString(),
    totals: {
      nodes: facts.nodes.length,
      readyNodes: facts.nodes.filter((node) => node.ready).length,
      costPerHour: facts.pools.reduce((sum, pool) => sum + pool.costPerHour, 0),
      spentUsd: facts.spentUsd,
      activeTasks: facts.tasks.filter((task) => !FINISHED_PHASES.has(task.phase)).length,
      runningSubtasks: facts.tasks.reduce((sum, task) => sum + task.running, 0),
      pendingSubtasks: facts.tasks.reduce((sum, task) => sum + task.pending, 0),
    },
    heatmap: { resources: HEATMAP_RESOURCES, rows: heatmapRows(facts.nodes) },
    pools: poolViews(facts.pools, facts.nodes),
    efficiency: efficiency(facts.usage),
    tasks,
    scaling: { decisions: scalingDecisions(facts.pools), series: facts.history },
  };
}
