// The WorkerPool autoscaler on the real control plane with the kwok provider: GPU work against a
// pool at zero nodes grows it (through injected provider failures), the work binds and runs,
// and once idle the pool shrinks back to minNodes, never past maxNodes or maxCostPerHour.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataParallelTask, workerPool } from '../builders/index.js';
import { applyManifest, createNamespace, deleteNamespace, installCrds, kubectl, kubectlOk, manifestInput } from '../support/cluster.js';
import { coreClient, sampleOccupancy } from '../support/occupancy.js';
import { startOperator, stopAll, waitForOperator, type ManagedProcess } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const PORT = 18581;
const POOL = `gpu-${suffix}`;
const PRODUCT = `NVIDIA-L4-${suffix}`;
const MAX_NODES = 4;
const COST_PER_NODE = 1.5;
const MAX_COST = 4.5; // allows 3 nodes: tighter than maxNodes
const core = coreClient();
let namespace = '';
let operator: ManagedProcess;

interface Decision {
  action: string;
  nodeNames?: string[];
  reason?: string;
  count?: number;
  time?: string;
}
interface PoolJson {
  status?: { nodes?: number; readyNodes?: number; costPerHour?: number; decisions?: Decision[]; lastDecision?: Decision; utilizationSummary?: string };
}

const poolNodes = async () => (await core.listNode({ labelSelector: `drm.dtf.io/pool=${POOL}` })).items.map((n) => n.metadata!.name!);
const getPool = () => JSON.parse(kubectlOk(['get', 'workerpool', POOL, '-o', 'json'])) as PoolJson;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  installCrds();
  namespace = createNamespace('autoscale');
  // --test-fault-injection: the flaky pool's drm.dtf.io/kwok-fail-launches annotation is honoured.
  operator = startOperator({ healthPort: PORT, extraArgs: ['--predictor-namespace', namespace, '--qps', '100', '--burst', '200', '--test-fault-injection'] });
  await waitForOperator(PORT);
});

afterAll(async () => {
  await stopAll();
  deleteNamespace(namespace);
  kubectl(['delete', 'workerpool', POOL, '--ignore-not-found', '--wait=false']);
  const left = await poolNodes().catch(() => []);
  if (left.length > 0) kubectl(['delete', 'node', ...left, '--ignore-not-found', '--wait=false']);
});

