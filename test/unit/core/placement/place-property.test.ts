// Property-style tests: random clusters and random batches through placeBatch, checked against
// a model kept by the test itself (not by the ledger) and against the feasibility rules at the
// moment each decision is made.
import { describe, expect, test } from '@jest/globals';
import type { V1Taint } from '@kubernetes/client-node';
import {
  fitness,
  infeasibility,
  isGpuNode,
  placeBatch,
  PlacementLedger,
  RESOURCE_NAMES,
  type NodeInfo,
  type PlacementPolicy,
  type PlacementRequest,
  type ResourceVector,
} from '../../../../operator/core/placement/index.js';
import { GI, gpuNodeInfo, mulberry32, nodeInfo, request, vec } from './builders.js';

type Random = () => number;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p: number) => random() < p;

const PRODUCTS = ['NVIDIA-A100', 'NVIDIA-H100', 'Tesla-T4'] as const;
const POOLS = ['p1', 'p2', 'p3'] as const;

function randomNode(random: Random, name: string): NodeInfo {
  const pool = chance(random, 0.7) ? pick(random, POOLS) : undefined;
  const taints: V1Taint[] = chance(random, 0.25) ? [{ key: 'dedicated', value: pool ?? 'x', effect: pick(random, ['NoSchedule', 'NoExecute', 'PreferNoSchedule']) }] : [];
  const overrides = {
    ready: chance(random, 0.9),
    unschedulable: chance(random, 0.1),
    labels: { zone: pick(random, ['a', 'b']) },
    taints,
    ...(pool ? { pool } : {}),
    allocatable: {
      cpuMillis: int(random, 2, 64) * 1000 + pick(random, [0, 500, 750]),
      memoryBytes: int(random, 4, 256) * GI,
      ephemeralBytes: chance(random, 0.2) ? 0 : int(random, 20, 200) * GI,
      pods: int(random, 2, 16),
    },
  };
  if (!chance(random, 0.4)) return nodeInfo(name, overrides);
  const gpu = gpuNodeInfo(name, { product: pick(random, PRODUCTS), memoryMiB: pick(random, [16384, 40960, 81920]), gpus: int(random, 1, 8) }, overrides);
  return { ...gpu, labels: { ...gpu.labels, ...overrides.labels } };
}

function randomRequest(random: Random, key: string, taskKey: string): PlacementRequest {
  const hardware = pick(random, ['any', 'any', 'cpu', 'gpu'] as const);
  const gpus = hardware === 'gpu' ? int(random, chance(random, 0.1) ? 0 : 1, 3) : hardware === 'any' && chance(random, 0.2) ? int(random, 1, 2) : 0;
  const wantsGpu = hardware === 'gpu' || gpus > 0;
  return request(key, {
    taskKey,
    hardware,
    requests: {
      cpuMillis: int(random, 0, 64) * 250,
      memoryBytes: int(random, 0, 64) * (GI / 2),
      ephemeralBytes: chance(random, 0.3) ? int(random, 1, 50) * GI : 0,
      gpus,
      pods: 1,
    },
    ...(wantsGpu && chance(random, 0.3) ? { gpuProduct: pick(random, PRODUCTS) } : {}),
    ...(wantsGpu && chance(random, 0.2) ? { minGpuMemoryMiB: pick(random, [16000, 40000, 80000]) } : {}),
    ...(chance(random, 0.2) ? { pools: new Set(POOLS.filter(() => chance(random, 0.5))) } : {}),
    ...(chance(random, 0.3) ? { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } : {}),
    ...(chance(random, 0.15) ? { nodeSelector: { zone: 'a' } } : {}),
    ...(chance(random, 0.1) ? { nodeAffinity: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }] } : {}),
  });
}

const needsNoGpu = (r: PlacementRequest) => r.requests.gpus === 0 && r.hardware !== 'gpu';

/** A ledger that checks every reservation against the rules at the moment it is made. */
class CheckingLedger extends PlacementLedger {
  readonly deciding = new Map<string, PlacementRequest>();
  readonly violations: string[] = [];
  decisions = 0;

  constructor(private readonly policy: PlacementPolicy) {
    super();
  }

  override reserve(key: string, nodeName: string, requests: ResourceVector, taskKey?: string, kind: 'reserved' | 'held' = 'reserved'): void {
    const req = this.deciding.get(key);
    if (req) {
      this.decisions += 1;
      this.check(req, nodeName, requests, taskKey);
    }
    super.reserve(key, nodeName, requests, taskKey, kind);
  }

  private check(req: PlacementRequest, nodeName: string, requests: ResourceVector, taskKey: string | undefined): void {
    const node = this.node(nodeName);
    if (!node) {
      this.violations.push(`${req.key}: reserved on unknown node ${nodeName}`);
      return;
    }
    if (requests !== req.requests && JSON.stringify(requests) !== JSON.stringify(req.requests)) this.violations.push(`${req.key}: reserved other requests`);
    if (taskKey !== req.taskKey) this.violations.push(`${req.key}: reserved under task ${taskKey}`);
    const reason = infeasibility(req, node, this.free(nodeName)!);
    if (reason) this.violations.push(`${req.key} on ${nodeName}: ${JSON.stringify(reason)}`);
    const feasible = this.nodeList().filter((n) => infeasibility(req, n, this.free(n.name)!) === undefined);
    // No-GPU work only on a GPU node when no other node can take it.
    if (needsNoGpu(req) && isGpuNode(node) && feasible.some((n) => !isGpuNode(n))) this.violations.push(`${req.key}: no-GPU work on GPU node ${nodeName} while a CPU node fits`);
    // The best score within the tier.
    const tier = feasible.filter((n) => !needsNoGpu(req) || isGpuNode(n) === isGpuNode(node));
    const score = (n: NodeInfo) => fitness(req, n, this.free(n.name)!, { policy: this.policy, sameTaskOnNode: this.taskEntriesOn(n.name, req.taskKey) }).score;
    const chosen = score(node);
    for (const other of tier) if (score(other) > chosen + 1e-12) this.violations.push(`${req.key}: ${other.name} scores higher than the chosen ${nodeName}`);
  }
}

