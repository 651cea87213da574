// The chart's least privilege, on the real API server: with watchNamespaces set the operator's
// ServiceAccount may write pods and ConfigMaps only in those namespaces (kubectl auth can-i
// --list), Node writes follow the providers values, Secrets are limited to the names given, and
// the chart renders a NetworkPolicy for its unauthenticated HTTP port. The operator, run as that
// ServiceAccount with the flag the chart passes (--watch-namespaces), completes a task there.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { dataParallelTask } from '../builders/index.js';
import { createNamespace, deleteNamespace, installCrds, kubeconfigPath, kubectl, kubectlOk, manifestInput, rootDir } from '../support/cluster.js';
import { stopAll, type ManagedProcess } from '../support/operator.js';
import { pinnedPool } from '../support/pinned-pool.js';
import { startOperatorAs } from '../support/service-account.js';
import { taskReader } from '../support/tasks.js';

const suffix = Date.now().toString(36).slice(-5);
const RELEASE = `lp-${suffix}`;
const FULLNAME = `${RELEASE}-drm-operator`;
const chart = path.join(rootDir, 'charts', 'drm-operator');
let releaseNamespace = '';
let watched = '';
let other = '';
const PORT = 18392;
const NODES = [`lp-cpu-1-${suffix}:cpu:4:8Gi`];
let operator: ManagedProcess | undefined;

const helm = (...args: string[]) =>
  spawnSync(process.env.DRM_HELM ?? path.join(rootDir, '.local', 'bin', 'helm'), args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfigPath() } });

interface Rendered {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  rules?: Array<{ resources: string[]; verbs: string[]; resourceNames?: string[] }>;
}

function template(...values: string[]): Rendered[] {
  const result = helm('template', RELEASE, chart, '--namespace', 'drm-system', ...values);
  expect(result.stderr).toBe('');
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as Rendered | null)
    .filter((document): document is Rendered => document !== null);
}

/** `kubectl auth can-i --list` as the operator's ServiceAccount in `namespace`: resource → verbs. */
function canList(namespace: string): Map<string, string[]> {
  const result = kubectl(['auth', 'can-i', '--list', '--as', `system:serviceaccount:${releaseNamespace}:${FULLNAME}`, '-n', namespace]);
  expect(result.code).toBe(0);
  const rows = new Map<string, string[]>();
  for (const line of result.stdout.split('\n').slice(1)) {
    const columns = line.trim().split(/\s{2,}/);
    if (columns.length < 4) continue;
    const verbs = columns[columns.length - 1]!.replace(/^\[|\]$/g, '').split(' ').filter(Boolean);
    rows.set(columns[0]!, [...(rows.get(columns[0]!) ?? []), ...verbs]);
  }
  return rows;
}

const WRITES = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const writesOn = (rows: Map<string, string[]>, resource: string) => (rows.get(resource) ?? []).filter((verb) => WRITES.includes(verb));

beforeAll(() => {
  installCrds();
  releaseNamespace = createNamespace('lp-release');
  watched = createNamespace('lp-watched');
  other = createNamespace('lp-other');
  // The operator's own pods cannot run here: keep them off every node; only the RBAC matters.
  const install = helm(
    'install', RELEASE, chart, '--namespace', releaseNamespace,
    '--set', 'replicaCount=1', '--set', 'nodeSelector.drm-test=never',
    '--set', `watchNamespaces={${watched}}`, '--set', 'providers.kwok=false', '--set', 'providers.cloud=false',
    '--set', 'credentials.secretNames={aws-creds}',
  );
  expect(install.stderr).toBe('');
  expect(install.status).toBe(0);
}, 120_000);

afterAll(async () => {
  await stopAll();
  kubectl(['delete', 'node', ...NODES.map((n) => n.split(':')[0]!), '--ignore-not-found', '--wait=false']);
  helm('uninstall', RELEASE, '--namespace', releaseNamespace);
  for (const namespace of [watched, other, releaseNamespace]) deleteNamespace(namespace);
});

