// The task controller end to end on the real control plane: the operator process splits each
// task, the dev runner runs every subtask's real worker as a local process on CPU and
// GPU-labeled nodes, and the merged results must be exact.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataParallelTask, ensembleTask, functionParallelTask, modelParallelTask, pipelineParallelTask } from '../builders/index.js';
import { createNamespace, deleteNamespace, installCrds, kubectl, kubectlOk, manifestInput, rootDir } from '../support/cluster.js';
import { readiness, startDevRunner, startOperator, stopAll, waitForNodesReady, waitForOperator, type ManagedProcess } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const NODES = [`it-cpu-1-${suffix}:cpu:4:8Gi`, `it-cpu-2-${suffix}:cpu:4:8Gi`, `it-cpu-3-${suffix}:cpu:4:8Gi`, `it-gpu-1-${suffix}:gpu:8:32Gi:1:NVIDIA-A10G:24576`, `it-gpu-2-${suffix}:gpu:16:64Gi:2:NVIDIA-H100-80GB-HBM3:81920`];
const nodeNames = NODES.map((n) => n.split(':')[0]!);
const PORT = 18181;
let namespace = '';

let operator: ManagedProcess;

interface TaskJson {
  metadata: { name: string; uid: string };
  status?: { phase?: string; result?: unknown; message?: string; subtasks?: Record<string, number>; completionPercentage?: number };
}
interface SubtaskJson {
  metadata: { name: string };
  spec: { role: string; index: number; microBatch?: number; name: string };
  status?: { phase?: string; nodeName?: string; attempts?: number; startTime?: string; completionTime?: string; attemptHistory?: Array<{ attempt: number; phase: string }> };
}

const getTask = (name: string) => JSON.parse(kubectlOk(['get', 'ot', name, '-n', namespace, '-o', 'json'])) as TaskJson;
const subtasksOf = (task: string) =>
  (JSON.parse(kubectlOk(['get', 'st', '-n', namespace, '-l', `drm.dtf.io/task=${task}`, '-o', 'json'])) as { items: SubtaskJson[] }).items;
const podsOf = (task: string) => (JSON.parse(kubectlOk(['get', 'pods', '-n', namespace, '-l', `drm.dtf.io/task=${task}`, '-o', 'json'])) as { items: V1Pod[] }).items;
const apply = (manifest: unknown) => kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput(manifest));

