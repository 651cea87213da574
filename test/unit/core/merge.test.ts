import { describe, expect, test } from '@jest/globals';
import { MERGE_METHODS, MERGE_METHODS_BY_STRATEGY, STRATEGIES, defaultMergeMethod } from '../../../operator/api/index.js';
import { MergeError, canonicalJson, mergeResults, type MergeErrorReason } from '../../../operator/core/merge/index.js';
import { failed, ok, shuffled } from './fixtures.js';

function expectMergeError(run: () => unknown, reason: MergeErrorReason, message: string | RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(MergeError);
  expect((thrown as MergeError).reason).toBe(reason);
  expect((thrown as MergeError).message).toMatch(message);
}

describe('concat', () => {
  test('DataParallel: partitions in index order whatever order they arrive in, arrays flattened one level', () => {
    const results = [ok('p0', 'partition', 0, [1, 4]), ok('p1', 'partition', 1, [[9], [16]]), ok('p2', 'partition', 2, 25), ok('p3', 'partition', 3, [])];
    expect(mergeResults('DataParallel', 'concat', shuffled(results))).toEqual([1, 4, [9], [16], 25]);
  });

  test('DataParallel: a failed partition is left out; none at all gives an empty list', () => {
    expect(mergeResults('DataParallel', 'concat', [ok('p0', 'partition', 0, [1]), failed('p1', 'partition', 1), ok('p2', 'partition', 2, [3])])).toEqual([1, 3]);
    expect(mergeResults('DataParallel', 'concat', [])).toEqual([]);
  });

  test('PipelineParallel: last-stage outputs by micro-batch; earlier stages are ignored', () => {
    const results = [];
    for (let m = 0; m < 3; m++) {
      results.push(ok('square', 'stage', 0, [`sq${m}`], m), ok('negate', 'stage', 1, [`out${m}a`, `out${m}b`], m));
    }
    expect(mergeResults('PipelineParallel', 'concat', shuffled(results, 3))).toEqual(['out0a', 'out0b', 'out1a', 'out1b', 'out2a', 'out2b']);
  });

  test('PipelineParallel: a micro-batch whose last stage failed is left out', () => {
    const results = [ok('a', 'stage', 0, [0], 0), ok('b', 'stage', 1, [10], 0), ok('a', 'stage', 0, [1], 1), failed('b', 'stage', 1, 1), ok('a', 'stage', 0, [2], 2), ok('b', 'stage', 1, [12], 2)];
    expect(mergeResults('PipelineParallel', 'concat', results)).toEqual([10, 12]);
  });
});

describe('mean and median', () => {
  test('numbers', () => {
    const results = [ok('a', 'variant', 0, 1), ok('b', 'variant', 1, 2), ok('c', 'variant', 2, 6)];
    expect(mergeResults('Ensemble', 'mean', results)).toBe(3);
    expect(mergeResults('Ensemble', 'median', results)).toBe(2);
    expect(mergeResults('Ensemble', 'median', [...results, ok('d', 'variant', 3, 10)])).toBe(4);
  });

  test('arrays elementwise, nested arrays too', () => {
    const results = [ok('a', 'variant', 0, [1, [2, 3]]), ok('b', 'variant', 1, [3, [4, 5]]), ok('c', 'variant', 2, [8, [0, 1]])];
    expect(mergeResults('Ensemble', 'mean', results)).toEqual([4, [2, 3]]);
    expect(mergeResults('Ensemble', 'median', results)).toEqual([3, [2, 3]]);
  });

  test('failed variants are left out', () => {
    expect(mergeResults('Ensemble', 'mean', [ok('a', 'variant', 0, 2), failed('b', 'variant', 1), ok('c', 'variant', 2, 4)])).toBe(3);
  });

  test('arrays of different lengths are refused, naming the variants', () => {
    expectMergeError(
      () => mergeResults('Ensemble', 'mean', [ok('small', 'variant', 0, [1, 2]), ok('large', 'variant', 1, [1, 2, 3])]),
      'LengthMismatch',
      "mean of arrays needs equal lengths: small's result has 2 elements, large's has 3",
    );
    expectMergeError(
      () => mergeResults('Ensemble', 'median', [ok('a', 'variant', 0, [[1], [2]]), ok('b', 'variant', 1, [[1], [2, 3]])]),
      'LengthMismatch',
      "a's result[1] has 1 elements, b's has 2",
    );
  });

  test('strings, objects, or numbers mixed with arrays are refused', () => {
    expectMergeError(
      () => mergeResults('Ensemble', 'mean', [ok('a', 'variant', 0, 1), ok('b', 'variant', 1, 'two')]),
      'NotNumeric',
      `mean needs numbers or arrays of numbers, but b's result is the string "two"`,
    );
    expectMergeError(() => mergeResults('Ensemble', 'median', [ok('a', 'variant', 0, [1, { x: 1 }])]), 'NotNumeric', "a's result[1] is an object");
    expectMergeError(() => mergeResults('Ensemble', 'mean', [ok('a', 'variant', 0, [1]), ok('b', 'variant', 1, 1)]), 'NotNumeric', "b's result is a number while others are arrays");
    expectMergeError(() => mergeResults('Ensemble', 'mean', [ok('a', 'variant', 0, true)]), 'NotNumeric', 'is a boolean');
  });

  test('nothing succeeded: nothing to average', () => {
    expectMergeError(() => mergeResults('Ensemble', 'mean', [failed('a', 'variant', 0)]), 'NoResults', 'no subtask succeeded, so there is nothing to take the mean of');
  });
});

