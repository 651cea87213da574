// One test file's own operator, dev-runner node, namespace and pool: the file's tasks run on its
// node only (other files' operators bind drm-scheduler pods too, even onto simulated nodes).
import { createNamespace, deleteNamespace, installCrds, kubectl } from './cluster.js';
import { startDevRunner, startOperator, stopAll, waitForNodesReady, waitForOperator, type ManagedProcess } from './operator.js';
import { pinnedPool, type PinnedPool } from './pinned-pool.js';
import { taskReader } from './tasks.js';

export interface IsolatedRun {
  namespace: string;
  operator: ManagedProcess;
  pool: PinnedPool;
  tasks: ReturnType<typeof taskReader>;
  stop(): Promise<void>;
}

export async function startIsolatedRun(prefix: string, port: number): Promise<IsolatedRun> {
  const suffix = Date.now().toString(36).slice(-5);
  const node = `${prefix}-cpu-1-${suffix}`;
  installCrds();
  const namespace = createNamespace(prefix);
  startDevRunner([`${node}:cpu:8:16Gi`]);
  const operator = startOperator({ healthPort: port, leaderElect: true, leaseNamespace: namespace });
  await waitForNodesReady([node]);
  await waitForOperator(port);
  const pool = pinnedPool(`${prefix}-${suffix}`, node);
  return {
    namespace,
    operator,
    pool,
    tasks: taskReader(namespace, () => operator.output().slice(-3000)),
    async stop() {
      await stopAll();
      pool.remove();
      deleteNamespace(namespace);
      kubectl(['delete', 'node', node, '--ignore-not-found', '--wait=false']);
    },
  };
}
