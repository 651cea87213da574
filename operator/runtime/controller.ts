// A controller: a work queue of keys and N workers that call `reconcile(key)`. A reconcile
// returns normally (done, or come back after a delay) or throws. Errors are retried with
// exponential backoff unless the code that met them knew better and threw a PermanentError
// (after putting the cause into the object's status and an Event): only those are dropped, and
// an optional periodic resync brings every key back anyway, so nothing is lost silently.
import type { Logger } from './logger.js';
import type { Runnable } from './runnable.js';
import { WorkQueue } from './workqueue.js';

export interface ReconcileResult {
  /** Reconcile this key again after this long (a timer, not an error: no backoff growth). */
  requeueAfterMs?: number;
}

/** An error that retrying will not fix (invalid input): its thrower reported it; not retried. */
export class PermanentError extends Error {
  constructor(message: string, readonly reason = 'InvalidSpec') {
    super(message);
    this.name = 'PermanentError';
  }
}

export type Reconciler = (key: string) => Promise<ReconcileResult | void>;

export interface ControllerStats {
  reconciles: number;
  errors: number;
  permanentErrors: number;
}

export interface ControllerOptions {
  workers: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A conflict only means the cache was behind a write: logged quietly. */
  isConflict?: (error: unknown) => boolean;
  describeError?: (error: unknown) => string;
  onPermanentError?: (key: string, error: unknown) => void;
  /** Every key there is (from the cache): all are reconciled at start, and again at each resync. */
  keys?: () => Iterable<string>;
  /** How often every key is enqueued again, to recover anything missed (0 or omitted: never). */
  resyncPeriodMs?: number;
}

export class Controller implements Runnable {
  readonly needsLeadership = true;
  readonly queue: WorkQueue;
  readonly stats: ControllerStats = { reconciles: 0, errors: 0, permanentErrors: 0 };
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly reconcile: Reconciler,
    private readonly log: Logger,
    private readonly options: ControllerOptions,
  ) {
    this.queue = new WorkQueue({ baseDelayMs: options.baseBackoffMs ?? 500, maxDelayMs: options.maxBackoffMs ?? 300_000 });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.options.workers; i++) this.loops.push(this.work());
    // Everything is reconciled once at start: state lives in the API server.
    this.resyncNow();
    const period = this.options.resyncPeriodMs ?? 0;
    if (period > 0) {
      this.resyncTimer = setInterval(() => this.resyncNow(), period);
      this.resyncTimer.unref();
    }
  }

  /** Enqueues every key there is (the queue de-duplicates). */
  resyncNow(): void {
    for (const key of this.options.keys?.() ?? []) this.queue.add(key);
  }

  /** Stops taking keys; waits for reconciles in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.resyncTimer);
    this.queue.shutDown();
    await Promise.all(this.loops);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        this.stats.reconciles++;
        const result = await this.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        this.stats.errors++;
        if (error instanceof PermanentError) {
          this.stats.permanentErrors++;
          this.queue.forget(key);
          this.log.error({ controller: this.name, key, err: this.options.describeError?.(error) ?? describe(error) }, 'reconcile failed permanently');
          this.options.onPermanentError?.(key, error);
        } else {
          const delay = this.queue.addRateLimited(key);
          // A conflict only means the cache was behind a write: routine, not worth a warning.
          const level = this.options.isConflict?.(error) ? 'debug' : 'warn';
          this.log[level]({ controller: this.name, key, err: this.options.describeError?.(error) ?? describe(error), retryInMs: delay }, 'reconcile failed; will retry');
        }
      } finally {
        this.queue.done(key);
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function keyOf(object: { metadata?: { name?: string; namespace?: string } }): string {
  const { name = '', namespace } = object.metadata ?? {};
  return namespace ? `${namespace}/${name}` : name;
}
