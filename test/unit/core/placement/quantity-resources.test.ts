import { describe, expect, test } from '@jest/globals';
import {
  addInto,
  cpuMillis,
  fits,
  formatBytes,
  formatCores,
  GPU_MEMORY_LABEL,
  GPU_PRODUCT_LABEL,
  GPU_RESOURCE,
  HARDWARE_LABEL,
  minus,
  nodeAllocatable,
  nodeInfoFrom,
  parseQuantity,
  podIsTerminal,
  podRequests,
  QuantityError,
  shortOf,
  wholeUnits,
  ZERO,
} from '../../../../operator/core/placement/index.js';
import { GI, KI, MI, res, v1Node, v1Pod, vec } from './builders.js';

describe('parseQuantity', () => {
  test.each([
    ['500m', 0.5],
    ['1.5', 1.5],
    [2, 2],
    ['2', 2],
    ['4Gi', 4 * GI],
    ['512Mi', 512 * MI],
    ['3Ki', 3 * KI],
    ['1e3', 1000],
    ['1E3', 1000],
    ['2e-3', 0.002],
    ['128974848', 128974848],
    ['129M', 129e6],
    ['1k', 1000],
    ['1G', 1e9],
    ['.5', 0.5],
    ['+1', 1],
    [' 2Gi ', 2 * GI],
    ['100n', 100e-9],
    ['0', 0],
  ])('%p is %p', (quantity, expected) => {
    expect(parseQuantity(quantity)).toBeCloseTo(expected, 12);
  });

  test.each(['', ' ', 'abc', '1.2.3', '5Gb', '1 Gi', 'Gi', '1ki', '1e', '--1', '1e3Gi', '0x10'])('%p is not a quantity', (quantity) => {
    expect(() => parseQuantity(quantity)).toThrow(QuantityError);
  });

  test('a number that is not finite throws', () => {
    expect(() => parseQuantity(Number.NaN)).toThrow(QuantityError);
    expect(() => parseQuantity(Number.POSITIVE_INFINITY)).toThrow(QuantityError);
  });

  test('the error names the bad input', () => {
    expect(() => parseQuantity('5Gb')).toThrow('"5Gb" is not a Kubernetes quantity');
  });
});

describe('cpuMillis / wholeUnits', () => {
  test('cpu in whole millicores', () => {
    expect(cpuMillis('500m')).toBe(500);
    expect(cpuMillis('1.5')).toBe(1500);
    expect(cpuMillis(2)).toBe(2000);
    expect(cpuMillis('100m')).toBe(100);
    expect(cpuMillis('0.1')).toBe(100);
    expect(cpuMillis('1.1')).toBe(1100);
    expect(cpuMillis('1e3')).toBe(1_000_000);
    expect(cpuMillis(undefined)).toBe(0);
  });

  test('a fraction of a millicore rounds up, as Kubernetes does', () => {
    expect(cpuMillis('0.1m')).toBe(1);
    expect(cpuMillis('1500u')).toBe(2);
    expect(cpuMillis('1n')).toBe(1);
  });

  test('bytes and counts, rounded up', () => {
    expect(wholeUnits('4Gi')).toBe(4 * GI);
    expect(wholeUnits('128974848')).toBe(128974848);
    expect(wholeUnits('129M')).toBe(129_000_000);
    expect(wholeUnits('1e3')).toBe(1000);
    expect(wholeUnits('1.5Ki')).toBe(1536);
    expect(wholeUnits('0.5')).toBe(1);
    expect(wholeUnits(3)).toBe(3);
    expect(wholeUnits(undefined)).toBe(0);
  });

  test('bad input throws QuantityError through both', () => {
    expect(() => cpuMillis('two')).toThrow(QuantityError);
    expect(() => wholeUnits('4GB')).toThrow(QuantityError);
  });
});