describe('WorkerPool autoscaling on kwok', () => {
  test('40 GPU subtasks scale a pool up from 0 nodes (through provider failures), run, and the pool returns to minNodes; bounds hold throughout', async () => {
    applyManifest(
      workerPool(POOL, 'kwok', {
        metadata: { labels: { 'autoscale-test': suffix }, annotations: { 'drm.dtf.io/kwok-fail-launches': '2' } },
        spec: {
          hardware: { type: 'gpu', gpuProduct: PRODUCT, gpuCount: 4, gpuMemoryMiB: 24576 },
          provider: { kwok: { node: { cpu: '16', memory: '64Gi', gpu: 4 } } },
          minNodes: 0,
          maxNodes: MAX_NODES,
          costPerNodeHour: COST_PER_NODE,
          maxCostPerHour: MAX_COST,
          scaling: { intervalSeconds: 5, cooldownSeconds: 5, scaleDownIdleSeconds: 10, horizonSeconds: 60 },
        },
      }),
    );
    // Nodes sampled all along: never more than maxNodes, nor than maxCostPerHour pays for.
    let maxSeen = 0;
    let sampling = true;
    const nodeSampler = (async () => {
      while (sampling) {
        maxSeen = Math.max(maxSeen, (await poolNodes()).length);
        await sleep(250);
      }
    })();
    // And the requests on them never above allocatable.
    let poolNodesCache: string[] = [];
    const sampler = sampleOccupancy(core, () => poolNodesCache, 250);
    const refresher = setInterval(() => void poolNodes().then((names) => (poolNodesCache = names)), 250);

    let report: Awaited<ReturnType<typeof sampler.stop>>;
    try {
      kubectlOk(
        ['apply', '-n', namespace, '-f', '-'],
        manifestInput(
          dataParallelTask('gpu-work', {
            metadata: { annotations: { 'drm.dtf.io/simulated-duration': '2s' } },
            spec: {
              input: { items: range(1, 40) },
              partitions: 40,
              hardware: { type: 'gpu', gpuProduct: PRODUCT },
              resources: { cpu: '1', memory: '1Gi', gpu: 1 },
              poolSelector: { matchLabels: { 'autoscale-test': suffix } },
            },
          }),
        ),
      );
      // While it runs, /metrics has the operator's figures with values.
      await waitUntil('subtasks bound on the new nodes', async () => (await core.listNamespacedPod({ namespace })).items.some((p) => p.spec?.nodeName), 120_000);
      await waitUntil('the pool status caught up', () => (getPool().status?.nodes ?? 0) > 0, 60_000);
      const metrics = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
      const value = (pattern: string) => {
        const line = metrics.split('\n').find((l) => l.startsWith(pattern));
        return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
      };
      // Tasks of every namespace are counted; this one is among them.
      const taskCount = metrics.split('\n').filter((l) => l.startsWith('drm_tasks{')).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      expect(taskCount).toBeGreaterThanOrEqual(1);
      expect(value('drm_subtasks{phase=')).toBeGreaterThan(0);
      expect(value('drm_workqueue_depth{controller="subtask"}')).toBeGreaterThanOrEqual(0);
      expect(value('drm_reconciles_total{controller="workerpool"}')).toBeGreaterThan(0);
      expect(value('drm_reconcile_errors_total{controller="workerpool",kind="permanent"}')).toBe(0);
      expect(value(`drm_scaling_decisions_total{pool="${POOL}",action="scale_up"}`)).toBeGreaterThanOrEqual(1);
      expect(value(`drm_pool_nodes{pool="${POOL}",state="all"}`)).toBeGreaterThan(0);
      expect(value(`drm_pool_cost_per_hour{pool="${POOL}"}`)).toBeGreaterThan(0);
      expect(value(`drm_pool_utilization{pool="${POOL}",resource="gpu"}`)).toBeGreaterThanOrEqual(0);
      expect(value('drm_placement_latency_seconds_count')).toBeGreaterThan(0);
      expect(value('drm_bindings_total{result="bound"}')).toBeGreaterThan(0);
      expect(value('drm_predictions_total{source=')).toBeGreaterThan(0);

      await waitUntil('the GPU task completed', () => kubectlOk(['get', 'ot', 'gpu-work', '-n', namespace, '-o', 'jsonpath={.status.phase}']) === 'Completed', 300_000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${JSON.stringify(getPool().status, null, 1)}\n${operator.output().slice(-4000)}`);
      });
      const afterWork = getPool();
      const decisions = afterWork.status?.decisions ?? [];
      expect(decisions.some((d) => d.action === 'scaleUp' && (d.count ?? 0) > 0)).toBe(true);
      // The injected failures were reported and retried, not fatal.
      const events = kubectlOk(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.name=${POOL}`, '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
      expect(events).toMatch(/ScaleUpFailed/);
      expect(events).toMatch(/ScaleUp\b/);

      await waitUntil('the pool back at minNodes (0)', async () => (await poolNodes()).length === 0, 180_000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${JSON.stringify(getPool().status, null, 1)}\n${operator.output().slice(-4000)}`);
      });
    } finally {
      // Stopped whatever happened, so a failure never leaves a loop running.
      sampling = false;
      clearInterval(refresher);
      await nodeSampler;
      report = await sampler.stop();
    }
    const final = getPool();
    expect((final.status?.decisions ?? []).some((d) => d.action === 'scaleDown')).toBe(true);
    expect(maxSeen).toBeGreaterThan(0);
    expect(maxSeen).toBeLessThanOrEqual(Math.min(MAX_NODES, Math.floor(MAX_COST / COST_PER_NODE)));
    for (const decision of final.status?.decisions ?? []) if (decision.action === 'scaleUp') expect(decision.count ?? 0).toBeLessThanOrEqual(Math.floor(MAX_COST / COST_PER_NODE));
    // Each scale-up names the nodes it created, and no node is claimed by two.
    const launched = (final.status?.decisions ?? []).filter((d) => d.action === 'scaleUp').flatMap((d) => d.nodeNames ?? []);
    expect(new Set(launched).size).toBe(launched.length);
    expect(report.violations.slice(0, 3)).toEqual([]);
    expect(final.status?.costPerHour).toBe(0);
  });
});
