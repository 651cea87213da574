// --prediction-noise: the policy is told wrong durations (seeded), the work runs its true ones.
import { describe, expect, test } from '@jest/globals';
import { simulate } from '../../../operator/simulate/simulation.js';
import type { TraceTask } from '../../../operator/simulate/trace.js';

const task: TraceTask = { line: 2, arrivalSeconds: 0, taskType: 'map', hardware: 'cpu', subtasks: 4, secondsPerSubtask: 100, cpu: 1, memoryGiB: 1, gpu: 0 };

function toldAtStart(noise: number): number[] {
  const told: number[] = [];
  simulate([task], 'predictive', {
    predictionNoise: noise,
    onDecision: ({ state, predicted }) => {
      if (state.name === 'cpu' && predicted.queued && predicted.queued.length > 0 && told.length === 0) told.push(...predicted.queued.map((item) => item.seconds));
    },
  });
  return told;
}

describe('prediction noise', () => {
  test('exact by default; with noise, each subtask is told a seeded, different duration; the truth is unchanged', () => {
    expect(toldAtStart(0)).toEqual([100, 100, 100, 100]);
    const noisy = toldAtStart(0.5);
    expect(noisy).toHaveLength(4);
    expect(new Set(noisy).size).toBe(4);
    expect(noisy.every((seconds) => seconds > 0 && seconds !== 100)).toBe(true);
    expect(toldAtStart(0.5)).toEqual(noisy);
    // The work itself still takes 100 s: ready at 60, done at 160.
    expect(simulate([task], 'predictive', { predictionNoise: 0.5 }).makespanSeconds).toBe(160);
    expect(() => simulate([task], 'predictive', { predictionNoise: -1 })).toThrow(/predictionNoise must be a number ≥ 0/);
  });
});
