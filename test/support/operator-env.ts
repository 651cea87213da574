// One namespace, one dev-runner CPU node and the operator, for integration tests that run a few
// tasks end to end; `prepare` runs in the namespace before the operator starts.
import { createNamespace, deleteNamespace, installCrds, kubectl } from './cluster.js';
import { startDevRunner, startOperator, stopAll, waitForNodesReady, waitForOperator, type ManagedProcess } from './operator.js';

export interface OperatorEnv {
  namespace: string;
  node: string;
  operator: ManagedProcess;
}

export async function startOperatorEnv(prefix: string, port: number, prepare?: (namespace: string) => void): Promise<OperatorEnv> {
  installCrds();
  const namespace = createNamespace(prefix);
  prepare?.(namespace);
  const node = `${prefix}-cpu-${Date.now().toString(36).slice(-5)}`;
  startDevRunner([`${node}:cpu:4:8Gi`]);
  const operator = startOperator({ healthPort: port, extraArgs: ['--predictor-namespace', namespace] });
  await waitForNodesReady([node]);
  await waitForOperator(port);
  return { namespace, node, operator };
}

export async function stopOperatorEnv(env: OperatorEnv | undefined): Promise<void> {
  await stopAll();
  if (!env) return;
  deleteNamespace(env.namespace);
  kubectl(['delete', 'node', env.node, '--ignore-not-found', '--wait=false']);
}
