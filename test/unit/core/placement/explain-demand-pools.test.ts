import { describe, expect, test } from '@jest/globals';
import {
  allowedPools,
  demandHardware,
  describeNeed,
  explainUnschedulable,
  hardwareKey,
  largestNodeOfClass,
  pendingDemand,
  poolTolerations,
  selectorMatchesLabels,
  speedEstimateFrom,
  ZERO,
  type PoolInfo,
  type SpeedSample,
} from '../../../../operator/core/placement/index.js';
import { gpuNodeInfo, ledgerOf, nodeInfo, request, res } from './builders.js';

const H100 = 'NVIDIA-H100-80GB-HBM3';

describe('describeNeed', () => {
  test('GPUs with product and memory first, then cpu, memory and storage', () => {
    expect(describeNeed(request('ns/p', { hardware: 'gpu', gpuProduct: H100, minGpuMemoryMiB: 40000, requests: res({ gpus: 2, cpu: 1.5, memGi: 1.5, ephGi: 10, pods: 1 }) }))).toBe(
      `2 nvidia.com/gpu ${H100} with ≥40000 MiB, cpu 1.5, memory 1.5Gi, ephemeral-storage 10Gi`,
    );
    expect(describeNeed(request('ns/p', { requests: res({ gpus: 1, pods: 1 }) }))).toBe('1 nvidia.com/gpu');
  });

  test('a GPU node without GPUs asked for', () => {
    expect(describeNeed(request('ns/p', { hardware: 'gpu', gpuProduct: 'T4' }))).toBe('a GPU node T4');
  });

  test('nothing but a pod slot', () => {
    expect(describeNeed(request('ns/p', { hardware: 'cpu' }))).toBe('a CPU node');
    expect(describeNeed(request('ns/p'))).toBe('a pod slot');
  });
});

