// The identity worker pods run as, per namespace: ServiceAccount drm-worker, allowed only to
// create and replace ConfigMaps there (for results too large for the termination message), and
// no reads: its input is mounted by the kubelet. Which ConfigMap it may write (its own attempt's
// result only) is the ValidatingAdmissionPolicy worker-results.drm.dtf.io's to enforce.
import type { KubeClients } from '../../kube/client.js';
import { isAlreadyExists } from '../../kube/client.js';
import { LABELS, MANAGER } from '../labels.js';
import { WORKER_SERVICE_ACCOUNT } from './pod.js';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';

/** namespace → its identity made (or being made): the first subtasks of a namespace, reconciled at once, share one making. */
const ensured = new Map<string, Promise<void>>();

export function forgetWorkerIdentity(namespace: string): void {
  ensured.delete(namespace);
}

export function workerRole(namespace: string) {
  return {
    metadata: { name: WORKER_SERVICE_ACCOUNT, namespace, labels: { [LABELS.managedBy]: MANAGER } },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'update'] }],
  };
}

export function ensureWorkerIdentity(clients: KubeClients, namespace: string): Promise<void> {
  let making = ensured.get(namespace);
  if (!making) {
    making = makeWorkerIdentity(clients, namespace);
    ensured.set(namespace, making);
    // A failed making is tried again by the next subtask.
    making.catch(() => {
      if (ensured.get(namespace) === making) ensured.delete(namespace);
    });
  }
  return making;
}

async function makeWorkerIdentity(clients: KubeClients, namespace: string): Promise<void> {
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
  const role = workerRole(namespace);
  await ignoreExisting(() => rbac.createNamespacedRole({ namespace, body: role }));
  // A Role made by an earlier version (which could read every ConfigMap) is narrowed.
  const existing = await rbac.readNamespacedRole({ name: WORKER_SERVICE_ACCOUNT, namespace });
  if (JSON.stringify(existing.rules) !== JSON.stringify(role.rules)) await rbac.replaceNamespacedRole({ name: WORKER_SERVICE_ACCOUNT, namespace, body: { ...existing, rules: role.rules } });
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
}
