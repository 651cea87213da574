// A replica that loses its lease stops acting at once: it exits without finishing the reconciles
// it has in flight, since another replica may already lead. Here the in-flight reconcile is a
// deleted task's cleanup (one pod collection delete per subtask) slowed by a low client QPS, and
// the lease is taken from the leader meanwhile: the replica must exit while the task still holds
// its finalizer, leaving the cleanup to the next leader.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { dataParallelTask } from '../builders/index.js';
import { createNamespace, deleteNamespace, kubectl, kubectlOk, manifestInput } from '../support/cluster.js';
import { startOperator, stopAll, waitForOperator, type ManagedProcess } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const PORT = 19811;
const LEASE = 'drm-operator-leader';
const SUBTASKS = 40;
let namespace = '';

beforeAll(() => {
  namespace = createNamespace('leader-loss');
});

afterAll(async () => {
  await stopAll();
  // Nobody is left to release the finalizer.
  kubectl(['patch', 'ot', 'cleanup', '-n', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  deleteNamespace(namespace);
});

const microTimeNow = () => new Date().toISOString().replace(/Z$/, '000Z');

test('a leader whose lease is taken exits without finishing the cleanup it was doing', async () => {
  const operator: ManagedProcess = startOperator({ healthPort: PORT, leaderElect: true, leaseNamespace: namespace, extraArgs: ['--no-dashboard', '--qps', '2', '--burst', '2'] });
  await waitForOperator(PORT);
  kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput(dataParallelTask('cleanup', { spec: { input: { items: Array.from({ length: SUBTASKS }, (_, i) => i) }, partitions: SUBTASKS } })));
  const subtaskCount = () => kubectlOk(['get', 'st', '-n', namespace, '-o', 'name']).split('\n').filter(Boolean).length;
  await waitUntil(`${SUBTASKS} subtasks`, () => subtaskCount() === SUBTASKS, 300_000);

  kubectlOk(['delete', 'ot', 'cleanup', '-n', namespace, '--wait=false']);
  // Another holder renews the lease from now on: the replica can no longer renew it.
  const steal = () => kubectl(['patch', 'lease', LEASE, '-n', namespace, '--type=merge', '-p', JSON.stringify({ spec: { holderIdentity: 'another-replica', renewTime: microTimeNow(), leaseDurationSeconds: 3600 } })]);
  steal();
  await waitUntil('the replica to exit', () => {
    steal();
    return operator.child.exitCode !== null;
  }, 120_000);

  expect(operator.child.exitCode).toBe(1);
  expect(operator.output()).toMatch(/leadership lost/);
  // The cleanup was cut short: the task is still there, finalizer and all.
  const task = JSON.parse(kubectlOk(['get', 'ot', 'cleanup', '-n', namespace, '-o', 'json'])) as { metadata: { deletionTimestamp?: string; finalizers?: string[] } };
  expect(task.metadata.deletionTimestamp).toBeDefined();
  expect(task.metadata.finalizers).toContain('drm.dtf.io/cleanup');
}, 600_000);
