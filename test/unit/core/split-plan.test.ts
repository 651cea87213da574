import { describe, expect, test } from '@jest/globals';
import { SplitError, planSubtasks } from '../../../operator/core/split/index.js';
import { dataParallelTask, ensembleTask, functionParallelTask, modelParallelTask, pipelineParallelTask } from '../../builders/index.js';
import { expectValidPlan, inlineInputOf, inlineItems, parsed, range } from './fixtures.js';

describe('planSubtasks: DataParallel', () => {
  test('cuts the items into contiguous partitions named <task>-p<i>, role partition', () => {
    const task = parsed(dataParallelTask('squares', { metadata: { name: 'squares', namespace: 'ns', uid: 'uid-1' } }));
    const plan = planSubtasks(task, inlineItems(task));
    expectValidPlan(plan);
    expect(plan.strategy).toBe('DataParallel');
    expect(plan.slices).toBe(2);
    expect(plan.notes).toEqual([]);
    expect(plan.subtasks).toEqual([
      {
        name: 'squares-p0',
        spec: { taskRef: { name: 'squares', uid: 'uid-1' }, index: 0, role: 'partition', name: 'p0', taskType: 'map', params: { op: 'square' }, input: { items: [1, 2, 3, 4] } },
      },
      {
        name: 'squares-p1',
        spec: { taskRef: { name: 'squares', uid: 'uid-1' }, index: 1, role: 'partition', name: 'p1', taskType: 'map', params: { op: 'square' }, input: { items: [5, 6, 7, 8] } },
      },
    ]);
  });

  test('uneven slices differ by at most one item, the larger ones first', () => {
    const task = parsed(dataParallelTask('t', { spec: { input: { items: range(10) }, partitions: 4 } }));
    const plan = planSubtasks(task, inlineItems(task));
    expect(plan.subtasks.map((_, i) => inlineInputOf(plan, i))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7], [8, 9]]);
  });

  test('more partitions than items: one item each, and a note says so', () => {
    const task = parsed(dataParallelTask('t', { spec: { input: { items: ['a', 'b', 'c'] }, partitions: 5 } }));
    const plan = planSubtasks(task, inlineItems(task));
    expectValidPlan(plan);
    expect(plan.subtasks.map((_, i) => inlineInputOf(plan, i))).toEqual([['a'], ['b'], ['c']]);
    expect(plan.slices).toBe(3);
    expect(plan.notes).toEqual(['partitions capped at 3: only 3 items for 5 partitions']);
  });

  test('no items: one subtask with an empty input', () => {
    const task = parsed(dataParallelTask('t', { spec: { input: { items: [] }, partitions: 3 } }));
    const plan = planSubtasks(task, []);
    expectValidPlan(plan);
    expect(plan.subtasks).toHaveLength(1);
    expect(plan.subtasks[0]!.spec.input).toEqual({ items: [] });
    expect(plan.notes).toEqual(['no input items: one empty partition instead of 3']);
  });

  test('omitted partitions: the count from the options, else chosen from hints with the reason as a note', () => {
    const task = parsed(dataParallelTask('t', { spec: { input: { items: range(1000) }, partitions: undefined } }));
    expect(planSubtasks(task, inlineItems(task), { partitions: 3 }).subtasks).toHaveLength(3);

    const plan = planSubtasks(task, inlineItems(task), { partitionHints: { freeSlots: 8, slotKind: 'CPU' } });
    expect(plan.subtasks).toHaveLength(8);
    expect(plan.notes).toEqual(['chose 8 partitions: 8 free CPU slots, 1,000 items → 125 items each']);
  });

  test('spec.partitions wins over the options', () => {
    const task = parsed(dataParallelTask('t'));
    expect(planSubtasks(task, inlineItems(task), { partitions: 7 }).subtasks).toHaveLength(2);
  });

  test('input from a ConfigMap: subtasks carry inputRef slices of it, never copies', () => {
    const task = parsed(dataParallelTask('big', { spec: { input: { items: undefined, configMapRef: { name: 'big-input' } }, partitions: 3 } }));
    const plan = planSubtasks(task, range(7));
    expectValidPlan(plan);
    expect(plan.subtasks.map((subtask) => subtask.spec.inputRef)).toEqual([
      { name: 'big-input', key: 'items.json', offset: 0, count: 3 },
      { name: 'big-input', key: 'items.json', offset: 3, count: 2 },
      { name: 'big-input', key: 'items.json', offset: 5, count: 2 },
    ]);
    expect(plan.subtasks.every((subtask) => subtask.spec.input === undefined)).toBe(true);
  });

  test('hardware, resources and worker reach every subtask as copies', () => {
    const task = parsed(
      dataParallelTask('t', {
        spec: {
          hardware: { type: 'gpu', gpuProduct: 'NVIDIA-A10G' },
          resources: { cpu: '2', memory: '4Gi', gpu: 1 },
          worker: { image: 'example.com/w:1', args: ['--fast'] },
        },
      }),
    );
    const plan = planSubtasks(task, inlineItems(task));
    expectValidPlan(plan);
    for (const { spec } of plan.subtasks) {
      expect(spec.hardware).toEqual({ type: 'gpu', gpuProduct: 'NVIDIA-A10G' });
      expect(spec.resources).toEqual({ cpu: '2', memory: '4Gi', gpu: 1 });
      expect(spec.worker).toEqual({ image: 'example.com/w:1', args: ['--fast'] });
    }
    plan.subtasks[0]!.spec.worker!.args!.push('--mutated');
    plan.subtasks[0]!.spec.params!.op = 'mutated';
    expect(task.spec.worker!.args).toEqual(['--fast']);
    expect(plan.subtasks[1]!.spec.params).toEqual({ op: 'square' });
    expect(task.spec.params).toEqual({ op: 'square' });
  });

  test('is deterministic', () => {
    const task = parsed(dataParallelTask('t', { spec: { input: { items: range(50) }, partitions: 6 } }));
    expect(planSubtasks(task, inlineItems(task))).toEqual(planSubtasks(task, inlineItems(task)));
  });
});

