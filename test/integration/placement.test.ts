// The operator as the scheduler of its own pods, on the real control plane: kwok nodes of mixed
// CPU and GPU shapes, some partly taken by pods that are not ours. kwok runs each bound subtask
// pod for the task's simulated duration and completes it (hack/kwok/stages.yaml). A sampler reads
// the API server independently of the operator and sums requests per node throughout.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataParallelTask, modelParallelTask, workerPool, type Manifest } from '../builders/index.js';
import { createNamespace, deleteNamespace, installCrds, kubectl, kubectlOk, manifestInput } from '../support/cluster.js';
import { kwokNode, plainPod, type FakeNodeOptions } from '../support/kube-objects.js';
import { coreClient, sampleOccupancy, type OccupancyReport } from '../support/occupancy.js';
import { startOperator, stopAll, waitForNodesReady, waitForOperator, type ManagedProcess } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const PORT = 18281;
const SCHEDULER = 'drm-scheduler';
const H100 = `NVIDIA-H100-80GB-HBM3-${suffix}`;
const A10G = `NVIDIA-A10G-${suffix}`;
const core = coreClient();
let namespace = '';
let operator: ManagedProcess;
const createdNodes: string[] = [];
const createdPools: string[] = [];

interface SubtaskJson {
  metadata: { name: string };
  status?: { phase?: string; nodeName?: string; workerPool?: string; fitnessScore?: number; message?: string };
}
interface TaskJson {
  status?: { phase?: string; message?: string };
}

const poolName = (role: string) => `${role}-${suffix}`;
/** Every pool of this file carries this label; each task selects its pools by it. */
const poolSelector = (role: string) => ({ matchLabels: { 'placement-test': suffix, role } });

function addPool(role: string, hardware: 'cpu' | 'gpu', extra: Record<string, unknown> = {}): void {
  const name = poolName(role);
  createdPools.push(name);
  kubectlOk(
    ['apply', '-f', '-'],
    manifestInput(
      workerPool(name, 'static', {
        metadata: { labels: { 'placement-test': suffix, role } },
        spec: { hardware: hardware === 'gpu' ? { type: 'gpu' } : { type: 'cpu' }, provider: { static: { nodeSelector: { 'drm.dtf.io/pool': name } } }, ...extra },
      }),
    ),
  );
}

function addNode(name: string, role: string, options: FakeNodeOptions): void {
  createdNodes.push(name);
  kubectlOk(['create', '-f', '-'], manifestInput(kwokNode(name, { taints: [], ...options, labels: { 'drm.dtf.io/pool': poolName(role), ...options.labels } })));
}

function occupy(name: string, nodeName: string, requests: Record<string, string>): void {
  kubectlOk(['create', '-n', namespace, '-f', '-'], manifestInput(plainPod(name, { nodeName, requests })));
}

const apply = (...manifests: Manifest[]) => kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput({ apiVersion: 'v1', kind: 'List', items: manifests }));
const getTask = (name: string) => JSON.parse(kubectlOk(['get', 'ot', name, '-n', namespace, '-o', 'json'])) as TaskJson;
const subtasksOf = (task: string) => (JSON.parse(kubectlOk(['get', 'st', '-n', namespace, '-l', `drm.dtf.io/task=${task}`, '-o', 'json'])) as { items: SubtaskJson[] }).items;
const podsOf = async (task: string) => (await core.listNamespacedPod({ namespace, labelSelector: `drm.dtf.io/task=${task}` })).items;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A DataParallel task of `partitions` subtasks that kwok completes after `seconds` each. */
function simulatedTask(name: string, partitions: number, seconds: number, spec: Record<string, unknown>): Manifest {
  return dataParallelTask(name, {
    metadata: { annotations: { 'drm.dtf.io/simulated-duration': `${seconds}s` } },
    spec: { input: { items: range(1, partitions) }, partitions, retry: { maxAttempts: 1 }, ...spec },
  });
}