async function waitForPhase(name: string, phases: string[], timeoutMs = 120_000): Promise<TaskJson> {
  let task: TaskJson | undefined;
  await waitUntil(`task ${name} in ${phases.join('|')}`, () => {
    task = getTask(name);
    return phases.includes(task.status?.phase ?? '');
  }, timeoutMs).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; task status: ${JSON.stringify(task?.status)}\n${operator.output().slice(-3000)}`);
  });
  return task!;
}

const hardwareOf = (node: string) => (node.startsWith('it-gpu') ? 'gpu' : 'cpu');
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  installCrds();
  namespace = createNamespace('tasks');
  startDevRunner(NODES);
  operator = startOperator({ healthPort: PORT, leaderElect: true, leaseNamespace: namespace });
  await waitForNodesReady(nodeNames);
  await waitForOperator(PORT);
});

afterAll(async () => {
  await stopAll();
  deleteNamespace(namespace);
  kubectl(['delete', 'node', ...nodeNames, '--ignore-not-found', '--wait=false']);
});

describe('each strategy completes with the exact result', () => {
  test('DataParallel map/square over 1..100 in 7 partitions gives the 100 squares in order', async () => {
    apply(dataParallelTask('dp-squares', { spec: { input: { items: range(1, 100) }, partitions: 7, resources: { cpu: '250m', memory: '128Mi' } } }));
    const task = await waitForPhase('dp-squares', ['Completed', 'Failed']);
    expect(task.status?.message).toMatch(/merged 7 results/);
    expect(task.status?.result).toEqual(range(1, 100).map((x) => x * x));
    expect(subtasksOf('dp-squares')).toHaveLength(7);
    expect(task.status?.completionPercentage).toBe(100);
  });

  test('PipelineParallel [square, double] over 1..20 in 4 micro-batches gives 2x² in order, stages overlapping', async () => {
    apply(
      pipelineParallelTask('pp', {
        spec: {
          input: { items: range(1, 20) },
          microBatches: 4,
          stages: [{ name: 'square', params: { op: 'square' } }, { name: 'double', params: { op: 'double' } }],
          hardware: { type: 'cpu' },
          // One pod per CPU node: three slots for eight subtasks of a second each. The fourth
          // micro-batch's first stage still runs when the first micro-batches' second stages start.
          resources: { cpu: '4', memory: '256Mi' },
          params: { minSeconds: 1 },
        },
      }),
    );
    const task = await waitForPhase('pp', ['Completed', 'Failed'], 180_000);
    expect(task.status?.result).toEqual(range(1, 20).map((x) => 2 * x * x));
    const subtasks = subtasksOf('pp');
    expect(subtasks).toHaveLength(8);
    const first = subtasks.filter((s) => s.spec.index === 0);
    const second = subtasks.filter((s) => s.spec.index === 1);
    // Overlap: some micro-batch's second stage started before another micro-batch's first stage finished.
    const overlaps = second.some((s) => first.some((f) => f.spec.microBatch !== s.spec.microBatch && Date.parse(s.status!.startTime!) < Date.parse(f.status!.completionTime!)));
    expect(overlaps).toBe(true);
  });

  test('Ensemble mean of three variants is the elementwise mean', async () => {
    apply(
      ensembleTask('ens', {
        spec: {
          taskType: 'map',
          input: { items: [1, 2, 3] },
          variants: [{ name: 'square', params: { op: 'square' } }, { name: 'double', params: { op: 'double' } }, { name: 'negate', params: { op: 'negate' } }],
          merge: { method: 'mean' },
        },
      }),
    );
    const task = await waitForPhase('ens', ['Completed', 'Failed']);
    const expected = [1, 2, 3].map((x) => (x * x + 2 * x - x) / 3);
    const result = task.status?.result as number[];
    expect(result).toHaveLength(3);
    result.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 10));
  });

  test('FunctionParallel result is keyed by function name', async () => {
    apply(functionParallelTask('fp', { spec: { taskType: 'benchmark', params: { n: 16, runs: 2 }, functions: [{ name: 'latency' }, { name: 'throughput' }, { name: 'memory' }] } }));
    const task = await waitForPhase('fp', ['Completed', 'Failed']);
    expect(Object.keys(task.status?.result as object).sort()).toEqual(['latency', 'memory', 'throughput']);
  });

  test('ModelParallel runs shards in order, each on the hardware it asks for', async () => {
    apply(
      modelParallelTask('mp', {
        spec: {
          taskType: 'map',
          input: { items: [1, 2, 3, 4] },
          stages: [
            { name: 'encode', params: { op: 'double' }, hardware: { type: 'cpu' }, resources: { cpu: '500m', memory: '128Mi' } },
            { name: 'decode', params: { op: 'square' }, hardware: { type: 'gpu', gpuProduct: 'NVIDIA-H100-80GB-HBM3' }, resources: { cpu: '500m', memory: '128Mi', gpu: 1 } },
          ],
        },
      }),
    );
    const task = await waitForPhase('mp', ['Completed', 'Failed']);
    expect(task.status?.result).toEqual([4, 16, 36, 64]);
    const shards = subtasksOf('mp').sort((a, b) => a.spec.index - b.spec.index);
    expect(shards.map((s) => hardwareOf(s.status!.nodeName!))).toEqual(['cpu', 'gpu']);
    expect(shards[1]!.status!.nodeName).toMatch(/^it-gpu-2/);
    expect(Date.parse(shards[1]!.status!.startTime!)).toBeGreaterThanOrEqual(Date.parse(shards[0]!.status!.completionTime!));
  });
});

describe('examples/', () => {
  test('every example applies as written and completes, with the results its comments promise', async () => {
    // The task manifests only: examples/pools.yaml holds WorkerPools for the simulator.
    const examples = path.join(rootDir, 'examples');
    const taskFiles = readdirSync(examples)
      .filter((file) => file.endsWith('.yaml') && /^kind: OrchestratedTask$/m.test(readFileSync(path.join(examples, file), 'utf8')))
      .map((file) => path.join(examples, file));
    expect(taskFiles).toHaveLength(6);
    kubectlOk(['apply', '-n', namespace, ...taskFiles.flatMap((file) => ['-f', file])]);
    const names = ['squares', 'two-shards', 'pipeline', 'matmul-sizes', 'kernel-benchmark', 'flaky'];
    const tasks = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await waitForPhase(name, ['Completed', 'Failed'], 180_000)] as const)));
    for (const name of names) expect(`${name}: ${tasks[name]!.status?.phase}`).toBe(`${name}: Completed`);
    expect(tasks.squares!.status?.result).toEqual(range(1, 12).map((x) => x * x));
    expect(tasks['two-shards']!.status?.result).toEqual([4, 16, 36, 64]);
    expect(tasks.pipeline!.status?.result).toEqual(range(1, 8).map((x) => -2 * x));
    expect(tasks.flaky!.status?.result).toEqual(['a', 'b', 'c', 'd']);
    expect(Object.keys(tasks['matmul-sizes']!.status?.result as object).sort()).toEqual(['large', 'medium', 'small']);
    expect((tasks['matmul-sizes']!.status?.result as Record<string, { n: number }>).large!.n).toBe(128);
    expect(Object.keys(tasks['kernel-benchmark']!.status?.result as object).sort()).toEqual(['latency', 'memory', 'throughput']);
  });
});

describe('retries and failure policy', () => {
  const flaky = (name: string, failAttempts: number, maxAttempts: number, extra: Record<string, unknown> = {}) =>
    dataParallelTask(name, { spec: { taskType: 'flaky', params: { failAttempts }, input: { items: ['a', 'b'] }, partitions: 2, retry: { maxAttempts, backoffSeconds: 1, maxBackoffSeconds: 2 }, ...extra } });

  test('flaky with failAttempts 2 and maxAttempts 3 completes on its third attempt', async () => {
    apply(flaky('flaky-ok', 2, 3));
    const task = await waitForPhase('flaky-ok', ['Completed', 'Failed']);
    expect(task.status?.phase).toBe('Completed');
    expect(task.status?.result).toEqual(['a', 'b']);
    for (const subtask of subtasksOf('flaky-ok')) {
      expect(subtask.status?.attempts).toBe(3);
      expect(subtask.status?.attemptHistory?.map((a) => a.phase)).toEqual(['Failed', 'Failed', 'Completed']);
    }
    expect(podsOf('flaky-ok')).toHaveLength(6);
  });

  test('with maxAttempts 2 the task fails under FailFast', async () => {
    apply(flaky('flaky-failfast', 2, 2));
    const task = await waitForPhase('flaky-failfast', ['Completed', 'Failed']);
    expect(task.status?.phase).toBe('Failed');
    expect(task.status?.message).toMatch(/failed/);
  });

  test('under ContinueOnFailure the task completes with the partial result when minSuccessRatio allows', async () => {
    apply(
      ensembleTask('partial', {
        spec: {
          taskType: 'echo',
          input: { items: [7] },
          variants: [{ name: 'good-1' }, { name: 'good-2' }, { name: 'broken', taskType: 'flaky', params: { failAttempts: 5 } }],
          merge: { method: 'collect' },
          retry: { maxAttempts: 2, backoffSeconds: 1, maxBackoffSeconds: 2 },
          failurePolicy: { mode: 'ContinueOnFailure', minSuccessRatio: 0.6 },
        },
      }),
    );
    const task = await waitForPhase('partial', ['Completed', 'Failed']);
    expect(task.status?.phase).toBe('Completed');
    expect(task.status?.result).toEqual({ 'good-1': [7], 'good-2': [7] });
    expect(task.status?.subtasks).toMatchObject({ completed: 2, failed: 1 });
  });
});

describe('inputs, large results, partition choice, lost nodes', () => {
  test('an omitted partitions count is chosen and explained in an Event', async () => {
    apply(dataParallelTask('auto-parts', { spec: { input: { items: range(1, 30) }, partitions: undefined } }));
    const task = await waitForPhase('auto-parts', ['Completed', 'Failed']);
    expect(task.status?.result).toEqual(range(1, 30).map((x) => x * x));
    const events = kubectlOk(['get', 'events', '-n', namespace, '--field-selector', 'involvedObject.name=auto-parts,reason=PartitionsChosen', '-o', 'jsonpath={.items[*].message}']);
    expect(events).toMatch(/^chose \d+ partitions?: /);
  });

  test('configMapRef input, results too large for the termination message, and a merged result over the inline bound in chunked ConfigMaps', async () => {
    const items = range(1, 9000).map((i) => `${i}:`.padEnd(100, 'x'));
    const inputFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'drm-input-')), 'items.json');
    writeFileSync(inputFile, JSON.stringify(items));
    kubectlOk(['create', 'configmap', 'big-input', '-n', namespace, `--from-file=items.json=${inputFile}`]);
    apply(dataParallelTask('big-echo', { spec: { taskType: 'echo', params: {}, input: { items: undefined, configMapRef: { name: 'big-input', key: 'items.json' } }, partitions: 20, merge: { method: 'concat' }, resources: { cpu: '250m', memory: '128Mi' } } }));
    const task = await waitForPhase('big-echo', ['Completed', 'Failed'], 180_000);
    expect(task.status?.message).toMatch(/merged 20 results/);
    const ref = (getTask('big-echo').status as { resultRef?: { configMapName: string; key: string } }).resultRef;
    expect(ref?.configMapName).toBe('big-echo-result');
    const first = JSON.parse(kubectlOk(['get', 'configmap', ref!.configMapName, '-n', namespace, '-o', 'json'])) as { metadata: { annotations: Record<string, string> }; data: Record<string, string> };
    const chunks = Number(first.metadata.annotations['drm.dtf.io/result-chunks']);
    expect(chunks).toBeGreaterThanOrEqual(2);
    let json = first.data['result.json.0']!;
    for (let i = 1; i < chunks; i++) {
      const next = JSON.parse(kubectlOk(['get', 'configmap', `${ref!.configMapName}-${i}`, '-n', namespace, '-o', 'json'])) as { data: Record<string, string> };
      json += next.data[`result.json.${i}`]!;
    }
    expect(JSON.parse(json)).toEqual(items);
    // Each partition's 450 items were far over 4 KiB: the worker handed them over in a ConfigMap.
    const subtask = subtasksOf('big-echo')[0] as SubtaskJson & { status: { resultRef?: { configMapName: string } } };
    expect(subtask.status.resultRef?.configMapName).toMatch(/-a1-result$/);
  });

  test('a subtask whose node disappears is retried on another node', async () => {
    apply(dataParallelTask('node-loss', { spec: { taskType: 'sleep', params: { seconds: 8 }, input: { items: [1] }, partitions: 1, hardware: { type: 'cpu' }, resources: { cpu: '100m', memory: '64Mi' }, retry: { maxAttempts: 3, backoffSeconds: 1, maxBackoffSeconds: 2 } } }));
    let firstNode = '';
    await waitUntil('the subtask running', () => {
      const [subtask] = subtasksOf('node-loss');
      firstNode = subtask?.status?.phase === 'Running' ? subtask.status.nodeName ?? '' : '';
      return firstNode !== '';
    });
    kubectlOk(['delete', 'node', firstNode, '--wait=false']);
    const task = await waitForPhase('node-loss', ['Completed', 'Failed'], 120_000);
    expect(task.status?.phase).toBe('Completed');
    const [subtask] = subtasksOf('node-loss') as Array<SubtaskJson & { status: { lastFailure?: { reason: string } } }>;
    expect(subtask!.status.attempts).toBe(2);
    expect(subtask!.status.lastFailure?.reason).toBe('NodeLost');
    expect(subtask!.status.nodeName).not.toBe(firstNode);
  });
});

describe('cancel and delete', () => {
  const sleeper = (name: string) => dataParallelTask(name, { spec: { taskType: 'sleep', params: { seconds: 120 }, input: { items: [1, 2, 3] }, partitions: 3, resources: { cpu: '100m', memory: '64Mi' } } });
  const running = (task: string) => subtasksOf(task).filter((s) => s.status?.phase === 'Running').length;

  test('spec.cancel cancels: no live pod is left and every unfinished subtask is Cancelled', async () => {
    apply(sleeper('to-cancel'));
    await waitUntil('subtasks running', () => running('to-cancel') === 3);
    kubectlOk(['patch', 'ot', 'to-cancel', '-n', namespace, '--type', 'merge', '-p', '{"spec":{"cancel":true}}']);
    await waitForPhase('to-cancel', ['Cancelled']);
    await waitUntil('subtasks cancelled', () => subtasksOf('to-cancel').every((s) => s.status?.phase === 'Cancelled'));
    await waitUntil('no live pod', () => podsOf('to-cancel').every((p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? '')));
  });

  test('deadlineSeconds fails a task that runs too long and cancels what is unfinished', async () => {
    apply(dataParallelTask('too-slow', { spec: { taskType: 'sleep', params: { seconds: 120 }, input: { items: [1, 2] }, partitions: 2, deadlineSeconds: 5, resources: { cpu: '100m', memory: '64Mi' } } }));
    const task = await waitForPhase('too-slow', ['Completed', 'Failed', 'Cancelled'], 60_000);
    expect(task.status?.phase).toBe('Failed');
    expect(task.status?.message).toMatch(/deadline of 5s exceeded/);
    await waitUntil('subtasks cancelled', () => subtasksOf('too-slow').every((s) => s.status?.phase === 'Cancelled'));
    await waitUntil('no live pod', () => podsOf('too-slow').every((p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? '')));
  });

  test('deleting the task removes its subtasks and pods', async () => {
    apply(sleeper('to-delete'));
    await waitUntil('subtasks running', () => running('to-delete') === 3);
    kubectlOk(['delete', 'ot', 'to-delete', '-n', namespace, '--wait=true', '--timeout=60s']);
    await waitUntil('subtasks and pods gone', () => subtasksOf('to-delete').length === 0 && podsOf('to-delete').length === 0);
  });
});

describe('crash safety and leader election', () => {
  test('SIGKILL of the operator mid-way through 200 subtasks, then a restart: exact result, no duplicate, no orphan', async () => {
    apply(dataParallelTask('big', { spec: { input: { items: range(1, 400) }, partitions: 200, hardware: { type: 'cpu' }, resources: { cpu: '500m', memory: '64Mi' } } }));
    await waitUntil('some subtasks completed', () => (getTask('big').status?.subtasks?.completed ?? 0) >= 20, 180_000);
    expect(operator.child.exitCode).toBeNull();
    expect((await readiness(PORT))?.leader).toBe(true);
    await operator.stop('SIGKILL');
    operator = startOperator({ healthPort: PORT, leaderElect: true, leaseNamespace: namespace });
    const task = await waitForPhase('big', ['Completed', 'Failed'], 600_000);
    expect(task.status?.phase).toBe('Completed');
    expect(task.status?.result).toEqual(range(1, 400).map((x) => x * x));
    const subtasks = subtasksOf('big');
    expect(subtasks).toHaveLength(200);
    expect(new Set(subtasks.map((s) => `${s.spec.role}/${s.spec.index}`)).size).toBe(200);
    const subtaskNames = new Set(subtasks.map((s) => s.metadata.name));
    const pods = podsOf('big');
    for (const pod of pods) expect(subtaskNames.has(pod.metadata!.ownerReferences![0]!.name)).toBe(true);
    expect(pods).toHaveLength(subtasks.reduce((sum, s) => sum + (s.status?.attempts ?? 0), 0));
  }, 900_000);

  test('a second replica stays passive until the leader dies, then takes over', async () => {
    // Two fresh replicas of their own, so this depends on nothing earlier tests left running.
    await operator.stop();
    const leaseNamespace = createNamespace('failover');
    const first = startOperator({ healthPort: PORT + 2, leaderElect: true, leaseNamespace });
    await waitForOperator(PORT + 2, true);
    const second = startOperator({ healthPort: PORT + 3, leaderElect: true, leaseNamespace });
    await waitForOperator(PORT + 3, false);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await readiness(PORT + 3))?.leader).toBe(false);
    expect((await readiness(PORT + 2))?.leader).toBe(true);
    await first.stop('SIGKILL');
    operator = second;
    await waitForOperator(PORT + 3, true);
    apply(dataParallelTask('after-failover', { spec: { input: { items: [3, 4] }, partitions: 2 } }));
    const task = await waitForPhase('after-failover', ['Completed', 'Failed']);
    expect(task.status?.result).toEqual([9, 16]);
    deleteNamespace(leaseNamespace);
  });
});
