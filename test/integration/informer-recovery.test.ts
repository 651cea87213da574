// An informer that fails (here: the API server refuses its list, 403) reports itself unhealthy,
// keeps restarting with backoff, and recovers on its own once the cause is gone (RBAC granted):
// the behaviour the operator's readiness endpoint depends on.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CoreV1Api, KubeConfig, type KubernetesListObject, type V1ConfigMap } from '@kubernetes/client-node';
import { ResilientInformer } from '../../operator/runtime/informer.js';
import { createLogger } from '../../operator/runtime/logger.js';
import { createNamespace, deleteNamespace, kubeconfigPath, kubectlOk } from '../support/cluster.js';
import { waitUntil } from '../support/wait.js';

let namespace = '';
let informer: ResilientInformer<V1ConfigMap> | undefined;

beforeAll(() => {
  namespace = createNamespace('informer');
  kubectlOk(['create', 'serviceaccount', 'watcher', '-n', namespace]);
});

afterAll(async () => {
  await informer?.stop();
  deleteNamespace(namespace);
});

function kubeConfigFor(token: string): KubeConfig {
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfigPath());
  const cluster = admin.getCurrentCluster()!;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: cluster.server, caFile: cluster.caFile, caData: cluster.caData, skipTLSVerify: false }],
    users: [{ name: 'watcher', token }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'watcher' }],
    currentContext: 'ctx',
  });
  return kubeConfig;
}

describe('ResilientInformer against the real API server', () => {
  test('a refused list leaves it unhealthy and retrying; once allowed it syncs and delivers events', async () => {
    const token = kubectlOk(['create', 'token', 'watcher', '-n', namespace, '--duration', '10m']).trim();
    const kubeConfig = kubeConfigFor(token);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const seen: string[] = [];
    informer = new ResilientInformer<V1ConfigMap>(kubeConfig, {
      name: 'configmaps',
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      list: () => core.listNamespacedConfigMap({ namespace }) as Promise<KubernetesListObject<V1ConfigMap>>,
      onEvent: (event, object) => seen.push(`${event}:${object.metadata?.name}`),
      log: createLogger('silent'),
      minRestartDelayMs: 200,
      maxRestartDelayMs: 1000,
    });
    await informer.start();
    expect(informer.healthy).toBe(false);
    await waitUntil('a few restarts', () => informer!.restarts >= 2, 20_000);
    expect(informer.healthy).toBe(false);
    expect(informer.status().lastError).toMatch(/403|forbidden/i);

    kubectlOk(['create', 'role', 'read-configmaps', '-n', namespace, '--verb=get,list,watch', '--resource=configmaps']);
    kubectlOk(['create', 'rolebinding', 'watcher-reads', '-n', namespace, '--role=read-configmaps', `--serviceaccount=${namespace}:watcher`]);
    await waitUntil('the informer healthy again', () => informer!.healthy, 30_000);
    kubectlOk(['create', 'configmap', 'hello', '-n', namespace, '--from-literal=a=b']);
    await waitUntil('the add event', () => seen.includes('add:hello'), 30_000);
    expect(informer.get('hello', namespace)?.data).toEqual({ a: 'b' });
  });
});