describe('planSubtasks: ModelParallel', () => {
  const task = parsed(
    modelParallelTask('model', {
      spec: {
        params: { op: 'square', keep: true },
        hardware: { type: 'gpu', gpuProduct: 'NVIDIA-H100-80GB-HBM3' },
        resources: { cpu: '4', memory: '8Gi', gpu: 1 },
        stages: [
          { name: 'embed' },
          { name: 'encode', hardware: { type: 'cpu' }, resources: { cpu: '500m', memory: '256Mi' } },
          { name: 'decode', taskType: 'map', params: { op: 'double' } },
        ],
      },
    }),
  );
  const plan = planSubtasks(task, inlineItems(task));

  test('one shard per stage in order, named <task>-s<i>-<stage>, role shard', () => {
    expectValidPlan(plan);
    expect(plan.subtasks.map((subtask) => subtask.name)).toEqual(['model-s0-embed', 'model-s1-encode', 'model-s2-decode']);
    expect(plan.subtasks.map((subtask) => [subtask.spec.role, subtask.spec.index, subtask.spec.name])).toEqual([
      ['shard', 0, 'embed'],
      ['shard', 1, 'encode'],
      ['shard', 2, 'decode'],
    ]);
  });

  test('shard 0 gets the whole input; shard s depends on shard s-1 and carries no input', () => {
    expect(plan.subtasks[0]!.spec.input).toEqual({ items: [1, 2, 3, 4] });
    expect(plan.subtasks[0]!.spec.dependsOn).toBeUndefined();
    for (const s of [1, 2]) {
      expect(plan.subtasks[s]!.spec.dependsOn).toEqual([plan.subtasks[s - 1]!.name]);
      expect(plan.subtasks[s]!.spec.input).toBeUndefined();
      expect(plan.subtasks[s]!.spec.inputRef).toBeUndefined();
    }
  });

  test('each shard resolves its own taskType, params overlay, hardware and resources', () => {
    const [embed, encode, decode] = plan.subtasks.map((subtask) => subtask.spec);
    // Inherits everything from the task.
    expect(embed).toMatchObject({ taskType: 'echo', params: { op: 'square', keep: true }, hardware: { type: 'gpu', gpuProduct: 'NVIDIA-H100-80GB-HBM3' }, resources: { cpu: '4', memory: '8Gi', gpu: 1 } });
    // Its hardware and resources replace the task's entirely (no gpuProduct, no gpu left over).
    expect(encode!.hardware).toEqual({ type: 'cpu' });
    expect(encode!.resources).toEqual({ cpu: '500m', memory: '256Mi' });
    // Params overlay key by key; taskType overridden.
    expect(decode).toMatchObject({ taskType: 'map', params: { op: 'double', keep: true } });
  });

  test('from a ConfigMap, shard 0 references the whole array', () => {
    const fromConfigMap = parsed(modelParallelTask('m', { spec: { input: { items: undefined, configMapRef: { name: 'in', key: 'data.json' } } } }));
    const refPlan = planSubtasks(fromConfigMap, range(12));
    expectValidPlan(refPlan);
    expect(refPlan.subtasks[0]!.spec.inputRef).toEqual({ name: 'in', key: 'data.json', offset: 0, count: 12 });
    expect(refPlan.subtasks[1]!.spec.inputRef).toBeUndefined();
  });

  test('no input at all: shard 0 gets an empty list', () => {
    const noInput = parsed(modelParallelTask('m', { spec: { input: undefined } }));
    expect(planSubtasks(noInput, []).subtasks[0]!.spec.input).toEqual({ items: [] });
  });
});

