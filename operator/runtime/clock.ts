// The operator's one clock: milliseconds since the epoch, and timers on the same time line.
// Reconcilers, the scheduler and the work queue take it injected; tests pass a manual one.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

/** The clock's now as a Date, for timestamps written to the API. */
export function nowDate(clock: Pick<Clock, 'now'>): Date {
  return new Date(clock.now());
}