describe('formatBytes / formatCores', () => {
  test('bytes in the largest binary unit, one decimal below 100', () => {
    expect(formatBytes(0)).toBe('0');
    expect(formatBytes(512)).toBe('512');
    expect(formatBytes(1024)).toBe('1Ki');
    expect(formatBytes(1536 * MI)).toBe('1.5Gi');
    expect(formatBytes(16 * GI)).toBe('16Gi');
    expect(formatBytes(150 * MI)).toBe('150Mi');
    expect(formatBytes(129_000_000)).toBe('123Mi');
    expect(formatBytes(2 * 1024 * GI)).toBe('2Ti');
  });

  test('cores from millicores', () => {
    expect(formatCores(2000)).toBe('2');
    expect(formatCores(2500)).toBe('2.5');
    expect(formatCores(500)).toBe('0.5');
    expect(formatCores(1)).toBe('0.001');
    expect(formatCores(1234)).toBe('1.234');
    expect(formatCores(0)).toBe('0');
  });
});

describe('resource vectors', () => {
  test('addInto adds and subtracts in place', () => {
    const target = res({ cpu: 1, memGi: 1, gpus: 1, ephGi: 1, pods: 1 });
    addInto(target, res({ cpu: 2, memGi: 3, gpus: 1, ephGi: 1, pods: 1 }));
    expect(target).toEqual(res({ cpu: 3, memGi: 4, gpus: 2, ephGi: 2, pods: 2 }));
    addInto(target, res({ cpu: 3, memGi: 4, gpus: 2, ephGi: 2, pods: 2 }), -1);
    expect(target).toEqual(ZERO);
  });

  test('minus does not change its arguments', () => {
    const a = res({ cpu: 4, pods: 10 });
    const b = res({ cpu: 1, pods: 1 });
    expect(minus(a, b)).toEqual(res({ cpu: 3, pods: 9 }));
    expect(a).toEqual(res({ cpu: 4, pods: 10 }));
    expect(b).toEqual(res({ cpu: 1, pods: 1 }));
  });

  test('shortOf names each resource asked for beyond what is free, in a fixed order', () => {
    const free = res({ cpu: 2, memGi: 4, gpus: 0, ephGi: 10, pods: 0 });
    expect(shortOf(res({ cpu: 2, memGi: 4 }), free)).toEqual([]);
    expect(shortOf(res({ cpu: 3, memGi: 8, gpus: 1, pods: 1 }), free)).toEqual(['cpuMillis', 'memoryBytes', 'gpus', 'pods']);
    expect(shortOf(res({ ephGi: 11 }), free)).toEqual(['ephemeralBytes']);
  });

  test('shortOf ignores what is not asked for, even when free is overdrawn', () => {
    expect(shortOf(res({ cpu: 1 }), vec({ cpuMillis: 1000, gpus: -1 }))).toEqual([]);
  });

  test('fits is exactly "shortOf is empty" for non-negative requests', () => {
    const free = res({ cpu: 2, memGi: 4, pods: 1 });
    expect(fits(res({ cpu: 2, memGi: 4, pods: 1 }), free)).toBe(true);
    expect(fits(res({ cpu: 2.001, memGi: 4, pods: 1 }), free)).toBe(false);
    expect(fits(res({ pods: 2 }), free)).toBe(false);
    expect(fits(res({ gpus: 1 }), free)).toBe(false);
  });
});

