import { describe, expect, test } from '@jest/globals';
import type { SpeedEstimate } from '../../../../operator/core/placement/index.js';
import { Predictor, predictedWork, seededShuffle, speedEstimate, type Prediction, type PredictionQuery } from '../../../../operator/core/predict/index.js';
import { gpuNodeInfo, nodeInfo } from '../placement/builders.js';
import { MATMUL_SIZES, MI, mapRuns, matmulRuns, run } from './builders.js';

const REPEATS = [1, 2, 3];
const matmul = (n: number, repeat = 1): PredictionQuery => ({ taskType: 'matmul', params: { n, repeat }, hardware: { type: 'cpu' } });
const truth = (n: number, repeat = 1, scale = 1e-9) => scale * n ** 3 * repeat;
const relativeError = (predicted: number, actual: number) => Math.abs(predicted - actual) / actual;

function expectWellFormed(prediction: Prediction): void {
  expect(prediction.confidence).toBeGreaterThanOrEqual(0);
  expect(prediction.confidence).toBeLessThanOrEqual(1);
  expect(prediction.executionSeconds).toBeGreaterThan(0);
  expect(prediction.cpu).toBeGreaterThan(0);
  expect(prediction.memoryBytes).toBeGreaterThan(0);
  expect(prediction.margin).toBeGreaterThanOrEqual(0);
  expect(Number.isFinite(prediction.executionSeconds + prediction.cpu + prediction.memoryBytes + prediction.margin)).toBe(true);
}

describe('tiers', () => {
  test('no data: the built-in defaults, labelled default, with a low confidence', () => {
    const prediction = new Predictor([]).predict({ taskType: 'custom' });
    expect(prediction).toEqual({ executionSeconds: 60, cpu: 1, memoryBytes: 512 * MI, gpu: 0, hardware: 'cpu', source: 'default', confidence: 0.1, margin: 0.25, interval: { p10: 15, p90: 240 } });
    expect(new Predictor([]).predict({ taskType: 'sleep', params: { seconds: 30 } }).executionSeconds).toBe(30);
  });

  test('failed runs teach no seconds: still the defaults', () => {
    const failed = Array.from({ length: 20 }, (_, i) => run({ index: i, succeeded: false, seconds: 5 }));
    const predictor = new Predictor(failed);
    expect(predictor.predict(matmul(64)).source).toBe('default');
    expect(predictor.summary()).toEqual([{ taskType: 'matmul', samples: 0, failed: 20, hardware: [], tier: 'default' }]);
  });

  test('below minSamplesForModel: statistics of the most similar runs', () => {
    const few = matmulRuns([64, 128, 256], [1, 2], { noise: 0 }); // 6 runs
    const predictor = new Predictor(few);
    const prediction = predictor.predict(matmul(128, 2));
    expect(prediction.source).toBe('statistics');
    expectWellFormed(prediction);
    // The median of the 5 nearest runs in log-feature space: n=128 and its neighbours.
    expect(prediction.executionSeconds).toBeGreaterThan(truth(64));
    expect(prediction.executionSeconds).toBeLessThan(truth(256, 2));
    expect(predictor.summary()[0]).toMatchObject({ taskType: 'matmul', samples: 6, tier: 'statistics' });
    expect(predictor.summary()[0]!.model).toBeUndefined();
  });

  test('a single run is enough for statistics; its confidence is lower than with more agreeing runs', () => {
    const one = new Predictor([run({ seconds: 3 })]).predict({ taskType: 'matmul' });
    expect(one).toMatchObject({ source: 'statistics', executionSeconds: 3 });
    const three = new Predictor([0, 1, 2].map((i) => run({ index: i, seconds: 3 }))).predict({ taskType: 'matmul' });
    expect(three.confidence).toBeGreaterThan(one.confidence);
  });

  test('enough runs and a good held-out fit: the model answers', () => {
    const predictor = new Predictor(matmulRuns(MATMUL_SIZES, REPEATS));
    const prediction = predictor.predict(matmul(200, 2));
    expect(prediction.source).toBe('model');
    expectWellFormed(prediction);
    expect(relativeError(prediction.executionSeconds, truth(200, 2))).toBeLessThan(0.1);
    expect(prediction.confidence).toBeGreaterThan(0.9);
  });

  test('a model that does not beat maxModelMape is not trusted: statistics answer', () => {
    // Seconds unrelated to the params, spread over two orders of magnitude.
    const noisy = matmulRuns(MATMUL_SIZES, REPEATS).map((sample, i) => ({ ...sample, executionSeconds: 10 ** (((i * 7919) % 97) / 48) }));
    const predictor = new Predictor(noisy);
    expect(predictor.predict(matmul(128)).source).toBe('statistics');
    const [summary] = predictor.summary();
    expect(summary!.tier).toBe('statistics');
    expect(summary!.heldOutMape).toBeGreaterThan(0.5);
  });

  test('minSamplesForModel is an option', () => {
    const runs = matmulRuns(MATMUL_SIZES, REPEATS);
    expect(new Predictor(runs, { minSamplesForModel: 100 }).predict(matmul(128)).source).toBe('statistics');
  });
});

