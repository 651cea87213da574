// `kubectl drm` against the real control plane, the operator and the dev runner (real workers):
// submit, status while running, result, cancel, top, and the kubectl plugin mechanism itself.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataParallelTask } from '../builders/index.js';
import { createNamespace, deleteNamespace, installCrds, kubeconfigPath, kubectl, kubectlOk, rootDir } from '../support/cluster.js';
import { startDevRunner, startOperator, stopAll, waitForNodesReady, waitForOperator } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const NODES = [`kd-cpu-1-${suffix}:cpu:4:8Gi`, `kd-cpu-2-${suffix}:cpu:4:8Gi`];
const nodeNames = NODES.map((n) => n.split(':')[0]!);
const PORT = 18781;
const entry = path.join(rootDir, 'operator', 'cli', 'kubectl-drm.ts');
let namespace = '';
let trainingNamespace = '';
let tmp = '';

function drm(args: string[]): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: rootDir, encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfigPath() }, timeout: 60_000 });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

const taskPhase = (name: string) => kubectlOk(['get', 'ot', name, '-n', namespace, '-o', 'jsonpath={.status.phase}']);

beforeAll(async () => {
  installCrds();
  namespace = createNamespace('kubectl-drm');
  trainingNamespace = createNamespace('kd-training');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kubectl-drm-'));
  startDevRunner(NODES);
  startOperator({ healthPort: PORT, extraArgs: ['--predictor-namespace', trainingNamespace] });
  await waitForNodesReady(nodeNames);
  await waitForOperator(PORT);
});

afterAll(async () => {
  await stopAll();
  deleteNamespace(namespace);
  deleteNamespace(trainingNamespace);
  kubectl(['delete', 'node', ...nodeNames, '--ignore-not-found', '--wait=false']);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('kubectl drm', () => {
  test('submit from flags, status shows the subtask tree while it runs, result prints the exact merged result', async () => {
    const submitted = drm(['submit', 'sq', '-n', namespace, '--strategy', 'DataParallel', '--task-type', 'map', '--param', 'op=square', '--param', 'minSeconds=20', '--items', '1,2,3,4,5,6', '--partitions', '2']);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toContain('sq submitted');

    // Not finished yet: result says so.
    const early = drm(['result', 'sq', '-n', namespace]);
    if (early.code !== 0) expect(early.stderr).toMatch(/task sq is not finished yet/);

    // Each status call starts the CLI afresh (seconds on a loaded machine): the subtasks run 20 s so
    // that a call lands while they run.
    let seenRunning = '';
    await waitUntil('status shows a running subtask', () => {
      const status = drm(['status', 'sq', '-n', namespace]);
      if (status.code === 0 && /sq-p\d+\s+Running\s+node=kd-cpu-/.test(status.stdout)) seenRunning = status.stdout;
      return seenRunning !== '';
    }, 90_000);
    expect(seenRunning.split('\n')[0]).toMatch(/^sq\s+DataParallel\s+InProgress/);
    expect(seenRunning).toMatch(/[├└]─ sq-p0\s+\w+\s+node=\S+\s+attempts=\d/);
    expect(seenRunning).toMatch(/└─ sq-p1\s+\w+\s+node=\S+\s+attempts=\d/);

    await waitUntil('sq finished', () => ['Completed', 'Failed'].includes(taskPhase('sq')), 180_000);
    expect(taskPhase('sq')).toBe('Completed');
    const result = drm(['result', 'sq', '-n', namespace]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([1, 4, 9, 16, 25, 36]);
    const saved = path.join(tmp, 'sq.json');
    expect(drm(['result', 'sq', '-n', namespace, '-o', saved]).code).toBe(0);
    expect(JSON.parse(spawnSync('cat', [saved], { encoding: 'utf8' }).stdout)).toEqual([1, 4, 9, 16, 25, 36]);
    const done = drm(['status', 'sq', '-n', namespace]);
    expect(done.stdout).toMatch(/^sq\s+DataParallel\s+Completed\s+2\/2 subtasks completed/);
  });

  test('submit -f with a validation error names the field; cancel makes a long task Cancelled', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: drm.dtf.io/v1alpha1\nkind: OrchestratedTask\nmetadata: {name: bad}\nspec: {strategy: DataParallel, taskType: map, input: {items: [1]}, partitions: 0}\n');
    const rejected = drm(['submit', '-f', bad, '-n', namespace]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/spec\.partitions/);
    expect(rejected.stderr.trimEnd().split('\n')).toHaveLength(1);

    const file = path.join(tmp, 'long.json');
    writeFileSync(file, JSON.stringify(dataParallelTask('long', { spec: { params: { op: 'square', minSeconds: 120 }, input: { items: [1, 2] }, partitions: 2 } })));
    const submitted = drm(['submit', '-f', file, '-n', namespace]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    await waitUntil('long is running', () => taskPhase('long') === 'InProgress', 60_000);
    const cancelled = drm(['cancel', 'long', '-n', namespace]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('cancel requested');
    await waitUntil('long cancelled', () => taskPhase('long') === 'Cancelled', 90_000);
    const result = drm(['result', 'long', '-n', namespace]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ended Cancelled/);
    expect(drm(['cancel', 'nope', '-n', namespace]).stderr).toMatch(/not found/);
  });

  test('top prints the pool table header; usage errors exit 2', () => {
    const top = drm(['top']);
    expect(top.stderr).toBe('');
    expect(top.code).toBe(0);
    expect(top.stdout.split('\n')[0]).toMatch(/^NAME\s+HARDWARE\s+PROVIDER\s+NODES\s+READY\s+DESIRED\s+UTILIZATION\s+COST\/HOUR\s+LAST ACTION/);
    const unknown = drm(['frob']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frob"/);
  });

  test('kubectl finds the plugin on PATH', () => {
    const bin = path.join(tmp, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    const wrapper = path.join(bin, 'kubectl-drm');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" --import tsx "${entry}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const kubectlBinary = path.join(rootDir, '.local', 'bin', 'kubectl');
    const run = spawnSync(kubectlBinary, ['drm', '--help'], { cwd: rootDir, encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfigPath(), PATH: `${bin}:${process.env.PATH ?? ''}` }, timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('kubectl drm: submit, watch and manage');
    expect(run.stdout).toMatch(/^\s+top\s/m);
  });
});