describe('podRequests', () => {
  test('sums the containers and takes one pod slot', () => {
    const pod = v1Pod('p', {
      containers: [{ requests: { cpu: '500m', memory: '1Gi' } }, { requests: { cpu: '1.5', memory: '512Mi', 'ephemeral-storage': '2Gi' } }],
    });
    expect(podRequests(pod)).toEqual({ cpuMillis: 2000, memoryBytes: 1536 * MI, gpus: 0, ephemeralBytes: 2 * GI, pods: 1 });
  });

  test('a pod without requests still takes a pod slot', () => {
    expect(podRequests(v1Pod('p'))).toEqual(vec({ pods: 1 }));
    expect(podRequests({ metadata: { name: 'bare' } })).toEqual(vec({ pods: 1 }));
  });

  test('a limit without a request counts as the request; a request wins over its limit', () => {
    const pod = v1Pod('p', {
      containers: [{ limits: { [GPU_RESOURCE]: '2', cpu: '4', memory: '8Gi' }, requests: { cpu: '1' } }],
    });
    expect(podRequests(pod)).toEqual({ cpuMillis: 1000, memoryBytes: 8 * GI, gpus: 2, ephemeralBytes: 0, pods: 1 });
  });

  test('init containers: per resource, the larger of the largest init container and the sum of the others', () => {
    const pod = v1Pod('p', {
      containers: [{ requests: { cpu: '1', memory: '1Gi' } }, { requests: { cpu: '1', memory: '1Gi' } }],
      initContainers: [{ requests: { cpu: '3', memory: '512Mi' } }, { requests: { cpu: '500m', memory: '1Gi', [GPU_RESOURCE]: 1 } }],
    });
    // cpu: max(2, 3, 0.5) = 3; memory: max(2Gi, 512Mi, 1Gi) = 2Gi; gpus: max(0, 0, 1) = 1.
    expect(podRequests(pod)).toEqual({ cpuMillis: 3000, memoryBytes: 2 * GI, gpus: 1, ephemeralBytes: 0, pods: 1 });
  });

  test('sidecars (init containers with restartPolicy Always) count for the whole life of the pod', () => {
    const withSidecar = (lastInitCpu: string) => {
      const pod = v1Pod('p', { containers: [{ requests: { cpu: '1' } }], initContainers: [{ requests: { cpu: '500m' } }, { requests: { cpu: '250m' } }, { requests: { cpu: lastInitCpu } }] });
      pod.spec!.initContainers![1]!.restartPolicy = 'Always';
      return pod;
    };
    // max(0.5 before the sidecar, 2 + 0.25 after it, 1 + 0.25 for the containers) = 2.25 cores.
    expect(podRequests(withSidecar('2')).cpuMillis).toBe(2250);
    // With a small last init container, the containers and the sidecar dominate: 1 + 0.25.
    expect(podRequests(withSidecar('100m')).cpuMillis).toBe(1250);
  });

  test('init containers never change the pod count', () => {
    const pod = v1Pod('p', { initContainers: [{}, {}, {}] });
    expect(podRequests(pod).pods).toBe(1);
  });

  test('the pod overhead is added on top', () => {
    const pod = v1Pod('p', {
      containers: [{ requests: { cpu: '1', memory: '1Gi' } }],
      initContainers: [{ requests: { cpu: '2' } }],
      overhead: { cpu: '250m', memory: '120Mi' },
    });
    // The overhead comes after the init-container maximum: 2 + 0.25 cpu.
    expect(podRequests(pod)).toEqual({ cpuMillis: 2250, memoryBytes: GI + 120 * MI, gpus: 0, ephemeralBytes: 0, pods: 1 });
  });

  test('a malformed quantity throws', () => {
    expect(() => podRequests(v1Pod('p', { containers: [{ requests: { cpu: 'lots' } }] }))).toThrow(QuantityError);
  });
});

describe('podIsTerminal', () => {
  test('Succeeded and Failed pods hold nothing', () => {
    expect(podIsTerminal(v1Pod('p', { phase: 'Succeeded' }))).toBe(true);
    expect(podIsTerminal(v1Pod('p', { phase: 'Failed' }))).toBe(true);
    expect(podIsTerminal(v1Pod('p', { phase: 'Running' }))).toBe(false);
    expect(podIsTerminal(v1Pod('p', { phase: 'Pending' }))).toBe(false);
    expect(podIsTerminal({})).toBe(false);
  });
});

describe('nodeAllocatable', () => {
  test('reads allocatable', () => {
    const node = v1Node('n', { allocatable: { cpu: '3920m', memory: '15Gi', pods: '58', [GPU_RESOURCE]: '4', 'ephemeral-storage': '100Gi' }, capacity: { cpu: '4', memory: '16Gi', pods: '110' } });
    expect(nodeAllocatable(node)).toEqual({ cpuMillis: 3920, memoryBytes: 15 * GI, gpus: 4, ephemeralBytes: 100 * GI, pods: 58 });
  });

  test('falls back to capacity when allocatable is not reported', () => {
    const node = v1Node('n', { capacity: { cpu: '8', memory: '32Gi', pods: '20' } });
    expect(node.status?.allocatable).toBeUndefined();
    expect(nodeAllocatable(node)).toEqual({ cpuMillis: 8000, memoryBytes: 32 * GI, gpus: 0, ephemeralBytes: 0, pods: 20 });
  });

  test('110 pods when the node does not say', () => {
    expect(nodeAllocatable(v1Node('n', { allocatable: { cpu: '2' } })).pods).toBe(110);
    expect(nodeAllocatable({ metadata: { name: 'n' } })).toEqual(vec({ pods: 110 }));
  });
});