describe('power-law recovery', () => {
  test('matmul t = c·n³·repeat with 5% noise: log-linear, held-out MAPE under 5%, far below the baseline', () => {
    const predictor = new Predictor(matmulRuns(MATMUL_SIZES, REPEATS, { noise: 0.05 }));
    const [summary] = predictor.summary();
    expect(summary).toMatchObject({ taskType: 'matmul', samples: 27, tier: 'model', model: 'log-linear' });
    expect(summary!.heldOutMape).toBeLessThan(0.05);
    expect(summary!.baselineMape).toBeGreaterThan(3 * summary!.heldOutMape!);
    // Sizes never seen, inside and beyond the grid.
    for (const [n, repeat] of [
      [100, 1],
      [300, 3],
      [512, 1],
    ] as const) {
      expect(relativeError(predictor.predict(matmul(n, repeat)).executionSeconds, truth(n, repeat))).toBeLessThan(0.1);
    }
  });

  test('map t = c_op·items: linear in the items, one rate per op', () => {
    const predictor = new Predictor(mapRuns([2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000], { square: 2e-8, double: 2e-8, sha256: 1e-6 }));
    const sha = predictor.predict({ taskType: 'map', params: { op: 'sha256' }, inputSize: 30_000 });
    const square = predictor.predict({ taskType: 'map', params: { op: 'square' }, inputSize: 30_000 });
    expect(sha.source).toBe('model');
    expect(relativeError(sha.executionSeconds, 1e-6 * 30_000)).toBeLessThan(0.1);
    expect(relativeError(square.executionSeconds, 2e-8 * 30_000)).toBeLessThan(0.1);
  });

  test('a query with params never seen (a new op) keeps the tier at half the confidence', () => {
    const predictor = new Predictor(mapRuns([2000, 5000, 10_000, 20_000, 50_000], { square: 2e-8, sha256: 1e-6 }));
    const known = predictor.predict({ taskType: 'map', params: { op: 'square' }, inputSize: 1000 });
    const novel = predictor.predict({ taskType: 'map', params: { op: 'upper' }, inputSize: 1000 });
    expect(novel.source).toBe(known.source);
    expect(novel.confidence).toBeCloseTo(known.confidence / 2, 10);
  });

  test('a query without inputSize is taken at the median items seen', () => {
    const predictor = new Predictor(mapRuns([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000], { square: 1e-6, double: 1e-6 }));
    expect(relativeError(predictor.predict({ taskType: 'map', params: { op: 'square' } }).executionSeconds, 1e-6 * 8000)).toBeLessThan(0.1);
  });
});

