import { describe, expect, test } from '@jest/globals';
import { benchmark, percentile } from '../../../operator/worker/workloads/benchmark.js';
import { echo } from '../../../operator/worker/workloads/echo.js';
import { flaky } from '../../../operator/worker/workloads/flaky.js';
import { builtInTaskTypes, workloadFor } from '../../../operator/worker/workloads/index.js';
import { map, sha256Hex } from '../../../operator/worker/workloads/map.js';
import { matmul, type MatmulResult } from '../../../operator/worker/workloads/matmul.js';
import { matrixPair, matrixSum, multiplyRows, seededMatrix, seededRandom } from '../../../operator/worker/workloads/matrix.js';
import { sleep } from '../../../operator/worker/workloads/sleep.js';
import type { WorkloadContext } from '../../../operator/worker/workloads/types.js';

const context = (overrides: Partial<WorkloadContext> = {}): WorkloadContext => ({
  attempt: 1,
  signal: new AbortController().signal,
  ...overrides,
});

/** The textbook i-j-k product, for checking the optimised kernel. */
function naiveProduct(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += a[i * n + k]! * b[k * n + j]!;
      c[i * n + j] = sum;
    }
  }
  return c;
}

describe('echo', () => {
  test('returns its input unchanged, whatever it is', async () => {
    expect(await echo([1, 'a', { b: null }], {}, context())).toEqual([1, 'a', { b: null }]);
    expect(await echo({ shard: 1 }, {}, context())).toEqual({ shard: 1 });
  });
});

describe('map', () => {
  test.each([
    ['square', [1, -2, 1.5], [1, 4, 2.25]],
    ['double', [1, -2, 0.5], [2, -4, 1]],
    ['negate', [1, -2, 0], [-1, 2, -0]],
    ['upper', ['abc', 'Straße', ''], ['ABC', 'STRASSE', '']],
  ])('%s', async (op, items, expected) => {
    expect(await map(items, { op }, context())).toEqual(expected);
  });

  test('sha256 hashes strings as UTF-8 and anything else as its JSON (known vectors)', async () => {
    expect(await map(['abc', '', 'héllo', 1, { a: [1, 2] }], { op: 'sha256' }, context())).toEqual([
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '3c48591d8d098a4538f5e013dfcf406e948eac4d3277b10bf614e295d6068179',
      '6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b',
      '01530d164d479cf08e26d3b1ad9bdba927120d97e2d057a6d792db778780d720',
    ]);
    expect(sha256Hex('abc')).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a wrong item type names the op and the item index', async () => {
    await expect(map([1, 'two', 3], { op: 'square' }, context())).rejects.toThrow('map op square: item 1 is string, expected a number');
    await expect(map(['a', null], { op: 'upper' }, context())).rejects.toThrow('map op upper: item 1 is null, expected a string');
  });

  test('a result JSON cannot hold (Infinity) is an error, not a silent null', async () => {
    await expect(map([2, 1e200], { op: 'square' }, context())).rejects.toThrow('map op square: item 1 (1e+200) overflows to Infinity');
  });

  test('an unknown or missing op is an error listing the known ones', async () => {
    await expect(map([1], { op: 'cube' }, context())).rejects.toThrow(
      'map: unknown op "cube"; expected one of square | double | negate | upper | sha256',
    );
    await expect(map([1], { op: 'toString' }, context())).rejects.toThrow(/unknown op "toString"/);
    await expect(map([1], {}, context())).rejects.toThrow(/map: params\.op: op is required/);
  });

  test('items must be an array', async () => {
    await expect(map({ a: 1 }, { op: 'double' }, context())).rejects.toThrow('map op double: items must be an array, got object');
  });
});

describe('matrix kernel', () => {
  test('the seeded generator is deterministic and stays in [-1, 1)', () => {
    const first = seededRandom(42);
    const second = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => first());
    expect(Array.from({ length: 1000 }, () => second())).toEqual(values);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(new Set(values).size).toBe(1000);
    expect(seededMatrix(3, 7)).toEqual(seededMatrix(3, 7));
  });

  test.each([1, 2, 3, 4, 5, 8, 13, 33])('n=%i: bit-identical to the naive i-j-k product', (n) => {
    const { a, b, c } = matrixPair(n);
    multiplyRows(a, b, c, n, 0, n);
    expect(c).toEqual(naiveProduct(a, b, n));
  });
});

describe('matmul', () => {
  test('the checksum equals the naive reference and is the same on every run', async () => {
    const n = 17;
    const first = (await matmul([], { n, repeat: 3 }, context())) as MatmulResult;
    const second = (await matmul([], { n, repeat: 3 }, context())) as MatmulResult;
    const { a, b } = matrixPair(n);
    const referenceSum = matrixSum(naiveProduct(a, b, n));
    expect(first).toMatchObject({ n, repeat: 3, checksum: referenceSum + referenceSum + referenceSum });
    expect(second.checksum).toBe(first.checksum);
    expect(first.seconds).toBeGreaterThanOrEqual(0);
  });

  test('repeat defaults to 1; different n give different checksums', async () => {
    const small = (await matmul([], { n: 8 }, context())) as MatmulResult;
    const larger = (await matmul([], { n: 9 }, context())) as MatmulResult;
    expect(small.repeat).toBe(1);
    expect(small.checksum).not.toBe(larger.checksum);
  });

  test('n and repeat are bounded', async () => {
    await expect(matmul([], { n: 0 }, context())).rejects.toThrow(/matmul: params\.n/);
    await expect(matmul([], { n: 4096 }, context())).rejects.toThrow(/matmul: params\.n: .*2048/);
    await expect(matmul([], { n: 1.5 }, context())).rejects.toThrow(/matmul: params\.n/);
    await expect(matmul([], {}, context())).rejects.toThrow(/matmul: params\.n/);
    await expect(matmul([], { n: 4, repeat: 0 }, context())).rejects.toThrow(/matmul: params\.repeat/);
  });

  test('an aborted signal stops it', async () => {
    const abort = new AbortController();
    abort.abort(new Error('terminated by SIGTERM'));
    await expect(matmul([], { n: 4 }, context({ signal: abort.signal }))).rejects.toThrow('terminated by SIGTERM');
  });
});

