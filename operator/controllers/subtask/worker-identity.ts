// The identity worker pods run as, per namespace: ServiceAccount drm-worker, allowed only to
// create and replace ConfigMaps there (for results too large for the termination message).
import type { KubeClients } from '../../kube/client.js';
import { isAlreadyExists } from '../../kube/client.js';
import { LABELS, MANAGER } from '../labels.js';
import { WORKER_SERVICE_ACCOUNT } from './pod.js';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';

const ensured = new Set<string>();

export function forgetWorkerIdentity(namespace: string): void {
  ensured.delete(namespace);
}

export function workerRole(namespace: string) {
  return {
    metadata: { name: WORKER_SERVICE_ACCOUNT, namespace, labels: { [LABELS.managedBy]: MANAGER } },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'update'] }],
  };
}

export async function ensureWorkerIdentity(clients: KubeClients, namespace: string): Promise<void> {
  if (ensured.has(namespace)) return;
  const rbac = clients.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  const labels = { [LABELS.managedBy]: MANAGER };
  const ignoreExisting = async (create: () => Promise<unknown>) => {
    try {
      await create();
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  };
  await ignoreExisting(() => clients.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: WORKER_SERVICE_ACCOUNT, namespace, labels } } }));
  await ignoreExisting(() => rbac.createNamespacedRole({ namespace, body: workerRole(namespace) }));
  await ignoreExisting(() =>
    rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: WORKER_SERVICE_ACCOUNT, namespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WORKER_SERVICE_ACCOUNT },
        subjects: [{ kind: 'ServiceAccount', name: WORKER_SERVICE_ACCOUNT, namespace }],
      },
    }),
  );
  ensured.add(namespace);
}
