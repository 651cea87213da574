// The user's path, for real: the chart installed with helm from the image built from the
// Dockerfile (hack/images.sh loads it into the real nodes' containerd), the operator's two
// replicas as Pods on a real kubelet node with leader election, and worker pods of every strategy
// in containers on the real nodes (hack/node.sh), with exact results. Then the leading replica is
// killed mid-task, and the task still completes, each subtask exactly once.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import path from 'node:path';
import { dataParallelTask, ensembleTask, functionParallelTask, modelParallelTask, pipelineParallelTask } from '../builders/index.js';
import { createNamespace, deleteNamespace, helm, installCrds, kubectl, kubectlOk, rootDir } from '../support/cluster.js';
import { taskReader } from '../support/tasks.js';
import { waitUntil } from '../support/wait.js';

const RELEASE = `chart-${Date.now().toString(36).slice(-5)}`;
const POOLS_FILE = path.join(rootDir, 'hack', 'demo', 'pools.yaml');
let releaseNamespace = '';
let namespace = '';
let tasks: ReturnType<typeof taskReader>;

interface NodeJson {
  metadata: { name: string; labels: Record<string, string> };
  status: { nodeInfo: { containerRuntimeVersion: string; kubeletVersion: string } };
}

const realNodes = () =>
  (JSON.parse(kubectlOk(['get', 'nodes', '-l', 'drm.dtf.io/real-node=true', '-o', 'json'])) as { items: NodeJson[] }).items;
const realNodeOf = (hardware: string) => realNodes().find((n) => n.metadata.labels['drm.dtf.io/hardware'] === hardware)!.metadata.name;
const operatorPods = () =>
  (JSON.parse(kubectlOk(['get', 'pods', '-n', releaseNamespace, '-l', 'app.kubernetes.io/name=drm-operator', '-o', 'json'])) as { items: V1Pod[] }).items;
