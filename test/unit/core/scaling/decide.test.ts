import { describe, expect, test } from '@jest/globals';
import { decideScaling, decisionInvariantsHold, predictiveNeed, type PendingWork, type PoolState, type PredictedWork, type ScalingDecision } from '../../../../operator/core/scaling/index.js';
import {
  amounts,
  busyNode,
  cpuPool,
  CPU_SHAPE,
  GI,
  gpuPool,
  idleNode,
  node,
  nodes,
  pendingOf,
  predictedFor,
  predictedOf,
  thresholdPool,
  type PoolOverrides,
} from './builders.js';

const NOW = 10_000;
const ONE_CPU = amounts(1, 1);

/** Decides, and checks the bounds every decision must keep. */
function decide(pool: PoolState, pending?: PendingWork, predicted?: PredictedWork, now = NOW): ScalingDecision {
  const decision = decideScaling(pool, pending, predicted, now);
  expect(decisionInvariantsHold(pool, decision)).toBe(true);
  return decision;
}

describe('threshold policy (predictive: false)', () => {
  test('pending work scales up until requested + pending sit at targetUtilization', () => {
    const pool = thresholdPool({ nodes: [busyNode('a', 8, 4), busyNode('b', 8, 4)] });
    const decision = decide(pool, pendingOf(10, ONE_CPU));
    // (16 requested + 10 pending) / 0.7 = 37.1 cores wanted, 16 there: 3 nodes of 8.
    expect(decision).toMatchObject({ action: 'scale_up', count: 3, nodeNames: [], requirements: { cpu: 8, memoryBytes: 32 * GI, gpu: 0 } });
    expect(decision.reason).toContain('10 pending subtasks need cpu 10, memory 10Gi; utilization 1: adding 3 nodes of cpu 8, memory 32Gi');
    expect(decision.predictedDemand).toEqual({ cpu: 26, memoryBytes: 26 * GI, gpu: 0, subtasks: 10 });
  });

  test('utilization above scaleUpThreshold scales up toward targetUtilization without pending work', () => {
    const decision = decide(thresholdPool({ nodes: [busyNode('a', 7, 2), busyNode('b', 7, 2)] }));
    // 14 / 16 = 0.875 > 0.85; 14 / 0.7 = 20 cores: one more node.
    expect(decision).toMatchObject({ action: 'scale_up', count: 1 });
    expect(decision.reason).toMatch(/^utilization 0\.88 > 0\.85: adding 1 node/);
  });

  test('utilization between the thresholds: maintain', () => {
    const decision = decide(thresholdPool({ nodes: [busyNode('a', 4), busyNode('b', 4)] }));
    expect(decision).toMatchObject({ action: 'maintain', count: 0, nodeNames: [] });
    expect(decision.reason).toBe('utilization 0.5 within 0.3–0.85');
  });

  test('utilization below scaleDownThreshold removes nodes without pods of ours, longest idle first, toward target', () => {
    const nodesNow = [busyNode('a', 4), idleNode('b', 50), idleNode('c', 500), idleNode('d', 100)];
    const decision = decide(thresholdPool({ nodes: nodesNow }));
    // 4 / 32 = 0.125 < 0.3; keeping 4 / 0.7 = 5.7 cores lets all three idle nodes go.
    expect(decision).toMatchObject({ action: 'scale_down', count: 3, nodeNames: ['c', 'd', 'b'] });
    expect(decision.reason).toMatch(/^utilization 0\.13 < 0\.3: removing 3 nodes without pods of ours \(c, d, b\)/);
    // minNodes holds.
    expect(decide(thresholdPool({ nodes: nodesNow, minNodes: 2 }))).toMatchObject({ action: 'scale_down', count: 2, nodeNames: ['c', 'd'] });
  });

  test('the threshold policy removes idle nodes however briefly idle (unlike the predictive one)', () => {
    const pool = { nodes: [busyNode('a', 1), idleNode('b', 5)] };
    expect(decide(thresholdPool(pool))).toMatchObject({ action: 'scale_down', nodeNames: ['b'] });
    expect(decide(cpuPool(pool), undefined, predictedOf(100))).toMatchObject({ action: 'maintain' });
  });

  test('never removes a node with pods of ours, however low the utilization', () => {
    const decision = decide(thresholdPool({ nodes: [busyNode('a', 0.5), busyNode('b', 0.5), busyNode('c', 0.5)] }));
    expect(decision.action).toBe('maintain');
    expect(decision.reason).toMatch(/utilization 0\.06 < 0\.3, but no node can go/);
  });

  test('cooldown: nothing happens until cooldownSeconds after the last action, pending work or not', () => {
    const pool = thresholdPool({ lastScaleAt: NOW - 100 });
    const waiting = decide(pool, pendingOf(4, ONE_CPU));
    expect(waiting).toMatchObject({ action: 'maintain', reason: 'cooldown: 200 s left of 300 s after the last action' });
    expect(decide(pool, pendingOf(4, ONE_CPU), undefined, NOW + 200)).toMatchObject({ action: 'scale_up', count: 1 });
  });

  test('launches under way count: no second launch for the same pending work', () => {
    const decision = decide(thresholdPool({ pendingLaunches: 3 }), pendingOf(10, ONE_CPU));
    expect(decision.action).toBe('maintain');
    expect(decision.reason).toContain('3 nodes already coming cover it');
  });

  test('pending work that the free pieces cannot hold still gets a node when none is coming', () => {
    // 4 nodes with 3 free cores each: 12 free, but the pending 4-core subtask fits none.
    const decision = decide(thresholdPool({ nodes: nodes(4, 'n', (name) => busyNode(name, 5, 1)) }), pendingOf(1, amounts(4, 1)));
    expect(decision).toMatchObject({ action: 'scale_up', count: 1 });
  });

  test('ignores the prediction', () => {
    const pool = thresholdPool({ maxNodes: 50 });
    expect(decide(pool, pendingOf(100, ONE_CPU), predictedOf(1))).toEqual(decide(pool, pendingOf(100, ONE_CPU), predictedOf(1e9)));
  });
});

