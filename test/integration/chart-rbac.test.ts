// The chart's RBAC is enough, and no more than the chart says: the chart is installed with helm
// into the real control plane, and the operator process then runs as the chart's ServiceAccount
// (with a token the API server issues for it) through a whole task, its pods bound by the
// operator's scheduler and run by the dev runner. The rules themselves are checked for wildcards
// and cluster-wide Secret access.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { dataParallelTask } from '../builders/index.js';
import { createNamespace, deleteNamespace, installCrds, kubeconfigPath, kubectl, kubectlOk, manifestInput, rootDir } from '../support/cluster.js';
import { startOperatorAs } from '../support/service-account.js';
import { stopAll, type ManagedProcess } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const RELEASE = `rbac-${suffix}`;
const FULLNAME = `${RELEASE}-drm-operator`;
const PORT = 18881;
const NODES = [`rb-cpu-1-${suffix}:cpu:4:8Gi`];
let releaseNamespace = '';
let namespace = '';
let operator: ManagedProcess;

const helm = (...args: string[]) =>
  spawnSync(process.env.DRM_HELM ?? path.join(rootDir, '.local', 'bin', 'helm'), args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfigPath() } });

beforeAll(async () => {
  installCrds();
  releaseNamespace = createNamespace('drm-release');
  namespace = createNamespace('rbac-tasks');
  // The Deployment's own pods cannot run here (no container runtime): keep them off every node.
  const install = helm('install', RELEASE, path.join(rootDir, 'charts', 'drm-operator'), '--namespace', releaseNamespace, '--set', 'replicaCount=1', '--set', 'nodeSelector.drm-test=never');
  expect(install.stderr).toBe('');
  expect(install.status).toBe(0);
  operator = await startOperatorAs(FULLNAME, releaseNamespace, { healthPort: PORT, nodes: NODES });
}, 180_000);

afterAll(async () => {
  await stopAll();
  helm('uninstall', RELEASE, '--namespace', releaseNamespace);
  deleteNamespace(namespace);
  deleteNamespace(releaseNamespace);
  kubectl(['delete', 'node', ...NODES.map((n) => n.split(':')[0]!), '--ignore-not-found', '--wait=false']);
});

describe("the chart's RBAC", () => {
  test('has no wildcard and reads Secrets only in its own namespace', () => {
    const clusterRole = JSON.parse(kubectlOk(['get', 'clusterrole', FULLNAME, '-o', 'json'])) as { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
    const role = JSON.parse(kubectlOk(['get', 'role', FULLNAME, '-n', releaseNamespace, '-o', 'json'])) as { rules: Array<{ resources: string[]; verbs: string[] }> };
    for (const rule of [...clusterRole.rules, ...role.rules]) {
      expect([...rule.resources, ...rule.verbs, ...((rule as { apiGroups?: string[] }).apiGroups ?? [])].filter((x) => x.includes('*'))).toEqual([]);
    }
    expect(clusterRole.rules.some((rule) => rule.resources.includes('secrets'))).toBe(false);
    expect(role.rules.find((rule) => rule.resources.includes('secrets'))?.verbs).toEqual(['get']);
    const can = (verb: string, resource: string, ns?: string) =>
      kubectl(['auth', 'can-i', verb, resource, '--as', `system:serviceaccount:${releaseNamespace}:${FULLNAME}`, ...(ns ? ['-n', ns] : ['--all-namespaces'])]).stdout.trim();
    expect(can('get', 'secrets', namespace)).toBe('no');
    expect(can('get', 'secrets', releaseNamespace)).toBe('yes');
    expect(can('create', 'pods/binding', namespace)).toBe('yes');
    expect(can('delete', 'namespaces')).toBe('no');
  });

  test('is enough for the operator to run a whole task as its ServiceAccount', async () => {
    kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput(dataParallelTask('squares', { spec: { input: { items: [1, 2, 3, 4, 5, 6] }, partitions: 3, resources: { cpu: '250m', memory: '128Mi' } } })));
    await waitUntil('the task completed', () => ['Completed', 'Failed'].includes(kubectlOk(['get', 'ot', 'squares', '-n', namespace, '-o', 'jsonpath={.status.phase}'])), 120_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${operator.output().slice(-4000)}`);
    });
    const task = JSON.parse(kubectlOk(['get', 'ot', 'squares', '-n', namespace, '-o', 'json'])) as { status: { phase: string; result: unknown } };
    expect(task.status.phase).toBe('Completed');
    expect(task.status.result).toEqual([1, 4, 9, 16, 25, 36]);
    // The dashboard needs no permission beyond the caches: it shows the task, as this ServiceAccount.
    const snapshot = (await (await fetch(`http://127.0.0.1:${PORT}/dashboard/api/snapshot`)).json()) as { tasks: Array<{ namespace: string; name: string; phase: string }>; heatmap: { rows: unknown[] } };
    expect(snapshot.tasks).toContainEqual(expect.objectContaining({ namespace, name: 'squares', phase: 'Completed' }));
    expect(snapshot.heatmap.rows.length).toBeGreaterThan(0);
    // RBAC refused nothing along the way (other refusals, such as writes into namespaces that
    // other tests are deleting, are not about RBAC).
    expect(operator.output().match(/User \\?"system:serviceaccount:[^"\\]*\\?" cannot [a-z]+ resource[^"]*/g) ?? []).toEqual([]);
  });
});
