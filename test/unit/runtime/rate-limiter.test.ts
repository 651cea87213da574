import { describe, expect, test } from '@jest/globals';
import { TokenBucket } from '../../../operator/runtime/rate-limiter.js';
import { ManualClock } from '../../support/manual-clock.js';

describe('TokenBucket', () => {
  test('lets a burst through at once, then spaces requests at qps', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(10, 3, clock);
    const granted: number[] = [];
    const requests = Array.from({ length: 6 }, (_, i) => bucket.take().then(() => granted.push(i)));
    await Promise.resolve();
    expect(granted).toEqual([0, 1, 2]);
    expect(bucket.queued).toBe(3);
    clock.advance(99);
    await Promise.resolve();
    expect(granted).toEqual([0, 1, 2]);
    clock.advance(1);
    await Promise.resolve();
    expect(granted).toEqual([0, 1, 2, 3]);
    clock.advance(200);
    await Promise.all(requests);
    expect(granted).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('refills up to the burst, not beyond, while idle', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(100, 2, clock);
    await bucket.take();
    await bucket.take();
    clock.advance(60_000);
    let granted = 0;
    for (let i = 0; i < 3; i++) void bucket.take().then(() => granted++);
    await Promise.resolve();
    expect(granted).toBe(2);
  });

  test('rejects a non-positive qps or a burst below one', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(/qps/);
    expect(() => new TokenBucket(5, 0)).toThrow(/burst/);
  });
});
