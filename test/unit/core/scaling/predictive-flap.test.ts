// The predictive policy on heavy-tailed work: why it reversed (scaled down, then up again for the
// next arrivals) and the fix (removalFloor), and queued work that would wait past the horizon
// (queuedStarts). Pure: pools, running and queued subtasks in, decisions out.
import { describe, expect, test } from '@jest/globals';
import { decideScaling, queuedStarts, removalFloor, type PredictedWork } from '../../../../operator/core/scaling/index.js';
import { amounts, busyNode, cpuPool, idleNode, pendingOf } from './builders.js';

const NOW = 10_000;

// The heavy-tailed case, as the openb trace showed it: two nodes each hold a long subtask (hours
// left), a third node has been idle past scaleDownIdleSeconds, and work keeps arriving (about one
// 2-core subtask a minute).
const pinned = [busyNode('cpu-1', 6, 1), busyNode('cpu-2', 6, 1), idleNode('cpu-3', 700)];
const longRunning: PredictedWork = {
  cpuSeconds: 12 * 7200,
  memoryByteSeconds: 0,
  gpuSeconds: 0,
  running: [
    { request: amounts(6, 6), remainingSeconds: 7200 },
    { request: amounts(6, 6), remainingSeconds: 7200 },
  ],
};

describe('a scale-down the next arrivals reverse', () => {
  test('without an arrival rate the idle node goes, though the pool is then full: the reversal', () => {
    const decision = decideScaling(cpuPool({ nodes: pinned }), undefined, longRunning, NOW);
    expect(decision.action).toBe('scale_down');
    expect(decision.nodeNames).toEqual(['cpu-3']);
  });

  test('with work arriving at about 2 cores a minute, the idle node stays for it', () => {
    const arriving = { ...longRunning, arrivingPerSecond: amounts(2 / 60, 2 / 60) };
    const decision = decideScaling(cpuPool({ nodes: pinned }), undefined, arriving, NOW);
    expect(decision.action).toBe('maintain');
    expect(decision.reason).toMatch(/kept for the work and the arrivals expected/);
  });

  test('with a trickle that the free room holds, it still goes', () => {
    // 4 cores free on the two busy nodes: 1 core every 20 minutes fits over 1,200 s.
    const trickle = { ...longRunning, arrivingPerSecond: amounts(1 / 1200, 1 / 1200) };
    const decision = decideScaling(cpuPool({ nodes: pinned }), undefined, trickle, NOW);
    expect(decision.action).toBe('scale_down');
    expect(decision.reason).toMatch(/or by what runs plus what arrives at the recent rate/);
  });

  test('removalFloor: what runs plus the arrivals over horizon + idle, at least what the prediction wants', () => {
    const pool = cpuPool({ nodes: pinned });
    expect(removalFloor(pool, undefined, amounts(3))).toEqual(amounts(3));
    // 12 cores run; 1/60 core per second over 600 + 600 s = 20 cores more.
    expect(removalFloor(pool, { ...longRunning, arrivingPerSecond: amounts(1 / 60) }, amounts(3)).cpu).toBeCloseTo(32, 9);
    expect(removalFloor(pool, { ...longRunning, arrivingPerSecond: amounts(0) }, amounts(40)).cpu).toBe(40);
  });
});

describe('queued work that would wait past the horizon', () => {
  test('queuedStarts: in queue order, each once enough has freed; joining nodes from the lead time', () => {
    const pool = cpuPool({ nodes: [busyNode('cpu-1', 8, 2)], pendingLaunches: 1 });
    const running = [
      { request: amounts(4, 4), remainingSeconds: 100 },
      { request: amounts(4, 4), remainingSeconds: 900 },
    ];
    const queued = [
      { request: amounts(4), seconds: 50 }, // the launched node joins at 60: 8 cores
      { request: amounts(8), seconds: 50 }, // 4 free, 4 more at 100
      { request: amounts(4), seconds: 50 }, // the first one's 4 cores are back at 110
      { request: amounts(16), seconds: 10 }, // all 16 cores free only when the 900 s subtask ends
    ];
    expect(queuedStarts(pool, running, queued, 60)).toEqual([60, 100, 110, 900]);
    expect(queuedStarts(cpuPool(), [], [{ request: amounts(4), seconds: 10 }], 60)).toEqual([Number.POSITIVE_INFINITY]);
  });

  test('pending work: nodes for the queued subtasks that would start after the horizon, beyond what the totals ask for', () => {
    const pool = cpuPool({ nodes: [busyNode('cpu-1', 8, 1)], lastScaleAt: NOW });
    const queued = Array.from({ length: 10 }, () => ({ request: amounts(8, 8), seconds: 100 }));
    const work = (remainingSeconds: number): PredictedWork => ({
      cpuSeconds: 8 * remainingSeconds + 10 * 8 * 100,
      memoryByteSeconds: 0,
      gpuSeconds: 0,
      running: [{ request: amounts(8, 8), remainingSeconds }],
      queued,
    });
    const pending = pendingOf(10, amounts(8, 8));
    // The running subtask ends in 30 s: one after another the queue starts at 30, 130, … 930; the
    // four after 600 s get nodes (the totals alone, 8,240 core-seconds over 840, ask for one).
    const soon = decideScaling(pool, pending, work(30), NOW);
    expect([soon.action, soon.count]).toEqual(['scale_up', 4]);
    expect(soon.reason).toMatch(/4 queued subtasks would not start within 600 s/);
    // Without the per-subtask detail, the policy sizes by the totals alone (as before).
    const { running: _running, queued: _queued, ...totals } = work(30);
    expect(decideScaling(pool, pending, totals, NOW).count).toBe(1);
    // The running subtask holds its node for hours: all ten would start after the horizon (9 fit under maxNodes).
    const held = decideScaling(pool, pending, work(7200), NOW);
    expect(held.count).toBe(9);
    expect(held.reason).toMatch(/10 wanted/);
  });
});
