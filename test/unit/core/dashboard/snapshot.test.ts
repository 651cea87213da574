import { describe, expect, test } from '@jest/globals';
import { DashboardHistory } from '../../../../operator/core/dashboard/history.js';
import {
  MAX_DECISIONS_SHOWN,
  MAX_TASKS_SHOWN,
  dashboardSnapshot,
  efficiency,
  heatmapRows,
  poolViews,
  scalingDecisions,
  taskViews,
  type NodeFacts,
  type PoolFacts,
  type TaskFacts,
  type UsageFacts,
} from '../../../../operator/core/dashboard/snapshot.js';
import { GI, res } from '../placement/builders.js';

function node(name: string, overrides: Partial<NodeFacts> = {}): NodeFacts {
  return { name, hardware: 'cpu', ready: true, allocatable: res({ cpu: 4, memGi: 16, pods: 110 }), requested: res({}), ...overrides };
}

function pool(name: string, overrides: Partial<PoolFacts> = {}): PoolFacts {
  return { name, provider: 'kwok', hardware: 'cpu', minNodes: 0, maxNodes: 4, nodes: 0, readyNodes: 0, costPerHour: 0, decisions: [], ...overrides };
}

function task(name: string, overrides: Partial<TaskFacts> = {}): TaskFacts {
  return { namespace: 'default', name, strategy: 'data-parallel', phase: 'InProgress', total: 4, completed: 0, failed: 0, cancelled: 0, running: 0, assigned: 0, pending: 0, ...overrides };
}

function usage(overrides: Partial<UsageFacts> = {}): UsageFacts {
  return { taskType: 'test', requestedCpuCores: 2, requestedMemoryBytes: 4 * GI, ...overrides };
}

describe('heatmap', () => {
  test('each cell is requested over allocatable of its node, and a node without GPUs has no GPU share', () => {
    const [row] = heatmapRows([node('a', { allocatable: res({ cpu: 8, memGi: 32 }), requested: res({ cpu: 6, memGi: 8 }) })]);
    expect(row!.cells.cpu).toEqual({ requested: 6, allocatable: 8, share: 0.75 });
    expect(row!.cells.memory.share).toBe(0.25);
    expect(row!.cells.gpu).toEqual({ requested: 0, allocatable: 0, share: null });
  });

  test('GPU nodes show their GPUs in use', () => {
    const [row] = heatmapRows([node('g', { hardware: 'gpu', gpuProduct: 'NVIDIA-A10G', allocatable: res({ cpu: 8, memGi: 32, gpus: 4 }), requested: res({ cpu: 1, gpus: 3 }) })]);
    expect(row!.cells.gpu.share).toBe(0.75);
    expect(row!.gpuProduct).toBe('NVIDIA-A10G');
  });

  test('rows are grouped by pool, pool-less nodes last, names sorted within a pool', () => {
    const rows = heatmapRows([node('z-1'), node('b-2', { pool: 'b' }), node('a-9', { pool: 'a' }), node('b-1', { pool: 'b' }), node('a-1')]);
    expect(rows.map((r) => r.node)).toEqual(['a-9', 'b-1', 'b-2', 'a-1', 'z-1']);
  });

  test('an over-committed node shows a share above 1 rather than hiding it', () => {
    const [row] = heatmapRows([node('a', { allocatable: res({ cpu: 2 }), requested: res({ cpu: 3 }) })]);
    expect(row!.cells.cpu.share).toBe(1.5);
  });
});

describe('allocation per pool', () => {
  test('sums requests and allocatable over the pool\'s ready nodes only', () => {
    const nodes = [
      node('a-1', { pool: 'a', allocatable: res({ cpu: 4, memGi: 16 }), requested: res({ cpu: 1, memGi: 4 }) }),
      node('a-2', { pool: 'a', allocatable: res({ cpu: 4, memGi: 16 }), requested: res({ cpu: 3, memGi: 4 }) }),
      node('a-3', { pool: 'a', ready: false, allocatable: res({ cpu: 4, memGi: 16 }), requested: res({ cpu: 4 }) }),
      node('b-1', { pool: 'b', allocatable: res({ cpu: 4, memGi: 16 }), requested: res({ cpu: 4 }) }),
    ];
    const [a, b] = poolViews([pool('b'), pool('a', { desiredNodes: 3 })], nodes);
    expect(a!.name).toBe('a');
    expect(a!.allocation.cpu).toEqual({ requested: 4, allocatable: 8, share: 0.5 });
    expect(a!.allocation.memory.share).toBe(0.25);
    expect(a!.desiredNodes).toBe(3);
    expect(b!.allocation.cpu.share).toBe(1);
    expect(b!.desiredNodes).toBeNull();
    expect(a).not.toHaveProperty('decisions');
  });

  test('a pool with no ready nodes has nothing allocatable, not a share of 0', () => {
    const [a] = poolViews([pool('a')], []);
    expect(a!.allocation.cpu.share).toBeNull();
  });
});

