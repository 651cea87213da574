// The manager's runnables besides the controllers: the predictor (loaded on every replica before
// any controller starts, writing training data only while leading) and the dashboard's pool
// history (sampled on every replica, so a new leader's dashboard has a past).
import { setTimeout as delay } from 'node:timers/promises';
import type { V1Node } from '@kubernetes/client-node';
import type { Subtask } from './api/subtask.js';
import { trustedForLearning } from './controllers/trusted-samples.js';
import type { DashboardHistory } from './core/dashboard/history.js';
import { poolPoints } from './dashboard/facts.js';
import type { Caches } from './kube/caches.js';
import { describeError } from './kube/client.js';
import type { Clock } from './runtime/clock.js';
import type { Logger } from './runtime/logger.js';
import type { Runnable } from './runtime/runnable.js';

export interface PredictorLike {
  load(): Promise<void>;
  setLeading(leading: boolean): void;
  observe(subtask: Subtask, node: V1Node | undefined): void;
  stop(): void;
}

/** Finished subtasks teach the predictor, those of the built-in worker only (trusted-samples.ts). */
export function watchPredictor(caches: Caches, predictor: PredictorLike): void {
  caches.subtasks.addHandler((event, subtask) => {
    const trusted = event === 'delete' ? undefined : trustedForLearning(subtask);
    if (trusted) predictor.observe(trusted, subtask.status?.nodeName ? caches.nodes.get(subtask.status.nodeName) : undefined);
  });
}

/**
 * Reads the training data, retrying with backoff until it can (RBAC may come later). Its start
 * resolves once loaded: a task split before would be predicted from defaults, differently than
 * before the restart.
 */
export class PredictorLoader implements Runnable {
  readonly name = 'predictor-loader';
  readonly needsLeadership = false;
  private stopped = false;

  constructor(
    private readonly predictor: PredictorLike,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.predictor.load();
        return;
      } catch (error) {
        const wait = Math.min(30_000, 1000 * 2 ** attempt);
        this.log.error({ err: describeError(error), retryInMs: wait }, 'training data could not be read; retrying (is the ConfigMap RBAC in place?)');
        await delay(wait, undefined, { ref: false });
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.predictor.stop();
  }
}

/** Only the leader writes training data. */
export class PredictorLeadership implements Runnable {
  readonly name = 'predictor-writer';
  readonly needsLeadership = true;

  constructor(private readonly predictor: PredictorLike) {}

  start(): void {
    this.predictor.setLeading(true);
  }

  stop(): void {
    this.predictor.setLeading(false);
  }
}

/** Pools' nodes and cost over time, for the dashboard: on every pool change and every 5 s. */
export class HistorySampler implements Runnable {
  readonly name = 'dashboard-history';
  readonly needsLeadership = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly history: DashboardHistory,
    private readonly caches: Caches,
    private readonly clock: Clock,
  ) {
    // A change of nodes or cost is a step in the scaling history: recorded when it is seen.
    caches.pools.addHandler(() => this.sample());
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 5_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    this.history.record(this.clock.now(), poolPoints(this.caches.pools.list()));
  }
}
