// The zod schemas on their own: defaults the API server will also apply, quantities, names,
// the cross-field rules' field paths, status shapes, and the update (transition) rules.
import { describe, expect, test } from '@jest/globals';
import {
  defaultMergeMethod,
  jsonEqual,
  MERGE_METHODS_BY_STRATEGY,
  NON_NEGATIVE_QUANTITY_PATTERN,
  orchestratedTaskSchema,
  orchestratedTaskSpecTransitionRules,
  orchestratedTaskStatusSchema,
  providerOf,
  QUANTITY_PATTERN,
  quantity,
  STRATEGIES,
  subtaskSchema,
  subtaskSpecTransitionRules,
  subtaskStatusSchema,
  transitionIssues,
  workerPoolSchema,
  workerPoolSpecTransitionRules,
  workerPoolStatusSchema,
} from '../../../operator/api/index.js';
import { dataParallelTask, modelParallelTask, orchestratedTask, subtask, workerPool } from '../../builders/index.js';
import { issuePaths } from './helpers.js';

describe('defaults (the same values the CRD gives the API server)', () => {
  test('an OrchestratedTask gets retry 3/10s/300s, FailFast, cancel false', () => {
    const task = orchestratedTaskSchema.parse(orchestratedTask('defaults'));
    expect(task.spec.retry).toEqual({ maxAttempts: 3, backoffSeconds: 10, maxBackoffSeconds: 300 });
    expect(task.spec.failurePolicy).toEqual({ mode: 'FailFast' });
    expect(task.spec.cancel).toBe(false);
  });

  test('partly given retry settings keep the other defaults', () => {
    const task = orchestratedTaskSchema.parse(dataParallelTask('retry', { spec: { retry: { maxAttempts: 7 } } }));
    expect(task.spec.retry).toEqual({ maxAttempts: 7, backoffSeconds: 10, maxBackoffSeconds: 300 });
  });

  test('hardware type defaults to any, and a configMapRef key to items.json', () => {
    const task = orchestratedTaskSchema.parse(
      dataParallelTask('hw', { spec: { hardware: {}, input: { items: undefined, configMapRef: { name: 'big-input' } } } }),
    );
    expect(task.spec.hardware).toEqual({ type: 'any' });
    expect(task.spec.input?.configMapRef).toEqual({ name: 'big-input', key: 'items.json' });
  });

  test('a WorkerPool gets the scaling policy of the design, 0..10 nodes and cpu hardware', () => {
    const pool = workerPoolSchema.parse(workerPool('defaults', 'kwok', { spec: { hardware: undefined, minNodes: undefined, maxNodes: undefined } }));
    expect(pool.spec.scaling).toEqual({
      targetUtilization: 0.7,
      scaleUpThreshold: 0.85,
      scaleDownThreshold: 0.3,
      intervalSeconds: 30,
      cooldownSeconds: 300,
      scaleDownIdleSeconds: 600,
      predictive: true,
      horizonSeconds: 600,
    });
    expect(pool.spec.hardware).toEqual({ type: 'cpu' });
    expect([pool.spec.minNodes, pool.spec.maxNodes]).toEqual([0, 10]);
    expect(pool.spec.provider.kwok?.node.pods).toBe(110);
  });

  test('defaulted objects are fresh for every parse', () => {
    const first = orchestratedTaskSchema.parse(orchestratedTask('first'));
    first.spec.retry.maxAttempts = 99;
    expect(orchestratedTaskSchema.parse(orchestratedTask('second')).spec.retry.maxAttempts).toBe(3);
  });
});

describe('Kubernetes quantities', () => {
  const cpu = quantity('test');

  test.each(['500m', '2', '0.5', '4Gi', '128Mi', '1e3', '1E3', '+1', '.5', '1.', '10k', '1Ei'])('accepts %s', (value) => {
    expect(cpu.safeParse(value).success).toBe(true);
  });

  test.each([2, 0, 137438953472])('accepts the integer %s', (value) => {
    expect(cpu.safeParse(value).success).toBe(true);
  });

  test.each(['2 cores', '-1', '1.5.3Gi', '', 'Gi', '1gi', '1.5.3', ' 1', '1Ki '])('rejects %j', (value) => {
    expect(cpu.safeParse(value).success).toBe(false);
  });

  test.each([-1, 0.5, Number.NaN])('rejects the number %s', (value) => {
    expect(cpu.safeParse(value).success).toBe(false);
  });

  test('the non-negative pattern is the apiextensions pattern without the minus sign', () => {
    expect(QUANTITY_PATTERN.startsWith('^(\\+|-)?')).toBe(true);
    expect(NON_NEGATIVE_QUANTITY_PATTERN).toBe(QUANTITY_PATTERN.replace('^(\\+|-)?', '^\\+?'));
    expect(new RegExp(QUANTITY_PATTERN).test('-1')).toBe(true);
    expect(new RegExp(NON_NEGATIVE_QUANTITY_PATTERN).test('-1')).toBe(false);
  });
});

