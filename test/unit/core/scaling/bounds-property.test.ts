// Property-style tests: thousands of random pools (valid specs, any mix of ready, joining,
// draining, busy and idle nodes, launches, pending and predicted work, cooldowns) through both
// policies, checked against the bounds directly (not only through decisionViolations).
import { describe, expect, test } from '@jest/globals';
import {
  decideScaling,
  decisionViolations,
  pendingHelpable,
  type Amounts,
  type PendingWork,
  type PoolNodeState,
  type PoolState,
  type PredictedWork,
} from '../../../../operator/core/scaling/index.js';
import { seededRandom } from '../../../../operator/simulate/traces.js';
import { GI } from './builders.js';

type Random = () => number;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p: number) => random() < p;
const scaled = (of: Amounts, factor: number): Amounts => ({ cpu: of.cpu * factor, memoryBytes: of.memoryBytes * factor, gpu: of.gpu * factor });

interface Case {
  pool: PoolState;
  pending: PendingWork | undefined;
  predicted: PredictedWork | undefined;
  now: number;
}

function randomCase(random: Random): Case {
  const hardware = pick(random, ['cpu', 'gpu', 'memory'] as const);
  const shape: Amounts = { cpu: int(random, 1, 64), memoryBytes: int(random, 1, 512) * GI, gpu: hardware === 'gpu' ? int(random, 1, 8) : 0 };
  const maxNodes = int(random, 0, 30);
  const minNodes = int(random, 0, Math.min(maxNodes, 5));
  const costPerNodeHour = pick(random, [0, 0.1, 0.4, 1.2, 3.3]);
  const maxCostPerHour = chance(random, 0.5) ? Math.round((minNodes * costPerNodeHour + random() * 20) * 100) / 100 + 0.01 : undefined;
  const scaleDownThreshold = Math.round(random() * 50) / 100;
  const scaleUpThreshold = Math.min(1, scaleDownThreshold + 0.01 + Math.round(random() * (99 - scaleDownThreshold * 100)) / 100);
  const targetUtilization = scaleDownThreshold + random() * (scaleUpThreshold - scaleDownThreshold);
  const nodeCount = int(random, 0, Math.min(maxNodes + 3, 20));
  const nodes: PoolNodeState[] = [];
  for (let index = 0; index < nodeCount; index += 1) {
    const ready = chance(random, 0.85);
    const allocatable = ready || chance(random, 0.5) ? scaled(shape, chance(random, 0.8) ? 1 : 0.5 + random()) : { cpu: 0, memoryBytes: 0, gpu: 0 };
    const ourPods = ready && chance(random, 0.5) ? int(random, 1, 4) : 0;
    const requested = ourPods > 0 ? scaled(allocatable, random()) : chance(random, 0.2) ? scaled(allocatable, random() * 0.2) : { cpu: 0, memoryBytes: 0, gpu: 0 };
    nodes.push({
      name: `n-${index}`,
      ready,
      allocatable,
      requested,
      ourPods,
      idleSeconds: ourPods > 0 ? 0 : int(random, 0, 2000),
      ...(chance(random, 0.1) ? { draining: true } : {}),
    });
  }
  let pending: PendingWork | undefined;
  if (chance(random, 0.6)) {
    const largest = scaled(shape, random() * 1.3);
    const subtasks = int(random, 1, 50);
    pending = { subtasks, largest, total: scaled(largest, 1 + random() * (subtasks - 1)) };
  }
  let predicted: PredictedWork | undefined;
  if (chance(random, 0.7)) {
    predicted = {
      cpuSeconds: random() * 1e6,
      memoryByteSeconds: random() * 1e6 * GI,
      gpuSeconds: hardware === 'gpu' ? random() * 1e5 : 0,
      ...(chance(random, 0.2) ? { concurrency: scaled(shape, random() * 10) } : {}),
    };
  }
  const now = int(random, 1e5, 1e6);
  return {
    pool: {
      name: 'p',
      hardware,
      ...(hardware === 'gpu' && chance(random, 0.5) ? { gpuProduct: 'NVIDIA-A10G' } : {}),
      provider: pick(random, ['kwok', 'kwok', 'aws', 'gcp', 'static'] as const),
      nodeShape: shape,
      minNodes,
      maxNodes,
      costPerNodeHour,
      ...(maxCostPerHour !== undefined ? { maxCostPerHour } : {}),
      scaling: {
        targetUtilization,
        scaleUpThreshold,
        scaleDownThreshold,
        cooldownSeconds: pick(random, [0, 30, 300]),
        scaleDownIdleSeconds: pick(random, [0, 60, 600]),
        predictive: chance(random, 0.5),
        horizonSeconds: pick(random, [0, 60, 600, 3600]),
      },
      nodes,
      pendingLaunches: int(random, 0, 3),
      ...(chance(random, 0.5) ? { lastScaleAt: now - int(random, 0, 1000) } : {}),
    },
    pending,
    predicted,
    now,
  };
}

const CASES = 6000;

