// The operator starts only on synced caches: run as a ServiceAccount that may not list Nodes, it
// stays not ready, names the missing cache, and reconciles (so creates) nothing, though a kwok
// pool wants nodes; once the list is allowed, it syncs and starts on its own, without a restart.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workerPool } from '../builders/index.js';
import { applyManifest, createNamespace, deleteNamespace, installCrds, kubeconfigPath, kubectl, kubectlOk, manifestInput } from '../support/cluster.js';
import { startOperator, stopAll, type ManagedProcess } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const PORT = 18781;
const POOL = `sync-${suffix}`;
const ROLE = `drm-cache-sync-${suffix}`;
const NODES_ROLE = `${ROLE}-nodes`;
let namespace = '';
let operator: ManagedProcess;

interface Readiness {
  ready: boolean;
  leader: boolean;
  waitingForCaches?: string[];
  informers: Array<{ name: string; synced: boolean; restarts: number; lastError?: string }>;
}

async function readyz(): Promise<{ code: number; body: Readiness } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${PORT}/readyz`);
    return { code: response.status, body: (await response.json()) as Readiness };
  } catch {
    return undefined;
  }
}

/** The operator's reconcile counters by controller, from its /metrics. */
async function reconciles(): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^drm_reconciles_total\{controller="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

const poolNodes = () => kubectlOk(['get', 'nodes', '-l', `drm.dtf.io/pool=${POOL}`, '-o', 'name']).split('\n').filter(Boolean);

/** A kubeconfig file for the ServiceAccount `operator` of the test namespace. */
function serviceAccountKubeconfig(): string {
  const token = kubectlOk(['create', 'token', 'operator', '-n', namespace, '--duration', '30m']).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfigPath());
  const cluster = admin.getCurrentCluster()!;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: cluster.server, ...(cluster.caFile ? { caFile: cluster.caFile } : {}), ...(cluster.caData ? { caData: cluster.caData } : {}), skipTLSVerify: false }],
    users: [{ name: 'operator', token }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'operator' }],
    currentContext: 'ctx',
  });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'drm-sync-')), 'kubeconfig');
  writeFileSync(file, kubeConfig.exportConfig(), { mode: 0o600 });
  return file;
}

function clusterRole(name: string, rules: unknown[]) {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules };
}

function bind(role: string): void {
  kubectlOk(['create', 'clusterrolebinding', role, `--clusterrole=${role}`, `--serviceaccount=${namespace}:operator`]);
}

beforeAll(() => {
  installCrds();
  namespace = createNamespace('cache-sync');
  kubectlOk(['create', 'serviceaccount', 'operator', '-n', namespace]);
  // What the chart grants, except Nodes.
  kubectlOk(['apply', '-f', '-'], manifestInput(clusterRole(ROLE, [
    { apiGroups: ['drm.dtf.io'], resources: ['*'], verbs: ['*'] },
    { apiGroups: [''], resources: ['pods', 'pods/binding', 'pods/status', 'configmaps', 'events', 'serviceaccounts', 'secrets'], verbs: ['*'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['*'] },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['get', 'create'] },
  ])));
  bind(ROLE);
  kubectlOk(['apply', '-f', '-'], manifestInput(clusterRole(NODES_ROLE, [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'create', 'delete', 'patch'] }])));
});

afterAll(async () => {
  // The pool goes while the operator can still drain it (finalizer), then everything else.
  kubectl(['delete', 'workerpool', POOL, '--ignore-not-found', '--timeout=60s']);
  await stopAll();
  kubectl(['delete', 'workerpool', POOL, '--ignore-not-found', '--wait=false']);
  const left = poolNodes();
  if (left.length > 0) kubectl(['delete', ...left, '--ignore-not-found', '--wait=false']);
  kubectl(['delete', 'clusterrolebinding', ROLE, NODES_ROLE, '--ignore-not-found']);
  kubectl(['delete', 'clusterrole', ROLE, NODES_ROLE, '--ignore-not-found']);
  deleteNamespace(namespace);
});

describe('start only on synced caches', () => {
  test('with nodes list refused the operator is not ready, names the cache and creates nothing; granted, it starts', async () => {
    applyManifest(workerPool(POOL, 'kwok', { spec: { minNodes: 2, maxNodes: 3, scaling: { intervalSeconds: 5, cooldownSeconds: 5 } } }));
    operator = startOperator({ healthPort: PORT, extraArgs: ['--kubeconfig', serviceAccountKubeconfig(), '--predictor-namespace', namespace, '--credentials-namespace', namespace] });

    // Refused and retried a few times: long enough for a controller started anyway to have acted.
    let state: Awaited<ReturnType<typeof readyz>>;
    await waitUntil('the nodes informer refused and restarted twice', async () => {
      state = await readyz();
      return (state?.body.informers.find((i) => i.name === 'nodes')?.restarts ?? 0) >= 2;
    }, 60_000);
    expect(state!.code).toBe(503);
    expect(state!.body.ready).toBe(false);
    expect(state!.body.waitingForCaches).toEqual(['nodes']);
    expect(state!.body.informers.find((i) => i.name === 'nodes')?.lastError).toMatch(/403|forbidden/i);
    expect(operator.output()).not.toMatch(/controllers started/);
    // Other operators may share the cluster and scale the pool themselves: what this one did is
    // read from its own counters. No controller of it has reconciled anything.
    expect(await reconciles()).toEqual({ orchestratedtask: 0, subtask: 0, scheduler: 0, workerpool: 0 });

    bind(NODES_ROLE);
    await waitUntil('the operator ready once nodes may be listed', async () => (await readyz())?.code === 200, 120_000);
    expect((await readyz())!.body.waitingForCaches).toBeUndefined();
    await waitUntil('its pool controller reconciling', async () => ((await reconciles()).workerpool ?? 0) > 0, 30_000);
    await waitUntil(`pool ${POOL} at its 2 minimum nodes`, () => poolNodes().length === 2, 60_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${operator.output().slice(-3000)}`);
    });
  });
});
