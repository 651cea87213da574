import { describe, expect, test } from '@jest/globals';
import { fitModel, seededRandom, selectModel, type Labelled } from '../../../../operator/core/predict/index.js';

/** t = 1e-9·n³ with ±noise, over n in the grid. */
function cubic(sizes: readonly number[], noise = 0.05, seed = 3): Labelled[] {
  const random = seededRandom(seed);
  return sizes.map((n) => ({ features: { n }, inputSize: 0, hardware: 'cpu', y: 1e-9 * n ** 3 * (1 + noise * (random() * 2 - 1)) }));
}

const SIZES = [32, 48, 64, 96, 128, 160, 192, 256, 320, 384, 448, 512, 640, 768, 896, 1024];

describe('selectModel', () => {
  test('a power law (t = c·n³ with 5% noise) is recovered by the log-linear model, far better than the mean', () => {
    const selection = selectModel(cubic(SIZES));
    expect(selection.name).toBe('log-linear');
    expect(selection.heldOutMape).toBeLessThan(0.06);
    expect(selection.baselineMape).toBeGreaterThan(10 * selection.heldOutMape);
    expect(selection.relativeErrors).toHaveLength(SIZES.length);
    // It extrapolates: n = 2048 is 8× the largest time seen.
    expect(selection.model.predict({ features: { n: 2048 }, inputSize: 0, hardware: 'cpu' })).toBeCloseTo(1e-9 * 2048 ** 3, 0);
    expect(selection.candidates.map((c) => c.name)).toEqual(['log-linear', 'polynomial', 'random-forest', 'mean']);
  });

  test('every candidate is scored on held-out folds; the mean is always among them', () => {
    const selection = selectModel(cubic(SIZES), { candidates: ['polynomial'] });
    expect(selection.candidates.map((c) => c.name)).toEqual(['polynomial', 'mean']);
    expect(selection.folds).toBe(5);
  });

  test('deterministic: the same data gives the same choice, scores and predictions (the forest is seeded)', () => {
    const a = selectModel(cubic(SIZES, 0.3), { candidates: ['random-forest'] });
    const b = selectModel(cubic(SIZES, 0.3), { candidates: ['random-forest'] });
    expect(a.candidates).toEqual(b.candidates);
    const probe = { features: { n: 200 }, inputSize: 0, hardware: 'cpu' };
    expect(a.model.predict(probe)).toBe(b.model.predict(probe));
  });

  test('one run far off the law (a GC pause) does not bend it: the fit is redone without it', () => {
    const data = cubic(SIZES, 0.02);
    const clean = fitModel('log-linear', data)!;
    data[3] = { ...data[3]!, y: data[3]!.y * 40 };
    const robust = fitModel('log-linear', data)!;
    for (const n of [48, 200, 1000]) {
      const probe = { features: { n }, inputSize: 0, hardware: 'cpu' };
      expect(Math.abs(robust.predict(probe) / clean.predict(probe) - 1)).toBeLessThan(0.03);
    }
  });

  test('a later candidate must be clearly better to be chosen over an earlier one', () => {
    const data = cubic(SIZES, 0.3);
    const scores = selectModel(data, { candidates: ['random-forest', 'log-linear'] }).candidates;
    const forest = scores.find((c) => c.name === 'random-forest')!.mape!;
    const linear = scores.find((c) => c.name === 'log-linear')!.mape!;
    // The forest first: the power law replaces it only when better by more than the share.
    const generous = selectModel(data, { candidates: ['random-forest', 'log-linear'], preferEarlierWithin: 0.99 });
    expect(generous.name).toBe('random-forest');
    const strict = selectModel(data, { candidates: ['random-forest', 'log-linear'], preferEarlierWithin: 0 });
    expect(strict.name).toBe(linear < forest ? 'log-linear' : 'random-forest');
  });

  test('needs two samples', () => {
    expect(() => selectModel(cubic([64]))).toThrow(RangeError);
  });
});

describe('degenerate data', () => {
  test('constant and duplicated columns are dropped, not fatal', () => {
    const data = SIZES.map((n) => ({ features: { n, copy: n, fixed: 7 }, inputSize: 3, hardware: 'cpu', y: 1e-9 * n ** 3 }));
    const model = fitModel('log-linear', data);
    expect(model).toBeDefined();
    expect(model!.predict({ features: { n: 100, copy: 100, fixed: 7 }, inputSize: 3, hardware: 'cpu' })).toBeCloseTo(1e-3, 5);
  });

  test('nothing varies: log-linear is the geometric mean, the polynomial and the forest are skipped', () => {
    const data = [1, 2, 4, 8].map((y) => ({ features: { n: 5 }, inputSize: 0, hardware: 'cpu', y }));
    expect(fitModel('log-linear', data)!.predict(data[0]!)).toBeCloseTo(Math.sqrt(8), 6);
    expect(fitModel('polynomial', data)).toBeUndefined();
    expect(fitModel('random-forest', data)).toBeUndefined();
    const selection = selectModel(data);
    expect(selection.candidates.find((c) => c.name === 'polynomial')!.mape).toBeUndefined();
  });

  test('more columns than rows: the linear model is skipped instead of fitting noise', () => {
    const data = [0, 1, 2].map((i) => ({ features: { a: i, b: i * i, c: 3 - i, d: i % 2 }, inputSize: i * 10, hardware: 'cpu', y: 1 + i }));
    expect(fitModel('log-linear', data)).toBeUndefined();
    expect(fitModel('mean', data)!.predict(data[0]!)).toBe(2);
  });

  test('predictions stay finite and positive far outside the data', () => {
    const model = fitModel('log-linear', cubic(SIZES))!;
    expect(model.predict({ features: { n: 1e300 }, inputSize: 0, hardware: 'cpu' })).toBe(1e7);
    const polynomial = fitModel('polynomial', cubic(SIZES))!;
    expect(polynomial.predict({ features: { n: -1e6 }, inputSize: 0, hardware: 'cpu' })).toBeGreaterThan(0);
  });
});
