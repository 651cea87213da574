import { describe, expect, test } from '@jest/globals';
import {
  chooseNode,
  dominantShare,
  fitness,
  fitnessScore,
  minus,
  FITNESS_WEIGHTS,
  hardwareMatch,
  largestAllocatable,
  largestFirst,
  placeBatch,
  utilizationAfter,
  type BatchOptions,
  type NodeInfo,
  type PlacementPolicy,
  type SpeedEstimate,
} from '../../../../operator/core/placement/index.js';
import { gpuNodeInfo, ledgerOf, nodeInfo, request, res } from './builders.js';

const policy = (p: PlacementPolicy): BatchOptions => ({ policyFor: () => p });
const binpack = policy('binpack');
const spread = policy('spread');

describe('utilizationAfter', () => {
  test('the share in use after placing, averaged over the resources asked for', () => {
    const node = nodeInfo('n'); // 4 cpu, 16Gi
    // cpu: (4 - 2 + 1) / 4 = 0.75; memory: (16 - 16 + 4) / 16 = 0.25.
    expect(utilizationAfter(res({ cpu: 1, memGi: 4, pods: 1 }), node, res({ cpu: 2, memGi: 16, pods: 110 }))).toBeCloseTo(0.5);
    // Only cpu asked for: memory does not count.
    expect(utilizationAfter(res({ cpu: 1, pods: 1 }), node, res({ cpu: 2, memGi: 16, pods: 110 }))).toBeCloseTo(0.75);
  });

  test('never above 1', () => {
    expect(utilizationAfter(res({ cpu: 8, pods: 1 }), nodeInfo('n'), res({ cpu: 4, pods: 110 }))).toBe(1);
  });

  test('a request of nothing but a pod slot uses the pod count', () => {
    const node = nodeInfo('n', { allocatable: { pods: 10 } });
    expect(utilizationAfter(res({ pods: 1 }), node, res({ cpu: 4, pods: 5 }))).toBeCloseTo(0.6);
    expect(utilizationAfter(res({}), node, res({ pods: 5 }))).toBe(0);
  });

  test('resources the node does not have at all are skipped', () => {
    // gpus asked of a node with none: only cpu counts.
    expect(utilizationAfter(res({ cpu: 2, gpus: 1, pods: 1 }), nodeInfo('n'), res({ cpu: 4, pods: 110 }))).toBeCloseTo(0.5);
  });
});

describe('hardwareMatch', () => {
  test('CPU work: 1 on a CPU node, 0 on a GPU node', () => {
    expect(hardwareMatch(request('ns/p', { hardware: 'any' }), nodeInfo('c'))).toBe(1);
    expect(hardwareMatch(request('ns/p', { hardware: 'any' }), gpuNodeInfo('g'))).toBe(0);
    expect(hardwareMatch(request('ns/p', { hardware: 'cpu' }), gpuNodeInfo('g'))).toBe(0);
  });

  test('GPU work: 1 on a GPU node, 0 on a CPU node', () => {
    expect(hardwareMatch(request('ns/p', { requests: { gpus: 1 } }), gpuNodeInfo('g'))).toBe(1);
    expect(hardwareMatch(request('ns/p', { hardware: 'gpu' }), gpuNodeInfo('g'))).toBe(1);
    expect(hardwareMatch(request('ns/p', { hardware: 'gpu', requests: { gpus: 1 } }), nodeInfo('c'))).toBe(0);
  });

  test('GPU memory tightness: the asked-for share of the GPU memory', () => {
    const req = request('ns/p', { hardware: 'gpu', minGpuMemoryMiB: 20480, requests: { gpus: 1 } });
    expect(hardwareMatch(req, gpuNodeInfo('g40', { memoryMiB: 40960 }))).toBeCloseTo(0.5);
    expect(hardwareMatch(req, gpuNodeInfo('g80', { memoryMiB: 81920 }))).toBeCloseTo(0.25);
    expect(hardwareMatch(req, gpuNodeInfo('g20', { memoryMiB: 20480 }))).toBe(1);
    expect(hardwareMatch(req, gpuNodeInfo('g10', { memoryMiB: 10240 }))).toBe(1);
    // Unknown memory: no preference.
    expect(hardwareMatch(req, nodeInfo('g', { hardware: 'gpu', allocatable: { gpus: 1 } }))).toBe(1);
  });
});

