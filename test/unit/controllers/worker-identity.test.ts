// The worker identity and the policy that bounds it must agree with what worker pods are given:
// the ServiceAccount's name, and a result ConfigMap named after the pod (`<pod>-result`).
import { describe, expect, test } from '@jest/globals';
import { WORKER_SERVICE_ACCOUNT_NAME } from '../../../operator/api/crd/index.js';
import { resultConfigMapNameFor, WORKER_SERVICE_ACCOUNT } from '../../../operator/controllers/subtask/pod.js';
import { ensureWorkerIdentity, workerRole } from '../../../operator/controllers/subtask/worker-identity.js';
import { apiError, FakeApiServer } from '../../support/fake-kube.js';
import { attemptPodName, MAX_SUBTASK_NAME_LENGTH, subtaskName } from '../../../operator/core/split/index.js';

describe('worker identity', () => {
  test('the policy names the ServiceAccount worker pods run as', () => {
    expect(WORKER_SERVICE_ACCOUNT_NAME).toBe(WORKER_SERVICE_ACCOUNT);
  });

  test("an attempt's result ConfigMap is its pod's name and -result, even for the longest subtask names", () => {
    const longest = subtaskName('t'.repeat(253), { role: 'stage', microBatch: 9999, name: 's'.repeat(63) });
    expect(longest).toHaveLength(MAX_SUBTASK_NAME_LENGTH);
    for (const [name, attempt] of [['job-p0', 1], ['job-m3-decode', 100], [longest, 100]] as const) {
      expect(resultConfigMapNameFor(name, attempt)).toBe(`${attemptPodName(name, attempt)}-result`);
    }
  });

  test('the worker Role writes ConfigMaps and reads nothing (its input is mounted by the kubelet)', () => {
    expect(workerRole('ns').rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'update'] }]);
  });

  test("a namespace's first subtasks, reconciled at once, make its identity once; a failed making is tried again", async () => {
    const api = new FakeApiServer();
    const clients = api.clients();
    await Promise.all(Array.from({ length: 16 }, () => ensureWorkerIdentity(clients, 'ns-once')));
    expect(api.callsOf('createNamespacedServiceAccount')).toHaveLength(1);
    expect(api.callsOf('createNamespacedRoleBinding')).toHaveLength(1);

    api.failNext('createNamespacedServiceAccount', apiError(500, 'etcd is gone'));
    await expect(ensureWorkerIdentity(clients, 'ns-retry')).rejects.toThrow(/etcd is gone/);
    await ensureWorkerIdentity(clients, 'ns-retry');
    expect(api.callsOf('createNamespacedServiceAccount')).toHaveLength(3);
  });
});
