// The chaos suite (`npm run chaos`, bench/chaos.ts) at a small size: on a throwaway control plane
// of its own (it restarts etcd and kube-apiserver, which must hit nobody else), two operator
// replicas under leader election run a DataParallel task and a pipeline on kwok nodes while the
// leader is SIGKILLed, the API server and etcd restart, a tenth of the busy nodes are deleted and
// the operator's requests are throttled. Every check of the suite must pass: both tasks complete
// with their merged results, no subtask succeeds twice, no orphans, every retry explained.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChaos, type ChaosReport } from '../../bench/chaos.js';
import { rootDir } from '../support/cluster.js';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'drm-chaos-test-'));
const clusterEnv = {
  DRM_LOCAL_DIR: stateDir,
  DRM_ETCD_PORT: '54379',
  DRM_ETCD_PEER_PORT: '54380',
  DRM_APISERVER_PORT: '58443',
  DRM_CONTROLLER_MANAGER_PORT: '58257',
  DRM_SCHEDULER_PORT: '58259',
  DRM_KWOK_PORT: '58710',
  DRM_REAL_NODES: '0',
};
const saved = { ...process.env };
const clusterScript = (command: string) =>
  spawnSync('bash', [path.join(rootDir, 'hack', 'cluster.sh'), command], { env: { ...process.env, ...clusterEnv, KUBECONFIG: '' }, encoding: 'utf8', timeout: 300_000 });

// Only with the project's own control plane: with KUBECONFIG at a user's cluster nothing is built to start a second one.
const usingLocalControlPlane = !process.env.KUBECONFIG || path.resolve(process.env.KUBECONFIG) === path.join(rootDir, '.local', 'kubeconfig');

(usingLocalControlPlane ? describe : describe.skip)('chaos on a throwaway control plane', () => {
  beforeAll(() => {
    const up = clusterScript('up');
    if (up.status !== 0) throw new Error(`cluster up failed: ${up.stderr}`);
    // bench/chaos.ts and the kubectl helpers read these at each call: this file's cluster, not the shared one.
    Object.assign(process.env, clusterEnv, { KUBECONFIG: path.join(stateDir, 'kubeconfig') });
  }, 300_000);

  afterAll(() => {
    for (const key of [...Object.keys(clusterEnv), 'KUBECONFIG']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    clusterScript('down');
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  test('leader kills, API server and etcd restarts, lost nodes and a throttled API lose nothing and do nothing twice', async () => {
    const report: ChaosReport = await runChaos({
      subtasks: 60,
      microBatches: 4,
      stages: 3,
      nodes: 10,
      kills: 2,
      throttleSeconds: 10,
      workDuration: '20s',
      seed: 7,
      // kwok only: a real node needs root and the worker image built and imported into its containerd;
      // `npm run chaos` has one and checks the pipeline's values there.
      realNode: false,
      stageSeconds: 0,
      log: () => undefined,
    });
    expect(report.faults.map((f) => f.kind).sort()).toEqual(['delete-nodes', 'kill-leader', 'kill-leader', 'restart-apiserver', 'restart-etcd', 'throttle-api']);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.length).toBeGreaterThanOrEqual(6);
  }, 1_500_000);
});