describe('predictive policy', () => {
  const burst = pendingOf(100, ONE_CPU);
  const burstWork = predictedFor(100, ONE_CPU, 300);

  test('sizes for the predicted resource-seconds at targetUtilization over the horizon plus the idle time, not for the whole queue', () => {
    const decision = decide(cpuPool({ maxNodes: 50 }), burst, burstWork);
    // 30 000 core-seconds over (600 + 600) s at 0.7 = 35.7 cores: 5 nodes (the threshold policy: 18).
    expect(decision).toMatchObject({ action: 'scale_up', count: 5 });
    expect(decision.predictedDemand).toEqual({ cpu: 50, memoryBytes: 50 * GI, gpu: 0, subtasks: 100 });
    expect(decision.reason).toMatch(/^100 pending subtasks need cpu 100, memory 100Gi; the work averages cpu 50, memory 50Gi over the next 600 s: adding 5 nodes/);
    expect(decide(thresholdPool({ maxNodes: 50 }), burst, burstWork)).toMatchObject({ action: 'scale_up', count: 18 });
  });

  test('predictiveNeed: average over the horizon, wanted capacity over horizon + idle at target, both capped by what the work can use at once', () => {
    const { ceiling, need, wanted } = predictiveNeed(cpuPool(), burst, burstWork);
    expect(ceiling.cpu).toBe(100);
    expect(need.cpu).toBeCloseTo(50);
    expect(wanted.cpu).toBeCloseTo(30_000 / (1200 * 0.7));
    // With no idle time to pay for, it is need ÷ targetUtilization.
    expect(predictiveNeed(cpuPool({ scaling: { scaleDownIdleSeconds: 0 } }), burst, burstWork).wanted.cpu).toBeCloseTo(50 / 0.7);
  });

  test('never sizes beyond what the work can use at once: two long GPU subtasks get two nodes', () => {
    const each = amounts(2, 8, 1);
    const decision = decide(gpuPool(), pendingOf(2, each), predictedFor(2, each, 3600));
    expect(decision).toMatchObject({ action: 'scale_up', count: 2, requirements: { gpu: 1, gpuProduct: 'NVIDIA-A10G' }, workerType: 'gpu' });
  });

  test('without a prediction, sizes for the pending work itself (no headroom beyond it)', () => {
    expect(decide(cpuPool(), pendingOf(20, ONE_CPU))).toMatchObject({ action: 'scale_up', count: 3 });
  });

  test('pending work scales up at once, even within the cooldown', () => {
    const decision = decide(cpuPool({ maxNodes: 50, lastScaleAt: NOW - 10 }), burst, burstWork);
    expect(decision).toMatchObject({ action: 'scale_up', count: 5 });
  });

  test('launches under way and joining nodes count: no second launch for the same work', () => {
    expect(decide(cpuPool({ pendingLaunches: 5 }), burst, burstWork).action).toBe('maintain');
    const joining = nodes(5, 'j', (name) => node(name, { ready: false, allocatable: amounts() }));
    const decision = decide(cpuPool({ nodes: joining }), burst, burstWork);
    expect(decision.action).toBe('maintain');
    expect(decision.reason).toMatch(/the nodes there and coming \(cpu 40, memory 160Gi\) suffice, the rest queues$/);
  });

  test('pending work with no node at all gets one even when the prediction says almost nothing', () => {
    expect(decide(cpuPool(), pendingOf(3, ONE_CPU), predictedOf(0))).toMatchObject({ action: 'scale_up', count: 1 });
  });

  test('scales down only nodes idle ≥ scaleDownIdleSeconds without pods of ours', () => {
    const pool = cpuPool({ nodes: [idleNode('a', 599), idleNode('b', 600), idleNode('c', 900), busyNode('d', 2)] });
    const decision = decide(pool, undefined, predictedOf(200, 200));
    expect(decision).toMatchObject({ action: 'scale_down', count: 2, nodeNames: ['c', 'b'] });
    expect(decision.reason).toMatch(/^2 nodes idle ≥ 600 s without pods of ours and not needed by the known or predicted work \(.*\): removing c, b$/);
  });

  test('no scale-down while pending work waits', () => {
    const pool = cpuPool({ nodes: [idleNode('a', 900), busyNode('b', 8, 8)] });
    expect(decide(pool, pendingOf(1, ONE_CPU), predictedFor(1, ONE_CPU, 60)).action).toBe('maintain');
  });

  test('no scale-down of capacity the predicted work needs within the horizon', () => {
    const pool = cpuPool({ nodes: nodes(4, 'n', (name) => idleNode(name, 900)) });
    // The predictor expects 24 000 core-seconds able to use 32 cores at once: keep 28.6 cores.
    const expected = decide(pool, undefined, predictedOf(24_000, 0, 0, { cpu: 32 }));
    expect(expected.action).toBe('maintain');
    expect(expected.reason).toContain('4 idle nodes kept for the work');
    expect(decide(pool, undefined, predictedOf(0))).toMatchObject({ action: 'scale_down', count: 4 });
  });

  test('no scale-down within the cooldown', () => {
    const pool = cpuPool({ nodes: [idleNode('a', 900)], lastScaleAt: NOW - 100 });
    expect(decide(pool, undefined, predictedOf(0))).toMatchObject({ action: 'maintain', reason: 'cooldown: 200 s left of 300 s after the last action' });
    expect(decide(pool, undefined, predictedOf(0), NOW + 200)).toMatchObject({ action: 'scale_down', nodeNames: ['a'] });
  });

  test('hysteresis: utilization swinging between 0.94 and 0.19 moves the threshold policy both ways, the predictive one neither way', () => {
    const high: PoolOverrides = { nodes: nodes(4, 'n', (name) => busyNode(name, 7.5, 3)) };
    const low: PoolOverrides = { nodes: [busyNode('n-1', 6, 2), ...nodes(3, 'm', (name) => idleNode(name, 30))] };
    expect(decide(thresholdPool(high)).action).toBe('scale_up');
    expect(decide(thresholdPool(low)).action).toBe('scale_down');
    expect(decide(cpuPool(high), undefined, predictedOf(4 * 7.5 * 120)).action).toBe('maintain');
    expect(decide(cpuPool(low), undefined, predictedOf(6 * 120)).action).toBe('maintain');
  });

  test('predicted work the pool cannot hold now grows it without pending work, past the scale-up threshold only', () => {
    const pool = cpuPool({ nodes: [busyNode('a', 4)] });
    const grows = decide(pool, undefined, predictedOf(60_000, 0, 0, { cpu: 64 }));
    expect(grows.action).toBe('scale_up');
    expect(grows.reason).toMatch(/^the predicted work would use/);
    expect(decide(pool, undefined, predictedOf(2400, 0, 0, { cpu: 8 })).action).toBe('maintain');
  });
});

