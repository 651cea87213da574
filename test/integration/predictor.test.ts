// The predictor in the operator, on the real control plane: it learns from subtasks the real
// worker ran (through the dev runner), keeps what it learned in ConfigMaps, answers the same
// after a restart, labels each answer with its tier, and fills in what a task leaves out.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { dataParallelTask } from '../builders/index.js';
import { createNamespace, deleteNamespace, installCrds, kubeconfigPath, kubectl, kubectlOk, manifestInput, rootDir } from '../support/cluster.js';
import { startDevRunner, startOperator, stopAll, waitForNodesReady, waitForOperator, type ManagedProcess } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const NODES = [`pr-cpu-1-${suffix}:cpu:4:8Gi`, `pr-cpu-2-${suffix}:cpu:4:8Gi`];
const nodeNames = NODES.map((n) => n.split(':')[0]!);
const PORT = 18481;
let namespace = '';
let trainingNamespace = '';
let operator: ManagedProcess;

interface PredictionView {
  executionSeconds: number;
  cpu: string;
  memory: string;
  gpu: number;
  hardware: string;
  source: string;
  confidence: number;
}

const operatorArgs = () => ['--predictor-namespace', trainingNamespace];
const apply = (manifest: unknown) => kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput(manifest));
const taskPhase = (name: string) => kubectlOk(['get', 'ot', name, '-n', namespace, '-o', 'jsonpath={.status.phase}']);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function ask(query: string): Promise<{ prediction: PredictionView; trainedOn: number }> {
  const response = await fetch(`http://127.0.0.1:${PORT}/debug/predict?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { prediction: PredictionView; trainedOn: number };
}

async function trainedOn(): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${PORT}/debug/predictor`)).json()) as { trainedOn: number }).trainedOn;
}

async function runToCompletion(name: string): Promise<void> {
  await waitUntil(`task ${name} completed`, () => ['Completed', 'Failed'].includes(taskPhase(name)), 180_000);
  expect(taskPhase(name)).toBe('Completed');
}

beforeAll(async () => {
  installCrds();
  namespace = createNamespace('predictor');
  trainingNamespace = createNamespace('training');
  startDevRunner(NODES);
  operator = startOperator({ healthPort: PORT, extraArgs: operatorArgs() });
  await waitForNodesReady(nodeNames);
  await waitForOperator(PORT);
});

afterAll(async () => {
  await stopAll();
  deleteNamespace(namespace);
  deleteNamespace(trainingNamespace);
  kubectl(['delete', 'node', ...nodeNames, '--ignore-not-found', '--wait=false']);
});

describe('the predictor in the operator', () => {
  test('with no data it answers from defaults, after a few runs from statistics, each labelled', async () => {
    expect((await ask('taskType=matmul&param=n=48')).prediction.source).toBe('default');
    apply(dataParallelTask('mm-48', { spec: { taskType: 'matmul', params: { n: 48, repeat: 1 }, input: { items: range(1, 6) }, partitions: 6, resources: { cpu: '250m', memory: '128Mi' } } }));
    await runToCompletion('mm-48');
    await waitUntil('six samples stored and learned', async () => (await trainedOn()) >= 6, 60_000);
    const answer = await ask('taskType=matmul&param=n=48');
    expect(answer.prediction.source).toBe('statistics');
    expect(answer.prediction.confidence).toBeGreaterThan(0);
    expect(answer.prediction.confidence).toBeLessThanOrEqual(1);
    expect(answer.prediction.executionSeconds).toBeGreaterThan(0);
    // Stored where the operator was told, one ConfigMap per taskType.
    const stored = kubectlOk(['get', 'configmaps', '-n', trainingNamespace, '-l', 'drm.dtf.io/training-data=true', '-o', 'jsonpath={.items[*].metadata.annotations.drm\\.dtf\\.io/task-type}']);
    expect(stored.split(' ')).toContain('matmul');
    // The optimizer's view: matmul grouped by its resource profile.
    const status = (await (await fetch(`http://127.0.0.1:${PORT}/debug/predictor`)).json()) as { patterns: Array<{ taskTypes: string[]; kind: string }> };
    expect(status.patterns.some((p) => p.taskTypes.includes('matmul'))).toBe(true);
  });

  test('predictions are the same before and after an operator restart', async () => {
    const queries = ['taskType=matmul&param=n=48', 'taskType=matmul&param=n=96&inputSize=3', 'taskType=map&param=op=square&inputSize=1000', 'taskType=matmul&param=n=48&hardware=gpu'];
    const before = await Promise.all(queries.map(ask));
    await operator.stop();
    operator = startOperator({ healthPort: PORT, extraArgs: operatorArgs() });
    await waitForOperator(PORT);
    const after = await Promise.all(queries.map(ask));
    expect(after).toEqual(before);
    expect(after[0]!.trainedOn).toBeGreaterThanOrEqual(6);
  });

  test('the CLI answers as the operator does, from the same stored data, with exactly the documented fields', async () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(rootDir, 'operator', 'predict', 'cli.ts'), '--task-type', 'matmul', '--param', 'n=48', '--namespace', trainingNamespace, '--json'], {
      cwd: rootDir,
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const printed = JSON.parse(run.stdout) as Record<string, unknown> & { interval: { p10: number; p90: number }; recommendation: { workerType: string } };
    expect(Object.keys(printed).sort()).toEqual(['confidence', 'cpu', 'executionSeconds', 'gpu', 'hardware', 'interval', 'memory', 'recommendation', 'source', 'throughput']);
    // The operator's answer, and the detail behind it: the P10–P90 band, the worker type.
    const { interval, throughput: _throughput, recommendation, ...view } = printed;
    expect(view).toEqual((await ask('taskType=matmul&param=n=48')).prediction);
    expect(interval.p10).toBeLessThanOrEqual(interval.p90);
    expect(recommendation.workerType).toBe('cpu');
  });

  test('a task without resources gets status.prediction and subtasks with predicted requests; omitted partitions are chosen and explained', async () => {
    apply(dataParallelTask('mm-open', { spec: { taskType: 'matmul', params: { n: 48, repeat: 1 }, input: { items: range(1, 8) }, partitions: undefined, resources: undefined } }));
    await runToCompletion('mm-open');
    const status = JSON.parse(kubectlOk(['get', 'ot', 'mm-open', '-n', namespace, '-o', 'jsonpath={.status.prediction}'])) as PredictionView;
    expect(status.source).toMatch(/^(model|statistics)$/);
    expect(status.cpu).toMatch(/^\d+m$/);
    expect(status.memory).toMatch(/^\d+Mi$/);
    const subtasks = JSON.parse(kubectlOk(['get', 'st', '-n', namespace, '-l', 'drm.dtf.io/task=mm-open', '-o', 'json'])) as { items: Array<{ spec: { resources?: { cpu?: string; memory?: string } } }> };
    expect(subtasks.items.length).toBeGreaterThan(0);
    for (const subtask of subtasks.items) {
      expect(subtask.spec.resources?.cpu).toMatch(/^\d+m$/);
      expect(subtask.spec.resources?.memory).toMatch(/^\d+Mi$/);
    }
    const events = kubectlOk(['get', 'events', '-n', namespace, '--field-selector', 'involvedObject.name=mm-open', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    expect(events).toMatch(/PartitionsChosen: chose \d+ partition/);
    expect(events).toMatch(/Predicted: per subtask: .* \((model|statistics), confidence/);
  });
});
