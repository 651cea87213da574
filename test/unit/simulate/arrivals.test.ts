// What the simulator tells the predictive policy of the recent arrivals' size (largestArrival):
// per resource, the most one task asked for within the last horizonSeconds; never a later one.
import { describe, expect, test } from '@jest/globals';
import { simulate } from '../../../operator/simulate/simulation.js';
import type { TraceTask } from '../../../operator/simulate/trace.js';

const task = (line: number, arrivalSeconds: number, subtasks: number, cpu: number): TraceTask => ({ line, arrivalSeconds, taskType: 'map', hardware: 'cpu', subtasks, secondsPerSubtask: 2000, cpu, memoryGiB: 1, gpu: 0 });

describe('largestArrival', () => {
  test('the largest task (all its subtasks) within the horizon, per resource; forgotten after it', () => {
    // 4 × 1 core at 0 s, 6 × 2 cores at 100 s, 1 × 3 cores at 1,000 s; horizon 600 s.
    const told = new Map<number, number>();
    simulate([task(2, 0, 4, 1), task(3, 100, 6, 2), task(4, 1000, 1, 3)], 'predictive', {
      onDecision: ({ state, predicted, decision }) => {
        if (state.name === 'cpu') told.set(decision.time, predicted.largestArrival!.cpu);
      },
    });
    const at = (seconds: number) => told.get(seconds);
    expect(at(30)).toBe(4);
    expect(at(120)).toBe(12);
    expect(at(690)).toBe(12);
    expect(at(720)).toBe(0);
    expect(at(1020)).toBe(3);
  });
});