describe('confidence and margin', () => {
  test('a better fit earns a higher confidence', () => {
    const tight = new Predictor(matmulRuns(MATMUL_SIZES, REPEATS, { noise: 0.02 })).predict(matmul(128));
    const loose = new Predictor(matmulRuns(MATMUL_SIZES, REPEATS, { noise: 0.4 })).predict(matmul(128));
    expect(tight.source).toBe('model');
    expect(loose.source).toBe('model');
    expect(tight.confidence).toBeGreaterThan(loose.confidence);
    for (const prediction of [tight, loose]) expectWellFormed(prediction);
  });

  test('always within [0, 1], whatever the tier', () => {
    const predictors = [new Predictor([]), new Predictor([run()]), new Predictor(matmulRuns([64, 128], [1])), new Predictor(matmulRuns(MATMUL_SIZES, REPEATS))];
    for (const predictor of predictors) {
      for (const query of [matmul(64), matmul(4096, 9), { taskType: 'matmul' }, { taskType: 'other', hardware: { type: 'gpu' as const } }]) {
        expectWellFormed(predictor.predict(query));
      }
    }
  });

  test('cpu and memory: the predicted use padded by the margin; memory grows with n (a fitted model, not the largest seen)', () => {
    const predictor = new Predictor(matmulRuns(MATMUL_SIZES, REPEATS));
    const prediction = predictor.predict(matmul(1024));
    expect(prediction.margin).toBeGreaterThanOrEqual(0.1);
    expect(prediction.margin).toBeLessThanOrEqual(1);
    expect(prediction.cpu).toBeGreaterThanOrEqual(1);
    expect(prediction.cpu).toBeLessThan(1.5);
    expect(prediction.memoryBytes).toBeGreaterThanOrEqual(80e6 + 24 * 1024 * 1024);
    expect(prediction.memoryBytes).toBeLessThan(2 * (80e6 + 24 * 1024 * 1024));
    // Whole MiB, whole millicores.
    expect(prediction.memoryBytes % MI).toBe(0);
    expect(Math.round(prediction.cpu * 1000)).toBeCloseTo(prediction.cpu * 1000, 6);
  });

  test('runs that reported no cpu or memory: the default requests and the default margin', () => {
    const runs = matmulRuns(MATMUL_SIZES, REPEATS).map(({ cpuCoresUsed: _cpu, memoryBytesUsed: _memory, ...rest }) => rest);
    const prediction = new Predictor(runs).predict(matmul(64));
    expect(prediction).toMatchObject({ source: 'model', cpu: 1, memoryBytes: 256 * MI + 24 * 64 * 64, margin: 0.25 });
  });
});

describe('determinism', () => {
  const samples = [...matmulRuns(MATMUL_SIZES, REPEATS, { noise: 0.2 }), ...mapRuns([1000, 4000, 16_000], { square: 1e-6, sha256: 1e-5 })];
  const queries: PredictionQuery[] = [matmul(64), matmul(100, 2), matmul(1000, 3), { taskType: 'map', params: { op: 'sha256' }, inputSize: 5000 }, { taskType: 'matmul' }];

  test('two predictors from the same samples answer identically', () => {
    const a = new Predictor(samples);
    const b = new Predictor(samples);
    expect(queries.map((q) => a.predict(q))).toEqual(queries.map((q) => b.predict(q)));
    expect(a.summary()).toEqual(b.summary());
  });

  test('shuffled input gives exactly the same predictions, for every candidate model, the seeded forest included', () => {
    for (const candidates of [undefined, ['random-forest' as const], ['polynomial' as const]]) {
      const a = new Predictor(samples, { candidates });
      const b = new Predictor(seededShuffle(samples, 99), { candidates });
      expect(queries.map((q) => b.predict(q))).toEqual(queries.map((q) => a.predict(q)));
      expect(b.summary()).toEqual(a.summary());
    }
  });

  test('a sample seen twice (same id) is learned once', () => {
    const once = new Predictor(samples);
    const twice = new Predictor([...samples, ...samples.slice(0, 10)]);
    expect(twice.summary()).toEqual(once.summary());
    expect(queries.map((q) => twice.predict(q))).toEqual(queries.map((q) => once.predict(q)));
  });
});

