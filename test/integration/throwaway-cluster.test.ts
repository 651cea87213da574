// On a second, throwaway control plane (own state directory and ports), so the cluster other
// tests and developers use is never disturbed: `cluster:up` brings up a real API server, the
// generated CRDs install both ways users install them (`kubectl apply -f crds/` and
// `helm install` of the chart), and `cluster:down` leaves no process behind.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crdNames, rootDir } from '../support/cluster.js';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'drm-cluster-test-'));
const kubeconfig = path.join(stateDir, 'kubeconfig');
const env = {
  ...process.env,
  KUBECONFIG: '',
  DRM_LOCAL_DIR: stateDir,
  DRM_ETCD_PORT: '52379',
  DRM_ETCD_PEER_PORT: '52380',
  DRM_APISERVER_PORT: '56443',
  DRM_CONTROLLER_MANAGER_PORT: '56257',
  DRM_SCHEDULER_PORT: '56259',
  DRM_KWOK_PORT: '56710',
  // The real nodes (fixed kubelet ports, the kubernetes Service address) belong to the main cluster.
  DRM_REAL_NODES: '0',
};

function run(binary: string, args: string[]) {
  const result = spawnSync(binary, args, { env: { ...env, KUBECONFIG: kubeconfig }, encoding: 'utf8', timeout: 300_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
const clusterScript = (...args: string[]) => run('bash', [path.join(rootDir, 'hack', 'cluster.sh'), ...args]);
const kubectl = (...args: string[]) => run(path.join(rootDir, '.local', 'bin', 'kubectl'), args);
const helm = (...args: string[]) => run(path.join(rootDir, '.local', 'bin', 'helm'), args);

function processesUsing(dir: string): string[] {
  const found = spawnSync('pgrep', ['-fa', '--', `${dir}/`], { encoding: 'utf8' });
  return found.stdout.split('\n').filter((line) => line.trim() !== '');
}

function waitEstablished() {
  return kubectl('wait', '--for=condition=Established', '--timeout=60s', ...crdNames.map((n) => `crd/${n}`));
}

afterAll(() => {
  clusterScript('down');
  rmSync(stateDir, { recursive: true, force: true });
});

// Only with the project's own control plane: with KUBECONFIG at a cluster of the user's,
// nothing is built, so there is no local control plane to start.
const usingLocalControlPlane =
  !process.env.KUBECONFIG || path.resolve(process.env.KUBECONFIG) === path.join(rootDir, '.local', 'kubeconfig');

(usingLocalControlPlane ? describe : describe.skip)('a throwaway local control plane', () => {
  test('cluster:up starts a real control plane, and is idempotent', () => {
    const up = clusterScript('up');
    expect(up.stderr).toContain('local control plane ready');
    expect(up.code).toBe(0);
    expect(processesUsing(stateDir).length).toBeGreaterThanOrEqual(5);
    const version = kubectl('get', '--raw', '/version');
    expect(version.code).toBe(0);
    expect((JSON.parse(version.stdout) as { gitVersion: string }).gitVersion).toMatch(/^v1\.(3[4-9]|[4-9]\d)\.\d+$/);
    expect(clusterScript('up').stderr).toContain('already running');
  });

  test('`kubectl apply -f crds/` installs every kind, established and served', () => {
    const apply = kubectl('apply', '-f', path.join(rootDir, 'crds'));
    expect(apply.stderr).toBe('');
    for (const name of crdNames) expect(apply.stdout).toContain(name);
    expect(waitEstablished().code).toBe(0);
    const resources = kubectl('api-resources', '--api-group', 'drm.dtf.io').stdout;
    expect(resources).toMatch(/orchestratedtasks\s+ot\s+drm\.dtf\.io\/v1alpha1\s+true\s+OrchestratedTask/);
    expect(resources).toMatch(/subtasks\s+st\s+drm\.dtf\.io\/v1alpha1\s+true\s+Subtask/);
    expect(resources).toMatch(/workerpools\s+wp\s+drm\.dtf\.io\/v1alpha1\s+false\s+WorkerPool/);
    const removed = kubectl('delete', 'crd', ...crdNames, '--wait=true', '--timeout=120s');
    expect(removed.stderr).toBe('');
    expect(removed.code).toBe(0);
  });

  test('`helm install` of the chart installs the CRDs, the operator Deployment and its RBAC', () => {
    const chart = path.join(rootDir, 'charts', 'drm-operator');
    const lint = helm('lint', chart);
    expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    // No --wait: there is no container runtime here to run the operator's image.
    const install = helm('install', 'drm', chart, '--namespace', 'drm-system', '--create-namespace');
    expect(install.stderr).toBe('');
    expect(install.stdout).toContain('STATUS: deployed');
    expect(waitEstablished().code).toBe(0);
    const crd = JSON.parse(kubectl('get', 'crd', 'orchestratedtasks.drm.dtf.io', '-o', 'json').stdout) as {
      spec: { names: { shortNames: string[]; categories: string[] } };
    };
    expect(crd.spec.names.shortNames).toEqual(['ot']);
    expect(crd.spec.names.categories).toEqual(['drm']);
    const deployment = JSON.parse(kubectl('get', 'deployment', 'drm-drm-operator', '-n', 'drm-system', '-o', 'json').stdout) as {
      spec: { replicas: number; template: { spec: { containers: Array<{ args: string[]; securityContext: Record<string, unknown> }>; securityContext: Record<string, unknown> } } };
    };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0]!.args).toContain('--leader-elect');
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(deployment.spec.template.spec.containers[0]!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    for (const kind of ['clusterrole', 'clusterrolebinding', 'service', 'serviceaccount']) {
      expect(kubectl('get', kind, ...(kind.startsWith('cluster') ? [] : ['-n', 'drm-system']), kind === 'service' ? 'drm-drm-operator-metrics' : 'drm-drm-operator').code).toBe(0);
    }
  });

  test('cluster:down stops every process it started, and returns only once their ports are free', () => {
    const down = clusterScript('down');
    expect(down.code).toBe(0);
    expect(processesUsing(stateDir)).toEqual([]);
    // At once, with no wait: every port must already be released (kwok's once was not).
    const again = clusterScript('up');
    expect(again.stderr).toContain('local control plane ready');
    expect(again.code).toBe(0);
    expect(clusterScript('down').code).toBe(0);
    expect(processesUsing(stateDir)).toEqual([]);
  });
});