interface ModelEntry {
  node: string;
  requests: ResourceVector;
}

function usedIn(model: ReadonlyMap<string, ModelEntry>, node: string): ResourceVector {
  const used = vec();
  for (const entry of model.values()) if (entry.node === node) for (const name of RESOURCE_NAMES) used[name] += entry.requests[name];
  return used;
}

function runTrial(seed: number): { decisions: number; placed: number; unplaced: number; gangFailures: number } {
  const random = mulberry32(seed);
  const policy = pick(random, ['binpack', 'spread'] as const);
  const ledger = new CheckingLedger(policy);
  const nodes = Array.from({ length: int(random, 1, 8) }, (_, i) => randomNode(random, `node-${String.fromCharCode(97 + int(random, 0, 25))}${i}`));
  for (const node of nodes) ledger.setNode(node);
  const model = new Map<string, ModelEntry>();
  const stats = { decisions: 0, placed: 0, unplaced: 0, gangFailures: 0 };

  // Some pods already bound, each fitting what is left.
  for (let i = 0; i < int(random, 0, 10); i++) {
    const node = pick(random, nodes);
    const requests = vec({ cpuMillis: int(random, 0, 8) * 500, memoryBytes: int(random, 0, 16) * GI, gpus: Math.min(node.allocatable.gpus, int(random, 0, 2)), pods: 1 });
    const used = usedIn(model, node.name);
    if (RESOURCE_NAMES.every((name) => used[name] + requests[name] <= node.allocatable[name])) {
      model.set(`other/pod-${i}`, { node: node.name, requests });
      ledger.recordBound(`other/pod-${i}`, node.name, requests);
    }
  }

  for (let batch = 0; batch < int(random, 1, 6); batch++) {
    const taskKey = `ns/task-${batch}`;
    const requests = Array.from({ length: int(random, 1, 8) }, (_, i) => randomRequest(random, `ns/task-${batch}-${i}`, taskKey));
    const gang = chance(random, 0.25);
    ledger.deciding.clear();
    for (const r of requests) ledger.deciding.set(r.key, r);

    const result = placeBatch(requests, ledger, { policyFor: () => policy, gang });

    // Every request comes back exactly once.
    expect([...result.placed.map((p) => p.request.key), ...result.unplaced.map((u) => u.request.key)].sort()).toEqual(requests.map((r) => r.key).sort());
    for (const u of result.unplaced) expect(u.reason.length).toBeGreaterThan(0);

    if (gang && result.unplaced.length > 0) {
      stats.gangFailures += 1;
      expect(result.placed).toEqual([]);
      for (const r of requests) expect(ledger.entry(r.key)).toBeUndefined();
    } else {
      // Free capacity only shrinks during a batch: what fitted nowhere when its turn came fits nowhere now.
      for (const u of result.unplaced) for (const node of ledger.nodeList()) expect(infeasibility(u.request, node, ledger.free(node.name)!)).toBeDefined();
    }
    for (const p of result.placed) {
      expect(ledger.entry(p.request.key)).toEqual({ node: p.node, requests: p.request.requests, kind: 'reserved', taskKey });
      model.set(p.request.key, { node: p.node, requests: p.request.requests });
      expect(p.fitness.score).toBeGreaterThanOrEqual(0);
      expect(p.fitness.score).toBeLessThanOrEqual(1);
    }
    stats.placed += result.placed.length;
    stats.unplaced += result.unplaced.length;

    // Nothing is over-committed, by the test's own count, and the ledger agrees with it.
    for (const node of nodes) {
      const used = usedIn(model, node.name);
      for (const name of RESOURCE_NAMES) expect(used[name]).toBeLessThanOrEqual(node.allocatable[name]);
      expect(ledger.usedOn(node.name)).toEqual(used);
    }

    // Between batches: some bindings fail (released), some succeed (bound), a node may flip state.
    for (const [key, entry] of [...model]) {
      if (!key.startsWith('ns/')) continue;
      if (chance(random, 0.15)) {
        ledger.release(key);
        model.delete(key);
      } else if (chance(random, 0.5)) {
        ledger.recordBound(key, entry.node, entry.requests, key.split('-').slice(0, 2).join('-'));
      }
    }
    if (chance(random, 0.3)) {
      const index = int(random, 0, nodes.length - 1);
      nodes[index] = { ...nodes[index]!, ready: !nodes[index]!.ready };
      ledger.setNode(nodes[index]!);
    }
  }
  expect(ledger.violations).toEqual([]);
  stats.decisions = ledger.decisions;
  return stats;
}

describe('placeBatch properties over random clusters', () => {
  test('never over-commits a node, and every decision is feasible, in the right tier and best-scoring when made', () => {
    const totals = { decisions: 0, placed: 0, unplaced: 0, gangFailures: 0 };
    for (let seed = 1; seed <= 400; seed++) {
      const stats = runTrial(seed);
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += stats[k];
    }
    // The generator exercises every outcome, or the properties above would be vacuous.
    expect(totals.placed).toBeGreaterThan(200);
    expect(totals.unplaced).toBeGreaterThan(200);
    expect(totals.gangFailures).toBeGreaterThan(10);
    expect(totals.decisions).toBeGreaterThanOrEqual(totals.placed);
  });

  test('mulberry32 is deterministic per seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
    expect(Array.from({ length: 5 }, c)).not.toEqual(xs);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