describe('explainUnschedulable', () => {
  const h100Request = request('ns/train-0', { hardware: 'gpu', gpuProduct: H100, requests: res({ gpus: 1, cpu: 1, pods: 1 }) });

  test('a poolSelector that matches no WorkerPool is named as the cause', () => {
    const ledger = ledgerOf(nodeInfo('cpu-a', { pool: 'p1' }));
    expect(explainUnschedulable(request('ns/p', { pools: new Set<string>(), requests: res({ cpu: 1, pods: 1 }) }), ledger)).toBe('needs cpu 1: its poolSelector matches no WorkerPool');
    expect(explainUnschedulable(request('ns/p', { pools: new Set(['p2']), requests: res({ cpu: 1, pods: 1 }) }), ledger)).toMatch(/none of the 1 nodes qualifies: 1 outside the WorkerPools/);
  });

  test('every H100 busy: "0 of N GPU nodes have one free", with the other nodes counted', () => {
    const ledger = ledgerOf(
      gpuNodeInfo('h100-a', { product: H100, gpus: 2 }),
      gpuNodeInfo('h100-b', { product: H100, gpus: 2 }),
      gpuNodeInfo('h100-c', { product: H100, gpus: 4 }),
      gpuNodeInfo('a100-a', { product: 'NVIDIA-A100' }),
      nodeInfo('cpu-a'),
      nodeInfo('cpu-b'),
    );
    ledger.recordBound('ns/x', 'h100-a', res({ gpus: 2, pods: 1 }));
    ledger.recordBound('ns/y', 'h100-b', res({ gpus: 2, pods: 1 }));
    ledger.reserve('ns/z', 'h100-c', res({ gpus: 4, pods: 1 }));
    const message = explainUnschedulable(h100Request, ledger);
    expect(message).toContain(`needs 1 nvidia.com/gpu ${H100}`);
    expect(message).toContain('0 of 3 GPU nodes have one free');
    expect(message).toBe(`needs 1 nvidia.com/gpu ${H100}, cpu 1: 0 of 3 GPU nodes have one free (other nodes: 2 without GPUs, 1 of another GPU product)`);
  });

  test('every H100 busy, even when a resource fewer nodes could ever hold has room', () => {
    // Only two of the three H100 nodes could ever hold 6 cpu, and both have it free; no GPU is free
    // anywhere. The GPU is what is missing and what the message must say.
    const ledger = ledgerOf(
      gpuNodeInfo('h100-a', { product: H100 }, { allocatable: { cpuMillis: 8000 } }),
      gpuNodeInfo('h100-b', { product: H100 }, { allocatable: { cpuMillis: 8000 } }),
      gpuNodeInfo('h100-c', { product: H100 }, { allocatable: { cpuMillis: 4000 } }),
    );
    for (const node of ['h100-a', 'h100-b', 'h100-c']) ledger.recordBound(`ns/on-${node}`, node, res({ gpus: 1, cpu: 0.5, pods: 1 }));
    const message = explainUnschedulable(request('ns/p', { hardware: 'gpu', gpuProduct: H100, requests: res({ gpus: 1, cpu: 6, pods: 1 }) }), ledger);
    expect(message).toBe(`needs 1 nvidia.com/gpu ${H100}, cpu 6: 0 of 3 GPU nodes have one free`);
  });

  test('several GPUs: "have 2 GPUs free"', () => {
    const ledger = ledgerOf(gpuNodeInfo('g1', { product: H100, gpus: 4 }));
    ledger.recordBound('ns/x', 'g1', res({ gpus: 3, pods: 1 }));
    expect(explainUnschedulable(request('ns/p', { gpuProduct: H100, requests: res({ gpus: 2, pods: 1 }) }), ledger)).toBe(`needs 2 nvidia.com/gpu ${H100}: 0 of 1 GPU node have 2 GPUs free`);
  });

  test('a request bigger than every node: "larger than any of the"', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b', { allocatable: { cpuMillis: 8000 } }), gpuNodeInfo('g', { gpus: 8 }));
    const cpu = explainUnschedulable(request('ns/p', { requests: res({ cpu: 64, memGi: 1, pods: 1 }) }), ledger);
    expect(cpu).toContain('larger than any of the');
    expect(cpu).toBe('needs cpu 64, memory 1Gi: larger than any of the 3 nodes (largest has 8 cpu allocatable)');
    const gpus = explainUnschedulable(request('ns/q', { requests: res({ gpus: 16, pods: 1 }) }), ledger);
    expect(gpus).toBe('needs 16 nvidia.com/gpu: larger than any of the 1 GPU node (largest has 8 nvidia.com/gpu allocatable) (other nodes: 2 without GPUs)');
    const memory = explainUnschedulable(request('ns/r', { hardware: 'cpu', requests: res({ memGi: 100, pods: 1 }) }), ledger);
    expect(memory).toBe('needs memory 100Gi: larger than any of the 2 CPU nodes (largest has 16Gi memory allocatable) (other nodes: 1 GPU nodes (work needs no GPU))');
  });

  test('larger than any wins over "none free" on another resource', () => {
    const ledger = ledgerOf(gpuNodeInfo('g', { gpus: 1 }));
    ledger.recordBound('ns/x', 'g', res({ gpus: 1, pods: 1 }));
    expect(explainUnschedulable(request('ns/p', { requests: res({ gpus: 1, cpu: 16, pods: 1 }) }), ledger)).toContain('larger than any of the 1 GPU node (largest has 8 cpu allocatable)');
  });

  test('room for each resource somewhere, but not all on one node', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b'));
    ledger.recordBound('ns/x', 'a', res({ memGi: 16, pods: 1 }));
    ledger.recordBound('ns/y', 'b', res({ cpu: 4, pods: 1 }));
    expect(explainUnschedulable(request('ns/p', { requests: res({ cpu: 1, memGi: 1, pods: 1 }) }), ledger)).toBe('needs cpu 1, memory 1Gi: no one of the 2 nodes has all of it free at once');
  });

  test('no pod slot free', () => {
    const ledger = ledgerOf(nodeInfo('a', { allocatable: { pods: 1 } }));
    ledger.recordBound('ns/x', 'a', res({ pods: 1 }));
    expect(explainUnschedulable(request('ns/p'), ledger)).toBe('needs a pod slot: 0 of 1 node have a pod slot free');
  });

  test('no qualifying node lists the reasons, most common first', () => {
    const ledger = ledgerOf(
      nodeInfo('a', { ready: false }),
      nodeInfo('b', { ready: false }),
      nodeInfo('c', { unschedulable: true }),
      nodeInfo('d', { taints: [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }] }),
      nodeInfo('e', { taints: [{ key: 'other', effect: 'NoExecute' }] }),
      nodeInfo('f', { taints: [{ key: 'x', effect: 'NoExecute' }] }),
      nodeInfo('g', { labels: { zone: 'b' } }),
    );
    // The selector is checked before taints: d, e and f count as not matching it, like g.
    expect(explainUnschedulable(request('ns/p', { nodeSelector: { zone: 'a' }, requests: res({ cpu: 1, pods: 1 }) }), ledger)).toBe(
      "needs cpu 1: none of the 7 nodes qualifies: 4 not matching the pod's node selector, 2 not ready, 1 cordoned",
    );
    ledger.removeNode('g');
    // The first taint seen is the example given.
    expect(explainUnschedulable(request('ns/p', { requests: res({ cpu: 1, pods: 1 }) }), ledger)).toBe(
      'needs cpu 1: none of the 6 nodes qualifies: 3 with a taint it does not tolerate (dedicated=ml:NoSchedule), 2 not ready, 1 cordoned',
    );
  });

  test('each exclusion reason is described', () => {
    const gpuReq = request('ns/p', { hardware: 'gpu', gpuProduct: H100, minGpuMemoryMiB: 80000, pools: new Set(['gpu']), requests: res({ gpus: 1, pods: 1 }) });
    const ledger = ledgerOf(
      nodeInfo('cpu', { pool: 'gpu' }),
      gpuNodeInfo('other-pool', { product: H100, memoryMiB: 81920 }, { pool: 'cpu' }),
      gpuNodeInfo('a100', { product: 'NVIDIA-A100' }, { pool: 'gpu' }),
      gpuNodeInfo('small', { product: H100, memoryMiB: 40960 }, { pool: 'gpu' }),
    );
    const message = explainUnschedulable(gpuReq, ledger);
    expect(message).toMatch(/^needs 1 nvidia.com\/gpu NVIDIA-H100-80GB-HBM3 with ≥80000 MiB: none of the 4 nodes qualifies: /);
    for (const part of ['1 without GPUs', '1 outside the WorkerPools the poolSelector allows', '1 of another GPU product', '1 with less GPU memory']) expect(message).toContain(part);
  });

  test('GPU-node work with no GPU node says the nodes are without GPUs', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b'));
    expect(explainUnschedulable(request('ns/p', { hardware: 'gpu' }), ledger)).toBe('needs a GPU node: none of the 2 nodes qualifies: 2 without GPUs');
  });

  test('CPU work with only GPU nodes says they are GPU nodes', () => {
    const ledger = ledgerOf(gpuNodeInfo('a'), gpuNodeInfo('b'));
    expect(explainUnschedulable(request('ns/p', { hardware: 'cpu', requests: res({ cpu: 1, pods: 1 }) }), ledger)).toBe(
      'needs cpu 1: none of the 2 nodes qualifies: 2 GPU nodes (work needs no GPU)',
    );
  });

  test('no nodes at all', () => {
    expect(explainUnschedulable(request('ns/p', { requests: res({ cpu: 1, pods: 1 }) }), ledgerOf())).toBe('needs cpu 1: there are no nodes');
    expect(explainUnschedulable(h100Request, ledgerOf())).toBe(`needs 1 nvidia.com/gpu ${H100}, cpu 1: there are no nodes`);
  });
});