describe('hardware', () => {
  const cpuRuns = matmulRuns(MATMUL_SIZES, REPEATS, { scale: 1e-9 });
  const a10gRuns = matmulRuns(MATMUL_SIZES, REPEATS, { scale: 1e-10, hardware: 'gpu', gpuProduct: 'NVIDIA-A10G', first: 1000 });
  const h100Runs = matmulRuns(MATMUL_SIZES, REPEATS, { scale: 2e-11, hardware: 'gpu', gpuProduct: 'NVIDIA-H100-80GB-HBM3', first: 2000 });
  const any = { taskType: 'matmul', params: { n: 256, repeat: 1 } };

  test('no hardware asked: the one predicted fastest; a GPU when the data shows it faster', () => {
    const prediction = new Predictor([...cpuRuns, ...a10gRuns]).predict(any);
    expect(prediction).toMatchObject({ hardware: 'gpu', gpuProduct: 'NVIDIA-A10G', gpu: 1, source: 'model' });
    expect(relativeError(prediction.executionSeconds, truth(256, 1, 1e-10))).toBeLessThan(0.15);
    expect(new Predictor([...cpuRuns, ...a10gRuns, ...h100Runs]).predict({ ...any, hardware: { type: 'any' } }).gpuProduct).toBe('NVIDIA-H100-80GB-HBM3');
  });

  test('a GPU that is slower is not recommended; nor one never compared with the CPU', () => {
    const slowGpu = matmulRuns(MATMUL_SIZES, REPEATS, { scale: 5e-9, hardware: 'gpu', gpuProduct: 'NVIDIA-T4', first: 1000 });
    expect(new Predictor([...cpuRuns, ...slowGpu]).predict(any)).toMatchObject({ hardware: 'cpu', gpu: 0 });
    expect(new Predictor(a10gRuns).predict(any)).toMatchObject({ hardware: 'cpu', gpu: 0 });
    expect(new Predictor([]).predict(any)).toMatchObject({ hardware: 'cpu', gpu: 0 });
  });

  test('gpu asked without a product: the fastest GPU seen; with a product: that product', () => {
    const predictor = new Predictor([...cpuRuns, ...a10gRuns, ...h100Runs]);
    expect(predictor.predict({ ...any, hardware: { type: 'gpu' } }).gpuProduct).toBe('NVIDIA-H100-80GB-HBM3');
    const a10g = predictor.predict({ ...any, hardware: { type: 'gpu', gpuProduct: 'NVIDIA-A10G' } });
    expect(a10g).toMatchObject({ hardware: 'gpu', gpuProduct: 'NVIDIA-A10G', gpu: 1, source: 'model' });
    expect(predictor.predict({ ...any, hardware: { type: 'cpu' } })).toMatchObject({ hardware: 'cpu', gpu: 0, source: 'model' });
  });

  test('hardware never seen for the taskType: statistics of the other hardware, at half the confidence', () => {
    const predictor = new Predictor(cpuRuns);
    const l4 = predictor.predict({ ...any, hardware: { type: 'gpu', gpuProduct: 'NVIDIA-L4' } });
    expect(l4).toMatchObject({ source: 'statistics', hardware: 'gpu', gpuProduct: 'NVIDIA-L4', gpu: 1 });
    expect(l4.confidence).toBeLessThanOrEqual(0.45);
    expect(new Predictor([]).predict({ taskType: 'x', hardware: { type: 'gpu' } })).toMatchObject({ hardware: 'gpu', gpu: 1, source: 'default' });
  });

  test('relative speed per hardware for the scheduler: 1 for the fastest, as placement’s SpeedEstimate', () => {
    const predictor = new Predictor([...cpuRuns, ...a10gRuns]);
    const estimate: SpeedEstimate = speedEstimate(predictor);
    const gpuNode = gpuNodeInfo('g', { product: 'NVIDIA-A10G' });
    const cpuNode = nodeInfo('c');
    expect(estimate('matmul', gpuNode)).toBe(1);
    expect(estimate('matmul', cpuNode)).toBeCloseTo(0.1, 1);
    expect(estimate('matmul', gpuNodeInfo('h', { product: 'NVIDIA-H100-80GB-HBM3' }))).toBeUndefined();
    expect(estimate(undefined, cpuNode)).toBeUndefined();
    expect(estimate('other', cpuNode)).toBeUndefined();
    // One kind of hardware: nothing to compare.
    expect(new Predictor(cpuRuns).relativeSpeed('matmul', cpuNode)).toBeUndefined();
  });

  test('relative speed from statistics too, when there are too few runs for a model', () => {
    const predictor = new Predictor([run({ index: 1, seconds: 10 }), run({ index: 2, seconds: 2, hardware: 'gpu', gpuProduct: 'NVIDIA-A10G' })]);
    expect(predictor.relativeSpeed('matmul', gpuNodeInfo('g', { product: 'NVIDIA-A10G' }))).toBe(1);
    expect(predictor.relativeSpeed('matmul', nodeInfo('c'))).toBeCloseTo(0.2, 10);
  });
});

