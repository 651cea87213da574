import { describe, expect, test } from '@jest/globals';
import { DashboardHistory, type PoolPoint } from '../../../../operator/core/dashboard/history.js';

const HOUR = 3_600_000;
const point = (nodes: number, costPerHour: number, readyNodes = nodes): PoolPoint => ({ nodes, readyNodes, costPerHour });

describe('DashboardHistory', () => {
  test('keeps a sample when a pool changes, however soon, and otherwise once per interval', () => {
    const history = new DashboardHistory({ intervalMs: 5000, maxSamples: 100 });
    expect(history.record(0, { a: point(1, 1) })).toBe(true);
    expect(history.record(1000, { a: point(1, 1) })).toBe(false);
    expect(history.record(1500, { a: point(2, 2) })).toBe(true);
    expect(history.record(2000, { a: point(2, 2, 1) })).toBe(true);
    expect(history.record(2500, { a: point(2, 2, 1), b: point(0, 0) })).toBe(true);
    expect(history.record(7499, { a: point(2, 2, 1), b: point(0, 0) })).toBe(false);
    expect(history.record(7500, { a: point(2, 2, 1), b: point(0, 0) })).toBe(true);
    expect(history.samples().map((s) => s.t)).toEqual([0, 1500, 2000, 2500, 7500]);
  });

  test('money accrues at each sample\'s rate until the next: a bill, not an average', () => {
    const history = new DashboardHistory({ intervalMs: HOUR * 10, maxSamples: 100 });
    history.record(0, { a: point(1, 2) });
    // Unchanged samples are not stored, but the accrual still counts them.
    history.record(HOUR / 2, { a: point(1, 2) });
    expect(history.spentUsd(HOUR)).toBeCloseTo(2, 10);
    history.record(HOUR, { a: point(3, 6) });
    expect(history.samples().at(-1)!.spentUsd).toBeCloseTo(2, 10);
    expect(history.spentUsd(HOUR * 1.5)).toBeCloseTo(2 + 3, 10);
    history.record(HOUR * 2, { a: point(0, 0) });
    expect(history.spentUsd(HOUR * 5)).toBeCloseTo(2 + 6, 10);
  });

  test('the total cost rate is the sum over pools', () => {
    const history = new DashboardHistory({ intervalMs: 1000, maxSamples: 10 });
    history.record(0, { a: point(1, 1.5), b: point(2, 4) });
    expect(history.samples()[0]!.costPerHour).toBe(5.5);
  });

  test('drops the oldest samples beyond maxSamples but keeps counting money from the first', () => {
    const history = new DashboardHistory({ intervalMs: 1, maxSamples: 3 });
    for (let hour = 0; hour < 6; hour++) history.record(hour * HOUR, { a: point(1, 1) });
    expect(history.samples().map((s) => s.t / HOUR)).toEqual([3, 4, 5]);
    expect(history.spentUsd(5 * HOUR)).toBeCloseTo(5, 10);
  });

  test('a clock that goes backwards records nothing', () => {
    const history = new DashboardHistory({ intervalMs: 1, maxSamples: 10 });
    history.record(1000, { a: point(1, 1) });
    expect(history.record(500, { a: point(5, 5) })).toBe(false);
    expect(history.samples()).toHaveLength(1);
  });

  test('the stored sample is a copy: changing the caller\'s object later changes nothing', () => {
    const history = new DashboardHistory({ intervalMs: 1, maxSamples: 10 });
    const pools = { a: point(1, 1) };
    history.record(0, pools);
    pools.a.nodes = 9;
    expect(history.samples()[0]!.pools.a!.nodes).toBe(1);
  });

  test('rejects options that would keep nothing', () => {
    expect(() => new DashboardHistory({ intervalMs: 0, maxSamples: 10 })).toThrow(RangeError);
    expect(() => new DashboardHistory({ intervalMs: 1, maxSamples: 1 })).toThrow(RangeError);
  });
});
