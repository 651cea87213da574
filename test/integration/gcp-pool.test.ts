// A gcp WorkerPool driven by the operator against a local fake of the Compute Engine REST API
// (the real wire protocol, on loopback; no real GCP endpoint can run here): the managed instance
// group is resized to minNodes once, whatever rate limiting the first calls meet; an instance
// deleted behind the operator's back is replaced; a stocked-out zone is reported, not retried
// into duplicates, and the pool recovers when capacity returns.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { workerPool } from '../builders/index.js';
import { applyManifest, createNamespace, deleteNamespace, installCrds, kubectl, kubectlOk } from '../support/cluster.js';
import { startGcpFake, type GcpFake } from '../support/gcp-fake.js';
import { startOperator, stopAll, waitForOperator, type ManagedProcess } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const PORT = 19081;
const POOL = `gcp-${suffix}`;
const PROJECT = 'drm-test-project';
const ZONE = 'us-central1-a';
const MIG = `cpu-mig-${suffix}`;
let namespace = '';
let gcp: GcpFake;
let operator: ManagedProcess;

const group = () => gcp.group(PROJECT, ZONE, MIG);
const runningInstances = () => group().instances.filter((i) => i.instanceStatus === 'RUNNING' && i.currentAction === 'NONE').map((i) => i.name).sort();

interface PoolStatus {
  provider?: string;
  message?: string;
  nodes?: number;
  desiredNodes?: number;
  decisions?: Array<{ action: string; count?: number }>;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}
const poolStatus = () => JSON.parse(kubectlOk(['get', 'workerpool', POOL, '-o', 'jsonpath={.status}']) || '{}') as PoolStatus;
const poolEvents = () =>
  kubectlOk(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.name=${POOL}`, '-o', 'jsonpath={range .items[*]}{.reason}{": "}{.message}{"\\n"}{end}']);

beforeAll(async () => {
  installCrds();
  gcp = await startGcpFake({ operationMs: 100 });
  gcp.addGroup({ project: PROJECT, zone: ZONE, name: MIG, targetSize: 0, instanceStartMs: 300 });
  namespace = createNamespace('gcp-pool');
  // A key that google-auth-library cannot use (it has no type, no client_email, no private_key).
  kubectlOk(['create', 'secret', 'generic', 'gcp-bad-key', '-n', namespace, '--from-literal=key.json={}']);
  operator = startOperator({
    healthPort: PORT,
    extraArgs: ['--gcp-endpoint', `http://${gcp.host}:${gcp.port}`, '--credentials-namespace', namespace, '--predictor-namespace', namespace],
  });
  await waitForOperator(PORT);
});

