// The real worker process (node --import tsx operator/worker/main.ts) with a temp input file and
// a temp termination message; for large results, a fake API server reached through KUBECONFIG.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { joinResultConfigMapData } from '../../../operator/worker/contract.js';

jest.setTimeout(60_000);

const repoRoot = process.cwd(); // hack/jest.sh runs jest from the repository root
const mainScript = resolve(repoRoot, 'operator/worker/main.ts');

interface WorkerProcess {
  exitCode: number | null;
  stderr: string;
  message: Record<string, unknown>;
}

/** Starts the worker; `whenStarted` runs once the workload has begun (seen in its logs). */
async function runWorkerProcess(input: unknown, env: Record<string, string> = {}, whenStarted?: (pid: number) => void): Promise<WorkerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'drm-worker-process-'));
  const inputFile = join(dir, 'input.json');
  const terminationPath = join(dir, 'termination-log');
  writeFileSync(inputFile, JSON.stringify(input));
  writeFileSync(terminationPath, '');
  const child = spawn(process.execPath, ['--import', 'tsx', mainScript], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      KUBECONFIG: join(dir, 'no-kubeconfig'),
      DRM_INPUT_FILE: inputFile,
      DRM_TERMINATION_MESSAGE_PATH: terminationPath,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!started && whenStarted && stderr.includes('starting the workload')) {
      started = true;
      whenStarted(child.pid!);
    }
  });
  const exitCode = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  expect(stdout).toBe(''); // logs go to stderr, the outcome to the termination message
  const text = readFileSync(terminationPath, 'utf8');
  if (text === '') throw new Error(`no termination message; exit ${exitCode}; stderr:\n${stderr}`);
  return { exitCode, stderr, message: JSON.parse(text) as Record<string, unknown> };
}

