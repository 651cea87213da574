// The one Kubernetes call of the worker: creating the ConfigMap of a result too large for the
// termination message. Loaded only when needed, so small results never touch the API.
import { setTimeout as delay } from 'node:timers/promises';
import { ApiException, CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';

export type ResultConfigMapWrite = 'created' | 'replaced';

const ATTEMPTS = 3;
const BACKOFF_MS = 500;

/** The error and its causes, outermost first (fetch wraps the socket error as its cause). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && chain.length < 10; current = (current as { cause?: unknown } | null)?.cause) {
    chain.push(current);
  }
  return chain;
}

function isTransient(error: unknown): boolean {
  if (error instanceof ApiException) return error.code === 429 || error.code >= 500;
  // No HTTP answer: a system or undici error code (ECONNREFUSED, ECONNRESET, EAI_AGAIN,
  // UND_ERR_CONNECT_TIMEOUT, ...). Anything else (a bad kubeconfig) will not get better.
  return causeChain(error).some((cause) => typeof (cause as { code?: unknown } | null)?.code === 'string');
}

/**
 * Creates the ConfigMap; if it already exists (this write was retried, or an earlier attempt
 * left one behind) replaces it. Credentials come from KubeConfig.loadFromDefault(): KUBECONFIG
 * when set, else the pod's ServiceAccount.
 */
export async function writeResultConfigMap(configMap: V1ConfigMap, kubeConfig?: KubeConfig): Promise<ResultConfigMapWrite> {
  const name = configMap.metadata?.name;
  const namespace = configMap.metadata?.namespace;
  if (name === undefined || namespace === undefined) throw new Error('the result ConfigMap needs a name and a namespace');
  const config = kubeConfig ?? defaultKubeConfig();
  const api = config.makeApiClient(CoreV1Api);

  for (let attempt = 1; ; attempt++) {
    try {
      try {
        await api.createNamespacedConfigMap({ namespace, body: configMap });
        return 'created';
      } catch (error) {
        if (!(error instanceof ApiException && error.code === 409)) throw error;
        // No resourceVersion: an unconditional replace, ours is the result that counts.
        await api.replaceNamespacedConfigMap({ name, namespace, body: configMap });
        return 'replaced';
      }
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransient(error)) throw describeApiError(error, namespace, name);
      await delay(BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}

function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromDefault();
  } catch (error) {
    const source = process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : 'the ServiceAccount';
    throw new Error(`cannot load Kubernetes credentials from ${source}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return config;
}

function describeApiError(error: unknown, namespace: string, name: string): Error {
  const what = `cannot write the result ConfigMap ${namespace}/${name}`;
  if (error instanceof ApiException) {
    const detail = statusMessage(error.body);
    return new Error(`${what}: HTTP ${error.code}${detail ? `: ${detail}` : ''}`, { cause: error });
  }
  const messages = causeChain(error).map((cause) => (cause instanceof Error ? cause.message : String(cause)));
  return new Error(`${what}: ${[...new Set(messages)].join(': ')}`, { cause: error });
}

/** The message of a Kubernetes Status in an error body (a JSON string, or already parsed). */
function statusMessage(body: unknown): string {
  let status = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return body;
    }
  }
  const message = (status as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : '';
}
