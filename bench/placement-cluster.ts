// Binding throughput on the real control plane: how many pods per second our scheduler binds,
// next to kube-scheduler binding the same number of plain pods with the same requests, on the
// same kwok nodes, measured the same way. Both start from the same state: every pod exists and
// has been found unschedulable, because the nodes carry a taint none of them tolerates. The clock
// starts when the taint is removed from all nodes and stops when the last pod is bound; bind
// times come from a watch, to the millisecond.
import { Watch, type V1Pod } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataParallelTask, workerPool } from '../test/builders/index.js';
import { createNamespace, deleteNamespace, installCrds, kubectl, kubectlOk, manifestInput } from '../test/support/cluster.js';
import { kwokNode, plainPod } from '../test/support/kube-objects.js';
import { coreClient } from '../test/support/occupancy.js';
import { startOperator, stopAll, waitForNodesReady, waitForOperator } from '../test/support/operator.js';
import { waitUntil } from '../test/support/wait.js';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigPath } from '../test/support/cluster.js';

export interface BindingRun {
  pods: number;
  /** From the taint's removal to the first and the last binding, in ms. */
  firstBindMs: number;
  lastBindMs: number;
  podsPerSecond: number;
}

export interface ClusterBenchResult {
  nodes: number;
  ours: BindingRun;
  kubeScheduler: BindingRun;
}

const HOLD_TAINT = 'bench.drm.dtf.io/hold';

/** Records when each pod of the namespace is first seen bound. */
async function watchBindings(namespace: string): Promise<{ bound: Map<string, number>; stop: () => void }> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath());
  const bound = new Map<string, number>();
  let stopped = false;
  let request: AbortController | undefined;
  const start = async (): Promise<void> => {
    request = await new Watch(kubeConfig).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      {},
      (_type: string, pod: V1Pod) => {
        const name = pod.metadata?.name;
        if (name && pod.spec?.nodeName && !bound.has(name)) bound.set(name, performance.now());
      },
      // A watch the server ends is started again; its initial events catch up what was missed.
      () => {
        if (!stopped) void sleep(100).then(start);
      },
    );
  };
  await start();
  return {
    bound,
    stop: () => {
      stopped = true;
      request?.abort();
    },
  };
}

async function allUnschedulable(namespace: string, count: number, selector: string): Promise<void> {
  const core = coreClient();
  await waitUntil(
    `${count} pods found unschedulable`,
    async () => {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
      return pods.length === count && pods.every((pod) => pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
    },
    600_000,
  );
}

async function releaseAndTime(namespace: string, nodeLabel: string, count: number): Promise<BindingRun> {
  const watch = await watchBindings(namespace);
  await sleep(500); // the watch's initial list is in
  const released = performance.now();
  kubectlOk(['taint', 'nodes', '-l', nodeLabel, `${HOLD_TAINT}-`]);
  try {
    await waitUntil(`${count} pods bound`, () => watch.bound.size >= count, 120_000 + count * 200);
  } finally {
    watch.stop();
  }
  const times = [...watch.bound.values()].map((t) => t - released);
  const lastBindMs = Math.max(...times);
  return { pods: count, firstBindMs: Math.min(...times), lastBindMs, podsPerSecond: count / (lastBindMs / 1000) };
}

export async function benchBindingRate(options: { pods?: number; nodes?: number; log?: (line: string) => void } = {}): Promise<ClusterBenchResult> {
  const count = options.pods ?? 500;
  const nodeCount = options.nodes ?? 25;
  const log = options.log ?? (() => undefined);
  const suffix = Date.now().toString(36).slice(-5);
  const nodeLabel = `bench-run=${suffix}`;
  const pool = `bench-${suffix}`;
  const nodes = Array.from({ length: nodeCount }, (_, i) => `bench-${i}-${suffix}`);
  const port = 18381;
  installCrds();
  kubectlOk(['apply', '-f', '-'], manifestInput(workerPool(pool, 'static', { metadata: { labels: { bench: suffix } }, spec: { provider: { static: { nodeSelector: { 'drm.dtf.io/pool': pool } } } } })));
  const hold = () => kubectlOk(['taint', 'nodes', '-l', nodeLabel, `${HOLD_TAINT}=${suffix}:NoSchedule`, '--overwrite']);
  kubectlOk(
    ['create', '-f', '-'],
    manifestInput({
      apiVersion: 'v1',
      kind: 'List',
      items: nodes.map((name) => kwokNode(name, { cpu: '32', memory: '128Gi', pods: '110', taints: [{ key: HOLD_TAINT, value: suffix, effect: 'NoSchedule' }], labels: { 'bench-run': suffix, 'drm.dtf.io/pool': pool } })),
    }),
  );
  const namespaces: string[] = [];
  try {
    await waitForNodesReady(nodes);

    // Ours: one task of `count` subtasks, its pods created by the operator, placed by it.
    const ours = createNamespace('bench-ours');
    namespaces.push(ours);
    const operator = startOperator({ healthPort: port });
    await waitForOperator(port);
    log(`our scheduler: creating ${count} subtask pods`);
    kubectlOk(
      ['apply', '-n', ours, '-f', '-'],
      manifestInput(
        dataParallelTask('bench', {
          metadata: { annotations: { 'drm.dtf.io/simulated-duration': '1h' } },
          spec: { input: { items: Array.from({ length: count }, (_, i) => i) }, partitions: count, resources: { cpu: '100m', memory: '64Mi' }, poolSelector: { matchLabels: { bench: suffix } } },
        }),
      ),
    );
    await allUnschedulable(ours, count, 'drm.dtf.io/task=bench');
    log('our scheduler: all pending; releasing the nodes');
    const oursRun = await releaseAndTime(ours, nodeLabel, count).catch((error: unknown) => {
      log(operator.output().slice(-6000));
      throw error;
    });
    await operator.stop();
    hold();
    kubectl(['delete', 'pods', '--all', '-n', ours, '--wait=false']);
    await waitUntil('bench nodes empty', async () => (await coreClient().listNamespacedPod({ namespace: ours })).items.length === 0, 300_000);

    // kube-scheduler: the same number of plain pods, the same requests, the same nodes.
    const theirs = createNamespace('bench-kube');
    namespaces.push(theirs);
    log(`kube-scheduler: creating ${count} plain pods`);
    const pods = Array.from({ length: count }, (_, i) => plainPod(`plain-${i}`, { requests: { cpu: '100m', memory: '64Mi' }, nodeSelector: { 'bench-run': suffix }, labels: { bench: 'plain' } }));
    for (let i = 0; i < pods.length; i += 100) kubectlOk(['create', '-n', theirs, '-f', '-'], manifestInput({ apiVersion: 'v1', kind: 'List', items: pods.slice(i, i + 100) }));
    await allUnschedulable(theirs, count, 'bench=plain');
    log('kube-scheduler: all pending; releasing the nodes');
    const kubeRun = await releaseAndTime(theirs, nodeLabel, count);
    return { nodes: nodeCount, ours: oursRun, kubeScheduler: kubeRun };
  } finally {
    await stopAll();
    for (const namespace of namespaces) deleteNamespace(namespace);
    kubectl(['delete', 'node', ...nodes, '--ignore-not-found', '--wait=false']);
    kubectl(['delete', 'workerpool', pool, '--ignore-not-found', '--wait=false']);
  }
}