afterAll(async () => {
  // Deleted while the operator runs, so it returns the pool's instances and lets it go (finalizer).
  kubectl(['delete', 'workerpool', POOL, '--ignore-not-found', '--timeout=60s']);
  kubectl(['patch', 'workerpool', POOL, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  await stopAll();
  deleteNamespace(namespace);
  await gcp?.stop();
});

describe('a gcp pool against the Compute fake, through the operator', () => {
  test('a pool whose key is unusable reports what the key lacks, and the operator keeps running', async () => {
    const bad = `${POOL}-bad-key`;
    gcp.addGroup({ project: PROJECT, zone: ZONE, name: `${MIG}-bad`, targetSize: 0 });
    applyManifest(
      workerPool(bad, 'gcp', {
        spec: { provider: { gcp: { project: PROJECT, zone: ZONE, instanceGroupManager: `${MIG}-bad`, machineType: 'n2-standard-8', credentialsSecretRef: { name: 'gcp-bad-key' } } }, minNodes: 1, maxNodes: 2 },
      }),
    );
    try {
      await waitUntil('the key problem in the pool status', () => /key\.json has type undefined/.test(kubectlOk(['get', 'workerpool', bad, '-o', 'jsonpath={.status.message}'])), 60_000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${operator.output().slice(-5000)}`, { cause: error });
      });
      // Still alive and serving, a few reconciles later; the group was never touched.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(operator.child.exitCode).toBeNull();
      expect((await fetch(`http://127.0.0.1:${PORT}/healthz`)).status).toBe(200);
      expect(gcp.group(PROJECT, ZONE, `${MIG}-bad`).targetSize).toBe(0);
    } finally {
      kubectl(['delete', 'workerpool', bad, '--ignore-not-found', '--wait=false']);
    }
  });

  test('resizes the group to minNodes once under rate limiting, replaces a deleted instance, and reports a stockout without duplicating', async () => {
    // The first resize calls are rate-limited: the client and the controller retry.
    gcp.inject({ call: 'resize', fault: { kind: 'rateLimit' }, times: 2 });
    applyManifest(
      workerPool(POOL, 'gcp', {
        spec: {
          // No Secret: the operator's own identity, which for the plain-http fake is none.
          provider: { gcp: { project: PROJECT, zone: ZONE, instanceGroupManager: MIG, machineType: 'n2-standard-8', credentialsSecretRef: undefined } },
          minNodes: 2,
          maxNodes: 3,
          costPerNodeHour: 0.39,
          scaling: { intervalSeconds: 5, cooldownSeconds: 5 },
        },
      }),
    );
    await waitUntil('two running instances', () => runningInstances().length === 2, 60_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${JSON.stringify(poolStatus(), null, 1)}\n${poolEvents()}\n${operator.output().slice(-5000)}`, { cause: error });
    });
    const first = runningInstances();
    // More rounds of reconciles must not grow the group for the same need.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect(runningInstances()).toEqual(first);
    expect(group().targetSize).toBe(2);
    // Rate-limited calls were retried; every accepted resize carried a requestId (idempotent).
    const resizes = gcp.requestsOf('resize');
    expect(resizes.filter((r) => r.fault === 'rateLimit')).toHaveLength(2);
    for (const resize of resizes) expect(resize.query.get('requestId')).toMatch(/^[0-9a-f-]{36}$/);
    await waitUntil('the pool status counts the nodes', () => poolStatus().nodes === 2, 60_000);
    expect(poolStatus().provider).toBe('gcp');

    // Deleted by hand: gone from the group, its target lowered. The operator brings it back.
    gcp.removeInstance(PROJECT, ZONE, MIG, first[0]!);
    await waitUntil('a replacement', () => {
      const now = runningInstances();
      return now.length === 2 && !now.includes(first[0]!);
    }, 120_000);
    expect(runningInstances()).toContain(first[1]);

    // A stocked-out zone: another deletion cannot be made good. It is reported, and the group
    // is not resized past what the pool wants while it waits.
    gcp.setStockout(PROJECT, ZONE, MIG, true);
    const second = runningInstances();
    gcp.removeInstance(PROJECT, ZONE, MIG, second[0]!);
    await waitUntil('the stockout in the pool status', () => /1 instance not coming up: .*ZONE_RESOURCE_POOL_EXHAUSTED/.test(poolStatus().message ?? ''), 120_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${JSON.stringify(group(), null, 1)}\n${JSON.stringify(poolStatus(), null, 1)}\n${poolEvents()}`, { cause: error });
    });
    expect(poolEvents()).toMatch(/InstancesNotReady: 1 instance not coming up: .*ZONE_RESOURCE_POOL_EXHAUSTED/);
    for (let i = 0; i < 6; i++) {
      expect(group().targetSize).toBeLessThanOrEqual(3);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    gcp.setStockout(PROJECT, ZONE, MIG, false);
    await waitUntil('two running instances again once capacity returns', () => runningInstances().length === 2, 120_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${JSON.stringify(group(), null, 1)}\n${JSON.stringify(poolStatus(), null, 1)}\n${poolEvents()}\n${operator.output().slice(-5000)}`, { cause: error });
    });
    expect(group().targetSize).toBe(2);
    await waitUntil('the stockout message cleared', () => !/not coming up/.test(poolStatus().message ?? ''), 60_000);
    // Reported once while it lasted, not on every reconcile.
    expect(poolEvents().split('\n').filter((line) => line.startsWith('InstancesNotReady')).length).toBe(1);
    const scaleUps = (poolStatus().decisions ?? []).filter((d) => d.action === 'scaleUp');
    expect(scaleUps.reduce((sum, d) => sum + (d.count ?? 0), 0)).toBeGreaterThanOrEqual(3);
  });
});
