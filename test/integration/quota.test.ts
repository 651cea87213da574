// Work a ResourceQuota refuses is not stuck in silence: in a namespace allowed 0 pods, a task's
// subtasks say in their status and in Warning Events that the quota refused them; once the
// quota is raised they run and the task completes, with no operator restart.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dataParallelTask } from '../builders/index.js';
import { applyManifest, kubectl, kubectlOk } from '../support/cluster.js';
import type { ManagedProcess } from '../support/operator.js';
import { startOperatorEnv, stopOperatorEnv, type OperatorEnv } from '../support/operator-env.js';
import { waitUntil } from '../support/wait.js';

const PORT = 18981;
let env: OperatorEnv;
let namespace = '';
let operator: ManagedProcess;

interface SubtaskJson {
  metadata: { name: string };
  status?: { phase?: string; message?: string; attempts?: number };
}

const subtasksOf = (task: string) => (JSON.parse(kubectlOk(['get', 'st', '-n', namespace, '-l', `drm.dtf.io/task=${task}`, '-o', 'json'])) as { items: SubtaskJson[] }).items;
const warnings = (reason: string) =>
  (JSON.parse(kubectlOk(['get', 'events', '-n', namespace, '--field-selector', `reason=${reason},type=Warning`, '-o', 'json'])) as { items: Array<{ involvedObject: { kind: string; name: string }; message: string }> }).items;
const quota = (pods: number) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods' }, spec: { hard: { pods: String(pods) } } });

beforeAll(async () => {
  env = await startOperatorEnv('quota', PORT, (ns) => applyManifest(quota(0), ns));
  ({ namespace, operator } = env);
});

afterAll(() => stopOperatorEnv(env));

describe('a ResourceQuota that refuses pods', () => {
  test('subtasks name the quota in status and Events, and complete once it is raised, without a restart', async () => {
    applyManifest(dataParallelTask('held', { spec: { resources: { cpu: '250m', memory: '128Mi' } } }), namespace);
    await waitUntil('both subtasks naming the quota', () => {
      const subtasks = subtasksOf('held');
      return subtasks.length === 2 && subtasks.every((s) => /ResourceQuota refused its pod.*exceeded quota: pods/.test(s.status?.message ?? ''));
    }, 60_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${JSON.stringify(subtasksOf('held').map((s) => s.status))}\n${operator.output().slice(-3000)}`);
    });
    for (const subtask of subtasksOf('held')) expect(subtask.status).toMatchObject({ phase: 'Pending', attempts: 1 });
    await waitUntil('a QuotaExceeded Warning on each subtask', () => new Set(warnings('QuotaExceeded').filter((e) => e.involvedObject.kind === 'Subtask').map((e) => e.involvedObject.name)).size === 2, 30_000);
    expect(kubectlOk(['get', 'pods', '-n', namespace, '-o', 'name']).trim()).toBe('');

    applyManifest(quota(10), namespace);
    const raised = Date.now();
    const result = kubectl(['wait', '--for=condition=Complete', 'ot/held', '-n', namespace, '--timeout=100s']);
    if (result.code !== 0) throw new Error(`${result.stderr}\n${operator.output().slice(-3000)}`);
    process.stdout.write(`[quota] task Complete ${Date.now() - raised} ms after the quota was raised\n`);
    for (const subtask of subtasksOf('held')) expect(subtask.status).toMatchObject({ phase: 'Completed', attempts: 1 });
    expect(operator.child.exitCode).toBeNull();
  });
});