describe('predicted work and summary', () => {
  test('seconds of the queries by the hardware they are predicted for, each counted `count` times', () => {
    const predictor = new Predictor([...matmulRuns(MATMUL_SIZES, REPEATS), ...matmulRuns(MATMUL_SIZES, REPEATS, { scale: 1e-10, hardware: 'gpu', gpuProduct: 'NVIDIA-A10G', first: 1000 })]);
    const cpu = predictor.predict(matmul(256));
    const gpu = predictor.predict({ taskType: 'matmul', params: { n: 256, repeat: 1 } });
    const work = predictedWork(predictor, [
      { ...matmul(256), count: 3 },
      { taskType: 'matmul', params: { n: 256, repeat: 1 } },
      { taskType: 'custom', count: 2 },
      { taskType: 'custom', count: 0 },
    ]);
    expect(work.cpu).toBeCloseTo(3 * cpu.executionSeconds + 2 * 60, 10);
    expect(work.gpu).toBeCloseTo(gpu.executionSeconds, 10);
    expect(work.byHardware).toEqual({ cpu: work.cpu, 'NVIDIA-A10G': work.gpu });
  });

  test('summary: per taskType, sorted, runs, chosen model, held-out and baseline MAPE', () => {
    const predictor = new Predictor([...mapRuns([1000, 4000, 16_000, 64_000], { square: 1e-6, sha256: 1e-5, double: 1e-6 }), ...matmulRuns([64], [1]), run({ id: 'f', taskType: 'map', succeeded: false })]);
    const summary = predictor.summary();
    expect(summary.map((s) => [s.taskType, s.samples, s.failed, s.tier])).toEqual([
      ['map', 12, 1, 'model'],
      ['matmul', 1, 0, 'statistics'],
    ]);
    expect(summary[0]!.model).toBe('log-linear');
    expect(summary[0]!.baselineMape).toBeGreaterThan(summary[0]!.heldOutMape!);
    expect(summary[0]!.candidates!.map((c) => c.name)).toEqual(['log-linear', 'polynomial', 'random-forest', 'mean']);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(predictor.taskTypes()).toEqual(['map', 'matmul']);
  });
});

describe('resource predictions stay plausible', () => {
  test('cpu from a fitted model never exceeds twice the most any run used, whatever the params', () => {
    // cpu falls steeply with n in the runs (a log-linear law), so a tiny n extrapolates far up.
    const runs = Array.from({ length: 40 }, (_, i) => {
      const n = 64 + i * 16;
      return run({ index: i, params: { n }, inputSize: n, seconds: n / 100, cpu: 2000 / n ** 1.5 });
    });
    const most = Math.max(...runs.map((r) => r.cpuCoresUsed!));
    const prediction = new Predictor(runs).predict({ taskType: 'matmul', params: { n: 1 }, inputSize: 1, hardware: { type: 'cpu' } });
    expect(prediction.source).toBe('model');
    // Padded by the margin (at most ×2) on top of the cap.
    expect(prediction.cpu).toBeLessThanOrEqual(2 * most * 2);
    expect(prediction.cpu).toBeLessThan(20);
  });
});
