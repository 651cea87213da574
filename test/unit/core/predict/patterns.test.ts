import { describe, expect, test } from '@jest/globals';
import { recommendWorkerTypes, workerTypeOf, workloadPatterns, workloadProfiles, type PoolOffer } from '../../../../operator/core/optimize/index.js';
import type { Prediction } from '../../../../operator/core/predict/index.js';
import { MI, run } from './builders.js';

const GI = 2 ** 30;

function prediction(overrides: Partial<Prediction> = {}): Prediction {
  return { executionSeconds: 10, cpu: 1, memoryBytes: 512 * MI, gpu: 0, hardware: 'cpu', source: 'model', confidence: 0.9, margin: 0.1, ...overrides };
}

const runs = (taskType: string, count: number, options: Parameters<typeof run>[0]) =>
  Array.from({ length: count }, (_, i) => run({ ...options, taskType, id: `${taskType}-${i}`, index: i }));

describe('workload profiles and patterns', () => {
  const samples = [
    ...runs('train', 4, { hardware: 'gpu', gpuProduct: 'NVIDIA-A10G', cpu: 4, memoryBytes: 16 * GI, seconds: 600 }),
    ...runs('finetune', 4, { hardware: 'gpu', gpuProduct: 'NVIDIA-A10G', cpu: 4, memoryBytes: 12 * GI, seconds: 500 }),
    ...runs('matmul', 4, { cpu: 1, memoryBytes: 200 * MI, seconds: 20 }),
    ...runs('map', 4, { cpu: 0.9, memoryBytes: 150 * MI, seconds: 15 }),
    ...runs('join', 4, { cpu: 0.5, memoryBytes: 64 * GI, seconds: 100 }),
    ...runs('echo', 3, { cpu: 0.05, memoryBytes: 60 * MI, seconds: 0.01 }),
    run({ id: 'failed', taskType: 'echo', succeeded: false, seconds: 9999 }),
  ];

  test('one profile per taskType, sorted, from successful runs, normalised to 0..1', () => {
    const profiles = workloadProfiles(samples);
    expect(profiles.map((p) => p.taskType)).toEqual(['echo', 'finetune', 'join', 'map', 'matmul', 'train']);
    const echo = profiles[0]!;
    expect(echo).toMatchObject({ samples: 3, gpuShare: 0, meanSeconds: 0.01 });
    for (const value of profiles.flatMap((p) => p.vector)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(profiles.find((p) => p.taskType === 'train')!.vector).toEqual([1, expect.any(Number), 1, 1]);
  });

  test('alike task types share a pattern; the kinds follow their absolute use', () => {
    const patterns = workloadPatterns(workloadProfiles(samples));
    const of = (taskType: string) => patterns.find((p) => p.taskTypes.includes(taskType))!;
    expect(of('train')).toBe(of('finetune'));
    expect(of('map')).toBe(of('matmul'));
    expect(of('join')).not.toBe(of('map'));
    expect(of('echo')).not.toBe(of('map'));
    expect(of('train').kind).toBe('gpu');
    expect(of('join').kind).toBe('memory-heavy');
    expect(of('map').kind).toBe('cpu-bound');
    expect(of('echo').kind).toBe('light');
    expect(patterns.map((p) => p.name)).toEqual(patterns.map((_, i) => `pattern-${i + 1}`));
  });

  test('deterministic, whatever the order of the profiles; threshold 0 separates everything', () => {
    const profiles = workloadProfiles(samples);
    expect(workloadPatterns([...profiles].reverse())).toEqual(workloadPatterns(profiles));
    expect(workloadPatterns(profiles, { threshold: 0 })).toHaveLength(profiles.length);
    expect(workloadPatterns([])).toEqual([]);
  });
});

describe('recommendWorkerTypes', () => {
  const pools: PoolOffer[] = [
    { name: 'cpu-small', hardware: { type: 'cpu' }, node: { cpu: 4, memoryBytes: 16 * GI }, costPerNodeHour: 0.2 },
    { name: 'cpu-large', hardware: { type: 'cpu' }, node: { cpu: 32, memoryBytes: 128 * GI }, costPerNodeHour: 1.2 },
    { name: 'highmem', hardware: { type: 'memory' }, node: { cpu: 8, memoryBytes: 256 * GI }, costPerNodeHour: 1.5 },
    { name: 'a10g', hardware: { type: 'gpu', gpuProduct: 'NVIDIA-A10G' }, node: { cpu: 16, memoryBytes: 64 * GI, gpu: 4 }, costPerNodeHour: 4 },
  ];

  test('the worker type of one prediction: its GPU, memory-optimised when memory per core is high, else cpu', () => {
    expect(workerTypeOf(prediction({ hardware: 'gpu', gpu: 1 }))).toBe('gpu');
    expect(workerTypeOf(prediction({ cpu: 1, memoryBytes: 32 * GI }))).toBe('memory');
    expect(workerTypeOf(prediction())).toBe('cpu');
  });

  test('per taskType: type, count, predicted seconds; without pools, no pool', () => {
    const recommendations = recommendWorkerTypes([
      { taskType: 'train', count: 2, prediction: prediction({ hardware: 'gpu', gpu: 1, gpuProduct: 'NVIDIA-A10G', executionSeconds: 100 }) },
      { taskType: 'map', count: 10, prediction: prediction() },
      { taskType: 'map', prediction: prediction({ executionSeconds: 5 }) },
    ]);
    expect(recommendations).toEqual([
      { taskType: 'map', workerType: 'cpu', count: 11, seconds: 105, reason: 'predicted cpu work' },
      { taskType: 'train', workerType: 'gpu', gpuProduct: 'NVIDIA-A10G', count: 2, seconds: 200, reason: 'predicted gpu NVIDIA-A10G work' },
    ]);
  });

  test('the cheapest pool per subtask among those of the type whose nodes fit', () => {
    const [small] = recommendWorkerTypes([{ taskType: 'map', prediction: prediction({ cpu: 1, memoryBytes: 2 * GI }) }], pools);
    // cpu-small: 4 per node at 0.2 → 0.05; cpu-large: 32 at 1.2 → 0.0375.
    expect(small).toMatchObject({ workerType: 'cpu', pool: 'cpu-large', perNode: 32 });
    const [big] = recommendWorkerTypes([{ taskType: 'sim', prediction: prediction({ cpu: 8, memoryBytes: 32 * GI }) }], pools);
    expect(big).toMatchObject({ workerType: 'cpu', pool: 'cpu-large', perNode: 4 });
    const [join] = recommendWorkerTypes([{ taskType: 'join', prediction: prediction({ cpu: 1, memoryBytes: 64 * GI }) }], pools);
    expect(join).toMatchObject({ workerType: 'memory', pool: 'highmem', perNode: 4 });
  });

  test('a cpu and a memory pool stand in for each other; a GPU product nobody offers gets no pool', () => {
    const [huge] = recommendWorkerTypes([{ taskType: 'sim', prediction: prediction({ cpu: 2, memoryBytes: 8 * GI }) }], pools.filter((p) => p.hardware.type !== 'cpu'));
    expect(huge).toMatchObject({ workerType: 'cpu', pool: 'highmem' });
    expect(huge!.reason).toContain('no such pool fits');
    const [h100] = recommendWorkerTypes([{ taskType: 'train', prediction: prediction({ hardware: 'gpu', gpu: 1, gpuProduct: 'NVIDIA-H100' }) }], pools);
    expect(h100).toMatchObject({ workerType: 'gpu', gpuProduct: 'NVIDIA-H100' });
    expect(h100!.pool).toBeUndefined();
    const [anyGpu] = recommendWorkerTypes([{ taskType: 'train', prediction: prediction({ hardware: 'gpu', gpu: 1 }) }], pools);
    expect(anyGpu).toMatchObject({ workerType: 'gpu', pool: 'a10g', perNode: 4 });
  });

  test('mixed predictions for one taskType: the type carrying most of the predicted seconds', () => {
    const [mixed] = recommendWorkerTypes([
      { taskType: 't', count: 5, prediction: prediction({ executionSeconds: 1 }) },
      { taskType: 't', count: 1, prediction: prediction({ hardware: 'gpu', gpu: 1, executionSeconds: 100 }) },
    ]);
    expect(mixed).toMatchObject({ workerType: 'gpu', count: 6, seconds: 105 });
  });
});