describe('fitness', () => {
  const fuller = nodeInfo('fuller');
  const fullerFree = res({ cpu: 1.5, memGi: 8, ephGi: 100, pods: 100 });
  const emptier = nodeInfo('emptier');
  const emptierFree = { ...emptier.allocatable };
  const req = request('ns/p', { requests: res({ cpu: 1, memGi: 2, pods: 1 }) });

  test('binpack prefers the fuller node', () => {
    const a = fitness(req, fuller, fullerFree, { policy: 'binpack', sameTaskOnNode: 0 });
    const b = fitness(req, emptier, emptierFree, { policy: 'binpack', sameTaskOnNode: 0 });
    expect(a.score).toBeGreaterThan(b.score);
    expect(a.packing).toBeGreaterThan(b.packing);
  });

  test('spread prefers the emptier node', () => {
    const a = fitness(req, fuller, fullerFree, { policy: 'spread', sameTaskOnNode: 0 });
    const b = fitness(req, emptier, emptierFree, { policy: 'spread', sameTaskOnNode: 0 });
    expect(b.score).toBeGreaterThan(a.score);
    expect(b.packing).toBeGreaterThan(a.packing);
  });

  test('packing is utilization for binpack and its complement for spread', () => {
    const u = utilizationAfter(req.requests, fuller, fullerFree);
    expect(fitness(req, fuller, fullerFree, { policy: 'binpack', sameTaskOnNode: 0 }).packing).toBeCloseTo(u);
    expect(fitness(req, fuller, fullerFree, { policy: 'spread', sameTaskOnNode: 0 }).packing).toBeCloseTo(1 - u);
  });

  test('the hardware term is 0 for CPU work on a GPU node, lowering its score', () => {
    const gpu = gpuNodeInfo('g');
    const onGpu = fitness(req, gpu, { ...gpu.allocatable }, { policy: 'binpack', sameTaskOnNode: 0 });
    const onCpu = fitness(req, nodeInfo('c'), { ...nodeInfo('c').allocatable }, { policy: 'binpack', sameTaskOnNode: 0 });
    expect(onGpu.hardware).toBe(0);
    expect(onCpu.hardware).toBe(1);
    expect(onCpu.score).toBeGreaterThan(onGpu.score);
  });

  test('GPU memory tightness favours the GPU that is just big enough', () => {
    const gpuReq = request('ns/p', { hardware: 'gpu', minGpuMemoryMiB: 40000, requests: res({ gpus: 1, pods: 1 }) });
    const small = gpuNodeInfo('small', { memoryMiB: 40960 });
    const big = gpuNodeInfo('big', { memoryMiB: 81920 });
    const onSmall = fitness(gpuReq, small, { ...small.allocatable }, { policy: 'binpack', sameTaskOnNode: 0 });
    const onBig = fitness(gpuReq, big, { ...big.allocatable }, { policy: 'binpack', sameTaskOnNode: 0 });
    expect(onSmall.hardware).toBeGreaterThan(onBig.hardware);
    expect(onSmall.score).toBeGreaterThan(onBig.score);
  });

  test('the spread term is 1 / (1 + same-task entries) and lowers the score as they grow', () => {
    const scores = [0, 1, 2, 5].map((n) => fitness(req, emptier, emptierFree, { policy: 'spread', sameTaskOnNode: n }));
    expect(scores.map((s) => s.spread)).toEqual([1, 1 / 2, 1 / 3, 1 / 6]);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!.score).toBeLessThan(scores[i - 1]!.score);
  });

  test('without a speed the other terms share its weight', () => {
    const f = fitness(req, fuller, fullerFree, { policy: 'binpack', sameTaskOnNode: 1 });
    expect(f.speed).toBeUndefined();
    expect('speed' in f).toBe(false);
    const w = FITNESS_WEIGHTS.binpack;
    const expected = (w.packing * f.packing + w.hardware * f.hardware + w.spread * f.spread) / (w.packing + w.hardware + w.spread);
    expect(f.score).toBeCloseTo(expected, 12);
  });

  test('with a speed, it is a weighted term of its own', () => {
    const slow = fitness(req, fuller, fullerFree, { policy: 'spread', sameTaskOnNode: 0, speed: 0.2 });
    const fast = fitness(req, fuller, fullerFree, { policy: 'spread', sameTaskOnNode: 0, speed: 1 });
    const w = FITNESS_WEIGHTS.spread;
    expect(slow.speed).toBe(0.2);
    expect(fast.score - slow.score).toBeCloseTo(w.speed * 0.8, 12);
    const total = w.packing + w.hardware + w.speed + w.spread;
    expect(fast.score).toBeCloseTo((w.packing * fast.packing + w.hardware * fast.hardware + w.speed * 1 + w.spread * fast.spread) / total, 12);
  });

  test('the speed is clamped to [0, 1]', () => {
    expect(fitness(req, fuller, fullerFree, { policy: 'binpack', sameTaskOnNode: 0, speed: 3 }).speed).toBe(1);
    expect(fitness(req, fuller, fullerFree, { policy: 'binpack', sameTaskOnNode: 0, speed: -1 }).speed).toBe(0);
  });

  test('each policy’s weights sum to 1', () => {
    for (const weights of Object.values(FITNESS_WEIGHTS)) expect(Object.values(weights).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  test('the score stays within [0, 1] over many combinations', () => {
    const nodes: NodeInfo[] = [nodeInfo('c'), gpuNodeInfo('g'), gpuNodeInfo('g80', { memoryMiB: 81920, gpus: 8 })];
    const requests = [
      request('ns/a'),
      request('ns/b', { requests: res({ cpu: 4, memGi: 16, pods: 1 }) }),
      request('ns/c', { hardware: 'gpu', minGpuMemoryMiB: 30000, requests: res({ gpus: 1, cpu: 1, pods: 1 }) }),
    ];
    for (const node of nodes)
      for (const r of requests)
        for (const p of ['binpack', 'spread'] as const)
          for (const same of [0, 3])
            for (const speed of [undefined, 0, 0.5, 1]) {
              const f = fitness(r, node, { ...node.allocatable }, { policy: p, sameTaskOnNode: same, ...(speed === undefined ? {} : { speed }) });
              expect(f.score).toBeGreaterThanOrEqual(0);
              expect(f.score).toBeLessThanOrEqual(1);
              for (const term of [f.packing, f.hardware, f.spread]) {
                expect(term).toBeGreaterThanOrEqual(0);
                expect(term).toBeLessThanOrEqual(1);
              }
            }
  });
});

describe('chooseNode', () => {
  test('CPU-only work never goes to a GPU node while a CPU node fits, even one scoring lower otherwise', () => {
    // The GPU node is nearly full of cpu (binpack loves it); the CPU node is empty.
    const gpu = gpuNodeInfo('a-gpu');
    const cpu = nodeInfo('b-cpu');
    const ledger = ledgerOf(gpu, cpu);
    ledger.recordBound('ns/other', 'a-gpu', res({ cpu: 7, pods: 1 }));
    const req = request('ns/p', { requests: res({ cpu: 1, pods: 1 }) });
    expect(chooseNode(req, ledger, binpack)?.node.name).toBe('b-cpu');
    expect(chooseNode(req, ledger, spread)?.node.name).toBe('b-cpu');
  });

  test('...but does go to a GPU node when no CPU node can take it', () => {
    const ledger = ledgerOf(gpuNodeInfo('a-gpu'), nodeInfo('b-cpu'), nodeInfo('c-cpu', { ready: false }), nodeInfo('d-cpu', { unschedulable: true }));
    ledger.recordBound('ns/other', 'b-cpu', res({ cpu: 3.5, pods: 1 }));
    const req = request('ns/p', { requests: res({ cpu: 1, pods: 1 }) });
    expect(chooseNode(req, ledger, binpack)?.node.name).toBe('a-gpu');
    // Too big for any CPU node at all: the GPU node.
    expect(chooseNode(request('ns/big', { requests: res({ cpu: 6, pods: 1 }) }), ledgerOf(nodeInfo('c1'), gpuNodeInfo('g1')), binpack)?.node.name).toBe('g1');
  });

  test("hardware 'cpu' work never goes to a GPU node at all", () => {
    const ledger = ledgerOf(gpuNodeInfo('a-gpu'), nodeInfo('b-cpu'));
    ledger.recordBound('ns/other', 'b-cpu', res({ cpu: 4, pods: 1 }));
    expect(chooseNode(request('ns/p', { hardware: 'cpu', requests: res({ cpu: 1, pods: 1 }) }), ledger, binpack)).toBeUndefined();
  });

  test('GPU work goes only to GPU nodes of the product asked for', () => {
    const ledger = ledgerOf(nodeInfo('a-cpu', { allocatable: { cpuMillis: 64000 } }), gpuNodeInfo('b-a100', { product: 'NVIDIA-A100', gpus: 8 }), gpuNodeInfo('c-h100', { product: 'NVIDIA-H100', gpus: 1 }));
    const req = request('ns/p', { hardware: 'gpu', gpuProduct: 'NVIDIA-H100', requests: res({ gpus: 1, cpu: 1, pods: 1 }) });
    expect(chooseNode(req, ledger, binpack)?.node.name).toBe('c-h100');
    ledger.reserve('ns/other', 'c-h100', res({ gpus: 1, pods: 1 }));
    expect(chooseNode(req, ledger, binpack)).toBeUndefined();
    // Without a product: any GPU node, never the CPU one.
    const anyGpu = request('ns/q', { requests: res({ gpus: 1, pods: 1 }) });
    expect(chooseNode(anyGpu, ledger, binpack)?.node.name).toBe('b-a100');
  });

  test('binpack picks the fuller of two CPU nodes, spread the emptier', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b'));
    ledger.recordBound('ns/other', 'b', res({ cpu: 2, memGi: 8, pods: 1 }));
    const req = request('ns/p', { requests: res({ cpu: 1, memGi: 1, pods: 1 }) });
    expect(chooseNode(req, ledger, binpack)?.node.name).toBe('b');
    expect(chooseNode(req, ledger, spread)?.node.name).toBe('a');
  });

  test('the policy is asked per node', () => {
    const ledger = ledgerOf(nodeInfo('a', { pool: 'p1' }), nodeInfo('b', { pool: 'p2' }));
    const seen: string[] = [];
    chooseNode(request('ns/p'), ledger, {
      policyFor: (node) => {
        seen.push(node.name);
        return node.pool === 'p1' ? 'binpack' : 'spread';
      },
    });
    // Every node's own policy is consulted (the chosen one again for its recorded terms).
    expect([...new Set(seen)].sort()).toEqual(['a', 'b']);
  });

  test('ties go to the first node by name', () => {
    const ledger = ledgerOf(nodeInfo('c'), nodeInfo('a'), nodeInfo('b'));
    expect(chooseNode(request('ns/p', { requests: res({ cpu: 1, pods: 1 }) }), ledger, binpack)?.node.name).toBe('a');
  });

  test('a speed estimate steers GPU work to the faster product', () => {
    const ledger = ledgerOf(gpuNodeInfo('a-slow', { product: 'T4' }), gpuNodeInfo('b-fast', { product: 'H100' }));
    const speed: SpeedEstimate = (taskType, node) => (taskType === 'render' ? (node.gpuProduct === 'H100' ? 1 : 0.2) : undefined);
    const req = request('ns/p', { taskType: 'render', requests: res({ gpus: 1, pods: 1 }) });
    expect(chooseNode(req, ledger, { ...binpack, speed })?.node.name).toBe('b-fast');
    expect(chooseNode(req, ledger, { ...binpack, speed })?.fitness.speed).toBe(1);
    // Without an estimate for the type, ties go by name.
    expect(chooseNode({ ...req, taskType: 'other' }, ledger, { ...binpack, speed })?.node.name).toBe('a-slow');
    expect(chooseNode({ ...req, taskType: 'other' }, ledger, { ...binpack, speed })?.fitness.speed).toBeUndefined();
  });

  test('infeasible nodes are skipped: taints, selectors, pools', () => {
    const ledger = ledgerOf(
      nodeInfo('a', { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] }),
      nodeInfo('b', { labels: { zone: 'x' } }),
      nodeInfo('c', { labels: { zone: 'y' }, pool: 'other' }),
      nodeInfo('d', { labels: { zone: 'y' }, pool: 'mine' }),
    );
    const req = request('ns/p', { nodeSelector: { zone: 'y' }, pools: new Set(['mine']) });
    expect(chooseNode(req, ledger, binpack)?.node.name).toBe('d');
    expect(chooseNode(request('ns/q'), ledger, binpack)?.node.name).toBe('b');
    expect(chooseNode(request('ns/q', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), ledger, binpack)?.node.name).toBe('a');
  });

  test('choosing reserves nothing', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    chooseNode(request('ns/p', { requests: res({ cpu: 1, pods: 1 }) }), ledger, binpack);
    expect(ledger.entryCount()).toBe(0);
    expect(ledger.free('a')).toEqual(nodeInfo('a').allocatable);
  });

  test('no nodes: undefined', () => {
    expect(chooseNode(request('ns/p'), ledgerOf(), binpack)).toBeUndefined();
  });
});

