// Acting as a ServiceAccount against the real API server: a kubeconfig with a token the API
// server minted for it (kubectl create token), for tests that check what an identity may do.
import { KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kubeconfigPath, kubectlOk } from './cluster.js';
import { startDevRunner, startOperator, waitForNodesReady, waitForOperator, type ManagedProcess } from './operator.js';

/**
 * Writes a kubeconfig that authenticates as ServiceAccount `name` of `namespace`; returns its
 * path. With `boundPod`, the token is bound to that pod, as the token a pod is given is.
 */
export function serviceAccountKubeconfig(name: string, namespace: string, boundPod?: { name: string; uid: string }): string {
  const bound = boundPod ? ['--bound-object-kind', 'Pod', '--bound-object-name', boundPod.name, '--bound-object-uid', boundPod.uid] : [];
  const token = kubectlOk(['create', 'token', name, '-n', namespace, '--duration', '1h', ...bound]).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfigPath());
  const cluster = admin.getCurrentCluster()!;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'drm-sa-')), 'kubeconfig');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: cluster.server, ...(cluster.caFile ? { 'certificate-authority': cluster.caFile } : {}), ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}) } }],
      users: [{ name: 'sa', user: { token } }],
      contexts: [{ name: 'sa', context: { cluster: 'c', user: 'sa' } }],
      'current-context': 'sa',
    }),
  );
  return file;
}

/**
 * Starts the dev runner with `nodes`, then the operator authenticated as ServiceAccount
 * `name` of `namespace` (its lease there too), and waits until both are ready.
 */
export async function startOperatorAs(name: string, namespace: string, options: { healthPort: number; nodes: string[]; extraArgs?: string[] }): Promise<ManagedProcess> {
  startDevRunner(options.nodes);
  await waitForNodesReady(options.nodes.map((n) => n.split(':')[0]!));
  const operator = startOperator({
    healthPort: options.healthPort,
    leaderElect: true,
    leaseNamespace: namespace,
    extraArgs: ['--kubeconfig', serviceAccountKubeconfig(name, namespace), ...(options.extraArgs ?? [])],
  });
  await waitForOperator(options.healthPort);
  return operator;
}
