// The predictive policy on heavy-tailed work: why it reversed (scaled down, then up again for the
// next arrivals) and the fix (removalFloor), and queued work that would wait past the horizon
// (queuedStarts). Pure: pools, running and queued subtasks in, decisions out.
import { describe, expect, test } from '@jest/globals';
import { decideScaling, nodesToStartPromptly, queuedStarts, removalFloor, utilizationAfter, type PredictedWork } from '../../../../operator/core/scaling/index.js';
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

describe('when queued work starts, node by node', () => {
  test('queuedStarts: in queue order, each on a node once enough has freed there; joining nodes from the lead time', () => {
    const pool = cpuPool({ nodes: [busyNode('cpu-1', 8, 2)], pendingLaunches: 1 });
    const running = [
      { request: amounts(4, 4), remainingSeconds: 100, node: 'cpu-1' },
      { request: amounts(4, 4), remainingSeconds: 900, node: 'cpu-1' },
    ];
    const queued = [
      { request: amounts(4), seconds: 50 }, // the launched node joins at 60: 8 cores, 4 left
      { request: amounts(8), seconds: 50 }, // no node has 8 free until the first one's 4 are back at 110
      { request: amounts(4), seconds: 50 }, // cpu-1 has 4 free from 100: it starts with the one before (110)
      { request: amounts(16), seconds: 10 }, // no node ever holds 16 cores
    ];
    expect(queuedStarts(pool, running, queued, 60)).toEqual([60, 110, 110, Number.POSITIVE_INFINITY]);
    expect(queuedStarts(cpuPool(), [], [{ request: amounts(4), seconds: 10 }], 60)).toEqual([Number.POSITIVE_INFINITY]);
  });

  test('room free on two nodes does not hold a request neither has: it waits (summed, it would have started at once)', () => {
    const pool = cpuPool({ nodes: [busyNode('cpu-1', 4, 1), busyNode('cpu-2', 4, 1)] });
    const running = [
      { request: amounts(4, 4), remainingSeconds: 300, node: 'cpu-1' },
      { request: amounts(4, 4), remainingSeconds: 500, node: 'cpu-2' },
    ];
    expect(queuedStarts(pool, running, [{ request: amounts(6), seconds: 10 }], 60)).toEqual([300]);
  });
});

