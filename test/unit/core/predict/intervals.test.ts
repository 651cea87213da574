// Prediction intervals (P10–P90 of execution seconds, from the errors each tier showed on runs it
// did not see) and throughput estimates (items per second per hardware).
import { describe, expect, test } from '@jest/globals';
import { Predictor, seededRandom, type TrainingSample } from '../../../../operator/core/predict/index.js';
import { run } from './builders.js';

/** map runs with t = 1e-5·items × lognormal noise (σ in log space), items over a grid; seeded. */
function noisyMapRuns(count: number, sigma: number, seed: number, first = 0): TrainingSample[] {
  const random = seededRandom(seed);
  const sizes = [1000, 2000, 5000, 10_000, 20_000, 50_000];
  return Array.from({ length: count }, (_, i) => {
    const items = sizes[i % sizes.length]!;
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return run({ id: `map-${first + i}`, index: first + i, taskType: 'map', params: { op: 'square' }, inputSize: items, seconds: 1e-5 * items * Math.exp(sigma * normal) });
  });
}

function coverage(predictor: Predictor, runs: readonly TrainingSample[]): number {
  const inside = runs.filter((r) => {
    const { interval } = predictor.predict({ taskType: r.taskType, params: { op: 'square' }, inputSize: r.inputSize, hardware: { type: 'cpu' } });
    return interval !== undefined && r.executionSeconds >= interval.p10 && r.executionSeconds <= interval.p90;
  });
  return inside.length / runs.length;
}

