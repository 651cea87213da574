// Keeps a test's subtasks on the test's own nodes: other operators running against the same
// cluster (other test files) bind any drm-scheduler pod to any node that fits, including
// simulated ones where nothing runs. A static WorkerPool over the given nodes, and the
// poolSelector that chooses only it.
import { workerPool } from '../builders/index.js';
import { kubectl, kubectlOk, manifestInput } from './cluster.js';

export interface PinnedPool {
  poolSelector: { matchLabels: Record<string, string> };
  remove(): void;
}

export function pinnedPool(name: string, nodeName: string): PinnedPool {
  kubectlOk(
    ['apply', '-f', '-'],
    manifestInput(
      workerPool(name, 'static', {
        metadata: { labels: { 'drm.dtf.io/test-pool': name } },
        spec: { hardware: { type: 'cpu' }, provider: { static: { nodeSelector: { 'drm.dtf.io/static-pool': undefined, 'kubernetes.io/hostname': nodeName } } } },
      }),
    ),
  );
  return {
    poolSelector: { matchLabels: { 'drm.dtf.io/test-pool': name } },
    remove: () => void kubectl(['delete', 'workerpool', name, '--ignore-not-found', '--wait=false']),
  };
}
