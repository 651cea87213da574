// A worker's credentials reach only its own attempt's result: with the real token of a pod of the
// drm-worker ServiceAccount (bound to that pod, as the kubelet mounts it), against the real API
// server, a custom worker can neither read nor write another task's input or result. The worker
// identity is made by the operator's own code; the policy comes with the CRDs.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { WORKER_RESULTS_POLICY_NAME } from '../../operator/api/crd/index.js';
import { ensureWorkerIdentity } from '../../operator/controllers/subtask/worker-identity.js';
import { WORKER_SERVICE_ACCOUNT, resultConfigMapNameFor } from '../../operator/controllers/subtask/pod.js';
import { loadKubeConfig, makeClients } from '../../operator/kube/client.js';
import { createNamespace, deleteNamespace, installCrds, kubeconfigPath, kubectl, kubectlOk, manifestInput } from '../support/cluster.js';
import { serviceAccountKubeconfig } from '../support/service-account.js';

let namespace = '';
let asWorker: (args: string[], input?: string) => ReturnType<typeof kubectl>;
/** The worker pod: attempt 1 of subtask attacker-p0. */
const POD = 'attacker-p0-a1';

const configMap = (name: string, data: Record<string, string> = { 'result.json': '[1]' }) => manifestInput({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });

function tokenFor(boundPod?: { name: string; uid: string }) {
  const file = serviceAccountKubeconfig(WORKER_SERVICE_ACCOUNT, namespace, boundPod);
  return (args: string[], input?: string) => kubectl(['--kubeconfig', file, '-n', namespace, ...args], input);
}

beforeAll(async () => {
  installCrds();
  namespace = createNamespace('worker-iso');
  await ensureWorkerIdentity(makeClients(loadKubeConfig({ kubeconfig: kubeconfigPath(), qps: 50, burst: 100 })), namespace);
  // Another task's input and result in the same namespace.
  kubectlOk(['create', '-f', '-'], configMap('victim-p0-input', { 'input.json': '{"items":[42]}' }));
  kubectlOk(['create', '-f', '-'], configMap(resultConfigMapNameFor('victim-p0', 1)));
  // A pod that never runs (its node does not exist): only its identity matters.
  kubectlOk(['create', '-f', '-'], manifestInput({ apiVersion: 'v1', kind: 'Pod', metadata: { name: POD, namespace }, spec: { nodeName: 'no-such-node-worker-iso', serviceAccountName: WORKER_SERVICE_ACCOUNT, containers: [{ name: 'worker', image: 'worker' }] } }));
  const uid = kubectlOk(['get', 'pod', POD, '-n', namespace, '-o', 'jsonpath={.metadata.uid}']);
  asWorker = tokenFor({ name: POD, uid });
  // A new policy is enforced once the API server has loaded it: wait until a foreign write is refused.
  for (let i = 0; i < 600; i++) {
    const probe = asWorker(['create', '--dry-run=server', '-f', '-'], configMap('probe-a1-result'));
    if (probe.stderr.includes(WORKER_RESULTS_POLICY_NAME)) return;
    execFileSync('sleep', ['0.1']);
  }
  throw new Error(`the ValidatingAdmissionPolicy ${WORKER_RESULTS_POLICY_NAME} is not enforced`);
}, 120_000);

afterAll(() => {
  deleteNamespace(namespace);
});

describe('a worker, with its own pod-bound token', () => {
  test("cannot read another task's input or result, nor list ConfigMaps", () => {
    for (const args of [['get', 'configmap', 'victim-p0-input'], ['get', 'configmap', 'victim-p0-a1-result'], ['get', 'configmaps']]) {
      const result = asWorker(args);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('forbidden');
    }
  });

  test("cannot create or overwrite another task's (or a sibling's) result or input", () => {
    for (const name of ['victim-p0-a2-result', 'attacker-p1-a1-result', 'attacker-p0-a2-result']) {
      const created = asWorker(['create', '-f', '-'], configMap(name));
      expect(created.code).not.toBe(0);
      expect(created.stderr).toContain(`a worker may write only its own result ConfigMap (${POD}-result), not ${name}`);
    }
    for (const name of ['victim-p0-a1-result', 'victim-p0-input']) {
      const replaced = asWorker(['replace', '-f', '-'], configMap(name, { 'result.json': '"overwritten"' }));
      expect(replaced.code).not.toBe(0);
    }
    expect(kubectlOk(['get', 'configmap', 'victim-p0-a1-result', '-n', namespace, '-o', 'jsonpath={.data.result\\.json}'])).toBe('[1]');
    expect(kubectlOk(['get', 'configmap', 'victim-p0-input', '-n', namespace, '-o', 'jsonpath={.data.input\\.json}'])).toBe('{"items":[42]}');
  });

  test('writes the result its attempt was told to write, and may replace it', () => {
    const own = resultConfigMapNameFor('attacker-p0', 1);
    expect(own).toBe(`${POD}-result`);
    const created = asWorker(['create', '-f', '-'], configMap(own));
    expect(created.stderr).toBe('');
    expect(asWorker(['replace', '-f', '-'], configMap(own, { 'result.json': '[2]' })).code).toBe(0);
  });

  test('a token of the worker ServiceAccount bound to no pod writes nothing', () => {
    const unbound = tokenFor();
    const created = unbound(['create', '-f', '-'], configMap(`${POD}-result-2`));
    expect(created.code).not.toBe(0);
    expect(created.stderr).toContain('its token names no pod');
  });
});
