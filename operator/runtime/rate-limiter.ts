// A token bucket for client-side API rate limiting (the QPS and burst of client-go): `burst`
// requests may go at once, after which they are spaced at `qps` per second.
import { systemClock, type Clock } from './workqueue.js';

export class TokenBucket {
  private tokens: number;
  private lastRefill: number;
  private readonly waiting: Array<() => void> = [];
  private timer: { cancel(): void } | undefined;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(qps > 0)) throw new Error(`qps must be > 0, got ${qps}`);
    if (!(burst >= 1)) throw new Error(`burst must be >= 1, got ${burst}`);
    this.tokens = burst;
    this.lastRefill = clock.now();
  }

  /** Resolves when the caller may send one request. Waiters are served in order. */
  take(): Promise<void> {
    this.refill();
    if (this.waiting.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  /** Requests waiting for a token now. */
  get queued(): number {
    return this.waiting.length;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.qps);
    this.lastRefill = now;
  }

  private schedule(): void {
    if (this.timer) return;
    const waitMs = Math.max(0, Math.ceil(((1 - this.tokens) / this.qps) * 1000));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiting.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiting.shift()?.();
      }
      if (this.waiting.length > 0) this.schedule();
    }, waitMs);
  }
}
