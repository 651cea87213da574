// Where the predictor's training data lives: one ConfigMap per taskType in the operator's
// namespace, each kept under 1 MiB, so a restarted operator or a new leader knows what was
// learned. Samples are added in memory and written in batches, by the leader only.
import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import { boundSamples, decodeSamples, encodeSamples, type TrainingSample } from '../core/predict/index.js';
import { shortHash } from '../core/split/names.js';
import { isAlreadyExists, isConflict, isNotFound } from '../kube/client.js';
import type { Logger } from '../runtime/logger.js';

export const TRAINING_LABEL = 'drm.dtf.io/training-data';
export const TRAINING_KEY = 'samples.json';
const TASK_TYPE_ANNOTATION = 'drm.dtf.io/task-type';

export interface StoreLimits {
  maxPerTaskType: number;
  maxBytes: number;
}

export const DEFAULT_STORE_LIMITS: StoreLimits = { maxPerTaskType: 2000, maxBytes: 900 * 1024 };

/** drm-training-<taskType, made name-safe>-<hash>: task types differing only in "_" or "." stay apart. */
export function trainingConfigMapName(taskType: string): string {
  const safe = taskType.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 200);
  return `drm-training-${safe || 'x'}-${shortHash(taskType).slice(0, 8)}`;
}

export class TrainingStore {
  private readonly stored = new Map<string, TrainingSample[]>();
  private readonly pending = new Map<string, TrainingSample[]>();
  private readonly known = new Set<string>();

  constructor(
    private readonly core: CoreV1Api,
    readonly namespace: string,
    private readonly log: Logger,
    private readonly limits: StoreLimits = DEFAULT_STORE_LIMITS,
  ) {}

  /** Reads every training ConfigMap; entries that do not decode are skipped, never fatal. */
  async load(): Promise<void> {
    const list = await this.core.listNamespacedConfigMap({ namespace: this.namespace, labelSelector: `${TRAINING_LABEL}=true` });
    this.stored.clear();
    for (const configMap of list.items) {
      const samples = decodeSamples(configMap.data?.[TRAINING_KEY] ?? '');
      for (const sample of samples) {
        this.known.add(sample.id);
        const list = this.stored.get(sample.taskType) ?? [];
        list.push(sample);
        this.stored.set(sample.taskType, list);
      }
    }
    for (const [taskType, samples] of this.stored) this.stored.set(taskType, boundSamples(samples, this.limits));
  }

  /** Stored samples, in a fixed order (the predictor trains on exactly these). */
  samples(): TrainingSample[] {
    return [...this.stored.keys()].sort().flatMap((taskType) => this.stored.get(taskType)!);
  }

  get pendingCount(): number {
    let count = 0;
    for (const samples of this.pending.values()) count += samples.length;
    return count;
  }

  /** Queues a sample; false when this attempt was learned already. */
  add(sample: TrainingSample): boolean {
    if (this.known.has(sample.id)) return false;
    this.known.add(sample.id);
    const list = this.pending.get(sample.taskType) ?? [];
    list.push(sample);
    this.pending.set(sample.taskType, list);
    return true;
  }

  /** Writes the queued samples, bounded, one ConfigMap per taskType; returns how many were written. */
  async flush(): Promise<number> {
    let written = 0;
    for (const [taskType, queued] of [...this.pending]) {
      const merged = boundSamples([...(this.stored.get(taskType) ?? []), ...queued], this.limits);
      await this.write(taskType, merged);
      this.stored.set(taskType, merged);
      this.pending.delete(taskType);
      written += queued.length;
    }
    return written;
  }

  private async write(taskType: string, samples: TrainingSample[]): Promise<void> {
    const name = trainingConfigMapName(taskType);
    const body: V1ConfigMap = {
      metadata: { name, namespace: this.namespace, labels: { [TRAINING_LABEL]: 'true', 'app.kubernetes.io/managed-by': 'drm-operator' }, annotations: { [TASK_TYPE_ANNOTATION]: taskType } },
      data: { [TRAINING_KEY]: encodeSamples(samples) },
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const current = await this.core.readNamespacedConfigMap({ name, namespace: this.namespace });
        await this.core.replaceNamespacedConfigMap({ name, namespace: this.namespace, body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } } });
        return;
      } catch (error) {
        if (isConflict(error)) continue;
        if (!isNotFound(error)) throw error;
      }
      try {
        await this.core.createNamespacedConfigMap({ namespace: this.namespace, body });
        return;
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    }
    this.log.warn({ taskType }, 'training data not written after 3 conflicts; kept for the next flush');
    throw new Error(`training ConfigMap ${name} kept changing under us`);
  }
}
