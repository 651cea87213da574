// An informer that keeps itself alive. client-node's ListWatch stops for good on any watch or
// list error other than 410 Gone; this wrapper restarts it with capped exponential backoff and
// reports whether it is currently connected, for the readiness endpoint.
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1ObjectMeta } from '@kubernetes/client-node';
import type { Logger } from './logger.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export type EventHandler<T> = (event: InformerEvent, object: T) => void;

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** Name used in logs and readiness reports, e.g. "pods". */
  name: string;
  /** The watch path, e.g. /api/v1/pods or /apis/drm.dtf.io/v1alpha1/subtasks. */
  path: string;
  /**
   * One page of the list: called with the continue token of the page before (none for the
   * first) until a page has none. Pages keep the memory of a list of thousands of objects to
   * one page of whole objects at a time; a function that ignores the token lists everything.
   */
  list: (continueToken?: string) => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  /** Server-side field filter; an object that stops matching arrives as a delete. */
  fieldSelector?: string;
  /**
   * Only objects in these namespaces are seen (events, get, list); the rest of what the list and
   * watch return is dropped. Omitted: every namespace.
   */
  namespaces?: ReadonlySet<string>;
  /**
   * What of each listed or watched object the cache keeps (kube/cache-transforms.ts): applied
   * before the cache stores it, so what it drops is never held. Must keep metadata.name,
   * namespace and resourceVersion. Default: withoutUnreadMetadata.
   */
  transform?: (object: T) => T;
  /** A first handler; more are added with addHandler (each controller registers its own). */
  onEvent?: EventHandler<T>;
  log: Logger;
  minRestartDelayMs?: number;
  maxRestartDelayMs?: number;
}

/** kubectl apply's copy of the applied manifest: as big as the object's spec again. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what no reader of a cache reads of any object: managedFields (often half of its bytes) and
 * kubectl apply's copy of the manifest (a task's whole input, again). The object keeps a new
 * metadata: `delete` would turn the parsed one into a dictionary, which V8 holds in about twice
 * the memory, for every cached object.
 */
export function withoutUnreadMetadata<T extends KubernetesObject>(object: T): T {
  const metadata = object.metadata;
  if (!metadata) return object;
  const { managedFields: _unread, ...kept } = metadata;
  object.metadata = withoutAnnotation(kept, LAST_APPLIED_ANNOTATION);
  return object;
}

/** Drops (in place) one annotation of an object's metadata (a new map: the old one may be shared). */
export function withoutAnnotation(metadata: V1ObjectMeta, key: string): V1ObjectMeta {
  if (metadata.annotations?.[key] !== undefined) {
    const { [key]: _dropped, ...annotations } = metadata.annotations;
    metadata.annotations = annotations;
  }
  return metadata;
}

/** Objects per page of an informer's list (as client-go's reflector). */
export const LIST_PAGE_SIZE = 500;

/** The continue token of a list page: `_continue` from client-node's typed lists, `continue` from raw JSON. */
function continueOf(page: KubernetesListObject<KubernetesObject>): string | undefined {
  const metadata = page.metadata as { _continue?: string; continue?: string } | undefined;
  return metadata?._continue || metadata?.continue || undefined;
}

/** A Watch whose ADDED, MODIFIED and DELETED objects pass through `transform` before ListWatch caches them. */
function transformingWatch<T extends KubernetesObject>(watch: Watch, transform: (object: T) => T): Watch {
  const transforming: Pick<Watch, 'watch'> = {
    watch: (path, query, callback, done) =>
      watch.watch(path, query, (phase: string, object: T, raw: unknown) => callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? transform(object) : object, raw), done),
  };
  return transforming as Watch;
}

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private restartDelayMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private connected = false;
  private synced = false;
  private lastError: string | undefined;
  private errors = 0;
  private readonly syncWaiters: Array<() => void> = [];
  private readonly handlers: EventHandler<T>[] = [];
  restarts = 0;

  constructor(kubeConfig: KubeConfig, private readonly options: ResilientInformerOptions<T>) {
    this.restartDelayMs = options.minRestartDelayMs ?? 1000;
    if (options.onEvent) this.handlers.push(options.onEvent);
    const transform = options.transform ?? withoutUnreadMetadata;
    const list = async (): Promise<KubernetesListObject<T>> => {
      const items: T[] = [];
      let page: KubernetesListObject<T>;
      let continueToken: string | undefined;
      do {
        page = await options.list(continueToken);
        for (const item of page.items) items.push(transform(item));
        continueToken = continueOf(page);
      } while (continueToken);
      return { ...page, items };
    };
    this.informer = new ListWatch<T>(options.path, transformingWatch(new Watch(kubeConfig), transform), list, false, options.labelSelector, options.fieldSelector);
    for (const event of ['add', 'update', 'delete'] as const) {
      this.informer.on(event, (object: T) => {
        this.connected = true;
        if (!this.inScope(object.metadata?.namespace)) return;
        for (const handler of this.handlers) handler(event, object);
      });
    }
    this.informer.on('connect', () => {
      this.connected = true;
    });
    this.informer.on('error', (error?: unknown) => this.onError(error));
  }

  /** Calls `handler` for every add, update and delete from now on. */
  addHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Lists, then watches; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    this.stopped = false;
    // client-node reports a failed list through the error callback and still resolves start():
    // only a start that saw no error has a cache worth trusting.
    const errorsBefore = this.errors;
    try {
      await this.informer.start();
      if (this.errors === errorsBefore) this.markSynced();
    } catch (error) {
      this.onError(error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    const object = this.informer.get(name, namespace);
    return object && this.inScope(object.metadata?.namespace) ? object : undefined;
  }

  list(namespace?: string): ReadonlyArray<T> {
    const objects = this.informer.list(namespace);
    return this.options.namespaces ? objects.filter((object) => this.inScope(object.metadata?.namespace)) : objects;
  }

  private inScope(namespace: string | undefined): boolean {
    return !this.options.namespaces || (namespace !== undefined && this.options.namespaces.has(namespace));
  }

  /** Connected and listed at least once: its cache can be trusted. */
  get healthy(): boolean {
    return this.connected && this.synced;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache (never, while the list is refused). */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get name(): string {
    return this.options.name;
  }

  status(): { name: string; healthy: boolean; synced: boolean; restarts: number; lastError?: string } {
    return { name: this.options.name, healthy: this.healthy, synced: this.synced, restarts: this.restarts, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  private markSynced(): void {
    this.synced = true;
    this.connected = true;
    this.restartDelayMs = this.options.minRestartDelayMs ?? 1000;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private onError(error: unknown): void {
    this.errors++;
    this.connected = false;
    this.lastError = error instanceof Error ? error.message : String(error);
    if (this.stopped || this.restartTimer) return;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(delay * 2, this.options.maxRestartDelayMs ?? 60_000);
    this.options.log.warn({ informer: this.options.name, err: this.lastError, restartInMs: delay }, 'informer stopped; restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.restarts++;
      void this.start();
    }, delay);
  }
}
