// From the operator's objects to the dashboard's facts, and the simulation knobs kwok reads.
import { describe, expect, test } from '@jest/globals';
import { orchestratedTaskSchema, subtaskSchema, workerPoolSchema, type WorkerPool } from '../../../operator/api/index.js';
import { dashboardSnapshot } from '../../../operator/core/dashboard/snapshot.js';
import { DashboardHistory } from '../../../operator/core/dashboard/history.js';
import { PlacementLedger } from '../../../operator/core/placement/ledger.js';
import { gatherFacts, poolFacts, taskFacts, usageFacts } from '../../../operator/dashboard/facts.js';
import { dataParallelTask, subtask, workerPool } from '../../builders/index.js';
import { GI, nodeInfo, res } from '../core/placement/builders.js';

const completed = (overrides: Record<string, unknown> = {}) =>
  subtaskSchema.parse(
    subtask('t-p-0', 't', {
      spec: { resources: { cpu: '2', memory: '4Gi' } },
      status: { phase: 'Completed', workerPool: 'gpu', startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:30Z', ...overrides },
    }),
  );

describe('usageFacts', () => {
  test('a completed subtask: its requests as numbers and what the worker measured', () => {
    expect(usageFacts(completed({ metrics: { executionSeconds: 12, cpuCoresUsed: 1.5, memoryBytesUsed: GI } }))).toEqual({
      pool: 'gpu',
      taskType: 'map',
      requestedCpuCores: 2,
      requestedMemoryBytes: 4 * GI,
      executionSeconds: 12,
      cpuCoresUsed: 1.5,
      memoryBytesUsed: GI,
    });
  });

  test('without the worker\'s own duration, the span from start to completion', () => {
    expect(usageFacts(completed({ metrics: { cpuCoresUsed: 1 } }))!.executionSeconds).toBe(30);
  });

  test('subtasks that have not completed have no usage', () => {
    expect(usageFacts(subtaskSchema.parse(subtask('t-p-0', 't', { status: { phase: 'Running' } })))).toBeUndefined();
    expect(usageFacts(subtaskSchema.parse(subtask('t-p-0', 't')))).toBeUndefined();
  });
});

describe('poolFacts and taskFacts', () => {
  test('a pool: its bounds and price from the spec, its state and decisions from the status', () => {
    const pool = workerPoolSchema.parse(
      workerPool('gpu', 'aws', {
        status: {
          provider: 'aws',
          nodes: 3,
          readyNodes: 2,
          desiredNodes: 4,
          costPerHour: 3.6,
          decisions: [{ action: 'scaleUp', count: 1, reason: 'pending work', time: '2026-01-01T00:00:00Z', nodeNames: ['n-1'] }, { action: 'maintain' }],
        },
      }),
    );
    // What the cache holds is not re-validated: a time that does not parse must not break the page.
    (pool.status!.decisions![1] as { time?: unknown }).time = 'not a time';
    expect(poolFacts(pool)).toEqual({
      name: 'gpu',
      provider: 'aws',
      hardware: 'gpu',
      minNodes: 0,
      maxNodes: 10,
      nodes: 3,
      readyNodes: 2,
      desiredNodes: 4,
      costPerHour: 3.6,
      costPerNodeHour: 1.2,
      // A time that does not parse is left out rather than shown wrong.
      decisions: [{ action: 'scaleUp', count: 1, reason: 'pending work', time: '2026-01-01T00:00:00.000Z', nodeNames: ['n-1'] }, { action: 'maintain' }],
    });
  });

  test('a pool without status yet: the provider from its spec, no nodes, no cost', () => {
    const facts = poolFacts(workerPoolSchema.parse(workerPool('cpu', 'kwok')));
    expect(facts).toMatchObject({ provider: 'kwok', nodes: 0, readyNodes: 0, costPerHour: 0, decisions: [] });
    expect(facts).not.toHaveProperty('desiredNodes');
  });

  test('a task: phase and counts from its status, Pending before the controller wrote any', () => {
    const fresh = orchestratedTaskSchema.parse({ ...dataParallelTask('t'), metadata: { name: 't', namespace: 'ns' } });
    expect(taskFacts(fresh)).toMatchObject({ namespace: 'ns', name: 't', phase: 'Pending', total: 0, completed: 0 });
    const running = orchestratedTaskSchema.parse({
      ...dataParallelTask('t'),
      metadata: { name: 't', namespace: 'ns' },
      status: { phase: 'InProgress', subtasks: { total: 8, pending: 1, assigned: 1, running: 2, completed: 3, failed: 1, cancelled: 0 }, startTime: '2026-01-01T00:00:00Z' },
    });
    expect(taskFacts(running)).toMatchObject({ phase: 'InProgress', total: 8, running: 2, completed: 3, failed: 1, pending: 1, startTime: '2026-01-01T00:00:00.000Z' });
  });
});

describe('gatherFacts', () => {
  test('reads nodes and their requests from the ledger, records the pools into the history', () => {
    const ledger = new PlacementLedger();
    ledger.setNode(nodeInfo('gpu-1', { pool: 'gpu', hardware: 'gpu', allocatable: res({ cpu: 8, memGi: 32, gpus: 4, pods: 110 }) }));
    ledger.recordBound('ns/pod-a', 'gpu-1', res({ cpu: 2, memGi: 4, gpus: 1, pods: 1 }));
    const history = new DashboardHistory({ intervalMs: 1000, maxSamples: 10 });
    const pool = workerPoolSchema.parse(workerPool('gpu', 'kwok', { status: { nodes: 1, readyNodes: 1, costPerHour: 2 } }));
    const facts = gatherFacts({ ledger, pools: () => [pool], tasks: () => [], subtasks: () => [completed({ metrics: { cpuCoresUsed: 1 } })], history }, new Date(0));
    expect(facts.nodes).toEqual([expect.objectContaining({ name: 'gpu-1', pool: 'gpu', requested: res({ cpu: 2, memGi: 4, gpus: 1, pods: 1 }) })]);
    expect(facts.usage).toHaveLength(1);
    expect(history.samples()).toEqual([{ t: 0, pools: { gpu: { nodes: 1, readyNodes: 1, costPerHour: 2 } }, costPerHour: 2, spentUsd: 0 }]);
    expect(gatherFacts({ ledger, pools: () => [pool], tasks: () => [], subtasks: () => [], history }, new Date(1_800_000)).spentUsd).toBeCloseTo(1, 10);
  });
});

describe('objects stored before a field was required', () => {
  // The API server keeps serving an object written under an older schema as it was stored; the
  // cache holds it unvalidated, so the page must be built from it all the same.
  test('a WorkerPool without spec.hardware or spec.scaling still gives a snapshot', () => {
    const { hardware: _hardware, scaling: _scaling, ...spec } = workerPoolSchema.parse(workerPool('old', 'kwok')).spec;
    const stored = { apiVersion: 'drm.dtf.io/v1alpha1', kind: 'WorkerPool', metadata: { name: 'old' }, spec } as unknown as WorkerPool;
    const bare = { apiVersion: 'drm.dtf.io/v1alpha1', kind: 'WorkerPool', metadata: { name: 'bare' }, spec: {} } as unknown as WorkerPool;
    expect(poolFacts(stored)).toMatchObject({ name: 'old', provider: 'kwok', hardware: 'unknown' });
    expect(poolFacts(bare)).toMatchObject({ name: 'bare', provider: 'unknown', hardware: 'unknown', minNodes: 0, maxNodes: 0 });
    const history = new DashboardHistory({ intervalMs: 1000, maxSamples: 10 });
    const snapshot = dashboardSnapshot(gatherFacts({ ledger: new PlacementLedger(), pools: () => [stored, bare], tasks: () => [], subtasks: () => [], history }, new Date(0)));
    expect(snapshot.pools.map((pool) => pool.name).sort()).toEqual(['bare', 'old']);
    expect(() => JSON.stringify(snapshot)).not.toThrow();
  });
});
