// What the WorkerPool controller tells the predictive policy (predicted-work.ts): the running
// subtasks with their predicted remaining time, the queue with each one's predicted time, the
// recent arrival rate, and how long launches took to become Ready nodes.
import { describe, expect, test } from '@jest/globals';
import type { V1Node } from '@kubernetes/client-node';
import { subtaskSchema, type Subtask } from '../../../operator/api/subtask.js';
import type { Prediction, PredictionQuery } from '../../../operator/core/predict/index.js';
import { observedLaunchSeconds, predictedWork } from '../../../operator/controllers/workerpool/predicted-work.js';
import { subtask } from '../../builders/index.js';
import { LABELS } from '../../../operator/controllers/labels.js';
import { kwokNode } from '../../support/kube-objects.js';
import { cpuPool, busyNode, gpuPool, GI } from '../core/scaling/builders.js';

const NOW_MS = Date.parse('2026-01-01T01:00:00Z');
const at = (secondsBefore: number) => new Date(NOW_MS - secondsBefore * 1000).toISOString();

/** A predictor that has learned every taskType: `seconds` each (fitted tier), 1 core and 1 GiB. */
function predictor(seconds: Record<string, number>, source: Prediction['source'] = 'model') {
  return {
    predict: (query: PredictionQuery): Prediction => ({
      executionSeconds: seconds[query.taskType] ?? 100,
      cpu: 1,
      memoryBytes: GI,
      gpu: 0,
      hardware: query.hardware?.type === 'gpu' ? 'gpu' : 'cpu',
      source,
      confidence: 0.9,
      margin: 0.1,
    }),
  };
}

function made(name: string, createdSecondsAgo: number, spec: Record<string, unknown>, status: Record<string, unknown>): Subtask {
  const parsed = subtaskSchema.parse(subtask(name, 'job', { spec, status })) as Subtask;
  return { ...parsed, metadata: { ...parsed.metadata, creationTimestamp: new Date(at(createdSecondsAgo)) } } as Subtask;
}

const running = (name: string, node: string, startedSecondsAgo: number, createdSecondsAgo = startedSecondsAgo) =>
  made(name, createdSecondsAgo, { resources: { cpu: '2', memory: '4Gi' } }, { phase: 'Running', attempts: 1, nodeName: node, workerPool: 'cpu', startTime: at(startedSecondsAgo) });
const pending = (name: string, createdSecondsAgo: number, spec: Record<string, unknown> = {}) =>
  made(name, createdSecondsAgo, { resources: { cpu: '1', memory: '2Gi' }, ...spec }, { phase: 'Pending', attempts: 1 });