describe('sleep', () => {
  test('waits about params.seconds, then returns its items', async () => {
    const start = performance.now();
    expect(await sleep(['x'], { seconds: 0.05 }, context())).toEqual(['x']);
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
  });

  test('an abort ends it at once with the abort reason', async () => {
    const abort = new AbortController();
    const start = performance.now();
    const sleeping = sleep([], { seconds: 60 }, context({ signal: abort.signal }));
    setTimeout(() => abort.abort(new Error('terminated by SIGTERM')), 10);
    await expect(sleeping).rejects.toThrow('terminated by SIGTERM');
    expect(performance.now() - start).toBeLessThan(5000);
  });

  test('seconds is bounded', async () => {
    await expect(sleep([], { seconds: -1 }, context())).rejects.toThrow(/sleep: params\.seconds/);
    await expect(sleep([], { seconds: 1e9 }, context())).rejects.toThrow(/sleep: params\.seconds/);
  });
});

describe('flaky', () => {
  test('attempts up to and including failAttempts fail; later ones echo', async () => {
    const params = { failAttempts: 2 };
    await expect(flaky([1], params, context({ attempt: 1 }))).rejects.toThrow('flaky: attempt 1 fails on purpose (params.failAttempts is 2)');
    await expect(flaky([1], params, context({ attempt: 2 }))).rejects.toThrow(/attempt 2 fails/);
    expect(await flaky([1], params, context({ attempt: 3 }))).toEqual([1]);
  });

  test('failAttempts defaults to 1, and 0 never fails', async () => {
    await expect(flaky([], {}, context({ attempt: 1 }))).rejects.toThrow(/attempt 1 fails/);
    expect(await flaky(['a'], {}, context({ attempt: 2 }))).toEqual(['a']);
    expect(await flaky(['a'], { failAttempts: 0 }, context({ attempt: 1 }))).toEqual(['a']);
  });
});

describe('benchmark', () => {
  test('latency: seconds per multiply with p50 and p95', async () => {
    const result = await benchmark([], { function: 'latency', n: 16, runs: 4 }, context());
    expect(result).toEqual({
      function: 'latency',
      n: 16,
      runs: 4,
      secondsPerMultiply: {
        p50: expect.any(Number),
        p95: expect.any(Number),
        min: expect.any(Number),
        max: expect.any(Number),
        mean: expect.any(Number),
      },
    });
    const { secondsPerMultiply: s } = result as { secondsPerMultiply: Record<string, number> };
    expect(s.min).toBeLessThanOrEqual(s.p50!);
    expect(s.p50).toBeLessThanOrEqual(s.p95!);
    expect(s.p95).toBeLessThanOrEqual(s.max!);
  });

  test('throughput: multiplies per second and GFLOP/s', async () => {
    const result = (await benchmark([], { function: 'throughput', n: 16, runs: 3 }, context())) as Record<string, number>;
    expect(result).toMatchObject({ function: 'throughput', n: 16, multiplies: 3 });
    expect(result.multipliesPerSecond).toBeGreaterThan(0);
    expect(result.gflopsPerSecond).toBeCloseTo((2 * 16 ** 3 * result.multipliesPerSecond!) / 1e9, 9);
  });

  test('memory: the working set and the measured RSS delta', async () => {
    const result = (await benchmark([], { function: 'memory', n: 64 }, context())) as Record<string, unknown>;
    expect(result).toMatchObject({ function: 'memory', n: 64, workingSetBytes: 3 * 64 * 64 * 8 });
    expect(result.rssDeltaBytes).toBe((result.rssAfterBytes as number) - (result.rssBeforeBytes as number));
  });

  test('the function may come from the context (a FunctionParallel subtask)', async () => {
    const result = await benchmark([], { n: 4, runs: 1 }, context({ functionName: 'throughput' }));
    expect(result).toMatchObject({ function: 'throughput' });
  });

  test('an unknown or missing function is a clear error', async () => {
    await expect(benchmark([], { function: 'bandwidth' }, context())).rejects.toThrow(
      'benchmark: unknown function "bandwidth"; expected one of latency | throughput | memory',
    );
    await expect(benchmark([], {}, context())).rejects.toThrow('benchmark: params.function is required, one of latency | throughput | memory');
    await expect(benchmark([], { function: 'latency', n: 9999 }, context())).rejects.toThrow(/benchmark latency: params\.n/);
  });

  test('percentile is nearest-rank', () => {
    const samples = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 95)).toBe(10);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile([7], 95)).toBe(7);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});

describe('workloadFor', () => {
  test('knows the six built-in workloads', () => {
    expect(builtInTaskTypes).toEqual(['echo', 'map', 'matmul', 'sleep', 'flaky', 'benchmark']);
    for (const taskType of builtInTaskTypes) expect(typeof workloadFor(taskType)).toBe('function');
  });

  test('an unknown taskType names the built-in ones', () => {
    expect(() => workloadFor('train')).toThrow(
      'unknown taskType "train"; built-in workloads are echo, map, matmul, sleep, flaky, benchmark (run anything else with spec.worker)',
    );
    expect(() => workloadFor('constructor')).toThrow(/unknown taskType "constructor"/);
  });
});
