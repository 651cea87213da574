import { describe, expect, test } from '@jest/globals';
import type { V1NodeSelectorRequirement, V1Taint } from '@kubernetes/client-node';
import { infeasibility, isGpuNode, selectorMatches, staticInfeasibility, tolerates, untoleratedTaint, type NodeInfo, type PlacementRequest } from '../../../../operator/core/placement/index.js';
import { gpuNodeInfo, nodeInfo, request, res } from './builders.js';

const plenty = (node: NodeInfo) => ({ ...node.allocatable });
const kindOf = (req: PlacementRequest, node: NodeInfo) => infeasibility(req, node, plenty(node))?.kind;

describe('infeasibility: one check at a time', () => {
  test('a fitting request on a fitting node is feasible', () => {
    expect(infeasibility(request('ns/p', { requests: res({ cpu: 1, memGi: 1, pods: 1 }) }), nodeInfo('n'), plenty(nodeInfo('n')))).toBeUndefined();
  });

  test('notReady', () => {
    expect(kindOf(request('ns/p'), nodeInfo('n', { ready: false }))).toBe('notReady');
  });

  test('cordoned', () => {
    expect(kindOf(request('ns/p'), nodeInfo('n', { unschedulable: true }))).toBe('cordoned');
  });

  test('pool: a node outside the allowed pools, or in no pool, when the task restricts pools', () => {
    const req = request('ns/p', { pools: new Set(['a', 'b']) });
    expect(kindOf(req, nodeInfo('n', { pool: 'c' }))).toBe('pool');
    expect(kindOf(req, nodeInfo('n'))).toBe('pool');
    expect(kindOf(req, nodeInfo('n', { pool: 'b' }))).toBeUndefined();
    // No selector: any node, in a pool or not.
    expect(kindOf(request('ns/p'), nodeInfo('n', { pool: 'c' }))).toBeUndefined();
    expect(kindOf(request('ns/p'), nodeInfo('n'))).toBeUndefined();
    // An empty allowed set (a selector that matched nothing) admits no node at all.
    expect(kindOf(request('ns/p', { pools: new Set() }), nodeInfo('n', { pool: 'a' }))).toBe('pool');
  });

  test('hardware: cpu work never on a GPU node', () => {
    expect(kindOf(request('ns/p', { hardware: 'cpu' }), gpuNodeInfo('g'))).toBe('hardware');
    expect(kindOf(request('ns/p', { hardware: 'cpu' }), nodeInfo('c'))).toBeUndefined();
    // Nodes of other classes without GPUs (e.g. memory-optimised) are CPU nodes.
    expect(kindOf(request('ns/p', { hardware: 'cpu' }), nodeInfo('m', { hardware: 'memory' }))).toBeUndefined();
  });

  test('hardware: gpu work never on a node without GPUs', () => {
    expect(kindOf(request('ns/p', { hardware: 'gpu', requests: { gpus: 1 } }), nodeInfo('c'))).toBe('hardware');
    expect(kindOf(request('ns/p', { hardware: 'gpu' }), nodeInfo('c'))).toBe('hardware');
    expect(kindOf(request('ns/p', { hardware: 'gpu', requests: { gpus: 1 } }), gpuNodeInfo('g'))).toBeUndefined();
  });

  test("hardware: 'any' asking for GPUs is GPU work; 'any' without is fine anywhere", () => {
    expect(kindOf(request('ns/p', { hardware: 'any', requests: { gpus: 1 } }), nodeInfo('c'))).toBe('hardware');
    expect(kindOf(request('ns/p', { hardware: 'any', requests: { gpus: 1 } }), gpuNodeInfo('g'))).toBeUndefined();
    expect(kindOf(request('ns/p', { hardware: 'any' }), nodeInfo('c'))).toBeUndefined();
    expect(kindOf(request('ns/p', { hardware: 'any' }), gpuNodeInfo('g'))).toBeUndefined();
  });

  test('gpuProduct: only nodes of the product asked for', () => {
    const req = request('ns/p', { hardware: 'gpu', gpuProduct: 'NVIDIA-H100', requests: { gpus: 1 } });
    expect(kindOf(req, gpuNodeInfo('a100', { product: 'NVIDIA-A100' }))).toBe('gpuProduct');
    expect(kindOf(req, gpuNodeInfo('h100', { product: 'NVIDIA-H100' }))).toBeUndefined();
    // A GPU node whose product is unknown does not qualify either.
    expect(kindOf(req, nodeInfo('g', { hardware: 'gpu', allocatable: { gpus: 1 } }))).toBe('gpuProduct');
  });

  test('gpuMemory: at least the minimum asked for; unknown memory counts as none', () => {
    const req = request('ns/p', { hardware: 'gpu', minGpuMemoryMiB: 40000, requests: { gpus: 1 } });
    expect(kindOf(req, gpuNodeInfo('small', { memoryMiB: 24576 }))).toBe('gpuMemory');
    expect(kindOf(req, gpuNodeInfo('exact', { memoryMiB: 40000 }))).toBeUndefined();
    expect(kindOf(req, gpuNodeInfo('big', { memoryMiB: 81920 }))).toBeUndefined();
    expect(kindOf(req, nodeInfo('unknown', { hardware: 'gpu', allocatable: { gpus: 1 } }))).toBe('gpuMemory');
  });

  test('selector: nodeSelector labels must all match', () => {
    const node = nodeInfo('n', { labels: { zone: 'a', disk: 'ssd' } });
    expect(kindOf(request('ns/p', { nodeSelector: { zone: 'a', disk: 'ssd' } }), node)).toBeUndefined();
    expect(kindOf(request('ns/p', { nodeSelector: { zone: 'a', disk: 'hdd' } }), node)).toBe('selector');
    expect(kindOf(request('ns/p', { nodeSelector: { missing: '' } }), node)).toBe('selector');
  });

  test('taint: an untolerated NoSchedule or NoExecute taint', () => {
    const noSchedule: V1Taint = { key: 'dedicated', value: 'ml', effect: 'NoSchedule' };
    const noExecute: V1Taint = { key: 'maintenance', effect: 'NoExecute' };
    expect(infeasibility(request('ns/p'), nodeInfo('n', { taints: [noSchedule] }), plenty(nodeInfo('n')))).toEqual({ kind: 'taint', taint: noSchedule });
    expect(infeasibility(request('ns/p'), nodeInfo('n', { taints: [noExecute] }), plenty(nodeInfo('n')))).toEqual({ kind: 'taint', taint: noExecute });
  });

  test('taint: PreferNoSchedule never rules a node out', () => {
    expect(kindOf(request('ns/p'), nodeInfo('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }))).toBeUndefined();
  });

  test('taint: tolerated taints do not count, the first untolerated one is reported', () => {
    const taints: V1Taint[] = [
      { key: 'a', value: '1', effect: 'NoSchedule' },
      { key: 'b', value: '2', effect: 'NoSchedule' },
    ];
    const req = request('ns/p', { tolerations: [{ key: 'a', operator: 'Equal', value: '1', effect: 'NoSchedule' }] });
    expect(infeasibility(req, nodeInfo('n', { taints }), plenty(nodeInfo('n')))).toEqual({ kind: 'taint', taint: taints[1] });
  });

  test('resources: every resource short, in order', () => {
    const node = nodeInfo('n');
    const free = res({ cpu: 1, memGi: 2, ephGi: 5, pods: 0 });
    const req = request('ns/p', { requests: res({ cpu: 2, memGi: 1, ephGi: 6, pods: 1 }) });
    expect(infeasibility(req, node, free)).toEqual({ kind: 'resources', short: ['cpuMillis', 'ephemeralBytes', 'pods'] });
    expect(infeasibility(request('ns/p', { requests: { gpus: 2 } }), gpuNodeInfo('g', { gpus: 1 }), plenty(gpuNodeInfo('g', { gpus: 1 })))).toEqual({
      kind: 'resources',
      short: ['gpus'],
    });
  });

  test('resources are judged against the free vector given, not the allocatable', () => {
    const node = nodeInfo('n');
    const req = request('ns/p', { requests: res({ cpu: 3, pods: 1 }) });
    expect(infeasibility(req, node, node.allocatable)).toBeUndefined();
    expect(infeasibility(req, node, res({ cpu: 2, memGi: 16, pods: 110 }))).toEqual({ kind: 'resources', short: ['cpuMillis'] });
  });

  test('staticInfeasibility never looks at resources', () => {
    const req = request('ns/p', { requests: res({ cpu: 100, pods: 1 }) });
    expect(staticInfeasibility(req, nodeInfo('n'))).toBeUndefined();
    expect(infeasibility(req, nodeInfo('n'), plenty(nodeInfo('n')))?.kind).toBe('resources');
  });
});

describe('infeasibility: the order of the checks', () => {
  // A node wrong in every way, fixed one way at a time: each step reveals the next reason.
  const req = request('ns/p', {
    hardware: 'gpu',
    gpuProduct: 'NVIDIA-H100',
    minGpuMemoryMiB: 80000,
    pools: new Set(['gpu-pool']),
    nodeSelector: { zone: 'a' },
    requests: res({ gpus: 2, cpu: 1, pods: 1 }),
  });
  const steps: Array<[string, Partial<NodeInfo>]> = [
    ['notReady', { ready: false }],
    ['cordoned', { ready: true, unschedulable: true }],
    ['pool', { unschedulable: false, pool: 'cpu-pool' }],
    ['hardware', { pool: 'gpu-pool', hardware: 'cpu' }],
    ['gpuProduct', { hardware: 'gpu', gpuProduct: 'NVIDIA-A100' }],
    ['gpuMemory', { gpuProduct: 'NVIDIA-H100', gpuMemoryMiB: 40000 }],
    ['selector', { gpuMemoryMiB: 81559, labels: { zone: 'b' } }],
    ['taint', { labels: { zone: 'a' }, taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] }],
    ['resources', { taints: [] }],
  ];
  test.each(steps.map((_, i) => i))('step %p', (index) => {
    let node: NodeInfo = nodeInfo('n', { allocatable: { gpus: 1 } });
    for (const [, change] of steps.slice(0, index + 1)) node = { ...node, ...change };
    expect(infeasibility(req, node, { ...node.allocatable })?.kind).toBe(steps[index]![0]);
  });

  test('and with everything fixed and room enough, feasible', () => {
    let node: NodeInfo = nodeInfo('n', { allocatable: { gpus: 2 } });
    for (const [, change] of steps) node = { ...node, ...change };
    expect(infeasibility(req, node, { ...node.allocatable })).toBeUndefined();
  });
});

describe('selectorMatches: required node affinity', () => {
  const node = nodeInfo('node-7', { labels: { zone: 'a', cores: '16', gen: '3' } });
  const affinity = (...matchExpressions: V1NodeSelectorRequirement[]) => request('ns/p', { nodeAffinity: [{ matchExpressions }] });
  const matches = (...requirements: V1NodeSelectorRequirement[]) => selectorMatches(affinity(...requirements), node);

  test('In', () => {
    expect(matches({ key: 'zone', operator: 'In', values: ['a', 'b'] })).toBe(true);
    expect(matches({ key: 'zone', operator: 'In', values: ['b', 'c'] })).toBe(false);
    expect(matches({ key: 'missing', operator: 'In', values: ['a'] })).toBe(false);
  });

  test('NotIn (true for a missing label)', () => {
    expect(matches({ key: 'zone', operator: 'NotIn', values: ['b'] })).toBe(true);
    expect(matches({ key: 'zone', operator: 'NotIn', values: ['a', 'b'] })).toBe(false);
    expect(matches({ key: 'missing', operator: 'NotIn', values: ['a'] })).toBe(true);
  });

  test('Exists / DoesNotExist', () => {
    expect(matches({ key: 'zone', operator: 'Exists' })).toBe(true);
    expect(matches({ key: 'missing', operator: 'Exists' })).toBe(false);
    expect(matches({ key: 'missing', operator: 'DoesNotExist' })).toBe(true);
    expect(matches({ key: 'zone', operator: 'DoesNotExist' })).toBe(false);
  });

  test('Gt / Lt compare integers, and fail on a missing or non-numeric label', () => {
    expect(matches({ key: 'cores', operator: 'Gt', values: ['8'] })).toBe(true);
    expect(matches({ key: 'cores', operator: 'Gt', values: ['16'] })).toBe(false);
    expect(matches({ key: 'cores', operator: 'Lt', values: ['32'] })).toBe(true);
    expect(matches({ key: 'cores', operator: 'Lt', values: ['16'] })).toBe(false);
    // Numeric, not lexicographic: "16" > "9".
    expect(matches({ key: 'cores', operator: 'Gt', values: ['9'] })).toBe(true);
    expect(matches({ key: 'missing', operator: 'Gt', values: ['1'] })).toBe(false);
    expect(matches({ key: 'zone', operator: 'Lt', values: ['1'] })).toBe(false);
    expect(matches({ key: 'cores', operator: 'Gt', values: [] })).toBe(false);
  });

  test('an unknown operator never holds', () => {
    expect(matches({ key: 'zone', operator: 'Like', values: ['a'] })).toBe(false);
  });

  test('expressions within a term are ANDed', () => {
    expect(matches({ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gen', operator: 'Gt', values: ['2'] })).toBe(true);
    expect(matches({ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gen', operator: 'Gt', values: ['3'] })).toBe(false);
  });

  test('terms are ORed', () => {
    const req = request('ns/p', {
      nodeAffinity: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'gen', operator: 'In', values: ['3'] }] }],
    });
    expect(selectorMatches(req, node)).toBe(true);
    const none = request('ns/p', {
      nodeAffinity: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'gen', operator: 'In', values: ['4'] }] }],
    });
    expect(selectorMatches(none, node)).toBe(false);
    expect(kindOf(none, node)).toBe('selector');
  });

  test('matchFields on metadata.name', () => {
    const on = (values: string[], operator = 'In') => request('ns/p', { nodeAffinity: [{ matchFields: [{ key: 'metadata.name', operator, values }] }] });
    expect(selectorMatches(on(['node-7']), node)).toBe(true);
    expect(selectorMatches(on(['node-8']), node)).toBe(false);
    expect(selectorMatches(on(['node-7'], 'NotIn'), node)).toBe(false);
    expect(selectorMatches(on(['node-8'], 'NotIn'), node)).toBe(true);
    // Other fields are not supported: they never have a value.
    expect(selectorMatches(request('ns/p', { nodeAffinity: [{ matchFields: [{ key: 'spec.other', operator: 'In', values: ['x'] }] }] }), node)).toBe(false);
  });

  test('matchExpressions and matchFields of one term are ANDed', () => {
    const req = (zone: string) =>
      request('ns/p', { nodeAffinity: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [zone] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-7'] }] }] });
    expect(selectorMatches(req('a'), node)).toBe(true);
    expect(selectorMatches(req('b'), node)).toBe(false);
  });

  test('no affinity, or an empty list of terms, selects every node', () => {
    expect(selectorMatches(request('ns/p'), node)).toBe(true);
    expect(selectorMatches(request('ns/p', { nodeAffinity: [] }), node)).toBe(true);
  });

  test('an empty term matches no node, as in Kubernetes', () => {
    expect(selectorMatches(request('ns/p', { nodeAffinity: [{}] }), node)).toBe(false);
    expect(selectorMatches(request('ns/p', { nodeAffinity: [{ matchExpressions: [], matchFields: [] }] }), node)).toBe(false);
    // ...but does not stop another term from matching.
    expect(selectorMatches(request('ns/p', { nodeAffinity: [{}, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] }), node)).toBe(true);
  });

  test('nodeSelector and nodeAffinity must both hold', () => {
    const req = request('ns/p', { nodeSelector: { zone: 'b' }, nodeAffinity: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] });
    expect(selectorMatches(req, node)).toBe(false);
  });
});

describe('tolerations', () => {
  const taint: V1Taint = { key: 'dedicated', value: 'ml', effect: 'NoSchedule' };

  test('Equal needs key and value to match', () => {
    expect(tolerates([{ key: 'dedicated', operator: 'Equal', value: 'ml' }], taint)).toBe(true);
    expect(tolerates([{ key: 'dedicated', value: 'ml' }], taint)).toBe(true);
    expect(tolerates([{ key: 'dedicated', operator: 'Equal', value: 'web' }], taint)).toBe(false);
    expect(tolerates([{ key: 'other', operator: 'Equal', value: 'ml' }], taint)).toBe(false);
  });

  test('an empty value equals a missing one', () => {
    expect(tolerates([{ key: 'k', operator: 'Equal', value: '' }], { key: 'k', effect: 'NoSchedule' })).toBe(true);
    expect(tolerates([{ key: 'k', operator: 'Equal' }], { key: 'k', value: '', effect: 'NoSchedule' })).toBe(true);
  });

  test('Exists with a key tolerates any value of that key', () => {
    expect(tolerates([{ key: 'dedicated', operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ key: 'other', operator: 'Exists' }], taint)).toBe(false);
  });

  test('Exists with an empty key tolerates every taint', () => {
    expect(tolerates([{ operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ operator: 'Exists', key: '' }], { key: 'x', effect: 'NoExecute' })).toBe(true);
    const node = nodeInfo('n', { taints: [taint, { key: 'x', effect: 'NoExecute' }] });
    expect(untoleratedTaint(node, [{ operator: 'Exists' }])).toBeUndefined();
  });

  test('an effect, when given, must match; an empty one matches all', () => {
    expect(tolerates([{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }], taint)).toBe(false);
    expect(tolerates([{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }], taint)).toBe(true);
    expect(tolerates([{ operator: 'Exists', effect: 'NoExecute' }], taint)).toBe(false);
  });

  test('no tolerations tolerate nothing; any one of several suffices', () => {
    expect(tolerates([], taint)).toBe(false);
    expect(tolerates([{ key: 'a', operator: 'Exists' }, { key: 'dedicated', operator: 'Exists' }], taint)).toBe(true);
  });

  test('untoleratedTaint skips PreferNoSchedule and tolerated taints', () => {
    const soft: V1Taint = { key: 'soft', effect: 'PreferNoSchedule' };
    const hard: V1Taint = { key: 'hard', effect: 'NoExecute' };
    const node = nodeInfo('n', { taints: [soft, taint, hard] });
    expect(untoleratedTaint(node, [])).toBe(taint);
    expect(untoleratedTaint(node, [{ key: 'dedicated', operator: 'Exists' }])).toBe(hard);
    expect(untoleratedTaint(node, [{ key: 'dedicated', operator: 'Exists' }, { key: 'hard', operator: 'Exists' }])).toBeUndefined();
  });
});

describe('isGpuNode', () => {
  test('by hardware class only', () => {
    expect(isGpuNode(gpuNodeInfo('g'))).toBe(true);
    expect(isGpuNode(nodeInfo('c'))).toBe(false);
    expect(isGpuNode(nodeInfo('m', { hardware: 'memory', allocatable: { gpus: 1 } }))).toBe(false);
  });
});
