import { describe, expect, test } from '@jest/globals';
import { FeatureSpace, MAX_FEATURES, defaultsFor, flattenParams, hardwareKeyOf, logScale, sampleFrom } from '../../../../operator/core/predict/index.js';

describe('flattenParams', () => {
  test('numbers as they are, booleans 0/1, strings one-hot, nested objects dotted', () => {
    expect(flattenParams({ n: 512, fast: true, slow: false, op: 'square', model: { layers: 4, kind: 'cnn', deep: { width: 2 } } })).toEqual({
      fast: 1,
      'model.deep.width': 2,
      'model.kind=cnn': 1,
      'model.layers': 4,
      n: 512,
      'op=square': 1,
      slow: 0,
    });
  });

  test('numeric strings are strings: one-hot, not parsed', () => {
    expect(flattenParams({ n: '512' })).toEqual({ 'n=512': 1 });
  });

  test('arrays, null, undefined, non-finite numbers and long strings are ignored', () => {
    expect(flattenParams({ list: [1, 2], nothing: null, missing: undefined, inf: Infinity, nan: NaN, text: 'x'.repeat(65), ok: 1 })).toEqual({ ok: 1 });
    expect(flattenParams(undefined)).toEqual({});
    expect(flattenParams({})).toEqual({});
  });

  test('keys come out sorted, at most MAX_FEATURES of them', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${String(i).padStart(3, '0')}`, i]));
    const flat = flattenParams(many);
    expect(Object.keys(flat)).toHaveLength(MAX_FEATURES);
    expect(Object.keys(flat)).toEqual([...Object.keys(flat)].sort());
    expect(Object.keys(flattenParams({ b: 1, a: 2 }))).toEqual(['a', 'b']);
  });

  test('very deep nesting stops at the depth limit', () => {
    let deep: Record<string, unknown> = { v: 1 };
    for (let i = 0; i < 10; i++) deep = { d: deep };
    expect(flattenParams(deep)).toEqual({});
    expect(flattenParams({ a: { b: { v: 1 } } })).toEqual({ 'a.b.v': 1 });
  });
});

describe('sampleFrom and hardware keys', () => {
  test('a sample from params: features flattened, cpu and success by default, Date times as RFC 3339', () => {
    const sample = sampleFrom({ id: 'a:1', taskType: 'map', params: { op: 'double' }, inputSize: 10, executionSeconds: 0.5, finishedAt: new Date(Date.UTC(2025, 0, 1)) });
    expect(sample).toEqual({
      id: 'a:1',
      taskType: 'map',
      features: { 'op=double': 1 },
      inputSize: 10,
      hardware: { type: 'cpu' },
      executionSeconds: 0.5,
      succeeded: true,
      finishedAt: '2025-01-01T00:00:00.000Z',
    });
  });

  test('the hardware key is the GPU product when there is one, else the class', () => {
    expect(hardwareKeyOf({ type: 'gpu', gpuProduct: 'NVIDIA-A10G' })).toBe('NVIDIA-A10G');
    expect(hardwareKeyOf({ type: 'gpu' })).toBe('gpu');
    expect(hardwareKeyOf({ type: 'cpu' })).toBe('cpu');
  });
});

describe('FeatureSpace', () => {
  const space = FeatureSpace.of([
    { features: { n: 64, 'op=a': 1 }, inputSize: 0, hardware: 'cpu' },
    { features: { n: 128 }, inputSize: 9, hardware: 'NVIDIA-A10G' },
  ]);

  test('columns: features sorted and log-scaled, items, hardware one-hot (the first dropped as reference)', () => {
    expect(space.names(false)).toEqual(['n', 'op=a', 'inputSize', 'hardware=NVIDIA-A10G', 'hardware=cpu']);
    expect(space.names(true)).toEqual(['n', 'op=a', 'inputSize', 'hardware=cpu']);
    expect(space.vector({ features: { n: 64 }, inputSize: 9, hardware: 'cpu' }, true)).toEqual([1 + Math.log(64), 0, 1 + Math.log(9), 1]);
  });

  test('features never seen are ignored by the columns and reported as novel', () => {
    const observation = { features: { n: 1, 'op=b': 1 }, inputSize: 0, hardware: 'cpu' };
    expect(space.vector(observation, false)).toHaveLength(5);
    expect(space.novelKeys(observation)).toEqual(['op=b']);
  });

  test('the log scale: a log from 1 up (so power laws are linear), linear below, with the sign kept', () => {
    expect(logScale(0)).toBe(0);
    expect(logScale(1)).toBe(1);
    expect(logScale(0.5)).toBe(0.5);
    expect(logScale(Math.E ** 3)).toBeCloseTo(4);
    expect(logScale(-64)).toBeCloseTo(-(1 + Math.log(64)));
  });
});

describe('defaultsFor', () => {
  test('built-in workloads have their own defaults, sized by their params where the work is known', () => {
    expect(defaultsFor('sleep', { seconds: 42 }).executionSeconds).toBe(42);
    expect(defaultsFor('matmul', { n: 2048 }).executionSeconds).toBeCloseTo((2 * 2048 ** 3) / 1e9);
    expect(defaultsFor('matmul', { n: 2048 }).memoryBytes).toBeGreaterThan(defaultsFor('matmul', { n: 64 }).memoryBytes);
    expect(defaultsFor('echo').cpu).toBeLessThan(1);
  });

  test('anything else: 60 s, 1 core, 512Mi; minSeconds is a lower bound', () => {
    expect(defaultsFor('custom')).toEqual({ executionSeconds: 60, cpu: 1, memoryBytes: 512 * 2 ** 20 });
    expect(defaultsFor('custom', { minSeconds: 120 }).executionSeconds).toBe(120);
    expect(defaultsFor('echo', { minSeconds: 'x' }).executionSeconds).toBe(1);
    // A taskType named like an Object.prototype member is still just unknown.
    expect(defaultsFor('constructor')).toEqual(defaultsFor('custom'));
  });
});