describe('pending work, with each subtask\'s predicted time', () => {
  const NODE_READY = 60;
  const withDetail = (running: NonNullable<PredictedWork['running']>, queued: NonNullable<PredictedWork['queued']>): PredictedWork => ({
    cpuSeconds: 0,
    memoryByteSeconds: 0,
    gpuSeconds: 0,
    running,
    queued,
  });

  test('nodes for the queued subtasks that would start later than a new node could start them, none for the rest', () => {
    const pool = cpuPool({ nodes: [busyNode('cpu-1', 8, 1)], launchSeconds: NODE_READY, lastScaleAt: NOW });
    const queued = Array.from({ length: 10 }, () => ({ request: amounts(8, 8), seconds: 100 }));
    // The running subtask ends in 30 s: the first queued one starts there (30 s < 60 s), the nine
    // others would start at 130, 230, …: each gets a node (ready at 60), even within the cooldown.
    const soon = decideScaling(pool, pendingOf(10, amounts(8, 8)), withDetail([{ request: amounts(8, 8), remainingSeconds: 30, node: 'cpu-1' }], queued), NOW);
    expect([soon.action, soon.count]).toEqual(['scale_up', 9]);
    expect(soon.reason).toMatch(/9 queued subtasks would start later than 60 s \(a new node's launch\)/);
    expect(nodesToStartPromptly(pool, [{ request: amounts(8, 8), remainingSeconds: 30, node: 'cpu-1' }], queued, 9)).toEqual({ count: 9, late: 9 });
    // One queued subtask that the running one makes room for within 60 s waits for it: no launch.
    const one = decideScaling(pool, pendingOf(1, amounts(8, 8)), withDetail([{ request: amounts(8, 8), remainingSeconds: 45, node: 'cpu-1' }], queued.slice(0, 1)), NOW);
    expect(one.action).toBe('maintain');
    expect(one.reason).toMatch(/start every queued subtask within 60 s/);
    // The same subtask behind one that runs for an hour gets its node.
    const held = decideScaling(pool, pendingOf(1, amounts(8, 8)), withDetail([{ request: amounts(8, 8), remainingSeconds: 3600, node: 'cpu-1' }], queued.slice(0, 1)), NOW);
    expect([held.action, held.count]).toEqual(['scale_up', 1]);
  });

  test('only as many as the limit allows; at the limit, the decision says so', () => {
    const pool = cpuPool({ nodes: [busyNode('cpu-1', 8, 1)], maxNodes: 4, launchSeconds: NODE_READY });
    const queued = Array.from({ length: 10 }, () => ({ request: amounts(8, 8), seconds: 100 }));
    const running = [{ request: amounts(8, 8), remainingSeconds: 7200, node: 'cpu-1' }];
    const decision = decideScaling(pool, pendingOf(10, amounts(8, 8)), withDetail(running, queued), NOW);
    expect([decision.action, decision.count]).toEqual(['scale_up', 3]);
    const full = decideScaling({ ...pool, pendingLaunches: 3 }, pendingOf(10, amounts(8, 8)), withDetail(running, queued), NOW);
    expect(full.action).toBe('maintain');
    expect(full.reason).toMatch(/at its limit: 4 nodes, maxNodes 4/);
  });

  test('a long queue: the first 2,000 worked out one by one, the rest counted by their requests', () => {
    const pool = cpuPool({ maxNodes: 10_000, launchSeconds: NODE_READY });
    const queued = Array.from({ length: 2500 }, () => ({ request: amounts(8, 8), seconds: 100 }));
    expect(nodesToStartPromptly(pool, [], queued, 10_000)).toEqual({ count: 2500, late: 2500 });
    // Two per node beyond the first 2,000: 250 nodes for those 500.
    const halves = queued.map((item, index) => (index < 2000 ? item : { ...item, request: amounts(4, 4) }));
    expect(nodesToStartPromptly(pool, [], halves, 10_000)).toEqual({ count: 2250, late: 2500 });
    expect(nodesToStartPromptly(pool, [], halves, 100)).toEqual({ count: 100, late: 2500 });
  });
});

/** No queued work: the running subtasks, and cores (and GiB) arriving per second. */
const detail = (arrivingCoresPerSecond: number, running: NonNullable<PredictedWork['running']> = []): PredictedWork => ({
  cpuSeconds: 0,
  memoryByteSeconds: 0,
  gpuSeconds: 0,
  running,
  queued: [],
  arrivingPerSecond: amounts(arrivingCoresPerSecond, arrivingCoresPerSecond),
});
/** A subtask of `cores` cores and GiB on `name`, with two hours left. */
const runningOn = (name: string, cores: number) => ({ request: amounts(cores, cores), remainingSeconds: 7200, node: name });

describe('no pending work, with each subtask\'s predicted time and the arrival rate', () => {
  const busy = (name: string, cores: number) => busyNode(name, cores, 1);

  test('grows ahead when what arrives within a launch would not find room', () => {
    // 14 of 16 cores requested; 4 cores a minute arrive: within the 60 s launch they need 2 more than is free.
    const pool = cpuPool({ nodes: [busy('cpu-1', 8), busy('cpu-2', 6)], launchSeconds: 60 });
    const decision = decideScaling(pool, undefined, detail(4 / 60, [runningOn('cpu-1', 8), runningOn('cpu-2', 6)]), NOW);
    expect([decision.action, decision.count]).toEqual(['scale_up', 1]);
    expect(decision.reason).toMatch(/what arrives at the recent rate within 60 s/);
    // Without arrivals it does not.
    expect(decideScaling(pool, undefined, detail(0, [runningOn('cpu-1', 8), runningOn('cpu-2', 6)]), NOW).action).toBe('maintain');
  });

  test('a busy pool (utilization ≥ scaleDownThreshold) keeps its idle node for the next arrivals: the reversal on heavy-tailed work', () => {
    // Two long subtasks hold 12 of 24 cores (0.5); the third node is idle. Removing it is what the
    // next 6-core arrival would reverse.
    const pool = cpuPool({ nodes: [busy('cpu-1', 6), busy('cpu-2', 6), idleNode('cpu-3', 30)], launchSeconds: 60 });
    const decision = decideScaling(pool, undefined, detail(0, [runningOn('cpu-1', 6), runningOn('cpu-2', 6)]), NOW);
    expect(decision.action).toBe('maintain');
    expect(decision.reason).toMatch(/utilization 0.5 ≥ 0.3: the pool is busy/);
  });

  test('a pool below scaleDownThreshold removes idle nodes at once (no idle wait), keeping what runs plus what arrives within a launch', () => {
    const nodes = [busy('cpu-1', 2), idleNode('cpu-2', 0), idleNode('cpu-3', 30), idleNode('cpu-4', 90)];
    const pool = cpuPool({ nodes, launchSeconds: 60 });
    const quiet = decideScaling(pool, undefined, detail(0, [runningOn('cpu-1', 2)]), NOW);
    expect(quiet.action).toBe('scale_down');
    expect(quiet.nodeNames.sort()).toEqual(['cpu-2', 'cpu-3', 'cpu-4']);
    // 8 cores a minute keep arriving: 2 + 8 cores must stay, so one idle node (the longest idle goes first) stays.
    const arriving = decideScaling(pool, undefined, detail(8 / 60, [runningOn('cpu-1', 2)]), NOW);
    expect(arriving.action).toBe('scale_down');
    expect(arriving.nodeNames).toEqual(['cpu-4', 'cpu-3']);
    expect(arriving.reason).toMatch(/keeping what runs plus what arrives at the recent rate within 60 s \(cpu 10/);
    // Not within the cooldown.
    expect(decideScaling({ ...pool, lastScaleAt: NOW - 100 }, undefined, detail(0, [runningOn('cpu-1', 2)]), NOW).action).toBe('maintain');
  });
});

describe('hysteresis against reversals only', () => {
  // Two long subtasks hold 12 of 24 cores (utilization 0.5), the third node is idle; the last
  // action was 100 s ago, within the 300 s cooldown.
  const nodes = [busyNode('cpu-1', 6, 1), busyNode('cpu-2', 6, 1), idleNode('cpu-3', 30)];
  const running = [runningOn('cpu-1', 6), runningOn('cpu-2', 6)];

  test('after a scale-down, a node that goes idle goes too, within the cooldown and in a busy pool: the same shrink, no reversal', () => {
    const pool = cpuPool({ nodes, launchSeconds: 60, lastScaleAt: NOW - 100, lastScaleAction: 'scale_down' });
    const decision = decideScaling(pool, undefined, detail(0, running), NOW);
    expect([decision.action, decision.nodeNames]).toEqual(['scale_down', ['cpu-3']]);
    expect(decision.reason).toMatch(/^continuing the last scale-down: removing 1 idle node/);
    // Still keeping what runs plus what arrives within a launch: 12 + 8 cores a minute need the third node.
    const arriving = decideScaling(pool, undefined, detail(8 / 60, running), NOW);
    expect(arriving.action).toBe('maintain');
    expect(arriving.reason).toMatch(/cooldown: 200 s left/);
  });

  test('after a scale-up, the same node stays: removing it would reverse the last action (cooldown, then the busy rule)', () => {
    const grown = cpuPool({ nodes, launchSeconds: 60, lastScaleAt: NOW - 100, lastScaleAction: 'scale_up' });
    expect(decideScaling(grown, undefined, detail(0, running), NOW).reason).toMatch(/^cooldown: 200 s left/);
    const later = decideScaling({ ...grown, lastScaleAt: NOW - 1000 }, undefined, detail(0, running), NOW);
    expect(later.action).toBe('maintain');
    expect(later.reason).toMatch(/utilization 0.5 ≥ 0.3: the pool is busy/);
    // With no action known (a caller that does not say), as after a scale-up.
    expect(decideScaling({ ...grown, lastScaleAction: undefined }, undefined, detail(0, running), NOW).action).toBe('maintain');
  });

  test('after a scale-down, growing ahead for arrivals (a reversal) still waits for the cooldown', () => {
    // 14 of 16 cores requested and 4 cores a minute arriving: it would grow ahead, were it not 100 s after a scale-down.
    const pool = cpuPool({ nodes: [busyNode('cpu-1', 8, 1), busyNode('cpu-2', 6, 1)], launchSeconds: 60, lastScaleAt: NOW - 100, lastScaleAction: 'scale_down' });
    const tight = detail(4 / 60, [runningOn('cpu-1', 8), runningOn('cpu-2', 6)]);
    expect(decideScaling(pool, undefined, tight, NOW).action).toBe('maintain');
    expect(decideScaling({ ...pool, lastScaleAt: NOW - 400 }, undefined, tight, NOW).action).toBe('scale_up');
  });
});

describe('told the size of the recent arrivals (largestArrival)', () => {
  // Two subtasks hold 12 of 24 cores (utilization 0.5), the third node is idle; the last action,
  // a scale-up, was long ago (cooldown over).
  const nodes = [busyNode('cpu-1', 6, 1), busyNode('cpu-2', 6, 1), idleNode('cpu-3', 30)];
  const grown = cpuPool({ nodes, launchSeconds: 60, lastScaleAt: NOW - 1000, lastScaleAction: 'scale_up' });
  const ending = (seconds: number) => [
    { request: amounts(6, 6), remainingSeconds: seconds, node: 'cpu-1' },
    { request: amounts(6, 6), remainingSeconds: seconds, node: 'cpu-2' },
  ];
  const sized = (running: NonNullable<PredictedWork['running']>, largest = amounts()) => ({ ...detail(0, running), largestArrival: largest });

  test('a pool busy now whose work ends within a launch is not busy: its idle node goes (without the size, the busy rule keeps it)', () => {
    expect(decideScaling(grown, undefined, detail(0, ending(30)), NOW).reason).toMatch(/utilization 0.5 ≥ 0.3: the pool is busy/);
    const decision = decideScaling(grown, undefined, sized(ending(30)), NOW);
    expect([decision.action, decision.nodeNames]).toEqual(['scale_down', ['cpu-3']]);
    expect(decision.reason).toMatch(/^utilization 60 s from now 0 < 0.3/);
  });

  test('work that still runs a launch from now, or is past its predicted end (when it ends is unknown), keeps the pool busy', () => {
    expect(decideScaling(grown, undefined, sized(ending(600)), NOW).reason).toMatch(/utilization 60 s from now 0.5 ≥ 0.3: the pool is busy/);
    expect(decideScaling(grown, undefined, sized(ending(0)), NOW).reason).toMatch(/utilization 60 s from now 0.5 ≥ 0.3: the pool is busy/);
  });

  test('utilizationAfter: less what ends by then, on the ready nodes that stay', () => {
    const running = [...ending(30), { request: amounts(6, 6), remainingSeconds: 30, node: 'elsewhere' }];
    expect(utilizationAfter(grown, running, 60)!.cpu).toBeCloseTo(0, 9);
    expect(utilizationAfter(grown, running, 10)!.cpu).toBeCloseTo(0.5, 9);
    expect(utilizationAfter(cpuPool(), running, 60)).toBeUndefined();
  });

  test('the first removal after a scale-up keeps room for the largest task that arrived within the horizon; a removal after a scale-down does not', () => {
    // 2 of 40 cores requested (utilization 0.05); a task of 12 cores arrived within the horizon:
    // 2 + 12 cores stay, so one idle node (8 cores) stays beside cpu-1.
    const quiet = [busyNode('cpu-1', 2, 1), idleNode('cpu-2', 90), idleNode('cpu-3', 60), idleNode('cpu-4', 30), idleNode('cpu-5', 0)];
    const running = [{ request: amounts(2, 2), remainingSeconds: 7200, node: 'cpu-1' }];
    const pool = cpuPool({ nodes: quiet, launchSeconds: 60, lastScaleAt: NOW - 1000, lastScaleAction: 'scale_up' });
    const keeping = decideScaling(pool, undefined, sized(running, amounts(12, 12)), NOW);
    expect([keeping.action, keeping.nodeNames]).toEqual(['scale_down', ['cpu-2', 'cpu-3', 'cpu-4']]);
    expect(keeping.reason).toMatch(/the largest task that arrived within 600 s \(cpu 14, memory 14Gi\)/);
    // Without the size, or after a scale-down (continuing the shrink reverses nothing), all four go.
    expect(decideScaling(pool, undefined, detail(0, running), NOW).nodeNames).toHaveLength(4);
    expect(decideScaling({ ...pool, lastScaleAction: 'scale_down' }, undefined, sized(running, amounts(12, 12)), NOW).nodeNames).toHaveLength(4);
  });
});
