import { describe, expect, test } from '@jest/globals';
import { WorkQueue } from '../../../operator/runtime/workqueue.js';
import { ManualClock } from '../../support/manual-clock.js';

describe('WorkQueue', () => {
  test('a key added many times while waiting is handed out once', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    expect(queue.length).toBe(0);
  });

  test('a key is never handed out twice at once; one added during processing comes back after done', async () => {
    const queue = new WorkQueue();
    queue.add('k');
    const first = await queue.get();
    queue.add('k');
    expect(queue.length).toBe(0);
    queue.done(first!);
    expect(queue.length).toBe(1);
    expect(await queue.get()).toBe('k');
    queue.done('k');
    expect(queue.length).toBe(0);
  });

  test('a waiting get() receives the next key added', async () => {
    const queue = new WorkQueue();
    const pending = queue.get();
    queue.add('late');
    expect(await pending).toBe('late');
  });

  test('backoff doubles per failure up to the cap, and forget() resets it', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 500 }, clock);
    expect([1, 2, 3, 4, 5].map(() => queue.addRateLimited('k'))).toEqual([100, 200, 400, 500, 500]);
    queue.forget('k');
    expect(queue.addRateLimited('k')).toBe(100);
  });

  test('addAfter queues the key only when its delay has passed, and the earliest delay wins', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000 }, clock);
    queue.addAfter('k', 1000);
    queue.addAfter('k', 300);
    queue.addAfter('k', 800);
    clock.advance(299);
    expect(queue.length).toBe(0);
    clock.advance(1);
    expect(queue.length).toBe(1);
    clock.advance(1000);
    expect(queue.length).toBe(1);
  });

  test('shutDown releases waiting workers and drops delayed keys', async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000 }, clock);
    const waiting = queue.get();
    queue.addAfter('k', 100);
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    clock.advance(200);
    expect(queue.length).toBe(0);
    queue.add('x');
    expect(await queue.get()).toBeUndefined();
  });
});