describe.each([
  ['predictive', cpuPool],
  ['threshold', thresholdPool],
] as const)('bounds (%s)', (_policy, poolOf) => {
  const flood = pendingOf(500, ONE_CPU);
  const floodWork = predictedFor(500, ONE_CPU, 3600);

  test('below minNodes (counting launches, not draining nodes): scale up to it, even within the cooldown', () => {
    const decision = decide(poolOf({ minNodes: 3, nodes: [node('a'), node('b', { draining: true })], pendingLaunches: 1, lastScaleAt: NOW - 1 }));
    expect(decision).toMatchObject({ action: 'scale_up', count: 1 });
    expect(decision.reason).toMatch(/^2 nodes \(counting launches\) is below minNodes 3: adding 1 node/);
  });

  test('maxNodes caps growth, counting draining nodes and launches', () => {
    const decision = decide(poolOf({ maxNodes: 4, nodes: [busyNode('a', 8, 8), busyNode('b', 8, 8, { draining: true })] }), flood, floodWork);
    expect(decision).toMatchObject({ action: 'scale_up', count: 2 });
    expect(decision.reason).toMatch(/wanted; maxNodes 4\)$/);
  });

  test('maxCostPerHour caps growth: nodes × costPerNodeHour never above it', () => {
    const decision = decide(poolOf({ maxNodes: 10, costPerNodeHour: 0.4, maxCostPerHour: 2 }), flood, floodWork);
    expect(decision).toMatchObject({ action: 'scale_up', count: 5 });
    expect(decision.reason).toContain('maxCostPerHour 2 allows 5 nodes at 0.4/h');
  });

  test('at the limit: maintain, saying why', () => {
    const decision = decide(poolOf({ maxNodes: 2, nodes: [busyNode('a', 8, 8)], pendingLaunches: 1 }), flood, floodWork);
    expect(decision.action).toBe('maintain');
    expect(decision.reason).toMatch(/but the pool is at its limit: 2 nodes, maxNodes 2/);
  });

  test('above the limit (maxNodes lowered): idle nodes go at once, busy ones stay', () => {
    const pool = poolOf({ maxNodes: 4, lastScaleAt: NOW - 1, nodes: [busyNode('busy', 1), ...nodes(5, 'n', (name, index) => idleNode(name, 10 + index))] });
    const decision = decide(pool);
    expect(decision).toMatchObject({ action: 'scale_down', count: 2, nodeNames: ['n-5', 'n-4'] });
    expect(decision.reason).toMatch(/^6 nodes exceed the limit \(maxNodes 4\)/);
  });

  test('never below minNodes when shrinking', () => {
    const decision = decide(poolOf({ minNodes: 2, nodes: nodes(3, 'n', (name) => idleNode(name, 3600)) }), undefined, predictedOf(0));
    expect(decision).toMatchObject({ action: 'scale_down', count: 1 });
  });

  test('pending work larger than a new node cannot be helped: said, not scaled for', () => {
    const decision = decide(poolOf(), pendingOf(3, amounts(16, 8)), predictedFor(3, amounts(16, 8), 600));
    expect(decision).toMatchObject({ action: 'maintain', count: 0 });
    expect(decision.reason).toContain("3 pending subtasks cannot be helped by this pool: the largest request (cpu 16) exceeds a new node's (cpu 8), so the pool does not scale for it");
  });

  test('GPU work cannot be helped by a pool without GPUs', () => {
    const decision = decide(poolOf(), pendingOf(1, amounts(1, 1, 1)));
    expect(decision.action).toBe('maintain');
    expect(decision.reason).toContain("the largest request (gpu 1) exceeds a new node's (no gpu)");
  });

  test('unhelpable work does not stop minNodes from being kept; the note rides along', () => {
    const decision = decide(poolOf({ minNodes: 1 }), pendingOf(1, amounts(16, 8)));
    expect(decision).toMatchObject({ action: 'scale_up', count: 1 });
    expect(decision.reason).toContain('cannot be helped by this pool');
  });

  test('a static pool is never scaled', () => {
    const decision = decide(poolOf({ provider: 'static', minNodes: 5 }), flood, floodWork);
    expect(decision).toMatchObject({ action: 'maintain', provider: 'static', reason: 'static pool: its nodes are selected by label, never scaled' });
  });

  test('the decision names its pool kind, provider, time and what it sized for', () => {
    const decision = decide(poolOf({ provider: 'aws' }), pendingOf(2, ONE_CPU), predictedFor(2, ONE_CPU, 60), 1234.5);
    expect(decision).toMatchObject({ workerType: 'cpu', provider: 'aws', time: 1234.5, predictedDemand: { subtasks: 2 } });
    expect(decision.requirements).toEqual(CPU_SHAPE);
  });
});