describe('efficiency', () => {
  test('CPU is core-seconds used over core-seconds requested, weighted by duration', () => {
    // 2 cores requested for 10 s, 1 used; 1 core requested for 30 s, 1 used: (10+30)/(20+30).
    const [all] = efficiency([usage({ requestedCpuCores: 2, executionSeconds: 10, cpuCoresUsed: 1 }), usage({ requestedCpuCores: 1, executionSeconds: 30, cpuCoresUsed: 1 })]);
    expect(all!.scope).toBe('all');
    expect(all!.cpu.ratio).toBeCloseTo(40 / 50, 10);
    expect(all!.subtasks).toBe(2);
  });

  test('memory is peak used over requested, summed', () => {
    const [all] = efficiency([usage({ requestedMemoryBytes: 4 * GI, memoryBytesUsed: 1 * GI }), usage({ requestedMemoryBytes: 4 * GI, memoryBytesUsed: 3 * GI })]);
    expect(all!.memory.ratio).toBe(0.5);
    expect(all!.cpu.ratio).toBeNull();
  });

  test('subtasks that reported no usage are left out, not counted as idle', () => {
    expect(efficiency([usage({ executionSeconds: 5 })])).toEqual([]);
    const [all] = efficiency([usage({ executionSeconds: 5 }), usage({ executionSeconds: 10, cpuCoresUsed: 2 })]);
    expect(all!.subtasks).toBe(1);
    expect(all!.cpu.ratio).toBe(1);
  });

  test('a scope per pool beside the total, the total first', () => {
    const views = efficiency([usage({ pool: 'gpu', executionSeconds: 10, cpuCoresUsed: 2 }), usage({ pool: 'cpu', executionSeconds: 10, cpuCoresUsed: 1 })]);
    expect(views.map((v) => v.scope)).toEqual(['all', 'cpu', 'gpu']);
    expect(views.find((v) => v.scope === 'cpu')!.cpu.ratio).toBe(0.5);
    expect(views.find((v) => v.scope === 'all')!.cpu.ratio).toBe(0.75);
  });
});

describe('tasks', () => {
  test('progress counts every finished subtask, whatever its outcome', () => {
    const [view] = taskViews([task('t', { total: 8, completed: 3, failed: 1, cancelled: 0 })]);
    expect(view!.progress).toBe(0.5);
  });

  test('active tasks come first, oldest first; then finished ones, newest first', () => {
    const views = taskViews([
      task('done-old', { phase: 'Completed', completionTime: '2026-01-01T00:00:00.000Z' }),
      task('active-new', { creationTime: '2026-01-02T00:00:00.000Z' }),
      task('done-new', { phase: 'Failed', completionTime: '2026-01-03T00:00:00.000Z' }),
      task('active-old', { creationTime: '2026-01-01T00:00:00.000Z' }),
    ]);
    expect(views.map((v) => v.name)).toEqual(['active-old', 'active-new', 'done-new', 'done-old']);
  });

  test('at most MAX_TASKS_SHOWN, active ones kept before finished ones', () => {
    const many = Array.from({ length: MAX_TASKS_SHOWN }, (_, i) => task(`done-${i}`, { phase: 'Completed' }));
    const views = taskViews([...many, task('running')]);
    expect(views).toHaveLength(MAX_TASKS_SHOWN);
    expect(views[0]!.name).toBe('running');
  });
});

describe('scaling decisions', () => {
  test('every pool\'s decisions but maintain, newest first, bounded', () => {
    const a = pool('a', { decisions: [{ action: 'scaleUp', count: 2, time: '2026-01-01T00:00:01.000Z' }, { action: 'maintain', time: '2026-01-01T00:00:05.000Z' }] });
    const b = pool('b', { decisions: [{ action: 'scaleDown', count: 1, time: '2026-01-01T00:00:03.000Z' }] });
    expect(scalingDecisions([a, b]).map((d) => `${d.pool}:${d.action}`)).toEqual(['b:scaleDown', 'a:scaleUp']);
    const busy = pool('c', { decisions: Array.from({ length: MAX_DECISIONS_SHOWN + 5 }, (_, i) => ({ action: 'scaleUp', time: new Date(i * 1000).toISOString() })) });
    expect(scalingDecisions([busy])).toHaveLength(MAX_DECISIONS_SHOWN);
  });
});

describe('dashboardSnapshot', () => {
  test('totals add up the pools, nodes and tasks; the history is passed through', () => {
    const history = new DashboardHistory({ intervalMs: 1000, maxSamples: 10 });
    history.record(0, { a: { nodes: 2, readyNodes: 2, costPerHour: 3 } });
    const snapshot = dashboardSnapshot({
      now: new Date(3_600_000),
      nodes: [node('a-1', { pool: 'a' }), node('a-2', { pool: 'a', ready: false })],
      pools: [pool('a', { nodes: 2, readyNodes: 1, costPerHour: 3 })],
      tasks: [task('t', { running: 2, pending: 1 }), task('old', { phase: 'Completed' })],
      usage: [],
      history: history.samples(),
      spentUsd: history.spentUsd(3_600_000),
    });
    expect(snapshot.totals).toEqual({ nodes: 2, readyNodes: 1, costPerHour: 3, spentUsd: 3, activeTasks: 1, runningSubtasks: 2, pendingSubtasks: 1 });
    expect(snapshot.time).toBe('1970-01-01T01:00:00.000Z');
    expect(snapshot.heatmap.resources).toEqual(['cpu', 'memory', 'gpu']);
    expect(snapshot.scaling.series).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });
});