describe('vote', () => {
  test('the most common result by deep equality, object key order ignored', () => {
    const results = [ok('a', 'variant', 0, { label: 'cat', p: [1, 2] }), ok('b', 'variant', 1, 'dog'), ok('c', 'variant', 2, { p: [1, 2], label: 'cat' }), ok('d', 'variant', 3, 'dog'), ok('e', 'variant', 4, { label: 'cat', p: [1, 2] })];
    expect(mergeResults('Ensemble', 'vote', shuffled(results))).toEqual({ label: 'cat', p: [1, 2] });
  });

  test('a tie goes to the result first in subtask order (variant index), whatever the arrival order', () => {
    const results = [ok('a', 'variant', 0, 'x'), ok('b', 'variant', 1, 'y'), ok('c', 'variant', 2, 'y'), ok('d', 'variant', 3, 'x')];
    for (let seed = 1; seed < 20; seed++) expect(mergeResults('Ensemble', 'vote', shuffled(results, seed))).toBe('x');
  });

  test('failed variants do not vote; with none left it is an error', () => {
    expect(mergeResults('Ensemble', 'vote', [failed('a', 'variant', 0), ok('b', 'variant', 1, 'y')])).toBe('y');
    expectMergeError(() => mergeResults('Ensemble', 'vote', []), 'NoResults', 'nothing to vote on');
  });

  test('canonicalJson is order-independent for keys but not for arrays', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: null }] })).toBe('{"a":[2,{"c":null,"d":1}],"b":1}');
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe('collect', () => {
  test('DataParallel: keyed by partition index', () => {
    expect(mergeResults('DataParallel', 'collect', [ok('p1', 'partition', 1, [3]), ok('p0', 'partition', 0, [1]), failed('p2', 'partition', 2)])).toEqual({ '0': [1], '1': [3] });
  });

  test('ModelParallel: keyed by shard name', () => {
    expect(mergeResults('ModelParallel', 'collect', [ok('encode', 'shard', 0, 'e'), ok('decode', 'shard', 1, 'd')])).toEqual({ encode: 'e', decode: 'd' });
  });

  test('PipelineParallel: by stage name, then micro-batch', () => {
    const results = [ok('a', 'stage', 0, 1, 0), ok('b', 'stage', 1, 2, 0), ok('a', 'stage', 0, 3, 1), failed('b', 'stage', 1, 1)];
    expect(mergeResults('PipelineParallel', 'collect', results)).toEqual({ a: { '0': 1, '1': 3 }, b: { '0': 2 } });
  });

  test('Ensemble: keyed by variant name; FunctionParallel: by function name (its default)', () => {
    expect(mergeResults('Ensemble', 'collect', [ok('small', 'variant', 0, 0.8), ok('large', 'variant', 1, 0.9)])).toEqual({ small: 0.8, large: 0.9 });
    expect(defaultMergeMethod('FunctionParallel')).toBe('collect');
    const results = [ok('throughput', 'function', 1, { opsPerSecond: 10 }), ok('latency', 'function', 0, { p50: 1 }), failed('memory', 'function', 2)];
    expect(mergeResults('FunctionParallel', 'collect', results)).toEqual({ latency: { p50: 1 }, throughput: { opsPerSecond: 10 } });
  });
});

describe('last', () => {
  test('ModelParallel: the last shard\'s output', () => {
    expect(mergeResults('ModelParallel', 'last', shuffled([ok('a', 'shard', 0, [1]), ok('b', 'shard', 1, [2]), ok('c', 'shard', 2, { final: true })]))).toEqual({ final: true });
  });

  test('a failed last shard is an error, not a silent intermediate result', () => {
    expectMergeError(
      () => mergeResults('ModelParallel', 'last', [ok('a', 'shard', 0, [1]), failed('b', 'shard', 1)]),
      'MissingLastShard',
      'the last shard, b (index 1), did not succeed',
    );
    expectMergeError(() => mergeResults('ModelParallel', 'last', []), 'NoResults', /no shard results/);
  });
});

describe('what cannot be merged', () => {
  test('a method that does not suit the strategy', () => {
    expectMergeError(() => mergeResults('DataParallel', 'mean', []), 'UnsuitableMethod', 'merge method mean does not suit strategy DataParallel (use concat, collect)');
    expectMergeError(() => mergeResults('FunctionParallel', 'vote', []), 'UnsuitableMethod', /FunctionParallel/);
  });

  test('results of another strategy\'s role, or two results for one subtask', () => {
    expectMergeError(() => mergeResults('Ensemble', 'collect', [ok('p0', 'partition', 0, 1)]), 'RoleMismatch', 'subtask p0 has role partition, but Ensemble subtasks have role variant');
    expectMergeError(() => mergeResults('DataParallel', 'concat', [ok('p0', 'partition', 0, 1), ok('p0', 'partition', 0, 2)]), 'DuplicateSubtask', 'both claim index 0');
  });

  test('every strategy merges by its default method', () => {
    for (const strategy of STRATEGIES) {
      expect(MERGE_METHODS).toContain(defaultMergeMethod(strategy));
      expect(MERGE_METHODS_BY_STRATEGY[strategy]).toContain(defaultMergeMethod(strategy));
    }
  });
});
