import { describe, expect, test } from '@jest/globals';
import { DEFAULT_PARTITIONS, choosePartitions, contiguousSlices, freeCpuSlots } from '../../../operator/core/split/index.js';

describe('choosePartitions', () => {
  test('one partition per free slot, with a reason fit for an Event', () => {
    expect(choosePartitions(1000, { freeSlots: 8, slotKind: 'CPU' })).toEqual({
      partitions: 8,
      reason: 'chose 8 partitions: 8 free CPU slots, 1,000 items → 125 items each',
    });
  });

  test('uneven shares are stated as a range', () => {
    expect(choosePartitions(10, { freeSlots: 4 }).reason).toBe('chose 4 partitions: 4 free slots, 10 items → 2–3 items each');
  });

  test('without hints: the default, capped at the item count', () => {
    expect(choosePartitions(100)).toEqual({
      partitions: DEFAULT_PARTITIONS,
      reason: `chose ${DEFAULT_PARTITIONS} partitions: no capacity or prediction known, default ${DEFAULT_PARTITIONS}, 100 items → 25 items each`,
    });
    expect(choosePartitions(2).partitions).toBe(2);
    expect(choosePartitions(1)).toEqual({
      partitions: 1,
      reason: 'chose 1 partition: no capacity or prediction known, default 4, capped at the item count, 1 item → 1 item each',
    });
  });

  test('no items: one partition', () => {
    expect(choosePartitions(0, { freeSlots: 16 })).toEqual({ partitions: 1, reason: 'chose 1 partition: no input items' });
  });

  test('a prediction alone sizes subtasks to the target length', () => {
    // 1,000 items × 0.6 s = 600 s of work; 60 s per subtask → 10.
    const choice = choosePartitions(1000, { secondsPerItem: 0.6 });
    expect(choice.partitions).toBe(10);
    expect(choice.reason).toBe('chose 10 partitions: about 600s of work predicted, 10 × 60s subtasks, 1,000 items → 100 items each');
    expect(choosePartitions(1000, { secondsPerItem: 0.6, targetSecondsPerSubtask: 300 }).partitions).toBe(2);
  });

  test('slots and a prediction: fill the slots, but not with subtasks shorter than the target', () => {
    expect(choosePartitions(1000, { freeSlots: 8, secondsPerItem: 0.1 }).partitions).toBe(2);
    expect(choosePartitions(1000, { freeSlots: 8, secondsPerItem: 6 }).partitions).toBe(8);
  });

  test('no free slot: the prediction decides (pending demand for the autoscaler), else the default', () => {
    expect(choosePartitions(1000, { freeSlots: 0, secondsPerItem: 1.2, slotKind: 'GPU' })).toEqual({
      partitions: 20,
      reason: 'chose 20 partitions: no free GPU slots, about 1,200s of work predicted, 20 × 60s subtasks, 1,000 items → 50 items each',
    });
    expect(choosePartitions(1000, { freeSlots: 0 }).partitions).toBe(DEFAULT_PARTITIONS);
  });

  test('never more than the items or maxPartitions', () => {
    expect(choosePartitions(5, { freeSlots: 64 }).partitions).toBe(5);
    const capped = choosePartitions(100_000, { freeSlots: 500, maxPartitions: 100 });
    expect(capped.partitions).toBe(100);
    expect(capped.reason).toContain('capped at 100');
  });

  test('nonsense hints are ignored', () => {
    expect(choosePartitions(100, { freeSlots: -3, secondsPerItem: Number.NaN, targetSecondsPerSubtask: 0 }).partitions).toBe(DEFAULT_PARTITIONS);
    expect(() => choosePartitions(-1)).toThrow(RangeError);
  });
});

describe('contiguousSlices', () => {
  test('cover every item once, in order, sizes differing by at most one', () => {
    for (let items = 0; items <= 30; items++) {
      for (let parts = 1; parts <= Math.max(1, items); parts++) {
        const slices = contiguousSlices(items, parts);
        expect(slices).toHaveLength(parts);
        let next = 0;
        for (const slice of slices) {
          expect(slice.offset).toBe(next);
          next += slice.count;
        }
        expect(next).toBe(items);
        const counts = slices.map((slice) => slice.count);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        if (items > 0) expect(Math.min(...counts)).toBeGreaterThan(0);
      }
    }
  });
});

describe('freeCpuSlots', () => {
  test('counts what is free on each node, in millicores, node by node', () => {
    // 3900m allocatable with 1400m requested leaves 2500m: five 500m subtasks, not 3900 "cores".
    expect(freeCpuSlots([{ allocatableMillis: 3900, requestedMillis: 1400 }], 500)).toBe(5);
    // Two nodes with 1.5 cores free each hold two 1-core subtasks, not three.
    expect(freeCpuSlots([{ allocatableMillis: 2000, requestedMillis: 500 }, { allocatableMillis: 2000, requestedMillis: 500 }], 1000)).toBe(2);
  });

  test('a full or over-committed node adds nothing, and never subtracts', () => {
    expect(freeCpuSlots([{ allocatableMillis: 2000, requestedMillis: 2500 }, { allocatableMillis: 4000, requestedMillis: 0 }], 1000)).toBe(4);
  });

  test('a request of 0 counts as 1 millicore rather than dividing by zero', () => {
    expect(freeCpuSlots([{ allocatableMillis: 10, requestedMillis: 0 }], 0)).toBe(10);
  });
});
