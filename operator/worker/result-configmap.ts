// The one Kubernetes call of the worker: creating the ConfigMap of a result too large for the
// termination message. Loaded only when needed, so small results never touch the API.
import { setTimeout as delay } from 'node:timers/promises';
import { ApiException, CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';

export type ResultConfigMapWrite = 'created' | 'replaced';

const ATTEMPTS = 3;
const BACKOFF_MS = 500;

function isTransient(error: unknown): boolean {
  if (error instanceof ApiException) return error.code === 429 || error.code >= 500;
  return true; // no HTTP answer at all: connection refused, reset, DNS, timeout
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
  config.loadFromDefault();
  return config;
}

function describeApiError(error: unknown, namespace: string, name: string): Error {
  const what = `cannot write the result ConfigMap ${namespace}/${name}`;
  if (error instanceof ApiException) {
    const detail = statusMessage(error.body);
    return new Error(`${what}: HTTP ${error.code}${detail ? `: ${detail}` : ''}`, { cause: error });
  }
  return new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
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
