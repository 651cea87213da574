// In-process stand-ins for the API server, the informer caches and the event recorder, so the
// reconcilers run in unit tests: a map of objects behind the client methods they call (every
// call recorded, errors injectable per method), map-backed caches, and a recording EventSink.
import type { KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { KubeClients } from '../../operator/kube/client.js';
import type { EventSink, EventTarget, EventType } from '../../operator/kube/events.js';

/** An error as the client library throws it: a status code and the server's message. */
export function apiError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export const quotaError = (quota = 'pods') => apiError(403, `pods "x" is forbidden: exceeded quota: ${quota}, requested: pods=1, used: pods=0, limited: pods=0`);

type Request = Record<string, unknown> & { name?: string; namespace?: string; plural?: string; body?: KubernetesObject & { status?: unknown } };

export interface RecordedCall {
  method: string;
  request: Request;
}

/** Which kind a client method acts on: the custom objects' plural, or the name in the method. */
function kindOf(method: string, request: Request): string {
  if (/CustomObject/.test(method)) return String(request.plural);
  return method.replace(/^(create|read|replace|patch|delete|deleteCollection|list|get)(Namespaced|Cluster)?/, '').replace(/Status$/, '');
}

export class FakeApiServer {
  readonly calls: RecordedCall[] = [];
  private readonly objects = new Map<string, KubernetesObject>();
  private readonly failures = new Map<string, unknown[]>();

  /** The next `times` calls of `method` (e.g. createNamespacedPod) throw `error`. */
  failNext(method: string, error: unknown, times = 1): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...Array<unknown>(times).fill(error)]);
  }

  clearFailures(method?: string): void {
    if (method) this.failures.delete(method);
    else this.failures.clear();
  }

  put(kind: string, object: KubernetesObject): void {
    this.objects.set(this.key(kind, object.metadata?.namespace, object.metadata?.name), object);
  }

  get<T extends KubernetesObject>(kind: string, name: string, namespace?: string): T | undefined {
    return this.objects.get(this.key(kind, namespace, name)) as T | undefined;
  }

  list<T extends KubernetesObject>(kind: string): T[] {
    return [...this.objects.entries()].filter(([key]) => key.startsWith(`${kind}:`)).map(([, object]) => object as T);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Clients whose every method is answered from the map (create/read/replace/patch/delete) and recorded. */
  clients(): KubeClients {
    const api = new Proxy({}, { get: (_, method: string) => (request: Request = {}) => this.call(method, request) });
    return { core: api, custom: api, coordination: api, kubeConfig: { makeApiClient: () => api } } as unknown as KubeClients;
  }

  private key(kind: string, namespace: string | undefined, name: string | undefined): string {
    return `${kind}:${namespace ?? ''}/${name ?? ''}`;
  }

  private async call(method: string, request: Request): Promise<unknown> {
    this.calls.push({ method, request });
    const failures = this.failures.get(method);
    if (failures && failures.length > 0) throw failures.shift();
    const kind = kindOf(method, request);
    const name = request.name ?? request.body?.metadata?.name;
    const namespace = request.namespace ?? request.body?.metadata?.namespace;
    const key = this.key(kind, namespace, name);
    const existing = this.objects.get(key);
    const notFound = () => apiError(404, `${kind} ${name} not found`);
    if (method.startsWith('create')) {
      if (existing) throw apiError(409, `${kind} ${name} already exists`);
      const created = { ...request.body!, metadata: { ...request.body!.metadata, namespace, uid: `uid-${name}`, resourceVersion: '1' } };
      this.objects.set(key, created);
      return created;
    }
    if (method.startsWith('read') || method.startsWith('get')) {
      if (!existing) throw notFound();
      return existing;
    }
    if (method.startsWith('replace')) {
      if (!existing) throw notFound();
      const replaced = method.endsWith('Status') ? { ...existing, status: request.body?.status } : request.body!;
      this.objects.set(key, replaced);
      return replaced;
    }
    if (method.startsWith('patch')) {
      if (!existing) throw notFound();
      const body = request.body as { metadata?: object; spec?: object } | undefined;
      const patched = { ...existing, metadata: { ...existing.metadata, ...body?.metadata }, ...(body?.spec ? { spec: { ...(existing as { spec?: object }).spec, ...body.spec } } : {}) };
      this.objects.set(key, patched);
      return patched;
    }
    if (method.startsWith('deleteCollection')) return {};
    if (method.startsWith('delete')) {
      if (!existing) throw notFound();
      this.objects.delete(key);
      return existing;
    }
    return { items: this.list(kind) };
  }
}

/** A cache over a plain map, as the informers offer one. */
export class FakeCache<T extends KubernetesObject> implements ObjectCache<T> {
  private readonly objects = new Map<string, T>();

  constructor(objects: readonly T[] = []) {
    for (const object of objects) this.set(object);
  }

  set(object: T): void {
    this.objects.set(`${object.metadata?.namespace ?? ''}/${object.metadata?.name}`, object);
  }

  delete(object: T): void {
    this.objects.delete(`${object.metadata?.namespace ?? ''}/${object.metadata?.name}`);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }

  list(namespace?: string): T[] {
    return [...this.objects.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }
}

export interface RecordedEvent {
  kind: string;
  name: string | undefined;
  type: EventType;
  reason: string;
  message: string;
}

export class RecordingEvents implements EventSink {
  readonly events: RecordedEvent[] = [];

  emit(target: EventTarget, type: EventType, reason: string, message: string): void {
    this.events.push({ kind: target.kind, name: target.metadata?.name, type, reason, message });
  }

  reasons(type?: EventType): string[] {
    return this.events.filter((e) => type === undefined || e.type === type).map((e) => e.reason);
  }
}
