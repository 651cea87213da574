import { describe, expect, test } from '@jest/globals';
import { choosePool, shortResource, unitCost } from '../../../../operator/core/scaling/index.js';
import { amounts, busyNode, cpuPool, gpuPool, pendingOf } from './builders.js';

describe('choosePool: the cheapest per unit of the resource the demand is short of', () => {
  test('GPU demand: by $/GPU-hour, not $/node-hour', () => {
    const a10g = gpuPool({ name: 'a10g', nodeShape: amounts(8, 32, 1), costPerNodeHour: 1.2 }); // 1.20 per GPU-hour
    const quad = gpuPool({ name: 'quad', nodeShape: amounts(48, 192, 4), costPerNodeHour: 5.6 }); // 1.40
    const eight = gpuPool({ name: 'eight', nodeShape: amounts(96, 768, 8), costPerNodeHour: 8 }); // 1.00
    const demand = pendingOf(6, amounts(4, 16, 1));
    expect(shortResource(demand, [a10g, quad, eight])).toBe('gpu');
    expect(unitCost(eight, 'gpu')).toBe(1);
    expect(choosePool([a10g, quad, eight], demand)?.name).toBe('eight');
    expect(choosePool([a10g, quad], demand)?.name).toBe('a10g');
  });

  test('CPU demand: by $/core-hour', () => {
    const small = cpuPool({ name: 'small', nodeShape: amounts(8, 32), costPerNodeHour: 0.4 }); // 0.05 per core-hour
    const big = cpuPool({ name: 'big', nodeShape: amounts(32, 64), costPerNodeHour: 1.2 }); // 0.0375
    const demand = pendingOf(10, amounts(2, 2));
    expect(shortResource(demand, [small, big])).toBe('cpu');
    expect(choosePool([small, big], demand)?.name).toBe('big');
  });

  test('memory-heavy demand: by $/GiB-hour', () => {
    const cpuHeavy = cpuPool({ name: 'compute', nodeShape: amounts(32, 64), costPerNodeHour: 1.2 }); // 0.0375 per core, 0.019 per GiB
    const memoryHeavy = cpuPool({ name: 'memory', hardware: 'memory', nodeShape: amounts(8, 128), costPerNodeHour: 1 }); // 0.125 per core, 0.0078 per GiB
    expect(choosePool([cpuHeavy, memoryHeavy], pendingOf(4, amounts(0.5, 32)))?.name).toBe('memory');
    expect(choosePool([cpuHeavy, memoryHeavy], pendingOf(4, amounts(8, 4)))?.name).toBe('compute');
  });

  test('ties by name', () => {
    const demand = pendingOf(1, amounts(1, 1));
    expect(choosePool([cpuPool({ name: 'b' }), cpuPool({ name: 'a' }), cpuPool({ name: 'c' })], demand)?.name).toBe('a');
    // A free pool (kwok, no price) is the cheapest of all.
    expect(choosePool([cpuPool({ name: 'a' }), cpuPool({ name: 'z', costPerNodeHour: 0 })], demand)?.name).toBe('z');
  });

  test('only pools that can help: a new node holds the largest request, room under maxNodes and the cost cap, not static', () => {
    const demand = pendingOf(2, amounts(12, 8));
    const tooSmall = cpuPool({ name: 'a-small', nodeShape: amounts(8, 32), costPerNodeHour: 0.1 });
    const full = cpuPool({ name: 'b-full', nodeShape: amounts(16, 64), costPerNodeHour: 0.2, maxNodes: 1, nodes: [busyNode('x', 16, 4)] });
    const capped = cpuPool({ name: 'c-capped', nodeShape: amounts(16, 64), costPerNodeHour: 0.2, maxCostPerHour: 0.3, nodes: [busyNode('y', 16, 4)] });
    const fixed = cpuPool({ name: 'd-static', nodeShape: amounts(16, 64), costPerNodeHour: 0, provider: 'static' });
    const able = cpuPool({ name: 'e-able', nodeShape: amounts(16, 64), costPerNodeHour: 0.8 });
    expect(choosePool([tooSmall, full, capped, fixed, able], demand)?.name).toBe('e-able');
    expect(choosePool([tooSmall, full, capped, fixed], demand)).toBeUndefined();
    expect(choosePool([], demand)).toBeUndefined();
  });
});
