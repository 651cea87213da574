// `cluster:up` and `cluster:down` on a second, throwaway control plane (own state directory and
// ports): it comes up answering with the real server version, and down leaves no process behind.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rootDir } from '../support/cluster.js';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'drm-cluster-test-'));
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
};

function clusterScript(...args: string[]) {
  return spawnSync('bash', [path.join(rootDir, 'hack', 'cluster.sh'), ...args], { env, encoding: 'utf8', timeout: 300_000 });
}

function processesUsing(dir: string): string[] {
  const found = spawnSync('pgrep', ['-fa', '--', `${dir}/`], { encoding: 'utf8' });
  return found.stdout.split('\n').filter((line) => line.trim() !== '');
}

afterAll(() => {
  clusterScript('down');
  rmSync(stateDir, { recursive: true, force: true });
});

// Only where the project's own control plane is in use: with KUBECONFIG at a cluster of the
// user's, nothing is built, so there is no local control plane to start.
const usingLocalControlPlane =
  !process.env.KUBECONFIG || path.resolve(process.env.KUBECONFIG) === path.join(rootDir, '.local', 'kubeconfig');

(usingLocalControlPlane ? describe : describe.skip)('cluster:up / cluster:down', () => {
  test('up starts a real control plane; down stops every process it started', () => {
    const up = clusterScript('up');
    expect(up.stderr).toContain('local control plane ready');
    expect(up.status).toBe(0);
    expect(processesUsing(stateDir).length).toBeGreaterThanOrEqual(5);

    const version = spawnSync(path.join(rootDir, '.local', 'bin', 'kubectl'), ['--kubeconfig', path.join(stateDir, 'kubeconfig'), 'get', '--raw', '/version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect((JSON.parse(version.stdout) as { gitVersion: string }).gitVersion).toMatch(/^v1\.\d+\.\d+$/);

    const again = clusterScript('up');
    expect(again.stderr).toContain('already running');

    const down = clusterScript('down');
    expect(down.status).toBe(0);
    expect(processesUsing(stateDir)).toEqual([]);
  });
});