async function waitForPhase(name: string, phases: string[], timeoutMs = 240_000): Promise<TaskJson> {
  let task: TaskJson | undefined;
  await waitUntil(`task ${name} in ${phases.join('|')}`, () => {
    task = getTask(name);
    return phases.includes(task.status?.phase ?? '');
  }, timeoutMs).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; status: ${JSON.stringify(task?.status)}\n${operator.output().slice(-4000)}`);
  });
  return task!;
}

async function placement(): Promise<{ ledger: { bound: number; reserved: number; held: number }; pendingDemand: Array<{ hardware: string; gpuProduct?: string; subtasks: number; total: { cpuMillis: number; gpus: number } }> }> {
  return (await (await fetch(`http://127.0.0.1:${PORT}/debug/placement`)).json()) as never;
}

/** No violation, and the sampler saw load and, in each group, a node filled to the brim: the check could have failed. */
function expectNoOvercommit(report: OccupancyReport, minimumPeak: number, groups: ReadonlyArray<readonly string[]>): void {
  expect(report.violations.slice(0, 3)).toEqual([]);
  expect(report.samples).toBeGreaterThan(5);
  expect(report.peakPods).toBeGreaterThanOrEqual(minimumPeak);
  for (const group of groups) expect(group.some((node) => report.saturated.has(node))).toBe(true);
}

const nodesOf = (pods: V1Pod[]) => new Set(pods.map((pod) => pod.spec?.nodeName));

beforeAll(async () => {
  installCrds();
  namespace = createNamespace('placement');
  addPool('cpu', 'cpu');
  addPool('a10g', 'gpu');
  addPool('h100', 'gpu');
  for (let i = 0; i < 10; i++) addNode(`pl-cpu-${i}-${suffix}`, 'cpu', { cpu: '8', memory: '16Gi' });
  for (let i = 0; i < 3; i++) addNode(`pl-a10g-${i}-${suffix}`, 'a10g', { cpu: '16', memory: '64Gi', gpus: 4, gpuProduct: A10G, gpuMemoryMiB: 24576 });
  for (let i = 0; i < 3; i++) addNode(`pl-h100-${i}-${suffix}`, 'h100', { cpu: '32', memory: '256Gi', gpus: 8, gpuProduct: H100, gpuMemoryMiB: 81920 });
  await waitForNodesReady(createdNodes);
  // Pods that are not ours, bound directly, already hold part of three nodes.
  occupy('other-cpu', `pl-cpu-0-${suffix}`, { cpu: '2', memory: '1Gi' });
  occupy('other-a10g', `pl-a10g-0-${suffix}`, { cpu: '2', 'nvidia.com/gpu': '2' });
  occupy('other-h100', `pl-h100-0-${suffix}`, { cpu: '8', 'nvidia.com/gpu': '4' });
  operator = startOperator({ healthPort: PORT, extraArgs: ['--qps', '200', '--burst', '400'] });
  await waitForOperator(PORT);
});

afterAll(async () => {
  await stopAll();
  deleteNamespace(namespace);
  if (createdNodes.length > 0) kubectl(['delete', 'node', ...createdNodes, '--ignore-not-found', '--wait=false']);
  if (createdPools.length > 0) kubectl(['delete', 'workerpool', ...createdPools, '--ignore-not-found', '--wait=false']);
});