describe('the worker process', () => {
  test('a map task: exit 0, {result, metrics}, JSON logs with the subtask on stderr', async () => {
    const run = await runWorkerProcess(
      { apiVersion: 'drm.dtf.io/v1alpha1', task: 'squares', subtask: 'squares-p-0', taskType: 'map', params: { op: 'square' }, items: [1, 2, 3] },
      { DRM_SUBTASK_NAME: 'squares-p-0', DRM_ATTEMPT: '1', DRM_TASK_TYPE: 'map' },
    );
    expect(run.exitCode).toBe(0);
    expect(run.message).toEqual({
      result: [1, 4, 9],
      metrics: { executionSeconds: expect.any(Number), cpuCoresUsed: expect.any(Number), memoryBytesUsed: expect.any(Number), inputItems: expect.any(Number), startedAt: expect.stringMatching(/\.\d{3}Z$/), finishedAt: expect.stringMatching(/\.\d{3}Z$/) },
    });
    expect((run.message.metrics as { memoryBytesUsed: number }).memoryBytesUsed).toBeGreaterThan(10 * 1024 * 1024);
    const logs = run.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logs).toContainEqual(expect.objectContaining({ component: 'drm-worker', subtask: 'squares-p-0', attempt: 1, msg: 'succeeded' }));
  });

  test('a failing flaky attempt: exit 1 and {error}', async () => {
    const run = await runWorkerProcess({ taskType: 'flaky', params: { failAttempts: 2 }, items: [1] }, { DRM_ATTEMPT: '2' });
    expect(run.exitCode).toBe(1);
    expect(run.message).toEqual({ error: 'flaky: attempt 2 fails on purpose (params.failAttempts is 2)', metrics: expect.any(Object) });
  });

  test('an unknown task type: exit 1 and an error naming the built-in workloads', async () => {
    const run = await runWorkerProcess({ items: [] }, { DRM_TASK_TYPE: 'train' });
    expect(run.exitCode).toBe(1);
    expect(run.message.error).toMatch(/^unknown taskType "train"; built-in workloads are echo, map, matmul, sleep, flaky, benchmark/);
  });

  test('SIGTERM during the work: exit 143 and an error outcome', async () => {
    const started = Date.now();
    const run = await runWorkerProcess({ taskType: 'sleep', params: { seconds: 60 } }, {}, (pid) => process.kill(pid, 'SIGTERM'));
    expect(run.exitCode).toBe(143);
    expect(run.message).toEqual({ error: 'terminated by SIGTERM before the work finished', metrics: expect.any(Object) });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('SIGTERM during a long matmul is noticed between blocks of rows', async () => {
    const run = await runWorkerProcess({ taskType: 'matmul', params: { n: 512, repeat: 10_000 } }, {}, (pid) => setTimeout(() => process.kill(pid, 'SIGTERM'), 200));
    expect(run.exitCode).toBe(143);
    expect(run.message.error).toBe('terminated by SIGTERM before the work finished');
  });
});

describe('the worker process with a large result', () => {
  interface Recorded {
    method: string;
    url: string;
    body: { metadata?: Record<string, unknown>; data?: Record<string, string> };
  }
  let server: Server;
  let kubeconfigPath: string;
  let requests: Recorded[] = [];
  let conflictOnCreate = false;
  /** Set to a worker's pid: the server then never answers, and SIGTERMs the worker instead. */
  let hangAndTerminate: number | undefined;

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const body = text ? (JSON.parse(text) as Recorded['body']) : {};
        requests.push({ method: request.method ?? '', url: request.url ?? '', body });
        if (hangAndTerminate !== undefined) {
          process.kill(hangAndTerminate, 'SIGTERM');
          return;
        }
        response.setHeader('content-type', 'application/json');
        if (request.method === 'POST' && conflictOnCreate) {
          response.statusCode = 409;
          response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'AlreadyExists', code: 409, message: 'configmaps "r" already exists' }));
          return;
        }
        response.statusCode = request.method === 'POST' ? 201 : 200;
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'drm-worker-kubeconfig-')), 'kubeconfig');
    writeFileSync(
      kubeconfigPath,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // Plain HTTP: the client allows it only with TLS verification off.
        clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'worker', user: { token: 'fake-token' } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'worker' } }],
        'current-context': 'fake',
      }),
    );
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
  });

  const env = () => ({
    KUBECONFIG: kubeconfigPath,
    DRM_RESULT_CONFIGMAP: 'big-p-0-result',
    DRM_NAMESPACE: 'team-a',
    DRM_POD_NAME: 'big-p-0-a1',
    DRM_POD_UID: '6c1f0d9e-0000-4000-8000-000000000001',
    DRM_SUBTASK_NAME: 'big-p-0',
    DRM_ATTEMPT: '1',
  });
  const items = Array.from({ length: 2000 }, (_, i) => i);

  test('creates the result ConfigMap in its namespace and names it in the message', async () => {
    requests = [];
    conflictOnCreate = false;
    const run = await runWorkerProcess({ taskType: 'map', params: { op: 'double' }, items }, env());
    expect(run.exitCode).toBe(0);
    expect(run.message).toEqual({ resultConfigMap: 'big-p-0-result', metrics: expect.any(Object) });
    expect(requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual(['POST /api/v1/namespaces/team-a/configmaps']);
    const { metadata, data } = requests[0]!.body;
    expect(metadata).toMatchObject({
      name: 'big-p-0-result',
      labels: { 'drm.dtf.io/subtask': 'big-p-0' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'big-p-0-a1', uid: '6c1f0d9e-0000-4000-8000-000000000001' }],
    });
    expect(JSON.parse(joinResultConfigMapData(data!))).toEqual(items.map((i) => 2 * i));
  });

  test('replaces a ConfigMap that already exists', async () => {
    requests = [];
    conflictOnCreate = true;
    const run = await runWorkerProcess({ taskType: 'echo', items }, env());
    expect(run.exitCode).toBe(0);
    expect(run.message.resultConfigMap).toBe('big-p-0-result');
    expect(requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'POST /api/v1/namespaces/team-a/configmaps',
      'PUT /api/v1/namespaces/team-a/configmaps/big-p-0-result',
    ]);
  });

  test('SIGTERM while the API does not answer: the outcome is written anyway, exit 143', async () => {
    requests = [];
    conflictOnCreate = false;
    const run = await runWorkerProcess({ taskType: 'echo', items }, env(), (pid) => (hangAndTerminate = pid));
    hangAndTerminate = undefined;
    expect(requests).toHaveLength(1);
    expect(run.exitCode).toBe(143);
    expect(run.message).toEqual({ error: 'terminated by SIGTERM; the work did not stop in time' });
  });

  test('a small result never touches the API', async () => {
    requests = [];
    const run = await runWorkerProcess({ taskType: 'echo', items: [1] }, env());
    expect(run.message.result).toEqual([1]);
    expect(requests).toEqual([]);
  });
});
