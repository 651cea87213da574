// The scaling simulator (operator/simulate) driving the same decideScaling as the operator: the
// shipped traces, the policy comparison the predictive policy must win, and the model's basics.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decisionViolations } from '../../../../operator/core/scaling/index.js';
import { defaultPools, figuresOf, lowerBoundNodeSeconds, simulate, simulateAll, type SimulationResult } from '../../../../operator/simulate/simulation.js';
import { formatTrace, parseTrace, type TraceTask } from '../../../../operator/simulate/trace.js';
import { generateTrace, HELD_OUT_KINDS, TRACE_KINDS } from '../../../../operator/simulate/traces.js';
import { parsePoolFile } from '../../../../operator/simulate/pools.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const traceText = (kind: string) => readFileSync(join(ROOT, 'test', 'traces', `${kind}.csv`), 'utf8');
const trace = (kind: string) => parseTrace(traceText(kind), `${kind}.csv`);
// The production-shaped trace asks for up to 88 cores and 8 GPUs: it runs on pools shaped like
// the cluster it was fitted to; the others on the default pools.
const poolsFor = (kind: string) => (kind === 'production' ? { pools: parsePoolFile(readFileSync(join(ROOT, 'examples', 'simulate', 'openb-pools.yaml'), 'utf8')) } : {});

function task(overrides: Partial<TraceTask> = {}): TraceTask {
  return { line: 2, arrivalSeconds: 0, taskType: 'map', hardware: 'cpu', subtasks: 2, secondsPerSubtask: 100, cpu: 1, memoryGiB: 1, gpu: 0, ...overrides };
}

describe('the shipped traces', () => {
  test.each([...TRACE_KINDS, ...HELD_OUT_KINDS])('%s.csv is what operator/simulate/traces.ts generates, a few hundred tasks over hours', (kind) => {
    const text = traceText(kind);
    expect(text).toBe(formatTrace(generateTrace(kind)));
    const tasks = parseTrace(text);
    expect(tasks.length).toBeGreaterThanOrEqual(200);
    expect(tasks.length).toBeLessThanOrEqual(500);
    expect(tasks.at(-1)!.arrivalSeconds - tasks[0]!.arrivalSeconds).toBeGreaterThan(3 * 3600);
    expect(new Set(tasks.map((t) => t.hardware))).toEqual(new Set(['cpu', 'gpu']));
  });
});

describe('other draws of the same kinds (generateTrace with a seed offset)', () => {
  test.each([...TRACE_KINDS, ...HELD_OUT_KINDS])('%s, offset 1: different rows of the same shape', (kind) => {
    const other = generateTrace(kind, 1);
    expect(formatTrace(other)).not.toBe(formatTrace(generateTrace(kind)));
    expect(formatTrace(generateTrace(kind, 0))).toBe(formatTrace(generateTrace(kind)));
    const tasks = parseTrace(formatTrace(other));
    expect(tasks.length).toBeGreaterThanOrEqual(200);
    expect(tasks.at(-1)!.arrivalSeconds - tasks[0]!.arrivalSeconds).toBeGreaterThan(3 * 3600);
  });
});

describe('predictive against threshold', () => {
  const results = new Map<string, SimulationResult[]>(TRACE_KINDS.map((kind) => [kind, simulateAll(trace(kind), poolsFor(kind))]));
  const of = (kind: string) => {
    const [predictive, threshold] = results.get(kind)!;
    return { predictive: predictive!, threshold: threshold! };
  };

  test.each(TRACE_KINDS)('%s: fewer node-hours, makespan and mean wait within 5% of threshold', (kind) => {
    const { predictive, threshold } = of(kind);
    expect(predictive.policy).toBe('predictive');
    expect(threshold.policy).toBe('threshold');
    expect(predictive.nodeHours).toBeLessThan(threshold.nodeHours);
    expect(predictive.makespanSeconds).toBeLessThanOrEqual(1.05 * threshold.makespanSeconds);
    expect(predictive.meanWaitSeconds).toBeLessThanOrEqual(1.05 * threshold.meanWaitSeconds);
  });

  test.each(['bursty', 'diurnal', 'steady', 'production'])('%s: no more direction changes than threshold (production: heavy-tailed, fitted to a real GPU cluster)', (kind) => {
    const { predictive, threshold } = of(kind);
    expect(predictive.directionChanges).toBeLessThanOrEqual(threshold.directionChanges);
  });

  test.each(TRACE_KINDS)('%s: every subtask ran; the figures are consistent', (kind) => {
    const tasks = trace(kind);
    const subtasks = tasks.reduce((total, t) => total + t.subtasks, 0);
    for (const result of results.get(kind)!) {
      expect(result.subtasks).toBe(subtasks);
      const prices = (poolsFor(kind).pools ?? defaultPools('predictive')).map((pool) => pool.state.costPerNodeHour);
      expect(result.cost).toBeCloseTo(result.pools.reduce((total, pool, index) => total + pool.nodeHours * prices[index]!, 0), 6);
      expect(result.nodeHours).toBeCloseTo(result.pools.reduce((total, pool) => total + pool.nodeHours, 0), 9);
      // No subtask finishes before its own arrival + duration; the last arrival's work finishes after it.
      const last = Math.max(...tasks.map((t) => t.arrivalSeconds + t.secondsPerSubtask));
      expect(result.makespanSeconds).toBeGreaterThanOrEqual(last - tasks[0]!.arrivalSeconds);
      expect(result.meanWaitSeconds).toBeGreaterThan(0);
      for (const pool of result.pools) expect(pool.peakNodes).toBeLessThanOrEqual(50);
    }
  });

  test('deterministic: the same trace, the same figures', () => {
    expect(simulateAll(trace('bursty')).map(figuresOf)).toEqual(results.get('bursty')!.map(figuresOf));
  });
});