describe('pendingDemand', () => {
  test('groups by hardware, product and pools, summing totals and keeping the largest request', () => {
    const demand = pendingDemand([
      request('ns/h1', { hardware: 'gpu', gpuProduct: 'H100', requests: res({ gpus: 1, cpu: 2, memGi: 8, pods: 1 }) }),
      request('ns/h2', { hardware: 'gpu', gpuProduct: 'H100', requests: res({ gpus: 2, cpu: 1, memGi: 16, pods: 1 }) }),
      request('ns/a1', { hardware: 'gpu', gpuProduct: 'A100', requests: res({ gpus: 1, pods: 1 }) }),
      request('ns/g1', { hardware: 'any', requests: res({ gpus: 1, cpu: 1, pods: 1 }) }),
      request('ns/c1', { hardware: 'cpu', requests: res({ cpu: 4, pods: 1 }) }),
      request('ns/x1', { requests: res({ cpu: 1, memGi: 1, pods: 1 }) }),
      request('ns/x2', { requests: res({ cpu: 3, memGi: 0.5, pods: 1 }) }),
      request('ns/p1', { pools: new Set(['b', 'a']), requests: res({ cpu: 1, pods: 1 }) }),
      request('ns/p2', { pools: new Set(['a', 'b']), requests: res({ cpu: 2, pods: 1 }) }),
    ]);
    expect(demand).toEqual([
      { hardware: 'any', pools: ['a', 'b'], subtasks: 2, total: res({ cpu: 3, pods: 2 }), largest: res({ cpu: 2, pods: 1 }) },
      { hardware: 'any', subtasks: 2, total: res({ cpu: 4, memGi: 1.5, pods: 2 }), largest: res({ cpu: 3, memGi: 1, pods: 1 }) },
      { hardware: 'cpu', subtasks: 1, total: res({ cpu: 4, pods: 1 }), largest: res({ cpu: 4, pods: 1 }) },
      { hardware: 'gpu', subtasks: 1, total: res({ gpus: 1, cpu: 1, pods: 1 }), largest: res({ gpus: 1, cpu: 1, pods: 1 }) },
      { hardware: 'gpu', gpuProduct: 'A100', subtasks: 1, total: res({ gpus: 1, pods: 1 }), largest: res({ gpus: 1, pods: 1 }) },
      { hardware: 'gpu', gpuProduct: 'H100', subtasks: 2, total: res({ gpus: 3, cpu: 3, memGi: 24, pods: 2 }), largest: res({ gpus: 2, cpu: 2, memGi: 16, pods: 1 }) },
    ]);
  });

  test('nothing unplaced, no demand', () => {
    expect(pendingDemand([])).toEqual([]);
  });

  test('the requests are not changed', () => {
    const r = request('ns/p', { requests: res({ cpu: 1, pods: 1 }) });
    pendingDemand([r, r]);
    expect(r.requests).toEqual(res({ cpu: 1, pods: 1 }));
    expect(ZERO).toEqual(res({}));
  });

  test('demandHardware: GPU work is gpu whatever its hardware says', () => {
    expect(demandHardware(request('ns/p', { hardware: 'any', requests: { gpus: 1 } }))).toBe('gpu');
    expect(demandHardware(request('ns/p', { hardware: 'gpu' }))).toBe('gpu');
    expect(demandHardware(request('ns/p', { hardware: 'cpu' }))).toBe('cpu');
    expect(demandHardware(request('ns/p'))).toBe('any');
  });
});