describe('with watchNamespaces set', () => {
  test('no write on pods or ConfigMaps outside the watched namespaces, all of them inside', () => {
    const outside = canList(other);
    for (const resource of ['pods', 'configmaps', 'pods/binding', 'orchestratedtasks.drm.dtf.io', 'subtasks.drm.dtf.io']) expect(writesOn(outside, resource)).toEqual([]);
    // Reads stay: the scheduler counts every pod on a node, ours or not.
    expect(outside.get('pods')).toEqual(expect.arrayContaining(['get', 'list', 'watch']));
    const inside = canList(watched);
    expect(writesOn(inside, 'pods')).toEqual(expect.arrayContaining(['create', 'delete', 'deletecollection']));
    expect(writesOn(inside, 'configmaps')).toEqual(expect.arrayContaining(['create', 'update', 'delete']));
    expect(writesOn(inside, 'pods/binding')).toEqual(['create']);
  });

  test('no Node create or delete when neither kwok nor cloud pools are enabled', () => {
    const nodes = canList(other).get('nodes') ?? [];
    expect(nodes).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'patch']));
    expect(nodes).not.toContain('create');
    expect(nodes).not.toContain('delete');
  });

  test('Secrets only by the names given, in the release namespace only', () => {
    const can = (name: string, namespace: string) =>
      kubectl(['auth', 'can-i', 'get', `secrets/${name}`, '--as', `system:serviceaccount:${releaseNamespace}:${FULLNAME}`, '-n', namespace]).stdout.trim();
    expect(can('aws-creds', releaseNamespace)).toBe('yes');
    expect(can('someone-elses', releaseNamespace)).toBe('no');
    expect(can('aws-creds', watched)).toBe('no');
  });
});

describe('helm template', () => {
  test('renders a NetworkPolicy that lets only the named peers reach the metrics port', () => {
    const policy = template('--set', 'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.team=monitoring').find((d) => d.kind === 'NetworkPolicy');
    expect(policy?.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'drm-operator', 'app.kubernetes.io/instance': RELEASE } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 8081, protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { team: 'monitoring' } } }] }],
    });
    // By default, only pods of the release's own namespace.
    const fallback = template().find((d) => d.kind === 'NetworkPolicy');
    expect((fallback?.spec as { ingress: Array<{ from: unknown[] }> }).ingress[0]!.from).toEqual([{ podSelector: {} }]);
  });

  test('binds the HTTP port where metrics.bindAddress says, and passes watchNamespaces to the operator', () => {
    const args = (...values: string[]) =>
      (template(...values).find((d) => d.kind === 'Deployment')!.spec as { template: { spec: { containers: Array<{ args: string[] }> } } }).template.spec.containers[0]!.args;
    expect(args()).toContain('--health-host=0.0.0.0');
    expect(args()).not.toContainEqual(expect.stringMatching(/^--watch-namespaces/));
    expect(args('--set', 'metrics.bindAddress=127.0.0.1', '--set', 'watchNamespaces={a,b}')).toEqual(expect.arrayContaining(['--health-host=127.0.0.1', '--watch-namespaces=a,b']));
  });

  test('without watchNamespaces the ClusterRole keeps the writes every namespace needs (unchanged behaviour)', () => {
    const clusterRole = template().find((d) => d.kind === 'ClusterRole')!;
    const verbsOf = (resource: string) => clusterRole.rules!.filter((rule) => rule.resources.includes(resource)).flatMap((rule) => rule.verbs);
    expect(verbsOf('configmaps')).toEqual(expect.arrayContaining(['create', 'update', 'delete']));
    expect(verbsOf('pods')).toEqual(expect.arrayContaining(['create', 'delete']));
    expect(verbsOf('nodes')).toEqual(expect.arrayContaining(['create', 'delete']));
  });
});

describe('the operator as that ServiceAccount, with --watch-namespaces', () => {
  test('completes a task in a watched namespace, is refused nothing, and leaves other namespaces alone', async () => {
    operator = await startOperatorAs(FULLNAME, releaseNamespace, { healthPort: PORT, nodes: NODES, extraArgs: [`--watch-namespaces=${watched}`] });
    const pool = pinnedPool(`lp-${suffix}`, NODES[0]!.split(':')[0]!);
    const task = (name: string) =>
      dataParallelTask(name, { spec: { input: { items: [1, 2, 3, 4] }, partitions: 2, resources: { cpu: '250m', memory: '128Mi' }, poolSelector: pool.poolSelector } });
    kubectlOk(['apply', '-n', other, '-f', '-'], manifestInput(task('elsewhere')));
    kubectlOk(['apply', '-n', watched, '-f', '-'], manifestInput(task('squares')));
    const done = await taskReader(watched, () => operator!.output().slice(-4000)).waitForPhase('squares', ['Completed', 'Failed']);
    expect(done.status).toMatchObject({ phase: 'Completed', result: [1, 4, 9, 16] });
    // Its caches hold only the watched namespace's tasks: the dashboard, built from them, says so.
    const snapshot = (await (await fetch(`http://127.0.0.1:${PORT}/dashboard/api/snapshot`)).json()) as { tasks: Array<{ namespace: string; name: string }> };
    expect(snapshot.tasks.map((t) => t.namespace)).toEqual([watched]);
    expect(operator.output().match(/.{0,200}cannot [a-z]+ resource.{0,200}/g) ?? []).toEqual([]);
    pool.remove();
  }, 240_000);
});