describe('nodeInfoFrom', () => {
  test('a plain ready CPU node', () => {
    const info = nodeInfoFrom(v1Node('cpu-1'));
    expect(info).toEqual({
      name: 'cpu-1',
      labels: { 'kubernetes.io/hostname': 'cpu-1' },
      taints: [],
      allocatable: { cpuMillis: 4000, memoryBytes: 16 * GI, gpus: 0, ephemeralBytes: 0, pods: 110 },
      ready: true,
      unschedulable: false,
      hardware: 'cpu',
    });
    expect('gpuProduct' in info).toBe(false);
    expect('gpuMemoryMiB' in info).toBe(false);
    expect('pool' in info).toBe(false);
  });

  test('ready only with a Ready condition whose status is True', () => {
    expect(nodeInfoFrom(v1Node('n', { ready: 'True' })).ready).toBe(true);
    expect(nodeInfoFrom(v1Node('n', { ready: 'False' })).ready).toBe(false);
    expect(nodeInfoFrom(v1Node('n', { ready: 'Unknown' })).ready).toBe(false);
    expect(nodeInfoFrom(v1Node('n', { ready: 'absent' })).ready).toBe(false);
    expect(nodeInfoFrom({ metadata: { name: 'n' } }).ready).toBe(false);
  });

  test('unschedulable (cordoned) and taints', () => {
    const taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    const info = nodeInfoFrom(v1Node('n', { unschedulable: true, taints }));
    expect(info.unschedulable).toBe(true);
    expect(info.taints).toEqual(taints);
    expect(nodeInfoFrom(v1Node('n', { unschedulable: false })).unschedulable).toBe(false);
  });

  test('hardware from nvidia.com/gpu allocatable when there is no hardware label', () => {
    expect(nodeInfoFrom(v1Node('g', { allocatable: { cpu: '8', [GPU_RESOURCE]: '1' } })).hardware).toBe('gpu');
    expect(nodeInfoFrom(v1Node('g', { allocatable: { cpu: '8', [GPU_RESOURCE]: '0' } })).hardware).toBe('cpu');
  });

  test('the hardware label wins over what the node has', () => {
    expect(nodeInfoFrom(v1Node('m', { labels: { [HARDWARE_LABEL]: 'memory' } })).hardware).toBe('memory');
    // A GPU node whose device plugin has not reported yet is still a GPU node.
    expect(nodeInfoFrom(v1Node('g', { labels: { [HARDWARE_LABEL]: 'gpu' } })).hardware).toBe('gpu');
    expect(nodeInfoFrom(v1Node('c', { labels: { [HARDWARE_LABEL]: 'cpu' }, allocatable: { [GPU_RESOURCE]: '2' } })).hardware).toBe('cpu');
  });

  test('GPU product and memory from the GPU feature discovery labels', () => {
    const info = nodeInfoFrom(
      v1Node('g', { labels: { [GPU_PRODUCT_LABEL]: 'NVIDIA-H100-80GB-HBM3', [GPU_MEMORY_LABEL]: '81559' }, allocatable: { cpu: '32', memory: '256Gi', [GPU_RESOURCE]: '8' } }),
    );
    expect(info.hardware).toBe('gpu');
    expect(info.gpuProduct).toBe('NVIDIA-H100-80GB-HBM3');
    expect(info.gpuMemoryMiB).toBe(81559);
    expect(info.allocatable.gpus).toBe(8);
  });

  test('a GPU memory label that is not a number is left out', () => {
    const info = nodeInfoFrom(v1Node('g', { labels: { [GPU_MEMORY_LABEL]: 'lots' } }));
    expect(info.gpuMemoryMiB).toBeUndefined();
    expect('gpuMemoryMiB' in info).toBe(false);
  });

  test('pool from drm.dtf.io/pool', () => {
    expect(nodeInfoFrom(v1Node('n', { pool: 'batch' })).pool).toBe('batch');
    expect(nodeInfoFrom(v1Node('n')).pool).toBeUndefined();
  });
});
