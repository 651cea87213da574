// How the predictor bench turns measured runs into its figures (bench/predictor.ts): accuracy and
// coverage counted as said, the split held out from training, the repeat floor from the same job.
// Synthetic runs stand in for the measured ones: the laws of the built-in workloads times seeded
// lognormal noise, so what each figure must come to is known.
import { describe, expect, test } from '@jest/globals';
import { accuracyOf, evaluateRuns, GRID, meetsTargets } from '../../../bench/predictor.js';
import type { MeasureReport } from '../../../bench/predictor-runs.js';
import { seededRandom } from '../../../operator/core/predict/index.js';

const OP_SECONDS_PER_ITEM: Record<string, number> = { square: 1.5e-8, double: 1.4e-8, sha256: 5e-7 };

/** Seconds of a grid job by its law: matmul c·repeat·n³, map c_op·items. */
function lawSeconds(index: number): number {
  const job = GRID[index]!;
  if (job.taskType === 'matmul') return 1.2e-9 * Number(job.params.repeat) * Number(job.params.n) ** 3;
  return OP_SECONDS_PER_ITEM[String(job.params.op)]! * job.items;
}

/** `rounds` runs of every grid job, each its law times exp(σ·N(0,1)) (seeded). */
function syntheticReport(rounds: number, sigma: number, seed = 7): MeasureReport {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const runs = [];
  for (let round = 0; round < rounds; round++) {
    for (let job = 0; job < GRID.length; job++) {
      const seconds = lawSeconds(job) * Math.exp(sigma * normal());
      runs.push({
        job,
        round,
        metrics: { executionSeconds: seconds, cpuCoresUsed: 1, memoryBytesUsed: 2 ** 27, inputItems: GRID[job]!.items },
        threadCpuSeconds: seconds * 0.9,
      });
    }
  }
  return { runs, groupNice: -15, measureSeconds: 1 };
}

describe('predictor bench evaluation', () => {
  test('accuracyOf: median and p90 of the relative errors, the share off by 2× either way, the share inside P10–P90', () => {
    const answers = [
      { seconds: 1, p10: 0.9, p90: 1.1 }, // exact, inside
      { seconds: 2, p10: 1.5, p90: 2.5 }, // truth 1: off by 2× (APE 100%), outside
      { seconds: 0.5, p10: 0.4, p90: 0.6 }, // truth 1: off by 2× the other way (APE 50%), outside
      { seconds: 1.1, p10: 0.8, p90: 1.2 }, // truth 1: APE 10%, inside
    ];
    const accuracy = accuracyOf(answers, [1, 1, 1, 1]);
    expect(accuracy.runs).toBe(4);
    expect(accuracy.medianApe).toBeCloseTo(0.3, 10); // errors 0, 0.1, 0.5, 1: between 0.1 and 0.5
    expect(accuracy.p90Ape).toBeCloseTo(0.85, 10);
    expect(accuracy.offBy2x).toBe(0.5);
    expect(accuracy.coverage).toBe(0.5);
    expect(meetsTargets(accuracy)).toBe(false);
    expect(meetsTargets({ runs: 100, medianApe: 0.05, p90Ape: 0.2, offBy2x: 0, coverage: 0.8 })).toBe(true);
    expect(meetsTargets({ runs: 100, medianApe: 0.05, p90Ape: 0.2, offBy2x: 0, coverage: 0.9 })).toBe(false);
  });

  test('without noise, the predictor (a power law per taskType) and the repeat floor are exact and the mean is not', () => {
    const result = evaluateRuns(syntheticReport(10, 0), { holdOut: 0.3, seed: 42 });
    expect(result.runs).toBe(10 * GRID.length);
    // 30% of each taskType's runs held out: 45 of 150 matmul runs, 36 of 120 map runs.
    expect(result.heldOutRuns.predictor.runs).toBe(81);
    expect(result.taskTypes.map((t) => [t.taskType, t.trained, t.predictor.runs])).toEqual([
      ['map', 84, 36],
      ['matmul', 105, 45],
    ]);
    expect(result.heldOutRuns.predictor.medianApe).toBeLessThan(1e-6);
    expect(result.heldOutRuns.predictor.p90Ape).toBeLessThan(1e-6);
    expect(result.heldOutRuns.repeatFloor!.p90Ape).toBe(0);
    expect(result.heldOutRuns.baseline.medianApe).toBeGreaterThan(0.2);
    // Sizes never trained on are answered by the law too (the floor cannot answer them).
    expect(result.heldOutJobs.predictor.p90Ape).toBeLessThan(1e-6);
    expect(result.heldOutJobs.repeatFloor).toBeUndefined();
    expect(result.onCpuShare).toBeCloseTo(0.9, 10);
  });

  test('with 10% lognormal noise: errors at the noise, the floor alike, P10–P90 covering about 8 in 10 held-out runs', () => {
    const result = evaluateRuns(syntheticReport(30, 0.1), { holdOut: 0.3, seed: 42 });
    const { predictor, repeatFloor, baseline } = result.heldOutRuns;
    expect(predictor.runs).toBe(243);
    // The median |exp(0.1·N)| − 1| is about 0.1 × 0.674.
    expect(predictor.medianApe).toBeGreaterThan(0.04);
    expect(predictor.medianApe).toBeLessThan(0.1);
    expect(Math.abs(predictor.medianApe - repeatFloor!.medianApe)).toBeLessThan(0.02);
    // 243 held-out runs: a calibrated band covers 80% ± 2.6 points (one standard error), more
    // with the fit's own error shared by each job's runs; within 4 of them.
    expect(predictor.coverage).toBeGreaterThan(0.68);
    expect(predictor.coverage).toBeLessThan(0.92);
    expect(meetsTargets(baseline)).toBe(false);
    // The same runs split with the next four seeds: other runs held out, the same law learnt.
    expect(result.otherSplits.map((split) => split.seed)).toEqual([43, 44, 45, 46]);
    for (const { predictor: other } of result.otherSplits) {
      expect(other.runs).toBe(243);
      expect(other.coverage).not.toBe(predictor.coverage);
      expect(Math.abs(other.medianApe - predictor.medianApe)).toBeLessThan(0.02);
    }
  });
});