describe('random pools through decideScaling (seeded)', () => {
  test(`${CASES} random states: every decision keeps every bound`, () => {
    const random = seededRandom(424242);
    const seen = { scale_up: 0, scale_down: 0, maintain: 0 };
    for (let index = 0; index < CASES; index += 1) {
      const { pool, pending, predicted, now } = randomCase(random);
      const decision = decideScaling(pool, pending, predicted, now);
      const where = `case ${index}: ${decision.action} ${decision.count} (${decision.reason})`;
      seen[decision.action] += 1;

      expect([where, decisionViolations(pool, decision)]).toEqual([where, []]);
      // Deterministic: the same inputs, the same decision.
      expect(decideScaling(pool, pending, predicted, now)).toEqual(decision);
      expect(decision.reason.length).toBeGreaterThan(0);
      expect(decision.time).toBe(now);

      const billed = pool.nodes.length + pool.pendingLaunches;
      const staying = pool.nodes.filter((node) => !node.draining).length + pool.pendingLaunches;
      const inCooldown = pool.lastScaleAt !== undefined && now - pool.lastScaleAt < pool.scaling.cooldownSeconds;
      const boundsAction = /below minNodes|exceed the limit/.test(decision.reason);
      if (pool.provider === 'static') expect(decision.action).toBe('maintain');
      if (decision.action === 'maintain') expect([decision.count, decision.nodeNames]).toEqual([0, []]);
      if (decision.action === 'scale_up') {
        expect(decision.count).toBeGreaterThanOrEqual(1);
        expect(billed + decision.count).toBeLessThanOrEqual(pool.maxNodes);
        if (pool.maxCostPerHour !== undefined) expect((billed + decision.count) * pool.costPerNodeHour).toBeLessThanOrEqual(pool.maxCostPerHour + 1e-9);
        // Within the cooldown, only bounds, or (predictive) pending work a new node can run.
        if (inCooldown && !boundsAction) {
          expect([where, pool.scaling.predictive && pendingHelpable(pool, pending)]).toEqual([where, true]);
        }
      }
      if (decision.action === 'scale_down') {
        expect(decision.nodeNames).toHaveLength(decision.count);
        expect(new Set(decision.nodeNames).size).toBe(decision.count);
        for (const name of decision.nodeNames) {
          const node = pool.nodes.find((candidate) => candidate.name === name)!;
          expect(node).toBeDefined();
          expect(node.ourPods).toBe(0);
          expect(node.draining).not.toBe(true);
          if (!boundsAction && pool.scaling.predictive) {
            expect(node.ready).toBe(true);
            expect(node.idleSeconds).toBeGreaterThanOrEqual(pool.scaling.scaleDownIdleSeconds);
          }
        }
        expect(staying - decision.count).toBeGreaterThanOrEqual(pool.minNodes);
        if (!boundsAction) {
          expect(inCooldown).toBe(false);
          if (pool.scaling.predictive) expect(pendingHelpable(pool, pending)).toBe(false);
        }
      }
      // Pending work no new node can hold changes nothing but the words.
      if (pending && !pendingHelpable(pool, pending)) {
        const without = decideScaling(pool, undefined, predicted, now);
        expect([where, decision.action, decision.count, decision.nodeNames]).toEqual([where, without.action, without.count, without.nodeNames]);
      }
    }
    // The generator reaches every kind of decision, often.
    expect(seen.scale_up).toBeGreaterThan(CASES / 10);
    expect(seen.scale_down).toBeGreaterThan(CASES / 20);
    expect(seen.maintain).toBeGreaterThan(CASES / 10);
  });

  test('decisionViolations names what is wrong with a bad decision', () => {
    const random = seededRandom(7);
    let pool: PoolState;
    do pool = randomCase(random).pool;
    while (pool.provider === 'static' || pool.nodes.length === 0 || pool.maxNodes === 0);
    const base = decideScaling(pool, undefined, undefined, 0);
    const billed = pool.nodes.length + pool.pendingLaunches;
    expect(decisionViolations(pool, { ...base, action: 'scale_up', count: pool.maxNodes - billed + 1, nodeNames: [] }).join('; ')).toMatch(/exceed maxNodes/);
    expect(decisionViolations({ ...pool, nodes: [{ ...pool.nodes[0]!, ourPods: 2, draining: false }] }, { ...base, action: 'scale_down', count: 1, nodeNames: [pool.nodes[0]!.name] }).join('; ')).toMatch(
      /runs 2 pods of ours/,
    );
    expect(decisionViolations(pool, { ...base, action: 'scale_down', count: 2, nodeNames: ['ghost'] }).join('; ')).toMatch(/count 2 but 1 node names.*ghost is not a node of the pool/);
    expect(decisionViolations(pool, { ...base, action: 'maintain', count: 1, nodeNames: [] })).toContain('maintain names no nodes and counts 0');
    expect(decisionViolations({ ...pool, maxNodes: 100, costPerNodeHour: 1, maxCostPerHour: billed }, { ...base, action: 'scale_up', count: 1, nodeNames: [] }).join('; ')).toMatch(/above maxCostPerHour/);
    expect(decisionViolations({ ...pool, minNodes: pool.nodes.length + pool.pendingLaunches }, { ...base, action: 'scale_down', count: 1, nodeNames: [pool.nodes[0]!.name] }).join('; ')).toMatch(/fewer than minNodes/);
  });
});
