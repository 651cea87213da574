// The operator's pod and node caches against the real API server: what the list returns (typed
// objects) and what the watch delivers (plain JSON) are both kept as the fields the operator
// reads (kube/cache-transforms.ts), so a pod's env, volumes and managedFields and a node's system
// info never stay in memory, while placement sees the same requests and nodes as from the API.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { nodeInfoFrom } from '../../operator/core/placement/feasibility.js';
import { podRequests } from '../../operator/core/placement/resources.js';
import { makeCaches, type Caches } from '../../operator/kube/caches.js';
import { loadKubeConfig, makeClients } from '../../operator/kube/client.js';
import { createLogger } from '../../operator/runtime/logger.js';
import { applyManifest, createNamespace, deleteNamespace, kubeconfigPath, kubectlOk } from '../support/cluster.js';
import { waitUntil } from '../support/wait.js';

let namespace = '';
let caches: Caches | undefined;

/** A pod the operator's pod cache lists (managed-by drm-operator) that no scheduler binds. */
function workerLikePod(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'drm-operator' }, annotations: { 'drm.dtf.io/subtask-name': name } },
    spec: {
      schedulerName: 'nobody-binds-this',
      tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{ name: 'worker', image: 'registry.invalid/none:0', env: [{ name: 'SECRET_SOUNDING', value: 'x'.repeat(2000) }], resources: { requests: { cpu: '250m', memory: '64Mi' } }, volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }] }],
      volumes: [{ name: 'scratch', emptyDir: {} }],
    },
  };
}

const full = (name: string) => JSON.parse(kubectlOk(['get', 'pod', name, '-n', namespace, '-o', 'json', '--show-managed-fields'])) as V1Pod;

beforeAll(() => {
  namespace = createNamespace('cache-transforms');
});

afterAll(async () => {
  await Promise.all(Object.values(caches ?? {}).map((informer) => informer.stop()));
  deleteNamespace(namespace);
});

describe('pod and node caches', () => {
  test('listed and watched pods are kept without env, volumes and managedFields; requests and nodes read the same', async () => {
    applyManifest(workerLikePod('listed'), namespace);
    const clients = makeClients(loadKubeConfig({ qps: 50, burst: 100, kubeconfig: kubeconfigPath() }));
    caches = makeCaches(clients, createLogger('silent'));
    await Promise.all([caches.pods.start(), caches.nodes.start()]);
    applyManifest(workerLikePod('watched'), namespace);
    await waitUntil('both pods in the cache', () => Boolean(caches!.pods.get('listed', namespace) && caches!.pods.get('watched', namespace)));

    for (const name of ['listed', 'watched']) {
      const cached = caches.pods.get(name, namespace)!;
      const fromApi = full(name);
      expect(fromApi.metadata?.managedFields?.length).toBeGreaterThan(0);
      expect(JSON.stringify(fromApi)).toContain('SECRET_SOUNDING');
      expect(cached.metadata?.managedFields).toBeUndefined();
      expect(JSON.stringify(cached)).not.toContain('SECRET_SOUNDING');
      expect(cached.spec?.volumes).toBeUndefined();
      expect(cached.spec?.containers).toEqual([{ name: 'worker', resources: { requests: { cpu: '250m', memory: '64Mi' } } }]);
      expect(cached.metadata?.annotations?.['drm.dtf.io/subtask-name']).toBe(name);
      expect(cached.spec?.schedulerName).toBe('nobody-binds-this');
      expect(cached.status?.phase).toBe('Pending');
      expect(podRequests(cached)).toEqual(podRequests(fromApi));
    }

    const nodes = JSON.parse(kubectlOk(['get', 'nodes', '-o', 'json', '--show-managed-fields'])) as { items: V1Node[] };
    expect(nodes.items.length).toBeGreaterThan(0);
    for (const node of nodes.items) {
      const cached = caches.nodes.get(node.metadata!.name!)!;
      expect(cached.metadata?.managedFields).toBeUndefined();
      expect(cached.status?.nodeInfo).toBeUndefined();
      expect(cached.status?.addresses).toBeUndefined();
      expect(nodeInfoFrom(cached)).toEqual(nodeInfoFrom(node));
    }
  });
});
