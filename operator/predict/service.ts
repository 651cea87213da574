// The predictor inside the operator: learns from every finished Subtask (samples go to the
// training store, written by the leader in batches), refits off the reconcile path after new
// data lands, and answers the task controller, the scheduler and the debug endpoint. It trains
// only on stored samples, so a restarted operator (or a new leader) answers exactly as before.
import type { V1Node } from '@kubernetes/client-node';
import type { Subtask } from '../api/subtask.js';
import type { NodeInfo, SpeedEstimate } from '../core/placement/index.js';
import { Predictor, type Prediction, type PredictionQuery } from '../core/predict/index.js';
import { workloadPatterns, workloadProfiles, type WorkloadPattern } from '../core/optimize/index.js';
import type { Logger } from '../runtime/logger.js';
import { sampleOf } from './samples.js';
import type { TrainingStore } from './store.js';

export interface PredictorServiceOptions {
  /** Wait after a sample before writing, so that a burst of finishing subtasks is one write. */
  flushDelayMs?: number;
  /** Retry delay when a write fails. */
  retryDelayMs?: number;
  /** Told the tier of every answer (metrics). */
  onPrediction?: (source: Prediction['source']) => void;
}

export class PredictorService {
  private predictor: Predictor = new Predictor([]);
  private trainedOn = 0;
  private version = 0;
  private leading = false;
  private loaded = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastError: string | undefined;
  private patterns: WorkloadPattern[] = [];

  constructor(
    private readonly store: TrainingStore,
    private readonly log: Logger,
    private readonly options: PredictorServiceOptions = {},
  ) {}

  /** Reads the stored training data and fits on it; until then answers come from defaults. */
  async load(): Promise<void> {
    await this.store.load();
    this.loaded = true;
    this.refit();
  }

  get ready(): boolean {
    return this.loaded;
  }

  /** Only the leader writes training data; a replica that starts leading writes what it queued. */
  setLeading(leading: boolean): void {
    this.leading = leading;
    if (leading && this.store.pendingCount > 0) this.scheduleFlush(0);
  }

  /** Called for every Subtask event: a finished one becomes a training sample (once per attempt). */
  observe(subtask: Subtask, node: V1Node | undefined): void {
    const sample = sampleOf(subtask, node);
    if (!sample || !this.store.add(sample)) return;
    if (this.leading) this.scheduleFlush(this.options.flushDelayMs ?? 2000);
  }

  predict(query: PredictionQuery): Prediction {
    const prediction = this.predictor.predict(query);
    this.options.onPrediction?.(prediction.source);
    return prediction;
  }

  /** Relative speed per hardware, for the scheduler's fitness. */
  speedEstimate(): SpeedEstimate {
    const predictor = this.predictor;
    return (taskType: string | undefined, node: NodeInfo) => (taskType === undefined ? undefined : predictor.relativeSpeed(taskType, node));
  }

  status() {
    return {
      loaded: this.loaded,
      trainedOn: this.trainedOn,
      version: this.version,
      pending: this.store.pendingCount,
      namespace: this.store.namespace,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      models: this.predictor.summary(),
      // Task types grouped by resource profile, recomputed with each refit.
      patterns: this.patterns,
    };
  }

  stop(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Waits for a flush in progress (tests and shutdown). */
  async settle(): Promise<void> {
    await this.flushing;
  }

  private scheduleFlush(delayMs: number): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
      });
    }, delayMs);
  }

  private async flush(): Promise<void> {
    if (!this.leading) return;
    try {
      const written = await this.store.flush();
      this.lastError = undefined;
      if (written > 0) {
        this.log.info({ written, stored: this.store.samples().length }, 'training data written');
        this.refit();
      }
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log.warn({ err: this.lastError }, 'training data not written; retrying');
      this.scheduleFlush(this.options.retryDelayMs ?? 10_000);
    }
  }

  /** Fits on the stored samples: called after load and after each write, never per reconcile. */
  private refit(): void {
    const samples = this.store.samples();
    const started = performance.now();
    this.predictor = new Predictor(samples);
    this.patterns = workloadPatterns(workloadProfiles(samples));
    this.trainedOn = samples.length;
    this.version += 1;
    this.log.info({ samples: samples.length, ms: Math.round(performance.now() - started), models: this.predictor.summary() }, 'predictor refitted');
  }
}
