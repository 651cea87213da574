import { describe, expect, test } from '@jest/globals';
import { Controller, PermanentError } from '../../../operator/runtime/controller.js';
import { createLogger } from '../../../operator/runtime/logger.js';

const log = createLogger('silent');
const forbidden = () => Object.assign(new Error('forbidden: exceeded quota'), { code: 403 });

/** A promise and the function that resolves it. */
function signal<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Controller', () => {
  test('an API error (even a 403) is retried with backoff until the reconcile succeeds', async () => {
    const calls: string[] = [];
    const succeeded = signal();
    const controller = new Controller(
      'test',
      async (key) => {
        calls.push(key);
        if (calls.length < 3) throw forbidden();
        succeeded.resolve();
      },
      log,
      { workers: 1, baseBackoffMs: 1, maxBackoffMs: 2 },
    );
    controller.start();
    controller.enqueue('ns/a');
    await succeeded.promise;
    await controller.stop();
    expect(calls).toEqual(['ns/a', 'ns/a', 'ns/a']);
    expect(controller.stats).toMatchObject({ errors: 2, permanentErrors: 0 });
  });

  test('a PermanentError is reported once and not retried', async () => {
    const reported = signal<[string, unknown]>();
    let calls = 0;
    const controller = new Controller(
      'test',
      async () => {
        calls++;
        throw new PermanentError('bad input', 'InvalidInput');
      },
      log,
      { workers: 1, baseBackoffMs: 1, maxBackoffMs: 2, onPermanentError: (key, error) => reported.resolve([key, error]) },
    );
    controller.start();
    controller.enqueue('ns/b');
    const [key, error] = await reported.promise;
    await controller.stop();
    expect(key).toBe('ns/b');
    expect((error as PermanentError).reason).toBe('InvalidInput');
    expect(calls).toBe(1);
    expect(controller.queue.delayedCount).toBe(0);
  });

  test('start, then each resync, enqueue every key there is', async () => {
    const calls: string[] = [];
    const started = signal();
    const resynced = signal();
    const controller = new Controller(
      'test',
      async (key) => {
        calls.push(key);
        if (calls.length === 3) started.resolve();
        if (calls.length === 6) resynced.resolve();
      },
      log,
      { workers: 2, keys: () => ['a', 'ns/b', 'ns/c'], resyncPeriodMs: 60_000 },
    );
    controller.start();
    await started.promise;
    expect([...calls].sort()).toEqual(['a', 'ns/b', 'ns/c']);
    controller.resyncNow();
    await resynced.promise;
    await controller.stop();
    expect(calls.slice(3).sort()).toEqual(['a', 'ns/b', 'ns/c']);
  });
});