describe('the simulation model', () => {
  test('one task on empty pools: launched at the first evaluation, ready after the provisioning delay, then run', () => {
    for (const policy of ['predictive', 'threshold'] as const) {
      const result = simulate([task()], policy, { provisionSeconds: 60 });
      // Arrives at 0, the autoscaler launches a node at 0, ready at 60, both subtasks run 60–160.
      expect(result.makespanSeconds).toBe(160);
      expect(result.meanWaitSeconds).toBe(60);
      expect(result.pools[0]!.scaleUps).toBe(1);
      expect(result.pools[1]!.scaleUps).toBe(0);
    }
    expect(simulate([task()], 'predictive', { provisionSeconds: 0 }).makespanSeconds).toBe(100);
  });

  test('nodes are billed from launch until removed; the predictive policy keeps an idle node while work arrived recently', () => {
    // Threshold: launched 0, ready 60, idle from 160, removed at the first evaluation after the
    // 300 s cooldown with utilization 0 (300 s): 300 s billed.
    expect(simulate([task()], 'threshold').nodeHours * 3600).toBeCloseTo(300);
    // Predictive: idle from 160 with utilization 0, but kept for what arrives at the recent rate
    // (the work that arrived within the last horizon + idle, 1,200 s) within a launch: removed at
    // 1,200, when the arrival at 0 leaves that window: 1,200 s billed.
    expect(simulate([task()], 'predictive').nodeHours * 3600).toBeCloseTo(1200);
  });

  test('every decision keeps the bounds (the simulator checks each), pools stay within maxNodes', () => {
    const tight = defaultPools('predictive').map((pool) => ({ ...pool, state: { ...pool.state, maxNodes: 3 } }));
    const decisions: string[] = [];
    let most = 0;
    simulate(trace('bursty').slice(0, 60), 'predictive', {
      pools: tight,
      onDecision: ({ state, decision }) => {
        decisions.push(...decisionViolations(state, decision));
        most = Math.max(most, state.nodes.length + state.pendingLaunches + (decision.action === 'scale_up' ? decision.count : 0));
      },
    });
    expect(decisions).toEqual([]);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBe(3);
  });

  test('the predictive policy is told the remaining work of arrived subtasks, nothing of future arrivals', () => {
    const seen: Array<{ time: number; cpuSeconds: number; subtasks: number; arrivingCpu?: number }> = [];
    simulate([task({ subtasks: 4, secondsPerSubtask: 100, cpu: 2 }), task({ arrivalSeconds: 1000, subtasks: 1, secondsPerSubtask: 50, cpu: 1 })], 'predictive', {
      onDecision: ({ state, pending, predicted, decision }) => {
        if (state.name === 'cpu' && decision.time <= 1020) seen.push({ time: decision.time, cpuSeconds: predicted.cpuSeconds, subtasks: pending?.subtasks ?? 0, arrivingCpu: predicted.arrivingPerSecond?.cpu });
      },
    });
    // The arrival rate is what arrived over the last 1,200 s: 4 × 2 cores at 0.
    const rate = 8 / 1200;
    expect(seen.find((s) => s.time === 0)).toEqual({ time: 0, cpuSeconds: 800, subtasks: 4, arrivingCpu: rate });
    // Running since 60: at 90, 4 × 2 cores × 70 s remain.
    expect(seen.find((s) => s.time === 90)).toEqual({ time: 90, cpuSeconds: 560, subtasks: 0, arrivingCpu: rate });
    expect(seen.find((s) => s.time === 990)).toEqual({ time: 990, cpuSeconds: 0, subtasks: 0, arrivingCpu: rate });
    // The node kept for the arrivals took the subtask arriving at 1,000 at once: 30 of its 50 s remain.
    expect(seen.find((s) => s.time === 1020)).toEqual({ time: 1020, cpuSeconds: 30, subtasks: 0, arrivingCpu: expect.closeTo((8 + 1) / 1200, 12) });
  });

  test('placement is the scheduler\'s packing score: fullest after placing, averaged over the resources asked for', () => {
    // Two nodes: one holds 7 cores and 1 GiB, the other 4 cores and 24 GiB. A 1-core, 1-GiB
    // subtask scores (8/8 + 2/32) / 2 = 0.53 on the first, (5/8 + 25/32) / 2 = 0.70 on the
    // second: it goes to the second (by the largest share before placing, the first, 7/8, would win).
    const tasks = [
      task({ subtasks: 1, cpu: 7, memoryGiB: 1, secondsPerSubtask: 1000 }),
      task({ line: 3, subtasks: 1, cpu: 4, memoryGiB: 24, secondsPerSubtask: 1000 }),
      task({ line: 4, arrivalSeconds: 100, subtasks: 1, cpu: 1, memoryGiB: 1, secondsPerSubtask: 500 }),
    ];
    const nodeOf = new Map<number, string | undefined>();
    simulate(tasks, 'predictive', {
      onDecision: ({ state, predicted, decision }) => {
        if (state.name !== 'cpu' || decision.time !== 120) return;
        for (const item of predicted.running ?? []) nodeOf.set(item.request.cpu, item.node);
      },
    });
    expect(nodeOf.size).toBe(3);
    expect(nodeOf.get(1)).toBe(nodeOf.get(4));
    expect(nodeOf.get(1)).not.toBe(nodeOf.get(7));
  });

  test('each pool is told which way its last action went', () => {
    const seen: Array<[string, string | undefined]> = [];
    let last: string | undefined;
    const wrong: string[] = [];
    simulate(trace('bursty').slice(0, 40), 'predictive', {
      onDecision: ({ state, decision }) => {
        if (state.name !== 'cpu') return;
        if (state.lastScaleAction !== last) wrong.push(`${decision.time}: told ${state.lastScaleAction}, was ${last}`);
        if (decision.action !== 'maintain') {
          last = decision.action;
          seen.push([decision.action, state.lastScaleAction]);
        }
      },
    });
    expect(wrong).toEqual([]);
    expect(seen.map(([action]) => action)).toEqual(expect.arrayContaining(['scale_up', 'scale_down']));
  });

  test('a row no node of its pool can hold is left out and counted, naming its line and why', () => {
    const result = simulate([task(), task({ line: 7, cpu: 12 }), task({ line: 9, hardware: 'gpu', gpu: 2 })], 'threshold');
    expect(result.subtasks).toBe(2);
    expect(result.skipped).toEqual({ rows: 2, subtasks: 4, first: { line: 7, reason: "12 cores (largest node 8) exceed every cpu pool's node" } });
  });

  test('where the node-hours went: launching, idle and busy add up to them; the lower bound is below every policy', () => {
    // One task of 2 × 1 core for 100 s: launched 0, ready 60 (60 s launching), busy 60–160 with
    // 2 of 8 cores (used: 200 core-seconds ÷ 8 = 25 node-seconds), then idle until removed.
    const [predictive, threshold] = simulateAll([task()]);
    for (const result of [predictive!, threshold!]) {
      const { launching, idle, busy, used } = result.breakdown;
      expect((launching + idle + busy) * 3600).toBeCloseTo(result.nodeHours * 3600, 6);
      expect([launching * 3600, busy * 3600, used * 3600]).toEqual([expect.closeTo(60, 6), expect.closeTo(100, 6), expect.closeTo(25, 6)]);
      expect(idle * 3600).toBeCloseTo(result.nodeHours * 3600 - 160, 6);
      // One node for 100 s from arrival, and its launch: 160 s.
      expect(result.lowerBoundNodeHours * 3600).toBeCloseTo(160, 6);
    }
    for (const kind of TRACE_KINDS) {
      for (const result of simulateAll(trace(kind), poolsFor(kind))) {
        const { launching, idle, busy, used } = result.breakdown;
        expect(launching + idle + busy).toBeCloseTo(result.nodeHours, 6);
        expect(used).toBeLessThanOrEqual(busy + 1e-9);
        expect(result.lowerBoundNodeHours).toBeLessThan(result.nodeHours);
      }
    }
  });

  test('lowerBoundNodeSeconds: the requests held at each instant, packed as if divisible and rounded up to nodes, plus a launch per node of the peak', () => {
    const shape = { cpu: 8, memoryBytes: 32 * 2 ** 30, gpu: 0 };
    const cores = (at: number, cpu: number) => ({ at, amounts: { cpu, memoryBytes: 0, gpu: 0 } });
    // 6 cores 0–100 (1 node), 12 cores 100–200 (2 nodes), 6 cores 200–300 (1 node): 400 node-seconds, peak 2 × 60 s.
    expect(lowerBoundNodeSeconds([cores(0, 6), cores(100, 6), cores(200, -6), cores(300, -6)], shape, 60)).toBeCloseTo(520, 9);
    expect(lowerBoundNodeSeconds([], shape, 60)).toBe(0);
  });

  test('provisioning delay: longer delays, longer waits', () => {
    const tasks = trace('steady').slice(0, 80);
    const fast = simulate(tasks, 'threshold', { provisionSeconds: 10 });
    const slow = simulate(tasks, 'threshold', { provisionSeconds: 300 });
    expect(slow.meanWaitSeconds).toBeGreaterThan(fast.meanWaitSeconds);
    expect(() => simulate(tasks, 'threshold', { provisionSeconds: -1 })).toThrow(/provisionSeconds must be a number ≥ 0/);
  });
});