describe('placement by the operator', () => {
  test('500 subtasks of four tasks applied at once: no node over-committed at any sample, GPU work on its product only, CPU work never on GPU nodes while CPU nodes fit', async () => {
    const cpuNodes = createdNodes.filter((n) => n.startsWith('pl-cpu-'));
    const sampler = sampleOccupancy(core, () => createdNodes);
    // CPU nodes hold 78 free cores: both CPU tasks (75 cores at once) fit there together, so any
    // CPU work on a GPU node would be a wrong choice. GPU work queues: 10 A10G and 20 H100 free.
    apply(
      simulatedTask('cpu-work', 200, 2, { hardware: { type: 'cpu' }, resources: { cpu: '250m', memory: '64Mi' }, poolSelector: { matchLabels: { 'placement-test': suffix } } }),
      simulatedTask('any-work', 100, 2, { resources: { cpu: '250m', memory: '64Mi' }, poolSelector: { matchLabels: { 'placement-test': suffix } } }),
      simulatedTask('h100-work', 100, 2, { hardware: { type: 'gpu', gpuProduct: H100 }, resources: { cpu: '1', memory: '1Gi', gpu: 1 }, poolSelector: { matchLabels: { 'placement-test': suffix } } }),
      simulatedTask('a10g-work', 100, 2, { hardware: { type: 'gpu', gpuProduct: A10G, minGpuMemoryMiB: 16000 }, resources: { cpu: '500m', memory: '512Mi', gpu: 1 }, poolSelector: { matchLabels: { 'placement-test': suffix } } }),
    );
    for (const name of ['cpu-work', 'any-work', 'h100-work', 'a10g-work']) expect((await waitForPhase(name, ['Completed', 'Failed'], 300_000)).status?.phase).toBe('Completed');
    const report = await sampler.stop();
    // GPU work queues for the GPUs: an H100 and an A10G node must have been seen with every GPU taken.
    expectNoOvercommit(report, 20, [createdNodes.filter((n) => n.startsWith('pl-h100-')), createdNodes.filter((n) => n.startsWith('pl-a10g-'))]);

    const cpuPods = [...(await podsOf('cpu-work')), ...(await podsOf('any-work'))];
    const h100Pods = await podsOf('h100-work');
    const a10gPods = await podsOf('a10g-work');
    expect(cpuPods.length + h100Pods.length + a10gPods.length).toBe(500);
    expect([...nodesOf(cpuPods)].every((node) => cpuNodes.includes(node!))).toBe(true);
    expect([...nodesOf(h100Pods)].every((node) => node?.startsWith('pl-h100-'))).toBe(true);
    expect([...nodesOf(a10gPods)].every((node) => node?.startsWith('pl-a10g-'))).toBe(true);
    // Bound by us: our schedulerName, and the Binding's annotations (kube-scheduler adds none).
    for (const pod of [...cpuPods, ...h100Pods, ...a10gPods]) {
      expect(pod.spec?.schedulerName).toBe(SCHEDULER);
      expect(pod.metadata?.annotations?.['drm.dtf.io/fitness-score']).toMatch(/^(0(\.\d+)?|1)$/);
    }
    const subtask = subtasksOf('h100-work')[0]!;
    expect(subtask.status?.nodeName).toMatch(/^pl-h100-/);
    expect(subtask.status?.workerPool).toBe(poolName('h100'));
    expect(subtask.status?.fitnessScore).toBeGreaterThan(0);
    expect(subtask.status?.fitnessScore).toBeLessThanOrEqual(1);
  });

  test('a subtask bigger than every node stays Pending naming the shortfall, and binds once a node that fits appears', async () => {
    apply(simulatedTask('too-big', 1, 1, { resources: { cpu: '64', memory: '1Gi' }, poolSelector: poolSelector('cpu') }));
    let subtask: SubtaskJson | undefined;
    await waitUntil('an unschedulable reason on the subtask', () => {
      subtask = subtasksOf('too-big')[0];
      return /larger than any/.test(subtask?.status?.message ?? '');
    });
    expect(subtask!.status?.phase).toBe('Pending');
    expect(subtask!.status?.message).toMatch(/^needs cpu 64, memory 1Gi: larger than any of the 10 nodes \(largest has 8 cpu allocatable\)/);
    const [pod] = await podsOf('too-big');
    expect(pod!.spec?.nodeName).toBeUndefined();
    expect(pod!.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    const events = kubectlOk(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${subtask!.metadata.name},reason=Unschedulable`, '-o', 'jsonpath={.items[*].message}']);
    expect(events).toMatch(/needs cpu 64/);
    // Published as pending demand for the autoscaler, in the debug view and as metrics.
    const demand = (await placement()).pendingDemand.find((d) => d.total.cpuMillis >= 64000);
    expect(demand).toMatchObject({ hardware: 'any', subtasks: 1 });
    const metrics = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
    expect(metrics).toMatch(/drm_pending_subtasks\{hardware="any"\} 1/);

    const big = `pl-big-${suffix}`;
    const added = Date.now();
    addNode(big, 'cpu', { cpu: '96', memory: '64Gi' });
    await waitUntil('the big subtask bound to the new node', async () => (await podsOf('too-big'))[0]?.spec?.nodeName === big, 30_000);
    process.stdout.write(`[placement] bound ${Date.now() - added} ms after its node was created (node Ready included)\n`);
    expect((await waitForPhase('too-big', ['Completed', 'Failed'])).status?.phase).toBe('Completed');
    expect((await placement()).pendingDemand.find((d) => d.total.cpuMillis >= 64000)).toBeUndefined();
  });

  test('a GPU subtask waiting for its product names the GPUs taken, and binds when one is freed', async () => {
    const product = `NVIDIA-H100-${suffix}`;
    addPool('scarce', 'gpu');
    const nodes = [`pl-scarce-0-${suffix}`, `pl-scarce-1-${suffix}`];
    for (const name of nodes) addNode(name, 'scarce', { cpu: '8', memory: '32Gi', gpus: 1, gpuProduct: product, gpuMemoryMiB: 81920 });
    await waitForNodesReady(nodes);
    occupy('other-scarce-0', nodes[0]!, { cpu: '1', 'nvidia.com/gpu': '1' });
    occupy('other-scarce-1', nodes[1]!, { cpu: '1', 'nvidia.com/gpu': '1' });
    apply(simulatedTask('scarce-gpu', 1, 1, { hardware: { type: 'gpu', gpuProduct: product }, resources: { cpu: '1', memory: '1Gi', gpu: 1 }, poolSelector: poolSelector('scarce') }));
    await waitUntil('the shortfall on the subtask', () => /0 of 2 GPU nodes have one free/.test(subtasksOf('scarce-gpu')[0]?.status?.message ?? ''));
    expect(subtasksOf('scarce-gpu')[0]!.status?.message).toMatch(new RegExp(`^needs 1 nvidia.com/gpu ${product}, cpu 1, memory 1Gi: 0 of 2 GPU nodes have one free`));
    kubectlOk(['delete', 'pod', 'other-scarce-1', '-n', namespace, '--wait=false']);
    await waitUntil('bound to the freed node', async () => (await podsOf('scarce-gpu'))[0]?.spec?.nodeName === nodes[1], 30_000);
    expect((await waitForPhase('scarce-gpu', ['Completed', 'Failed'])).status?.phase).toBe('Completed');
  });

  test('two tasks applied at the same moment never over-commit a node, nor does work placed after an operator restart', async () => {
    const product = `NVIDIA-DUO-${suffix}`;
    addPool('duo', 'gpu');
    const nodes = [`pl-duo-0-${suffix}`, `pl-duo-1-${suffix}`];
    for (const name of nodes) addNode(name, 'duo', { cpu: '8', memory: '32Gi', gpus: 2, gpuProduct: product });
    await waitForNodesReady(nodes);
    const sampler = sampleOccupancy(core, () => nodes, 100);
    const gpuTask = (name: string) => simulatedTask(name, 4, 3, { hardware: { type: 'gpu', gpuProduct: product }, resources: { cpu: '1', memory: '1Gi', gpu: 1 }, poolSelector: poolSelector('duo') });
    apply(gpuTask('duo-a'), gpuTask('duo-b'));
    // Both nodes full: then the operator dies, and a new one must rebuild the ledger from the cluster.
    await waitUntil('4 GPUs bound', async () => [...(await podsOf('duo-a')), ...(await podsOf('duo-b'))].filter((p) => p.spec?.nodeName && p.status?.phase !== 'Succeeded').length === 4);
    await operator.stop('SIGKILL');
    apply(gpuTask('duo-c'));
    operator = startOperator({ healthPort: PORT, extraArgs: ['--qps', '200', '--burst', '400'] });
    await waitForOperator(PORT);
    for (const name of ['duo-a', 'duo-b', 'duo-c']) expect((await waitForPhase(name, ['Completed', 'Failed'])).status?.phase).toBe('Completed');
    const report = await sampler.stop();
    expectNoOvercommit(report, 4, [[nodes[0]!], [nodes[1]!]]);
  });

  test('binpack fills the fewest nodes of its pool, spread uses them all; a tainted pool takes the work that selects it', async () => {
    addPool('packed', 'cpu', { placementPolicy: 'binpack' });
    addPool('spread', 'cpu', { placementPolicy: 'spread', taints: [{ key: 'dedicated', value: `spread-${suffix}`, effect: 'NoSchedule' }] });
    const packed = [0, 1, 2].map((i) => `pl-packed-${i}-${suffix}`);
    const spread = [0, 1, 2].map((i) => `pl-spread-${i}-${suffix}`);
    for (const name of packed) addNode(name, 'packed', { cpu: '4', memory: '8Gi' });
    for (const name of spread) addNode(name, 'spread', { cpu: '4', memory: '8Gi', taints: [{ key: 'dedicated', value: `spread-${suffix}`, effect: 'NoSchedule' }] });
    await waitForNodesReady([...packed, ...spread]);
    const task = (name: string, role: string) => simulatedTask(name, 6, 4, { hardware: { type: 'cpu' }, resources: { cpu: '500m', memory: '256Mi' }, poolSelector: poolSelector(role) });
    apply(task('packed-work', 'packed'), task('spread-work', 'spread'));
    for (const name of ['packed-work', 'spread-work']) expect((await waitForPhase(name, ['Completed', 'Failed'])).status?.phase).toBe('Completed');
    expect(nodesOf(await podsOf('packed-work')).size).toBe(1);
    expect(nodesOf(await podsOf('spread-work'))).toEqual(new Set(spread));
    const spreadPod = (await podsOf('spread-work'))[0]!;
    expect(spreadPod.spec?.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'dedicated', value: `spread-${suffix}`, effect: 'NoSchedule' })]));
  });

  test('a gang binds none of its shards until all fit, then holds capacity for the later shards against other work', async () => {
    const product = `NVIDIA-GANG-${suffix}`;
    addPool('gang', 'gpu');
    const first = `pl-gang-0-${suffix}`;
    addNode(first, 'gang', { cpu: '8', memory: '32Gi', gpus: 2, gpuProduct: product });
    await waitForNodesReady([first]);
    const shard = (name: string) => ({ name, params: { op: 'double' }, hardware: { type: 'gpu', gpuProduct: product }, resources: { cpu: '1', memory: '1Gi', gpu: 1 } });
    apply(
      modelParallelTask('gang', {
        metadata: { annotations: { 'drm.dtf.io/simulated-duration': '6s' } },
        spec: { taskType: 'map', input: { items: [1, 2] }, gang: true, poolSelector: poolSelector('gang'), stages: [shard('s0'), shard('s1'), shard('s2')] },
      }),
    );
    await waitUntil('the gang explained as unschedulable', () => subtasksOf('gang').some((s) => /gang of 3/.test(s.status?.message ?? '')));
    await sleep(2000);
    expect((await podsOf('gang')).filter((p) => p.spec?.nodeName)).toEqual([]);

    const second = `pl-gang-1-${suffix}`;
    addNode(second, 'gang', { cpu: '8', memory: '32Gi', gpus: 1, gpuProduct: product });
    await waitUntil('the first shard bound', async () => (await podsOf('gang')).some((p) => p.spec?.nodeName));
    // Three GPUs, all the gang's: work that arrives now waits, though only one shard runs.
    expect((await placement()).ledger.held).toBeGreaterThanOrEqual(1);
    apply(simulatedTask('after-gang', 1, 1, { hardware: { type: 'gpu', gpuProduct: product }, resources: { cpu: '1', memory: '1Gi', gpu: 1 }, poolSelector: poolSelector('gang') }));
    await waitUntil('the late task told to wait', () => /needs 1 nvidia.com\/gpu/.test(subtasksOf('after-gang')[0]?.status?.message ?? ''));
    expect((await waitForPhase('gang', ['Completed', 'Failed'])).status?.phase).toBe('Completed');
    expect((await waitForPhase('after-gang', ['Completed', 'Failed'])).status?.phase).toBe('Completed');
    const finished = (s: SubtaskJson) => Date.parse((s.status as { completionTime?: string }).completionTime ?? '0');
    const firstShardDone = finished(subtasksOf('gang').find((s) => s.metadata.name.includes('s0'))!);
    const lateStart = Date.parse(((subtasksOf('after-gang')[0]!.status ?? {}) as { startTime?: string }).startTime ?? '0');
    // Its GPU came free only when the first shard finished: the other two stayed held.
    expect(lateStart).toBeGreaterThanOrEqual(firstShardDone - 1000);
  });
});