describe('pools', () => {
  const labels = { tier: 'gold', region: 'eu', gpu: 'yes' };

  test('selectorMatchesLabels: matchLabels all must match', () => {
    expect(selectorMatchesLabels({ matchLabels: { tier: 'gold', region: 'eu' } }, labels)).toBe(true);
    expect(selectorMatchesLabels({ matchLabels: { tier: 'gold', region: 'us' } }, labels)).toBe(false);
    expect(selectorMatchesLabels({ matchLabels: { missing: 'x' } }, labels)).toBe(false);
    expect(selectorMatchesLabels({}, labels)).toBe(true);
  });

  test('selectorMatchesLabels: In / NotIn / Exists / DoesNotExist', () => {
    const m = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', key: string, values?: string[]) =>
      selectorMatchesLabels({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }, labels);
    expect(m('In', 'tier', ['gold', 'silver'])).toBe(true);
    expect(m('In', 'tier', ['silver'])).toBe(false);
    expect(m('In', 'missing', ['gold'])).toBe(false);
    expect(m('NotIn', 'tier', ['silver'])).toBe(true);
    expect(m('NotIn', 'tier', ['gold'])).toBe(false);
    expect(m('NotIn', 'missing', ['gold'])).toBe(true);
    expect(m('Exists', 'region')).toBe(true);
    expect(m('Exists', 'missing')).toBe(false);
    expect(m('DoesNotExist', 'missing')).toBe(true);
    expect(m('DoesNotExist', 'region')).toBe(false);
  });

  test('selectorMatchesLabels: labels and expressions are ANDed', () => {
    expect(selectorMatchesLabels({ matchLabels: { tier: 'gold' }, matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }] }, labels)).toBe(true);
    expect(selectorMatchesLabels({ matchLabels: { tier: 'gold' }, matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }] }, labels)).toBe(false);
    expect(selectorMatchesLabels({ matchLabels: { tier: 'bronze' }, matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }] }, labels)).toBe(false);
  });

  const pools: PoolInfo[] = [
    { name: 'gpu-a', labels: { class: 'gpu', team: 'a' }, hardware: 'gpu', taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] },
    {
      name: 'gpu-b',
      labels: { class: 'gpu', team: 'b' },
      hardware: 'gpu',
      taints: [
        { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
        { key: 'dedicated', value: 'b', effect: 'NoSchedule' },
      ],
    },
    { name: 'cpu-a', labels: { class: 'cpu', team: 'a' }, hardware: 'cpu', taints: [{ key: 'dedicated', value: 'cpu', effect: 'NoExecute' }] },
    { name: 'mem-a', labels: { class: 'memory', team: 'a' }, hardware: 'memory', taints: [{ key: 'big-mem', effect: 'NoSchedule' }] },
    { name: 'plain', labels: {}, hardware: 'cpu', taints: [] },
  ];

  test('allowedPools: undefined without a selector, else the names of the pools it admits', () => {
    expect(allowedPools(undefined, pools)).toBeUndefined();
    expect(allowedPools({ matchLabels: { team: 'a' } }, pools)).toEqual(new Set(['gpu-a', 'cpu-a', 'mem-a']));
    expect(allowedPools({ matchExpressions: [{ key: 'class', operator: 'NotIn', values: ['gpu'] }] }, pools)).toEqual(new Set(['cpu-a', 'mem-a', 'plain']));
    expect(allowedPools({ matchLabels: { team: 'z' } }, pools)).toEqual(new Set());
  });

  test('poolTolerations: GPU work tolerates the taints of GPU pools, once each, sorted by key', () => {
    expect(poolTolerations(pools, undefined, 'gpu', 1)).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'b', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' },
    ]);
    // 'any' asking for GPUs is GPU work.
    expect(poolTolerations(pools, undefined, 'any', 2)).toEqual(poolTolerations(pools, undefined, 'gpu', 0));
  });

  test('poolTolerations: CPU work tolerates every pool without GPUs', () => {
    expect(poolTolerations(pools, undefined, 'cpu', 0)).toEqual([
      { key: 'big-mem', operator: 'Equal', value: '', effect: 'NoSchedule' },
      { key: 'dedicated', operator: 'Equal', value: 'cpu', effect: 'NoExecute' },
    ]);
  });

  test("poolTolerations: 'any' work without GPUs tolerates every pool", () => {
    expect(poolTolerations(pools, undefined, 'any', 0).map((t) => `${t.key}=${t.value}:${t.effect}`)).toEqual([
      'big-mem=:NoSchedule',
      'dedicated=b:NoSchedule',
      'dedicated=cpu:NoExecute',
      'nvidia.com/gpu=present:NoSchedule',
    ]);
  });

  test('poolTolerations: only the allowed pools', () => {
    expect(poolTolerations(pools, new Set(['gpu-a']), 'gpu', 1)).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }]);
    expect(poolTolerations(pools, new Set(['gpu-a', 'gpu-b']), 'cpu', 0)).toEqual([]);
    expect(poolTolerations(pools, new Set(), 'any', 0)).toEqual([]);
  });

  test('poolTolerations: the same key with another value or effect is a separate toleration', () => {
    const twins: PoolInfo[] = [
      { name: 'x', labels: {}, hardware: 'cpu', taints: [{ key: 'k', value: '1', effect: 'NoSchedule' }] },
      { name: 'y', labels: {}, hardware: 'cpu', taints: [{ key: 'k', value: '1', effect: 'NoExecute' }, { key: 'k', value: '2', effect: 'NoSchedule' }, { key: 'k', value: '1', effect: 'NoSchedule' }] },
    ];
    expect(poolTolerations(twins, undefined, 'cpu', 0)).toHaveLength(3);
  });
});