const leaseHolder = () => kubectl(['get', 'lease', 'drm-operator-leader', '-n', releaseNamespace, '-o', 'jsonpath={.spec.holderIdentity}']).stdout.trim();
const leaderPod = () => operatorPods().find((p) => leaseHolder().startsWith(`${p.metadata!.name!}-`));
const operatorLogs = () => kubectl(['logs', '-n', releaseNamespace, '-l', 'app.kubernetes.io/name=drm-operator', '--tail', '40', '--prefix']).stdout;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every container of the pod ran in containerd on a real node and ended Completed. */
function expectRanInContainer(pod: V1Pod, nodes: string[]): void {
  expect(nodes).toContain(pod.spec!.nodeName);
  const status = pod.status!.containerStatuses![0]!;
  expect(status.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
  expect(status.state?.terminated?.reason).toBe('Completed');
}

beforeAll(async () => {
  const nodes = realNodes();
  if (nodes.length < 2) throw new Error('no real nodes: `bash hack/node.sh up` starts them (npm test does, as root)');
  installCrds();
  releaseNamespace = createNamespace('drm-chart');
  namespace = createNamespace('chart-tasks');
  tasks = taskReader(namespace, operatorLogs);
  const install = helm(['install', RELEASE, path.join(rootDir, 'charts', 'drm-operator'), '--namespace', releaseNamespace,
    '-f', path.join(rootDir, 'hack', 'demo', 'values.yaml'), '--set', 'replicaCount=2', '--wait', '--timeout', '240s']);
  if (install.code !== 0) throw new Error(`helm install failed: ${install.stderr}\n${kubectl(['describe', 'pods', '-n', releaseNamespace]).stdout.slice(-3000)}`);
  kubectlOk(['apply', '-f', POOLS_FILE]);
  await waitUntil('an operator replica holding the lease', () => leaderPod() !== undefined, 90_000);
}, 300_000);

afterAll(() => {
  if (namespace) kubectl(['delete', 'ot', '--all', '-n', namespace, '--wait=true', '--timeout=60s']);
  helm(['uninstall', RELEASE, '--namespace', releaseNamespace, '--wait', '--timeout', '60s']);
  kubectl(['delete', '-f', POOLS_FILE, '--ignore-not-found']);
  deleteNamespace(namespace);
  deleteNamespace(releaseNamespace);
}, 120_000);

describe('helm install on a real node', () => {
  test('runs the operator as 2 replicas from the built image on the real CPU node, one of them leading', () => {
    const pods = operatorPods();
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.spec?.nodeName).toBe(realNodeOf('cpu'));
      const container = pod.status!.containerStatuses![0]!;
      expect(container.ready).toBe(true);
      expect(container.image).toMatch(/drm-operator:/);
      expect(container.containerID).toMatch(/^containerd:\/\//);
      expect(pod.spec?.containers[0]?.securityContext?.readOnlyRootFilesystem).toBe(true);
    }
    expect(leaderPod()).toBeDefined();
    // The node is a kubelet with containerd, not kwok's simulation.
    const node = realNodes().find((n) => n.metadata.name === realNodeOf('cpu'))!;
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    expect(node.status.nodeInfo.kubeletVersion).toMatch(/^v1\./);
  });

  test('runs a task of every strategy in worker containers on the real nodes, with exact results', async () => {
    const small = { cpu: '250m', memory: '128Mi' };
    tasks.apply(dataParallelTask('dp', { spec: { input: { items: range(1, 12) }, partitions: 3, hardware: { type: 'cpu' }, resources: small } }));
    tasks.apply(
      modelParallelTask('mp', {
        spec: {
          taskType: 'map',
          input: { items: [1, 2, 3, 4] },
          stages: [
            { name: 'encode', params: { op: 'double' }, hardware: { type: 'cpu' }, resources: small },
            { name: 'decode', params: { op: 'square' }, hardware: { type: 'gpu' }, resources: { ...small, gpu: 1 } },
          ],
        },
      }),
    );
    tasks.apply(pipelineParallelTask('pp', { spec: { microBatches: 2, hardware: { type: 'cpu' }, resources: small } }));
    tasks.apply(
      ensembleTask('ens', {
        spec: {
          taskType: 'map',
          input: { items: [1, 2, 3] },
          variants: [{ name: 'square', params: { op: 'square' } }, { name: 'double', params: { op: 'double' } }],
          merge: { method: 'collect' },
          resources: small,
        },
      }),
    );
    tasks.apply(functionParallelTask('fp', { spec: { params: { n: 16, runs: 1 }, resources: small } }));

    const done = Object.fromEntries(
      await Promise.all(['dp', 'mp', 'pp', 'ens', 'fp'].map(async (name) => [name, await tasks.waitForPhase(name, ['Completed', 'Failed'], 240_000)] as const)),
    );
    expect(done.dp!.status?.result).toEqual(range(1, 12).map((x) => x * x));
    expect(done.mp!.status?.result).toEqual([4, 16, 36, 64]);
    expect(done.pp!.status?.result).toEqual(range(1, 8).map((x) => -x * x));
    expect(done.ens!.status?.result).toEqual({ square: [1, 4, 9], double: [2, 4, 6] });
    expect(Object.keys(done.fp!.status?.result as object).sort()).toEqual(['latency', 'memory', 'throughput']);

    const nodes = realNodes().map((n) => n.metadata.name);
    for (const name of ['dp', 'mp', 'pp', 'ens', 'fp']) {
      const pods = tasks.podsOf(name);
      expect(pods.length).toBe(tasks.subtasksOf(name).length);
      for (const pod of pods) expectRanInContainer(pod, nodes);
    }
    // Each shard on the hardware it asked for: the GPU shard on the node with (simulated) GPUs.
    const shards = tasks.subtasksOf('mp').sort((a, b) => a.spec.index - b.spec.index);
    expect(shards.map((s) => s.status?.nodeName)).toEqual([realNodeOf('cpu'), realNodeOf('gpu')]);
    // A real container's output, read the way a user reads it.
    const firstPod = tasks.podsOf('dp')[0]!.metadata!.name!;
    expect(kubectl(['logs', firstPod, '-n', namespace]).code).toBe(0);
  }, 300_000);

  test('a task survives the leading replica being killed mid-task, and each subtask completes exactly once', async () => {
    const leader = leaderPod()!.metadata!.name!;
    // Four partitions of 20 s each, on the real nodes: long enough to kill the leader in the middle.
    tasks.apply(
      dataParallelTask('survivor', {
        spec: { input: { items: range(1, 8) }, partitions: 4, params: { op: 'square', minSeconds: 20 }, hardware: { type: 'any' }, resources: { cpu: '100m', memory: '64Mi' } },
      }),
    );
    await waitUntil('a survivor subtask running', () => tasks.subtasksOf('survivor').some((s) => s.status?.phase === 'Running'), 120_000);
    kubectlOk(['delete', 'pod', leader, '-n', releaseNamespace, '--grace-period=0', '--force']);
    await waitUntil('another replica leading', () => {
      const pod = leaderPod();
      return pod !== undefined && pod.metadata!.name !== leader;
    }, 120_000);

    const task = await tasks.waitForPhase('survivor', ['Completed', 'Failed'], 240_000);
    expect(task.status?.phase).toBe('Completed');
    expect(task.status?.result).toEqual(range(1, 8).map((x) => x * x));
    const subtasks = tasks.subtasksOf('survivor');
    expect(subtasks).toHaveLength(4);
    for (const subtask of subtasks) {
      expect(subtask.status?.phase).toBe('Completed');
      expect(subtask.status?.attempts).toBe(1);
    }
    // One pod per subtask: the new leader adopted the running ones instead of starting them again.
    expect(tasks.podsOf('survivor')).toHaveLength(4);
  }, 400_000);
});
