// Kubernetes Events for transitions, as `kubectl describe` shows them. Repeats of the same
// (object, reason, message) within a window bump the count of one Event instead of piling up.
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import { systemClock, type Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import { shortHash } from '../core/split/names.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  emit(target: EventTarget, type: EventType, reason: string, message: string): void;
}

const DEDUPE_WINDOW_MS = 10 * 60 * 1000;
const MAX_TRACKED = 5000;

export class EventRecorder implements EventSink {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number; first: Date; at: number }>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly log: Logger,
    private readonly component = 'drm-operator',
    /** Namespace for events about cluster-scoped objects (WorkerPools, Nodes). */
    private readonly clusterEventNamespace = 'default',
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {}

  /** Fire and forget: an Event that cannot be written is logged, never fails a reconcile. */
  emit(target: EventTarget, type: EventType, reason: string, message: string): void {
    void this.write(target, type, reason, message).catch((error: unknown) => {
      this.log.debug({ err: String(error), reason }, 'could not write event');
    });
  }

  private async write(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = target.metadata?.namespace ?? this.clusterEventNamespace;
    const objectName = target.metadata?.name ?? 'unknown';
    const key = `${target.metadata?.uid}|${type}|${reason}|${message}`;
    const now = new Date(this.clock.now());
    const seen = this.recent.get(key);
    if (seen && now.getTime() - seen.at < DEDUPE_WINDOW_MS) {
      seen.count++;
      seen.at = now.getTime();
      await this.core.replaceNamespacedEvent({
        name: seen.name,
        namespace: seen.namespace,
        body: this.event(target, seen.name, seen.namespace, type, reason, message, seen.count, seen.first, now),
      });
      return;
    }
    const name = `${objectName.slice(0, 200)}.${now.getTime().toString(16)}${shortHash(key).slice(0, 4)}`;
    await this.core.createNamespacedEvent({ namespace, body: this.event(target, name, namespace, type, reason, message, 1, now, now) });
    if (this.recent.size >= MAX_TRACKED) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, { name, namespace, count: 1, first: now, at: now.getTime() });
  }

  private event(target: EventTarget, name: string, namespace: string, type: EventType, reason: string, message: string, count: number, first: Date, last: Date): CoreV1Event {
    return {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.metadata?.name,
        namespace: target.metadata?.namespace,
        uid: target.metadata?.uid,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      count,
      firstTimestamp: first,
      lastTimestamp: last,
      source: { component: this.component },
      reportingComponent: this.component,
    };
  }
}