describe('speed', () => {
  const samples: SpeedSample[] = [
    { taskType: 'render', hardware: H100, seconds: 10 },
    { taskType: 'render', hardware: H100, seconds: 20 },
    { taskType: 'render', hardware: 'NVIDIA-A100', seconds: 30 },
    { taskType: 'render', hardware: 'cpu', seconds: 60 },
    { taskType: 'render', hardware: 'cpu', seconds: 0 },
    { taskType: 'render', hardware: 'cpu', seconds: -5 },
    { taskType: 'render', hardware: 'cpu', seconds: Number.NaN },
    { taskType: 'zip', hardware: 'cpu', seconds: 5 },
    { taskType: 'zip', hardware: 'cpu', seconds: 7 },
    { taskType: 'lonely', hardware: 'cpu', seconds: 3 },
    { taskType: 'lonely', hardware: H100, seconds: 0 },
  ];
  const estimate = speedEstimateFrom(samples);

  test('hardwareKey: the GPU product, else the hardware class', () => {
    expect(hardwareKey(gpuNodeInfo('g', { product: H100 }))).toBe(H100);
    expect(hardwareKey(nodeInfo('c'))).toBe('cpu');
    expect(hardwareKey({ hardware: 'gpu' })).toBe('gpu');
  });

  test('relative to the fastest mean, which is 1; non-positive seconds ignored', () => {
    expect(estimate('render', gpuNodeInfo('h', { product: H100 }))).toBe(1);
    expect(estimate('render', gpuNodeInfo('a', { product: 'NVIDIA-A100' }))).toBeCloseTo(0.5);
    // Mean of 60 alone: the 0, -5 and NaN samples do not pull it down.
    expect(estimate('render', nodeInfo('c'))).toBeCloseTo(0.25);
  });

  test('undefined for unknown hardware, unknown or missing task type', () => {
    expect(estimate('render', gpuNodeInfo('t', { product: 'Tesla-T4' }))).toBeUndefined();
    expect(estimate('unknown', nodeInfo('c'))).toBeUndefined();
    expect(estimate(undefined, nodeInfo('c'))).toBeUndefined();
  });

  test('undefined with samples from one kind of hardware only', () => {
    expect(estimate('zip', nodeInfo('c'))).toBeUndefined();
    // The H100 sample of 0 seconds does not count: cpu is the only hardware.
    expect(estimate('lonely', nodeInfo('c'))).toBeUndefined();
    expect(estimate('lonely', gpuNodeInfo('h', { product: H100 }))).toBeUndefined();
  });

  test('no samples, no estimates; the samples are read once', () => {
    expect(speedEstimateFrom([])('render', nodeInfo('c'))).toBeUndefined();
    let reads = 0;
    function* once(): Generator<SpeedSample> {
      reads += 1;
      yield { taskType: 't', hardware: 'cpu', seconds: 4 };
      yield { taskType: 't', hardware: H100, seconds: 1 };
    }
    const e = speedEstimateFrom(once());
    expect(e('t', nodeInfo('c'))).toBe(0.25);
    expect(e('t', gpuNodeInfo('h', { product: H100 }))).toBe(1);
    expect(reads).toBe(1);
  });
});

