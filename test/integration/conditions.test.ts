// Conditions on the real control plane: `kubectl wait --for=condition=Complete` returns when a
// task completes and `--for=condition=Failed` when one fails, as for a batch/v1 Job; subtasks
// carry the same two, and a static WorkerPool says Ready and that it does not scale.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dataParallelTask, workerPool } from '../builders/index.js';
import { applyManifest, kubectl, kubectlOk } from '../support/cluster.js';
import type { ManagedProcess } from '../support/operator.js';
import { startOperatorEnv, stopOperatorEnv, type OperatorEnv } from '../support/operator-env.js';

const POOL = `cond-${Date.now().toString(36).slice(-5)}`;
const PORT = 18881;
let env: OperatorEnv;
let namespace = '';
let operator: ManagedProcess;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

const conditionsOf = (kind: string, name: string, inNamespace = true) =>
  (JSON.parse(kubectlOk(['get', kind, name, ...(inNamespace ? ['-n', namespace] : []), '-o', 'json'])) as { status?: { conditions?: Condition[] } }).status?.conditions ?? [];

/** `kubectl wait` as a user runs it; its output or, on failure, the operator's log. */
function waitFor(condition: string, target: string): string {
  const result = kubectl(['wait', `--for=condition=${condition}`, target, '-n', namespace, '--timeout=100s']);
  if (result.code !== 0) throw new Error(`kubectl wait --for=condition=${condition} ${target}: ${result.stderr}\n${operator.output().slice(-3000)}`);
  return result.stdout;
}

beforeAll(async () => {
  env = await startOperatorEnv('conditions', PORT);
  ({ namespace, operator } = env);
});

afterAll(async () => {
  kubectl(['delete', 'workerpool', POOL, '--ignore-not-found', '--wait=false']);
  await stopOperatorEnv(env);
});

describe('conditions', () => {
  test('kubectl wait --for=condition=Complete returns once a task completes; its subtasks are Complete too', () => {
    applyManifest(dataParallelTask('done', { spec: { resources: { cpu: '250m', memory: '128Mi' } } }), namespace);
    expect(waitFor('Complete', 'ot/done')).toMatch(/condition met/);
    const conditions = conditionsOf('ot', 'done');
    expect(conditions.find((c) => c.type === 'Complete')).toMatchObject({ status: 'True', reason: 'Completed' });
    expect(conditions.find((c) => c.type === 'Failed')).toMatchObject({ status: 'False' });
    expect(conditions.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'Completed' });
    const subtasks = (JSON.parse(kubectlOk(['get', 'st', '-n', namespace, '-l', 'drm.dtf.io/task=done', '-o', 'json'])) as { items: Array<{ status?: { conditions?: Condition[] } }> }).items;
    expect(subtasks).toHaveLength(2);
    for (const subtask of subtasks) expect(subtask.status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
  });

  test('kubectl wait --for=condition=Failed returns once a task fails, with the reason why', () => {
    applyManifest(
      dataParallelTask('broken', {
        spec: { taskType: 'flaky', params: { failAttempts: 5 }, input: { items: ['a'] }, partitions: 1, resources: { cpu: '250m', memory: '128Mi' }, retry: { maxAttempts: 1, backoffSeconds: 1, maxBackoffSeconds: 1 } },
      }),
      namespace,
    );
    expect(waitFor('Failed', 'ot/broken')).toMatch(/condition met/);
    expect(conditionsOf('ot', 'broken').find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'SubtaskFailed' });
    expect(conditionsOf('ot', 'broken').find((c) => c.type === 'Complete')?.status).toBe('False');
    waitFor('Failed', 'st/broken-p0');
  });

  test('a static pool whose node is ready is Ready, and not ScalingActive', () => {
    kubectlOk(['label', 'node', env.node, `drm.dtf.io/static-pool=${POOL}`, '--overwrite']);
    applyManifest(workerPool(POOL, 'static', { spec: { scaling: { intervalSeconds: 5 } } }));
    const result = kubectl(['wait', '--for=condition=Ready', `wp/${POOL}`, '--timeout=60s']);
    expect(result.stderr).toBe('');
    expect(conditionsOf('wp', POOL, false).find((c) => c.type === 'ScalingActive')).toMatchObject({ status: 'False', reason: 'StaticPool' });
  });
});
