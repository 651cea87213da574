// runWorker in-process, with temp files and a fake ConfigMap writer.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { pino } from 'pino';
import { TerminationMessage, joinResultConfigMapData } from '../../../operator/worker/contract.js';
import { runWorker, type ConfigMapWriter } from '../../../operator/worker/run.js';

const silent = pino({ level: 'silent' });

interface Setup {
  input?: unknown;
  env?: Record<string, string>;
  writeConfigMap?: ConfigMapWriter;
  signal?: AbortSignal;
}

async function run({ input, env = {}, writeConfigMap, signal = new AbortController().signal }: Setup) {
  const dir = mkdtempSync(join(tmpdir(), 'drm-worker-run-'));
  const inputFile = join(dir, 'input.json');
  const terminationPath = join(dir, 'termination-log');
  if (input !== undefined) writeFileSync(inputFile, typeof input === 'string' ? input : JSON.stringify(input));
  writeFileSync(terminationPath, '');
  const outcome = await runWorker({
    env: { DRM_INPUT_FILE: inputFile, DRM_TERMINATION_MESSAGE_PATH: terminationPath, ...env },
    terminationMessage: new TerminationMessage(terminationPath),
    signal,
    log: silent,
    ...(writeConfigMap ? { writeConfigMap } : {}),
  });
  return { outcome, message: JSON.parse(readFileSync(terminationPath, 'utf8')) as Record<string, unknown> };
}

const podEnv = {
  DRM_RESULT_CONFIGMAP: 'big-p-0-result',
  DRM_NAMESPACE: 'team-a',
  DRM_POD_NAME: 'big-p-0-a1',
  DRM_POD_UID: '6c1f0d9e-0000-4000-8000-000000000001',
  DRM_SUBTASK_NAME: 'big-p-0',
  DRM_ATTEMPT: '1',
};

describe('runWorker', () => {
  test('a map task: {result, metrics} and exit code 0', async () => {
    const { outcome, message } = await run({ input: { taskType: 'map', params: { op: 'square' }, items: [1, 2, 3] } });
    expect(outcome).toEqual({ succeeded: true, exitCode: 0 });
    expect(message).toEqual({
      result: [1, 4, 9],
      metrics: { executionSeconds: expect.any(Number), cpuCoresUsed: expect.any(Number), memoryBytesUsed: expect.any(Number), inputItems: expect.any(Number), startedAt: expect.stringMatching(/\.\d{3}Z$/), finishedAt: expect.stringMatching(/\.\d{3}Z$/) },
    });
  });

  test('DRM_TASK_TYPE selects the workload over the document', async () => {
    const { message } = await run({ input: { taskType: 'map', params: { op: 'square' }, items: [2] }, env: { DRM_TASK_TYPE: 'echo' } });
    expect(message.result).toEqual([2]);
  });

  test('a large result goes to the ConfigMap, owned by the pod, and the message names it', async () => {
    const written: V1ConfigMap[] = [];
    const items = Array.from({ length: 3000 }, (_, i) => `item-${i}`);
    const { outcome, message } = await run({
      input: { taskType: 'echo', items },
      env: podEnv,
      writeConfigMap: async (configMap) => {
        written.push(configMap);
        return 'created';
      },
    });
    expect(outcome.succeeded).toBe(true);
    expect(message).toEqual({ resultConfigMap: 'big-p-0-result', metrics: expect.any(Object) });
    expect(written).toHaveLength(1);
    expect(written[0]!.metadata).toEqual({
      name: 'big-p-0-result',
      namespace: 'team-a',
      labels: { 'drm.dtf.io/subtask': 'big-p-0' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'big-p-0-a1', uid: podEnv.DRM_POD_UID }],
    });
    expect(JSON.parse(joinResultConfigMapData(written[0]!.data!))).toEqual(items);
  });

  test('a large result with no namespace anywhere fails before any API call', async () => {
    let called = false;
    const { outcome, message } = await run({
      input: { taskType: 'echo', items: 'x'.repeat(5000) },
      env: { DRM_RESULT_CONFIGMAP: 'r' },
      writeConfigMap: async () => {
        called = true;
        return 'created';
      },
    });
    expect(called).toBe(false);
    expect(outcome.exitCode).toBe(1);
    expect(message.error).toBe('a large result needs a ConfigMap, but neither DRM_NAMESPACE nor the input document names a namespace');
  });

  test('a failed ConfigMap write is the attempt\'s error, with metrics', async () => {
    const { outcome, message } = await run({
      input: { taskType: 'echo', items: 'x'.repeat(5000) },
      env: podEnv,
      writeConfigMap: async () => {
        throw new Error('cannot write the result ConfigMap team-a/big-p-0-result: HTTP 403: forbidden');
      },
    });
    expect(outcome.exitCode).toBe(1);
    expect(message).toEqual({ error: 'cannot write the result ConfigMap team-a/big-p-0-result: HTTP 403: forbidden', metrics: expect.any(Object) });
  });

  test('a failing workload: {error, metrics} and exit code 1', async () => {
    const { outcome, message } = await run({ input: { taskType: 'flaky', params: { failAttempts: 1 }, items: [1] }, env: { DRM_ATTEMPT: '1' } });
    expect(outcome).toEqual({ succeeded: false, exitCode: 1, error: 'flaky: attempt 1 fails on purpose (params.failAttempts is 1)' });
    expect(message).toEqual({ error: outcome.error, metrics: expect.any(Object) });
  });

  test('the next attempt of the same flaky task succeeds', async () => {
    const { message } = await run({ input: { taskType: 'flaky', params: { failAttempts: 1 }, items: [1] }, env: { DRM_ATTEMPT: '2' } });
    expect(message.result).toEqual([1]);
  });

  test('contract problems are errors without metrics (no work was done)', async () => {
    expect((await run({})).message).toEqual({ error: expect.stringMatching(/^cannot read the input document .*input\.json \(DRM_INPUT_FILE\)/) });
    expect((await run({ input: '{oops' })).message.error).toMatch(/is not valid JSON/);
    expect((await run({ input: { taskType: 'train' } })).message.error).toMatch(/^unknown taskType "train"; built-in workloads are echo, map/);
    expect((await run({ input: { taskType: 'echo' }, env: { DRM_ATTEMPT: 'x' } })).message.error).toMatch(/DRM_ATTEMPT/);
  });

  test('an abort ends the workload with the abort reason', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('terminated by SIGTERM before the work finished')), 20);
    const { outcome, message } = await run({ input: { taskType: 'sleep', params: { seconds: 30 } }, signal: abort.signal });
    expect(outcome.exitCode).toBe(1);
    expect(message).toEqual({ error: 'terminated by SIGTERM before the work finished', metrics: expect.any(Object) });
  });
});

describe('params.minSeconds', () => {
  test('pads a fast workload to the minimum, and refuses a bad value naming it', async () => {
    const { padToMinSeconds } = await import('../../../operator/worker/run.js');
    const started = performance.now();
    await padToMinSeconds({ minSeconds: 0.2 }, started, new AbortController().signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    await expect(padToMinSeconds({ minSeconds: 'soon' }, started, new AbortController().signal)).rejects.toThrow(/params\.minSeconds/);
  });

  test('stops waiting when aborted', async () => {
    const { padToMinSeconds } = await import('../../../operator/worker/run.js');
    const controller = new AbortController();
    const waiting = padToMinSeconds({ minSeconds: 60 }, performance.now(), controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(/terminated/);
  });
});