describe('names used as references', () => {
  test('a stage name is a DNS label', () => {
    expect(issuePaths(modelParallelTask('ok', { spec: { stages: [{ name: 'a-1' }] } }))).toEqual([]);
    expect(issuePaths(modelParallelTask('dot', { spec: { stages: [{ name: 'a.b' }] } }))).toEqual(['spec.stages[0].name']);
  });

  test('label keys of a pool selector may carry a DNS prefix, and values are bounded', () => {
    expect(issuePaths(dataParallelTask('ok', { spec: { poolSelector: { matchLabels: { 'example.com/team': 'vision' } } } }))).toEqual([]);
    expect(issuePaths(dataParallelTask('long', { spec: { poolSelector: { matchLabels: { team: 'v'.repeat(64) } } } }))).toEqual([
      'spec.poolSelector.matchLabels.team',
    ]);
  });

  test('a Subtask may depend on each subtask only once', () => {
    expect(issuePaths(subtask('dup', 'task', { spec: { dependsOn: ['a', 'b', 'a'] } }))).toEqual(['spec.dependsOn[2]']);
  });

  test('a pool may not repeat a taint key and effect', () => {
    const taints = [
      { key: 'gpu', effect: 'NoSchedule' },
      { key: 'gpu', effect: 'NoExecute' },
      { key: 'gpu', value: 'x', effect: 'NoSchedule' },
    ];
    expect(issuePaths(workerPool('taints', 'kwok', { spec: { taints } }))).toEqual(['spec.taints[2]']);
  });
});

describe('merge methods', () => {
  test('every strategy has a default that it allows', () => {
    for (const strategy of STRATEGIES) {
      expect(MERGE_METHODS_BY_STRATEGY[strategy]).toContain(defaultMergeMethod(strategy));
    }
    expect(defaultMergeMethod('DataParallel')).toBe('concat');
    expect(defaultMergeMethod('ModelParallel')).toBe('last');
    expect(defaultMergeMethod('FunctionParallel')).toBe('collect');
  });

  test('collect is allowed for every strategy', () => {
    for (const strategy of STRATEGIES) expect(MERGE_METHODS_BY_STRATEGY[strategy]).toContain('collect');
  });
});