describe('prediction intervals', () => {
  test('model tier: the held-out errors set the band; it covers about 8 in 10 fresh runs, and widens with the noise', () => {
    const quiet = new Predictor(noisyMapRuns(120, 0.1, 1));
    const loud = new Predictor(noisyMapRuns(120, 0.4, 1));
    const query = { taskType: 'map', params: { op: 'square' }, inputSize: 10_000, hardware: { type: 'cpu' as const } };
    const [a, b] = [quiet.predict(query), loud.predict(query)];
    expect([a.source, b.source]).toEqual(['model', 'model']);
    expect(a.interval!.p10).toBeLessThan(a.executionSeconds);
    expect(a.interval!.p90).toBeGreaterThan(a.executionSeconds);
    expect(b.interval!.p90 / b.interval!.p10).toBeGreaterThan(2 * (a.interval!.p90 / a.interval!.p10));
    // 2·1.2816·σ in log space between P10 and P90 for lognormal noise: e^0.256 ≈ 1.29 at σ = 0.1.
    expect(Math.log(a.interval!.p90 / a.interval!.p10)).toBeCloseTo(2 * 1.2816 * 0.1, 1);
    const fresh = noisyMapRuns(400, 0.4, 99, 1000);
    expect(coverage(loud, fresh)).toBeGreaterThan(0.72);
    expect(coverage(loud, fresh)).toBeLessThan(0.88);
  });

  test('model tier, a size never run: the band comes from folds split by job, so it holds the error of answering for a new size', () => {
    // The time is not quite a power law of the items (a wave of ±10% over the sizes), and each of
    // seven sizes ran 30 times. The forest, which learns each size's own time, is chosen; it
    // answers sizes it saw within the noise and new ones much worse.
    const random = seededRandom(5);
    const wave = (items: number) => Math.exp(0.1 * Math.sin(2 * Math.log(items)));
    const sized = (sizes: readonly number[], perSize: number, first: number) =>
      Array.from({ length: sizes.length * perSize }, (_, i) => {
        const items = sizes[i % sizes.length]!;
        const noise = Math.exp(0.05 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
        return run({ id: `map-${first + i}`, index: first + i, taskType: 'map', params: { op: 'square' }, inputSize: items, seconds: 1e-5 * items * wave(items) * noise });
      });
    const predictor = new Predictor(sized([1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000], 30, 0));
    expect(predictor.summary()[0]!.model).toBe('random-forest');
    const query = (inputSize: number) => predictor.predict({ taskType: 'map', params: { op: 'square' }, inputSize, hardware: { type: 'cpu' } });
    const width = (p: { interval?: { p10: number; p90: number } }) => p.interval!.p90 / p.interval!.p10;
    const seen = query(10_000);
    expect(width(seen)).toBeLessThan(1.3); // about the noise: e^(2·1.28·0.05) ≈ 1.14
    expect(width(query(7000))).toBeGreaterThan(3 * width(seen));
    // Fresh runs of sizes never run fall within their band; the band of a seen size, carried
    // over to them, would hold fewer than half.
    const fresh = sized([1500, 3000, 7000, 15_000, 30_000, 70_000], 50, 10_000);
    expect(coverage(predictor, fresh)).toBeGreaterThan(0.75);
    const withSeenBand = fresh.filter((r) => {
      const answer = query(r.inputSize).executionSeconds;
      return r.executionSeconds >= (answer * seen.interval!.p10) / seen.executionSeconds && r.executionSeconds <= (answer * seen.interval!.p90) / seen.executionSeconds;
    });
    expect(withSeenBand.length / fresh.length).toBeLessThan(0.5);
  });

  test('statistics tier: each run answered from the others sets the band', () => {
    // Below minSamplesForModel: the median of similar runs answers. Ten runs of one size.
    const runs = noisyMapRuns(60, 0.3, 3).filter((r) => r.inputSize === 10_000);
    const predictor = new Predictor(runs);
    const answer = predictor.predict({ taskType: 'map', params: { op: 'square' }, inputSize: 10_000, hardware: { type: 'cpu' } });
    expect(answer.source).toBe('statistics');
    expect(answer.interval!.p10).toBeLessThan(answer.executionSeconds);
    expect(answer.interval!.p90).toBeGreaterThan(answer.executionSeconds);
    // Narrower than the factor-of-2 guess: runs 30% apart (σ in log space) teach a band of about e^(2·1.28·0.3) ≈ 2.2.
    expect(answer.interval!.p90 / answer.interval!.p10).toBeLessThan(3.5);
    // A factor-of-2 guess only below 5 runs to learn the spread from.
    const few = new Predictor(runs.slice(0, 3)).predict({ taskType: 'map', params: { op: 'square' }, inputSize: 10_000, hardware: { type: 'cpu' } });
    expect(few.interval!.p10 * 2).toBeCloseTo(few.executionSeconds, 9);
    expect(few.interval!.p90 / 2).toBeCloseTo(few.executionSeconds, 9);
  });

  test('default tier: a factor of 4 either way of the built-in guess', () => {
    const answer = new Predictor([]).predict({ taskType: 'never-seen' });
    expect(answer.source).toBe('default');
    expect(answer.interval).toEqual({ p10: answer.executionSeconds / 4, p90: answer.executionSeconds * 4 });
  });
});

describe('throughput', () => {
  test('items per second per hardware: the median over runs with items; the answer implies its own', () => {
    const runs = [
      run({ id: 'a', index: 1, taskType: 'map', inputSize: 1000, seconds: 1 }),
      run({ id: 'b', index: 2, taskType: 'map', inputSize: 1000, seconds: 2 }),
      run({ id: 'c', index: 3, taskType: 'map', inputSize: 4000, seconds: 1 }),
      run({ id: 'd', index: 4, taskType: 'map', inputSize: 9000, seconds: 1, hardware: 'gpu', gpuProduct: 'NVIDIA-A10G' }),
      run({ id: 'e', index: 5, taskType: 'map', inputSize: 0, seconds: 1 }),
    ];
    const predictor = new Predictor(runs);
    expect(predictor.throughput('map')).toEqual([
      { hardware: 'NVIDIA-A10G', itemsPerSecond: 9000, runs: 1 },
      { hardware: 'cpu', itemsPerSecond: 1000, runs: 3 },
    ]);
    expect(predictor.throughput('other')).toEqual([]);
    const answer = predictor.predict({ taskType: 'map', inputSize: 3000, hardware: { type: 'cpu' } });
    expect(answer.itemsPerSecond).toBeCloseTo(3000 / answer.executionSeconds, 9);
    expect(predictor.predict({ taskType: 'map', hardware: { type: 'cpu' } }).itemsPerSecond).toBeUndefined();
  });
});
