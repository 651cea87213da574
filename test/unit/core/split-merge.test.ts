// Split, run (simulated workers driven by the readiness helper), merge: the whole pure path of a
// task, checked for many shapes at once.
import { describe, expect, test } from '@jest/globals';
import { defaultMergeMethod, type OrchestratedTask } from '../../../operator/api/index.js';
import { mergeResults, type SubtaskResult } from '../../../operator/core/merge/index.js';
import {
  inputSource,
  itemsFromDependencies,
  planSubtasks,
  runnableSubtasks,
  selectItems,
  type PlannedSubtask,
  type SplitPlan,
} from '../../../operator/core/split/index.js';
import { dataParallelTask, modelParallelTask, pipelineParallelTask } from '../../builders/index.js';
import { parsed, range, shuffled } from './fixtures.js';

/** The built-in `map` workload's ops on numbers. */
const OPS: Record<string, (x: number) => number> = { square: (x) => x * x, double: (x) => 2 * x, negate: (x) => -x };

function runMap(subtask: PlannedSubtask, items: unknown[]): unknown[] {
  const op = OPS[String(subtask.spec.params?.op)];
  if (!op) throw new Error(`no op for ${subtask.name}`);
  return items.map((item) => op(item as number));
}

/**
 * Runs a plan as the controller would: in rounds, every runnable subtask at once, each reading
 * its items from inline input, the task's ConfigMap (`configMapItems`) or its last dependency.
 * Returns the results (in a scrambled order, as a list from the API server may be) and the
 * number of rounds it took.
 */
function run(plan: SplitPlan, configMapItems: unknown[] = []): { results: SubtaskResult[]; rounds: number } {
  const outputs = new Map<string, unknown>();
  let rounds = 0;
  for (;;) {
    const ready = runnableSubtasks(plan.subtasks, new Set(outputs.keys()));
    if (ready.length === 0) break;
    rounds++;
    for (const subtask of ready) {
      const source = inputSource(subtask.spec);
      const items =
        source.kind === 'inline' ? source.items : source.kind === 'configMap' ? selectItems(configMapItems, source) : itemsFromDependencies(subtask.spec, outputs);
      outputs.set(subtask.name, runMap(subtask, items));
    }
  }
  expect(outputs.size).toBe(plan.subtasks.length);
  const results = plan.subtasks.map(({ name, spec }) => ({
    name: spec.name,
    role: spec.role,
    index: spec.index,
    microBatch: spec.microBatch,
    succeeded: true,
    result: outputs.get(name),
  }));
  return { results: shuffled(results, plan.subtasks.length + 1), rounds };
}

function mergeDefault(task: OrchestratedTask, results: SubtaskResult[]): unknown {
  return mergeResults(task.spec.strategy, task.spec.merge?.method ?? defaultMergeMethod(task.spec.strategy), results);
}

describe('DataParallel split then concat merge returns the mapped items in order', () => {
  test('for every item count 0..40 and partition count 1..45, inline input', () => {
    for (let itemCount = 0; itemCount <= 40; itemCount++) {
      const items = range(itemCount, 1);
      for (let partitions = 1; partitions <= 45; partitions++) {
        const task = parsed(dataParallelTask('t', { spec: { params: { op: 'double' }, input: { items }, partitions } }));
        const plan = planSubtasks(task, items);
        expect(plan.subtasks).toHaveLength(Math.max(1, Math.min(partitions, itemCount)));
        const { results, rounds } = run(plan);
        expect(rounds).toBe(1);
        expect(mergeDefault(task, results)).toEqual(items.map((x) => 2 * x));
      }
    }
  });

  test('for many item and partition counts, input from a ConfigMap', () => {
    for (const itemCount of [0, 1, 2, 7, 64, 101]) {
      const items = range(itemCount, -50);
      for (const partitions of [1, 2, 3, 10, 100, 500]) {
        const task = parsed(dataParallelTask('t', { spec: { params: { op: 'square' }, input: { items: undefined, configMapRef: { name: 'in' } }, partitions } }));
        const plan = planSubtasks(task, items);
        expect(plan.subtasks.every((subtask) => subtask.spec.input === undefined)).toBe(true);
        expect(mergeDefault(task, run(plan, items).results)).toEqual(items.map((x) => x * x));
      }
    }
  });
});

describe('PipelineParallel split, run and merge', () => {
  test('the result is every item through every stage, in order; micro-batches advance together, so S rounds rather than M·S', () => {
    const stages = [
      { name: 'double', params: { op: 'double' } },
      { name: 'square', params: { op: 'square' } },
      { name: 'negate', params: { op: 'negate' } },
    ];
    for (const itemCount of [0, 1, 5, 12]) {
      for (const microBatches of [1, 2, 4, 12]) {
        for (const stageCount of [1, 2, 3]) {
          const items = range(itemCount);
          const task = parsed(pipelineParallelTask('p', { spec: { input: { items }, microBatches, stages: stages.slice(0, stageCount) } }));
          const plan = planSubtasks(task, items);
          const { results, rounds } = run(plan);
          // Every round runs all ready subtasks, so the chain of one micro-batch sets the pace.
          expect(rounds).toBe(stageCount);
          const expected = items.map((x) => stages.slice(0, stageCount).reduce((value, stage) => OPS[stage.params.op]!(value), x));
          expect(mergeDefault(task, results)).toEqual(expected);
        }
      }
    }
  });
});

describe('ModelParallel split, run and merge', () => {
  test('the last shard\'s output is the input through every shard in order', () => {
    const task = parsed(
      modelParallelTask('m', {
        spec: {
          taskType: 'map',
          input: { items: [1, 2, 3] },
          stages: [
            { name: 'square', params: { op: 'square' } },
            { name: 'double', params: { op: 'double' } },
            { name: 'negate', params: { op: 'negate' } },
          ],
        },
      }),
    );
    const { results, rounds } = run(planSubtasks(task, [1, 2, 3]));
    expect(rounds).toBe(3);
    expect(mergeDefault(task, results)).toEqual([-2, -8, -18]);
  });
});