describe('status', () => {
  test('a full OrchestratedTask status parses', () => {
    const status = {
      phase: 'InProgress',
      completionPercentage: 50,
      subtasks: { total: 4, pending: 0, assigned: 0, running: 2, completed: 2, failed: 0, cancelled: 0 },
      subtasksSummary: '2/4',
      prediction: { executionSeconds: 1.5, cpu: '500m', memory: '256Mi', gpu: 0, hardware: 'cpu', confidence: 0.8, source: 'model' },
      result: [1, 4, 9],
      message: '',
      startTime: '2025-01-31T12:00:00Z',
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'False', reason: 'InProgress', message: '', lastTransitionTime: '2025-01-31T12:00:00Z' }],
    };
    expect(orchestratedTaskStatusSchema.safeParse(status).success).toBe(true);
  });

  test('a status holds its result inline or by reference, not both', () => {
    const result = orchestratedTaskStatusSchema.safeParse({ result: {}, resultRef: { configMapName: 'r' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['resultRef']]);
    expect(subtaskStatusSchema.safeParse({ result: 1, resultRef: { configMapName: 'r' } }).success).toBe(false);
  });

  test('conditions are keyed by type', () => {
    const condition = { type: 'Ready', status: 'True', reason: 'Done', message: '', lastTransitionTime: '2025-01-31T12:00:00Z' };
    expect(orchestratedTaskStatusSchema.safeParse({ conditions: [condition, { ...condition, status: 'False' }] }).success).toBe(false);
  });

  test('a Subtask status keeps a bounded attempt history', () => {
    const attempt = (n: number) => ({ attempt: n, podName: `st-${n}`, nodeName: 'node-1', phase: 'Failed', reason: 'Error', exitCode: 1 });
    expect(subtaskStatusSchema.safeParse({ attempts: 3, attemptHistory: [1, 2, 3].map(attempt) }).success).toBe(true);
    expect(subtaskStatusSchema.safeParse({ attempts: 21, attemptHistory: Array.from({ length: 21 }, (_, i) => attempt(i + 1)) }).success).toBe(false);
  });

  test('a WorkerPool status with decisions parses', () => {
    const decision = {
      action: 'scaleUp',
      reason: '3 pending subtasks need gpu',
      count: 2,
      nodeNames: ['gpu-1', 'gpu-2'],
      requirements: { gpu: 3 },
      workerType: 'gpu',
      provider: 'kwok',
      predictedDemand: { gpu: 4 },
      time: '2025-01-31T12:00:00Z',
    };
    const status = { provider: 'kwok', nodes: 2, readyNodes: 2, desiredNodes: 4, utilization: { cpu: 0.45, memory: 0.3, gpu: 0.8 }, utilizationSummary: 'cpu 45% mem 30% gpu 80%', lastDecision: decision, decisions: [decision] };
    expect(workerPoolStatusSchema.safeParse(status).success).toBe(true);
    expect(workerPoolStatusSchema.safeParse({ ...status, lastDecision: { ...decision, action: 'grow' } }).success).toBe(false);
  });
});

describe('updates (the transition rules)', () => {
  const spec = (manifest: Record<string, unknown>) => orchestratedTaskSchema.parse(manifest).spec;

  test('cancel, retry and the pool selector may change; the split may not', () => {
    const before = spec(dataParallelTask('t'));
    const steered = spec(dataParallelTask('t', { spec: { cancel: true, retry: { maxAttempts: 5 }, poolSelector: { matchLabels: { team: 'a' } } } }));
    expect(transitionIssues(orchestratedTaskSpecTransitionRules, steered, before)).toEqual([]);

    const resplit = spec(dataParallelTask('t', { spec: { partitions: 3, input: { items: [1] } } }));
    expect(transitionIssues(orchestratedTaskSpecTransitionRules, resplit, before, ['spec']).map((issue) => issue.path.join('.'))).toEqual([
      'spec.input',
      'spec.partitions',
    ]);
  });

  test('the strategy may not change', () => {
    const before = spec(dataParallelTask('t', { spec: { partitions: undefined, merge: undefined } }));
    const after = spec(dataParallelTask('t', { spec: { strategy: 'Ensemble', partitions: undefined, merge: undefined, variants: [{ name: 'a' }] } }));
    expect(transitionIssues(orchestratedTaskSpecTransitionRules, after, before).map((issue) => issue.path)).toEqual([['strategy'], ['variants']]);
  });

  test('a pool keeps its provider and hardware type', () => {
    const before = workerPoolSchema.parse(workerPool('p', 'kwok')).spec;
    const resized = workerPoolSchema.parse(workerPool('p', 'kwok', { spec: { maxNodes: 9 } })).spec;
    const moved = workerPoolSchema.parse(workerPool('p', 'static')).spec;
    expect(transitionIssues(workerPoolSpecTransitionRules, resized, before)).toEqual([]);
    expect(transitionIssues(workerPoolSpecTransitionRules, moved, before).map((issue) => issue.path)).toEqual([['provider']]);
    expect(providerOf(moved.provider)).toBe('static');
  });

  test('a Subtask keeps its task, role and index', () => {
    const before = subtaskSchema.parse(subtask('s', 't')).spec;
    const after = subtaskSchema.parse(subtask('s', 't', { spec: { index: 1 } })).spec;
    expect(transitionIssues(subtaskSpecTransitionRules, after, before).map((issue) => issue.path)).toEqual([['taskRef']]);
  });
});

describe('jsonEqual (what CEL == means)', () => {
  test('compares nested values, ignoring undefined keys and key order', () => {
    expect(jsonEqual({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(jsonEqual(undefined, {})).toBe(false);
  });
});
