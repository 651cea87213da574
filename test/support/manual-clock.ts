import type { Clock } from '../../operator/runtime/workqueue.js';

/** A clock that moves only when a test advances it, firing due timers in order. */
export class ManualClock implements Clock {
  private current = 0;
  private readonly timers: Array<{ due: number; fn: () => void; cancelled: boolean }> = [];

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number) {
    const timer = { due: this.current + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Moves time forward, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.timers
        .filter((t) => !t.cancelled && t.due <= target)
        .sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.current = next.due;
      next.cancelled = true;
      next.fn();
    }
    this.current = target;
  }
}
