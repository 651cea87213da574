// A de-duplicating work queue of object keys, with per-key exponential backoff, in the manner
// of client-go's rate-limited queue: a key is never processed by two workers at once, a key
// added while it is being processed is processed again afterwards, and a key added many times
// while waiting is processed once.

import { systemClock, type Clock } from './clock.js';

export interface BackoffOptions {
  /** First retry delay in milliseconds. */
  baseDelayMs: number;
  /** Cap on the retry delay in milliseconds. */
  maxDelayMs: number;
}

export { systemClock, type Clock } from './clock.js';

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys waiting in `queue` or to be re-queued once their processing ends. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { due: number; timer: { cancel(): void } }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;

  constructor(
    private readonly backoff: BackoffOptions = { baseDelayMs: 200, maxDelayMs: 300_000 },
    private readonly clock: Clock = systemClock,
  ) {}

  /** Queues a key now. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued by done()
    this.push(key);
  }

  /** Queues a key after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const due = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.due <= due) return;
    pending?.timer.cancel();
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { due, timer });
  }

  /** Queues a key after its next backoff delay (which doubles per failure); returns the delay. */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const delay = Math.min(this.backoff.baseDelayMs * 2 ** failures, this.backoff.maxDelayMs);
    this.addAfter(key, delay);
    return delay;
  }

  /** Forgets a key's failures: its next backoff starts from the base delay. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Waits for the next key; undefined once the queue is shut down and drained. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.startProcessing(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key's processing finished; a key added meanwhile is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  /** Keys waiting to be processed (not counting delayed ones). */
  get length(): number {
    return this.queue.length;
  }

  get delayedCount(): number {
    return this.delayed.size;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private startProcessing(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.startProcessing(key));
    else this.queue.push(key);
  }
}