describe('predictedWork', () => {
  const pool = cpuPool({ nodes: [busyNode('cpu-1', 4, 2)] });

  test('running subtasks on the pool: request and predicted remaining seconds; totals include them', () => {
    const work = predictedWork({ subtasks: [running('a', 'cpu-1', 30), running('b', 'cpu-1', 90)], predictor: predictor({ map: 100 }), pool, nowMs: NOW_MS });
    expect(work.running).toEqual([
      { request: { cpu: 2, memoryBytes: 4 * GI, gpu: 0 }, remainingSeconds: 70, node: 'cpu-1' },
      { request: { cpu: 2, memoryBytes: 4 * GI, gpu: 0 }, remainingSeconds: 10, node: 'cpu-1' },
    ]);
    expect(work.cpuSeconds).toBeCloseTo(2 * 70 + 2 * 10, 6);
    expect(work.memoryByteSeconds).toBeCloseTo(4 * GI * 80, 0);
    expect(work.queued).toEqual([]);
  });

  test('queued subtasks in arrival order with their predicted seconds; another pool\'s hardware and other nodes are left out', () => {
    const subtasks = [
      pending('late', 10, { taskType: 'reduce' }),
      pending('early', 50),
      pending('gpu-work', 20, { hardware: { type: 'gpu' }, resources: { cpu: '1', memory: '2Gi', gpu: 1 } }),
      running('elsewhere', 'other-node', 30),
    ];
    const work = predictedWork({ subtasks, predictor: predictor({ map: 100, reduce: 40 }), pool, nowMs: NOW_MS });
    expect(work.queued).toEqual([
      { request: { cpu: 1, memoryBytes: 2 * GI, gpu: 0 }, seconds: 100 },
      { request: { cpu: 1, memoryBytes: 2 * GI, gpu: 0 }, seconds: 40 },
    ]);
    expect(work.running).toEqual([]);
    expect(work.cpuSeconds).toBeCloseTo(140, 6);
    const gpuWork = predictedWork({ subtasks, predictor: predictor({ map: 100 }), pool: gpuPool(), nowMs: NOW_MS });
    expect(gpuWork.queued).toEqual([{ request: { cpu: 1, memoryBytes: 2 * GI, gpu: 1 }, seconds: 100 }]);
    expect(gpuWork.gpuSeconds).toBeCloseTo(100, 6);
  });

  test('a retry waits in the queue though its last node is still named; a second attempt counts from its own start', () => {
    const retry = made('retry', 400, { resources: { cpu: '1', memory: '2Gi' } }, { phase: 'Pending', attempts: 2, nodeName: 'cpu-1', workerPool: 'cpu' });
    const second = made('second', 400, { resources: { cpu: '2', memory: '4Gi' } }, {
      phase: 'Running',
      attempts: 2,
      nodeName: 'cpu-1',
      workerPool: 'cpu',
      startTime: at(300),
      attemptHistory: [
        { attempt: 1, phase: 'Failed', startTime: at(300), completionTime: at(100) },
        { attempt: 2, phase: 'Running', startTime: at(40) },
      ],
    });
    const work = predictedWork({ subtasks: [retry, second], predictor: predictor({ map: 100 }), pool, nowMs: NOW_MS });
    expect(work.queued).toEqual([{ request: { cpu: 1, memoryBytes: 2 * GI, gpu: 0 }, seconds: 100 }]);
    expect(work.running).toEqual([{ request: { cpu: 2, memoryBytes: 4 * GI, gpu: 0 }, remainingSeconds: 60, node: 'cpu-1' }]);
  });

  test('a subtask whose status is not written yet: waiting unless the ledger has placed its pod', () => {
    // The subtask controller writes no status for a first attempt's start, nor for a placement
    // that passes quickly: the ledger tells where its pod is.
    const unwritten = (name: string) => made(name, 20, { resources: { cpu: '1', memory: '2Gi' } }, {});
    const subtasks = [unwritten('waiting'), unwritten('placed-here'), unwritten('placed-elsewhere')];
    const placedOn = (s: Subtask) => ({ 'placed-here': 'cpu-1', 'placed-elsewhere': 'other-node' })[s.metadata.name as string];
    const work = predictedWork({ subtasks, predictor: predictor({ map: 100 }), pool, nowMs: NOW_MS, placedOn });
    expect(work.queued).toEqual([{ request: { cpu: 1, memoryBytes: 2 * GI, gpu: 0 }, seconds: 100 }]);
    expect(work.running).toEqual([{ request: { cpu: 1, memoryBytes: 2 * GI, gpu: 0 }, remainingSeconds: 100, node: 'cpu-1' }]);
  });

  test('a subtask the predictor knows nothing of holds its place for the whole horizon', () => {
    const work = predictedWork({ subtasks: [pending('new', 5)], predictor: predictor({ map: 30 }, 'default'), pool, nowMs: NOW_MS });
    expect(work.queued).toEqual([{ request: { cpu: 1, memoryBytes: 2 * GI, gpu: 0 }, seconds: 600 }]);
  });

  test('arrivals: requests created for the pool over horizon + scaleDownIdleSeconds, per second, finished ones too', () => {
    // Window 600 + 600 s: 'old' (1,500 s ago) is outside it; a finished subtask that ran on the pool counts.
    const finished = made('done', 300, { resources: { cpu: '4', memory: '8Gi' } }, { phase: 'Completed', attempts: 1, nodeName: 'cpu-gone', workerPool: 'cpu' });
    const subtasks = [running('a', 'cpu-1', 30, 100), pending('p', 50), running('old', 'cpu-1', 1500), finished];
    const work = predictedWork({ subtasks, predictor: predictor({ map: 2000 }), pool, nowMs: NOW_MS });
    expect(work.arrivingPerSecond!.cpu).toBeCloseTo((2 + 1 + 4) / 1200, 9);
    expect(work.arrivingPerSecond!.memoryBytes).toBeCloseTo(((4 + 2 + 8) * GI) / 1200, 0);
    // The finished one is no remaining work.
    expect(work.running).toHaveLength(2);
  });

  test('largestArrival: per resource, the most one task (by its uid label) asked for within horizonSeconds', () => {
    const ofTask = (subtask: Subtask, uid: string): Subtask => ({ ...subtask, metadata: { ...subtask.metadata, labels: { ...subtask.metadata.labels, [LABELS.taskUid]: uid } } }) as Subtask;
    const subtasks = [
      // Task a: three subtasks of 1 core, 2 GiB, created 50-200 s ago.
      ofTask(pending('a-0', 50), 'a'),
      ofTask(pending('a-1', 100), 'a'),
      ofTask(running('a-2', 'cpu-1', 10, 200), 'a'),
      // Task b: one of 2 cores and 4 GiB within the horizon, and a bigger one 700 s ago (past the 600 s horizon, within the arrival window).
      ofTask(running('b-0', 'cpu-1', 10, 100), 'b'),
      ofTask(made('b-1', 700, { resources: { cpu: '8', memory: '32Gi' } }, { phase: 'Pending', attempts: 1 }), 'b'),
    ];
    const work = predictedWork({ subtasks, predictor: predictor({ map: 30 }), pool, nowMs: NOW_MS });
    // a: 1 + 1 + 2 cores (a-2 is a running one: 2 cores, 4 GiB); b within the horizon: 2 cores.
    expect(work.largestArrival).toEqual({ cpu: 4, memoryBytes: 8 * GI, gpu: 0 });
  });
});

describe('observedLaunchSeconds', () => {
  const readyAt = (name: string, secondsBefore: number) => {
    const node = kwokNode(name);
    return { ...node, status: { ...node.status, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(at(secondsBefore)) }] } } as unknown as V1Node;
  };

  test('the median, over joined instances, of launch → Ready', () => {
    const instances = [
      { id: 'i-1', nodeName: 'n-1', state: 'running' as const, launchedAt: at(400) },
      { id: 'i-2', nodeName: 'n-2', state: 'running' as const, launchedAt: at(500) },
      { id: 'i-3', nodeName: 'n-3', state: 'running' as const, launchedAt: at(1000) },
      { id: 'i-4', state: 'pending' as const, launchedAt: at(10) },
    ];
    expect(observedLaunchSeconds(instances, [readyAt('n-1', 340), readyAt('n-2', 410), readyAt('n-3', 700)])).toBe(90);
  });

  test('nothing observed: undefined', () => {
    expect(observedLaunchSeconds(undefined, [])).toBeUndefined();
    expect(observedLaunchSeconds([{ id: 'i-1', state: 'pending', launchedAt: at(10) }], [])).toBeUndefined();
  });
});