describe('planSubtasks: PipelineParallel', () => {
  const stages = [{ name: 'load' }, { name: 'square', params: { op: 'square' } }, { name: 'negate', params: { op: 'negate' } }];

  test.each([
    [1, 1, 1],
    [4, 2, 8],
    [3, 3, 10],
    [5, 1, 5],
    [7, 3, 20],
  ])('%i micro-batches × %i stages over %i items: M·S subtasks, (m, s) depends only on (m, s-1)', (microBatches, stageCount, itemCount) => {
    const task = parsed(pipelineParallelTask('pipe', { spec: { microBatches, input: { items: range(itemCount) }, stages: stages.slice(0, stageCount) } }));
    const plan = planSubtasks(task, inlineItems(task));
    expectValidPlan(plan);
    expect(plan.subtasks).toHaveLength(microBatches * stageCount);
    expect(plan.slices).toBe(microBatches);
    const byPosition = new Map(plan.subtasks.map((subtask) => [`${subtask.spec.microBatch}/${subtask.spec.index}`, subtask]));
    for (let m = 0; m < microBatches; m++) {
      for (let s = 0; s < stageCount; s++) {
        const subtask = byPosition.get(`${m}/${s}`)!;
        expect(subtask.name).toBe(`pipe-m${m}-${stages[s]!.name}`);
        expect(subtask.spec).toMatchObject({ role: 'stage', index: s, microBatch: m, name: stages[s]!.name });
        if (s === 0) {
          expect(subtask.spec.dependsOn).toBeUndefined();
          expect(subtask.spec.input).toBeDefined();
        } else {
          expect(subtask.spec.dependsOn).toEqual([byPosition.get(`${m}/${s - 1}`)!.name]);
          expect(subtask.spec.input).toBeUndefined();
        }
      }
    }
    // The first stages' micro-batches are contiguous and, in order, the whole input.
    const firstStageInputs = plan.subtasks.filter((subtask) => subtask.spec.index === 0).map((subtask) => subtask.spec.input!.items);
    expect(firstStageInputs.flat()).toEqual(range(itemCount));
    const sizes = firstStageInputs.map((batch) => batch.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  test('stages overlay params and keep the task taskType unless overridden', () => {
    const task = parsed(pipelineParallelTask('p', { spec: { params: { op: 'double', scale: 2 }, stages } }));
    const plan = planSubtasks(task, inlineItems(task));
    expect(plan.subtasks.slice(0, 3).map((subtask) => subtask.spec.params)).toEqual([
      { op: 'double', scale: 2 },
      { op: 'square', scale: 2 },
      { op: 'negate', scale: 2 },
    ]);
    expect(plan.subtasks.every((subtask) => subtask.spec.taskType === 'map')).toBe(true);
  });

  test('more micro-batches than items are capped, with a note; no items give one empty micro-batch', () => {
    const few = parsed(pipelineParallelTask('p', { spec: { microBatches: 6, input: { items: [1, 2] } } }));
    const plan = planSubtasks(few, inlineItems(few));
    expect(plan.slices).toBe(2);
    expect(plan.subtasks).toHaveLength(4);
    expect(plan.notes).toEqual(['micro-batches capped at 2: only 2 items for 6 micro-batches']);

    const none = parsed(pipelineParallelTask('p', { spec: { microBatches: 3, input: { items: [] } } }));
    const empty = planSubtasks(none, []);
    expect(empty.subtasks).toHaveLength(2);
    expect(empty.subtasks[0]!.spec.input).toEqual({ items: [] });
  });

  test('from a ConfigMap, stage 0 of each micro-batch references its slice', () => {
    const task = parsed(pipelineParallelTask('p', { spec: { microBatches: 2, input: { items: undefined, configMapRef: { name: 'cm' } } } }));
    const plan = planSubtasks(task, range(5));
    expectValidPlan(plan);
    expect(plan.subtasks.filter((subtask) => subtask.spec.index === 0).map((subtask) => subtask.spec.inputRef)).toEqual([
      { name: 'cm', key: 'items.json', offset: 0, count: 3 },
      { name: 'cm', key: 'items.json', offset: 3, count: 2 },
    ]);
  });
});

describe('planSubtasks: Ensemble', () => {
  test('one subtask per variant over the whole input, params overlaid, its resources replacing the task\'s', () => {
    const task = parsed(ensembleTask('ens', { spec: { params: { op: 'square', seed: 1 }, resources: { cpu: '1', memory: '512Mi' } } }));
    const plan = planSubtasks(task, inlineItems(task));
    expectValidPlan(plan);
    expect(plan.subtasks.map((subtask) => subtask.name)).toEqual(['ens-v-small', 'ens-v-large']);
    const [small, large] = plan.subtasks.map((subtask) => subtask.spec);
    expect(small).toMatchObject({ role: 'variant', index: 0, name: 'small', input: { items: [1, 2, 3, 4] }, params: { op: 'square', seed: 1, model_size: 'small' } });
    expect(small!.resources).toEqual({ cpu: '1', memory: '512Mi' });
    expect(large).toMatchObject({ role: 'variant', index: 1, name: 'large', input: { items: [1, 2, 3, 4] }, params: { op: 'square', seed: 1, model_size: 'large' } });
    expect(large!.resources).toEqual({ cpu: '2', memory: '1Gi' });
  });
});

describe('planSubtasks: FunctionParallel', () => {
  test('one subtask per function with params.function set, named <task>-f-<function>', () => {
    const task = parsed(functionParallelTask('bench'));
    const plan = planSubtasks(task, []);
    expectValidPlan(plan);
    expect(plan.subtasks.map((subtask) => subtask.name)).toEqual(['bench-f-latency', 'bench-f-throughput', 'bench-f-memory']);
    expect(plan.subtasks.map((subtask) => subtask.spec.params)).toEqual([
      { op: 'square', n: 64, function: 'latency' },
      { op: 'square', n: 64, function: 'throughput' },
      { op: 'square', n: 64, repeat: 2, function: 'memory' },
    ]);
    expect(plan.subtasks.every((subtask) => subtask.spec.role === 'function' && subtask.spec.taskType === 'benchmark')).toBe(true);
    expect(plan.subtasks.map((subtask) => subtask.spec.input)).toEqual([{ items: [] }, { items: [] }, { items: [] }]);
  });

  test('the function name wins over a params key of the same name', () => {
    const task = parsed(functionParallelTask('b', { spec: { params: { function: 'task-level' }, functions: [{ name: 'latency', params: { function: 'own' } }] } }));
    expect(planSubtasks(task, []).subtasks[0]!.spec.params).toEqual({ op: 'square', n: 64, function: 'latency' });
  });
});

describe('planSubtasks: names and errors', () => {
  // 253 characters, dots included: the longest valid task name.
  const longName = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;

  test('a long task name still gives valid, distinct names of at most 200 characters, stable across calls', () => {
    expect(longName).toHaveLength(253);
    const pipeline = parsed(pipelineParallelTask(longName, { spec: { microBatches: 3, stages: [{ name: 'x'.repeat(63) }, { name: 'y'.repeat(63) }] } }));
    const plan = planSubtasks(pipeline, inlineItems(pipeline));
    expectValidPlan(plan);
    expect(plan.subtasks[0]!.name.endsWith(`-m0-${'x'.repeat(63)}`)).toBe(true);
    expect(plan.subtasks[1]!.spec.dependsOn).toEqual([plan.subtasks[0]!.name]);
    expect(planSubtasks(pipeline, inlineItems(pipeline))).toEqual(plan);
  });

  test('two long task names sharing a long prefix do not collide', () => {
    const a = parsed(dataParallelTask(`${longName.slice(0, 240)}.one`));
    const b = parsed(dataParallelTask(`${longName.slice(0, 240)}.two`));
    expect(planSubtasks(a, inlineItems(a)).subtasks[0]!.name).not.toBe(planSubtasks(b, inlineItems(b)).subtasks[0]!.name);
  });

  test('a task without a name, a missing stage list, or items that are not the inline input are refused', () => {
    const task = parsed(dataParallelTask('t'));
    expect(() => planSubtasks({ metadata: {}, spec: task.spec }, inlineItems(task))).toThrow(SplitError);
    expect(() => planSubtasks(task, [1, 2])).toThrow(/items given \(2\) are not the task's inline input \(8 items\)/);
    const model = parsed(modelParallelTask('m'));
    expect(() => planSubtasks({ metadata: { name: 'm' }, spec: { ...model.spec, stages: undefined } }, inlineItems(model))).toThrow('strategy ModelParallel needs spec.stages');
  });
});