describe('largestFirst / dominantShare', () => {
  test('dominantShare is the largest share over cpu, memory, GPUs and storage', () => {
    const largest = res({ cpu: 8, memGi: 32, gpus: 4, ephGi: 100 });
    expect(dominantShare(res({ cpu: 2, memGi: 16 }), largest)).toBeCloseTo(0.5);
    expect(dominantShare(res({ cpu: 2, gpus: 4 }), largest)).toBe(1);
    expect(dominantShare(res({ pods: 1 }), largest)).toBe(0);
    expect(dominantShare(res({ gpus: 1 }), res({ cpu: 8 }))).toBe(Number.POSITIVE_INFINITY);
  });

  test('largestAllocatable is per resource over all nodes', () => {
    expect(largestAllocatable([nodeInfo('a', { allocatable: { cpuMillis: 16000 } }), gpuNodeInfo('g', { gpus: 4 })])).toEqual({
      cpuMillis: 16000,
      memoryBytes: 64 * 2 ** 30,
      gpus: 4,
      ephemeralBytes: 100 * 2 ** 30,
      pods: 110,
    });
  });

  test('largest first, ties by key', () => {
    const nodes = [nodeInfo('n')];
    const ordered = largestFirst(
      [
        request('ns/b', { requests: res({ cpu: 1 }) }),
        request('ns/big', { requests: res({ cpu: 4 }) }),
        request('ns/a', { requests: res({ cpu: 1 }) }),
        request('ns/mem', { requests: res({ memGi: 8 }) }),
      ],
      nodes,
    );
    expect(ordered.map((r) => r.key)).toEqual(['ns/big', 'ns/mem', 'ns/a', 'ns/b']);
  });
});

