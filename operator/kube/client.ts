// The operator's door to the API server: one KubeConfig whose every request first takes a token
// from a client-side rate limiter (client-node has none), typed clients built on it, and the
// distinction between temporary and permanent API errors that drives requeue vs. give-up.
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type RequestContext,
} from '@kubernetes/client-node';
import { TokenBucket } from '../runtime/rate-limiter.js';

/**
 * A KubeConfig that waits for a rate-limiter token before authenticating each request, and sends
 * every request over one connection pool. client-node makes a new undici Agent per request: a new
 * TCP and TLS handshake each time (most of the operator's CPU at scale, and a socket left to
 * linger per request). Credentials stay per request (headers); the pool is per cluster and user.
 */
export class RateLimitedKubeConfig extends KubeConfig {
  limiter: TokenBucket | undefined;
  private readonly pools = new Map<string, ReturnType<RequestContext['getDispatcher']>>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    if (this.limiter) await this.limiter.take();
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = `${this.getCurrentCluster()?.server}|${this.getCurrentUser()?.name}`;
    const pool = this.pools.get(key);
    if (pool) context.setDispatcher(pool);
    else this.pools.set(key, fresh);
  }
}

export interface ClientOptions {
  qps: number;
  burst: number;
  /** Path of a kubeconfig; default: $KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
}

export function loadKubeConfig(options: ClientOptions): RateLimitedKubeConfig {
  const kubeConfig = new RateLimitedKubeConfig();
  if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
  else kubeConfig.loadFromDefault();
  kubeConfig.limiter = new TokenBucket(options.qps, options.burst);
  return kubeConfig;
}

/**
 * The same credentials without the rate limiter, for leader election: a lease renewal queued
 * behind a burst of reconcile traffic would miss its deadline and cost the leadership.
 */
export function loadUnlimitedKubeConfig(options: Pick<ClientOptions, 'kubeconfig'>): KubeConfig {
  // No limiter, but the shared connection pool: a renewal should not wait on a TLS handshake either.
  const kubeConfig = new RateLimitedKubeConfig();
  if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

export interface KubeClients {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  coordination: CoordinationV1Api;
}

export function makeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
  };
}

/** Options that make a patch call send a JSON merge patch. */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function statusCode(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { code?: unknown; statusCode?: unknown } | undefined)?.statusCode ?? (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (error: unknown) => statusCode(error) === 404;

/** The call's result, or undefined if what it acts on is gone (404): for deletes and reads where absence is fine. */
export async function ignoreNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
export const isConflict = (error: unknown) => statusCode(error) === 409;
export const isAlreadyExists = (error: unknown) => statusCode(error) === 409;

/** A ResourceQuota refused a create (403 "exceeded quota"): retried, since quotas get raised and pods finish. */
export function isQuotaExceeded(error: unknown): boolean {
  return statusCode(error) === 403 && /exceeded quota/i.test(describeError(error));
}

/** The API server refused the object itself (400 bad request, 422 invalid): sending it again fails again. */
export function isInvalid(error: unknown): boolean {
  const code = statusCode(error);
  return code === 400 || code === 422;
}

/** A short, human description of an API error: the server's message when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = error.body as unknown;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: string };
        if (parsed.message) return `${error.code}: ${parsed.message}`;
      } catch {
        return `${error.code}: ${body.slice(0, 500)}`;
      }
    }
    const message = (body as { message?: string } | undefined)?.message;
    return `${error.code}: ${message ?? error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Options that make a patch call send a strategic merge patch (lists such as conditions merge by key). */
export const strategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