describe('largestNodeOfClass', () => {
  test('the most CPU and memory one ready node of the class offers, each on its own', () => {
    const nodes = [
      nodeInfo('cpu-big-cpu', { allocatable: { cpuMillis: 32_000, memoryBytes: 8 * 2 ** 30 } }),
      nodeInfo('cpu-big-memory', { allocatable: { cpuMillis: 4_000, memoryBytes: 64 * 2 ** 30 } }),
      nodeInfo('cpu-not-ready', { ready: false, allocatable: { cpuMillis: 128_000 } }),
      nodeInfo('cpu-cordoned', { unschedulable: true, allocatable: { cpuMillis: 128_000 } }),
      gpuNodeInfo('gpu-1', { gpus: 8 }, { allocatable: { cpuMillis: 96_000, memoryBytes: 384 * 2 ** 30, gpus: 8 } }),
    ];
    expect(largestNodeOfClass(nodes, 'cpu')).toMatchObject({ cpuMillis: 32_000, memoryBytes: 64 * 2 ** 30 });
    expect(largestNodeOfClass(nodes, 'gpu')).toMatchObject({ cpuMillis: 96_000, gpus: 8 });
    expect(largestNodeOfClass(nodes, 'any')).toMatchObject({ cpuMillis: 96_000, memoryBytes: 384 * 2 ** 30 });
    expect(largestNodeOfClass(nodes.slice(0, 4), 'gpu')).toBeUndefined();
  });
});