describe('placeBatch', () => {
  test('places the largest first: a big request gets the only node that fits it, even listed last', () => {
    const ledger = ledgerOf(nodeInfo('a', { allocatable: { cpuMillis: 2000 } }), nodeInfo('b', { allocatable: { cpuMillis: 2000 } }), nodeInfo('z', { allocatable: { cpuMillis: 8000 } }));
    const small = [0, 1, 2, 3].map((i) => request(`ns/small-${i}`, { requests: res({ cpu: 1, pods: 1 }) }));
    const big = request('ns/big', { requests: res({ cpu: 8, pods: 1 }) });
    // spread would put small ones on z, the emptiest, if they came first.
    const result = placeBatch([...small, big], ledger, spread);
    expect(result.unplaced).toEqual([]);
    expect(result.placed[0]?.request.key).toBe('ns/big');
    expect(result.placed.find((p) => p.request.key === 'ns/big')?.node).toBe('z');
    expect(result.placed.filter((p) => p.node !== 'z')).toHaveLength(4);
  });

  test('reservations prevent over-commit: 3 × 2 cpu on one 4-cpu node places 2', () => {
    const ledger = ledgerOf(nodeInfo('only'));
    const requests = [0, 1, 2].map((i) => request(`ns/p${i}`, { requests: res({ cpu: 2, pods: 1 }) }));
    const result = placeBatch(requests, ledger, binpack);
    expect(result.placed.map((p) => [p.request.key, p.node])).toEqual([
      ['ns/p0', 'only'],
      ['ns/p1', 'only'],
    ]);
    expect(result.unplaced.map((u) => u.request.key)).toEqual(['ns/p2']);
    expect(result.unplaced[0]!.reason).toBe('needs cpu 2: 0 of 1 node have 2 cpu free');
    expect(ledger.free('only')?.cpuMillis).toBe(0);
    expect(ledger.entryCount('reserved')).toBe(2);
    expect(ledger.taskEntriesOn('only', 'ns/task')).toBe(2);
    expect(ledger.entry('ns/p0')).toEqual({ node: 'only', requests: res({ cpu: 2, pods: 1 }), kind: 'reserved', taskKey: 'ns/task' });
  });

  test('the placed fitness is the one computed at decision time', () => {
    const ledger = ledgerOf(nodeInfo('only'));
    const result = placeBatch([request('ns/p0', { requests: res({ cpu: 2, pods: 1 }) }), request('ns/p1', { requests: res({ cpu: 2, pods: 1 }) })], ledger, binpack);
    expect(result.placed[0]!.fitness.spread).toBe(1);
    expect(result.placed[1]!.fitness.spread).toBe(0.5);
    expect(result.placed[1]!.fitness.packing).toBe(1);
  });

  test('spread policy spreads a task across identical nodes; binpack stacks it', () => {
    const make = () => ledgerOf(nodeInfo('a'), nodeInfo('b'), nodeInfo('c'));
    const requests = [0, 1, 2].map((i) => request(`ns/p${i}`, { requests: res({ cpu: 1, pods: 1 }) }));
    expect(new Set(placeBatch(requests, make(), spread).placed.map((p) => p.node)).size).toBe(3);
    expect(new Set(placeBatch(requests, make(), binpack).placed.map((p) => p.node)).size).toBe(1);
  });

  test('gang: if any member cannot be placed, none is, and no reservation is left', () => {
    const ledger = ledgerOf(nodeInfo('only'));
    ledger.recordBound('ns/existing', 'only', res({ cpu: 0.5, pods: 1 }));
    const before = ledger.free('only');
    const requests = [0, 1, 2].map((i) => request(`ns/p${i}`, { requests: res({ cpu: 2, pods: 1 }) }));
    const result = placeBatch(requests, ledger, { ...binpack, gang: true });
    expect(result.placed).toEqual([]);
    expect(result.unplaced.map((u) => u.request.key)).toEqual(['ns/p0', 'ns/p1', 'ns/p2']);
    expect(ledger.entryCount('reserved')).toBe(0);
    expect(ledger.entryCount()).toBe(1);
    expect(ledger.free('only')).toEqual(before);
    for (const u of result.unplaced) {
      expect(u.reason).toMatch(/^gang of 3: 1 of 3 could be placed together, none is bound until all fit; p1 needs cpu 2: /);
    }
  });

  test('gang: when all fit, all are placed', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b'));
    const requests = [0, 1, 2, 3].map((i) => request(`ns/p${i}`, { requests: res({ cpu: 2, pods: 1 }) }));
    const result = placeBatch(requests, ledger, { ...binpack, gang: true });
    expect(result.unplaced).toEqual([]);
    expect(result.placed).toHaveLength(4);
    expect(ledger.free('a')?.cpuMillis).toBe(0);
    expect(ledger.free('b')?.cpuMillis).toBe(0);
  });

  test("kindOf 'held' makes holds instead of reservations", () => {
    const ledger = ledgerOf(gpuNodeInfo('g', { gpus: 4 }));
    const requests = [0, 1].map((i) => request(`hold/m${i}`, { taskKey: 'ns/gang', requests: res({ gpus: 1, pods: 1 }) }));
    const result = placeBatch(requests, ledger, { ...binpack, gang: true, kindOf: () => 'held' });
    expect(result.placed).toHaveLength(2);
    expect(ledger.entryCount('held')).toBe(2);
    expect(ledger.entryCount('reserved')).toBe(0);
    expect(ledger.keysOf('ns/gang', 'held').sort()).toEqual(['hold/m0', 'hold/m1']);
    expect(ledger.free('g')?.gpus).toBe(2);
  });

  test('kindOf is asked per request', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    placeBatch([request('ns/p'), request('hold/h')], ledger, { ...binpack, kindOf: (r) => (r.key.startsWith('hold/') ? 'held' : 'reserved') });
    expect(ledger.entry('ns/p')?.kind).toBe('reserved');
    expect(ledger.entry('hold/h')?.kind).toBe('held');
  });

  test('unplaced requests carry the explanation', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    const result = placeBatch([request('ns/gpu', { requests: res({ gpus: 1, pods: 1 }) })], ledger, binpack);
    expect(result.placed).toEqual([]);
    expect(result.unplaced[0]!.reason).toBe('needs 1 nvidia.com/gpu: none of the 1 nodes qualifies: 1 without GPUs');
  });

  test('an empty batch places nothing', () => {
    expect(placeBatch([], ledgerOf(nodeInfo('a')), { ...binpack, gang: true })).toEqual({ placed: [], unplaced: [] });
  });
});

describe('fitnessScore', () => {
  test('is fitness().score computed from used resources, for every policy, with and without speed', () => {
    const node = gpuNodeInfo('g', { product: 'NVIDIA-L4', memoryMiB: 23034, gpus: 4 });
    const used = res({ cpu: 3, memGi: 5, gpus: 1, pods: 2 });
    const free = minus(node.allocatable, used);
    const req = request('ns/p', { hardware: 'gpu', minGpuMemoryMiB: 16000, requests: res({ cpu: 2, memGi: 4, gpus: 1, pods: 1 }) });
    for (const policy of ['binpack', 'spread'] as const) {
      for (const speed of [undefined, 0.4]) {
        const context = { policy, sameTaskOnNode: 2, ...(speed === undefined ? {} : { speed }) };
        expect(fitnessScore(req, node, used, context)).toBeCloseTo(fitness(req, node, free, context).score, 12);
      }
    }
  });
});
