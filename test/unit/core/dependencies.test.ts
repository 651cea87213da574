import { describe, expect, test } from '@jest/globals';
import {
  asItems,
  inputSource,
  itemsFromDependencies,
  planSubtasks,
  runnableSubtasks,
  selectItems,
  unreachableSubtasks,
} from '../../../operator/core/split/index.js';
import { dataParallelTask, modelParallelTask, pipelineParallelTask } from '../../builders/index.js';
import { inlineItems, parsed, range } from './fixtures.js';

const names = (subtasks: ReadonlyArray<{ name: string }>) => subtasks.map((subtask) => subtask.name);

describe('runnableSubtasks', () => {
  const pipeline = parsed(
    pipelineParallelTask('p', { spec: { microBatches: 3, input: { items: range(6) }, stages: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } }),
  );
  const plan = planSubtasks(pipeline, inlineItems(pipeline));

  test('pipeline: stage 0 of every micro-batch may start at once', () => {
    expect(names(runnableSubtasks(plan.subtasks, new Set()))).toEqual(['p-m0-a', 'p-m1-a', 'p-m2-a']);
  });

  test('pipeline: a micro-batch moves on to its next stage without waiting for the others', () => {
    const completed = new Set(['p-m0-a']);
    expect(names(runnableSubtasks(plan.subtasks, completed))).toEqual(['p-m0-b', 'p-m1-a', 'p-m2-a']);
    completed.add('p-m0-b').add('p-m1-a');
    // Stage b of micro-batch 1 overlaps stage c of micro-batch 0.
    expect(names(runnableSubtasks(plan.subtasks, completed))).toEqual(['p-m0-c', 'p-m1-b', 'p-m2-a']);
  });

  test('all complete: nothing left to run', () => {
    expect(runnableSubtasks(plan.subtasks, new Set(names(plan.subtasks)))).toEqual([]);
  });

  test('model parallel: one shard at a time, in order', () => {
    const model = parsed(modelParallelTask('m'));
    const shards = planSubtasks(model, inlineItems(model)).subtasks;
    expect(names(runnableSubtasks(shards, new Set()))).toEqual(['m-s0-encode']);
    expect(names(runnableSubtasks(shards, new Set(['m-s0-encode'])))).toEqual(['m-s1-decode']);
  });

  test('data parallel: every partition at once', () => {
    const data = parsed(dataParallelTask('d', { spec: { partitions: 4 } }));
    const partitions = planSubtasks(data, inlineItems(data)).subtasks;
    expect(runnableSubtasks(partitions, new Set())).toEqual(partitions);
  });
});

describe('unreachableSubtasks', () => {
  test('everything downstream of a failed subtask, and nothing else', () => {
    const pipeline = parsed(pipelineParallelTask('p', { spec: { microBatches: 2, input: { items: range(4) }, stages: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } }));
    const { subtasks } = planSubtasks(pipeline, inlineItems(pipeline));
    expect(names(unreachableSubtasks(subtasks, new Set(['p-m1-a'])))).toEqual(['p-m1-b', 'p-m1-c']);
    // Given out of dependency order, the answer is the same.
    expect(names(unreachableSubtasks([...subtasks].reverse(), new Set(['p-m0-a'])))).toEqual(['p-m0-c', 'p-m0-b']);
    expect(unreachableSubtasks(subtasks, new Set())).toEqual([]);
  });
});

describe('the input of a dependent subtask', () => {
  const spec = { dependsOn: ['t-s0-a', 't-s1-b'] };

  test('is the result of its last dependency', () => {
    const results = new Map<string, unknown>([
      ['t-s0-a', [0]],
      ['t-s1-b', [1, 4, 9]],
    ]);
    expect(itemsFromDependencies(spec, results)).toEqual([1, 4, 9]);
  });

  test('a result that is not an array becomes a one-item array', () => {
    expect(itemsFromDependencies(spec, new Map([['t-s1-b', 42]]))).toEqual([42]);
    expect(itemsFromDependencies(spec, new Map([['t-s1-b', { sum: 3 }]]))).toEqual([{ sum: 3 }]);
    expect(itemsFromDependencies(spec, new Map([['t-s1-b', null]]))).toEqual([null]);
    expect(asItems([[1], [2]])).toEqual([[1], [2]]);
  });

  test('a missing result or no dependency is an error', () => {
    expect(() => itemsFromDependencies(spec, new Map([['t-s0-a', [1]]]))).toThrow('the result of t-s1-b, which the subtask depends on, is not available');
    expect(() => itemsFromDependencies({}, new Map())).toThrow(/depends on nothing/);
  });
});

describe('inputSource and selectItems', () => {
  test('inline, ConfigMap slice, dependency, or nothing', () => {
    expect(inputSource({ input: { items: [1, 2] } })).toEqual({ kind: 'inline', items: [1, 2] });
    expect(inputSource({ inputRef: { name: 'cm', key: 'items.json', offset: 4, count: 2 } })).toEqual({ kind: 'configMap', name: 'cm', key: 'items.json', offset: 4, count: 2 });
    expect(inputSource({ inputRef: { name: 'cm', key: 'k' } })).toEqual({ kind: 'configMap', name: 'cm', key: 'k', offset: 0, count: undefined });
    expect(inputSource({ dependsOn: ['x', 'y'] })).toEqual({ kind: 'dependency', from: 'y' });
    expect(inputSource({})).toEqual({ kind: 'inline', items: [] });
  });

  test('selectItems takes [offset, offset + count) of a ConfigMap array', () => {
    const document = range(10);
    expect(selectItems(document, { offset: 3, count: 4 })).toEqual([3, 4, 5, 6]);
    expect(selectItems(document, { offset: 8 })).toEqual([8, 9]);
    expect(selectItems(document, {})).toEqual(document);
    expect(selectItems(document, { offset: 10, count: 0 })).toEqual([]);
    expect(() => selectItems(document, { offset: 8, count: 5 })).toThrow(/has 10 items, fewer than the 13/);
    expect(() => selectItems({ items: [] }, {})).toThrow('the input document is an object, not a JSON array of items');
  });
});
