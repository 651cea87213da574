// A worker image that does not exist, on the real node (kubelet + containerd): the task's
// subtasks say ErrImagePull/ImagePullBackOff in their status and Warning Events within a
// minute, and fail by the task's timeoutSeconds (no retries left), so `kubectl wait
// --for=condition=Failed` returns. The pods go to the real node through a static WorkerPool
// selecting the label the local cluster puts on it; kwok nodes never pull images.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dataParallelTask, workerPool } from '../builders/index.js';
import { applyManifest, createNamespace, deleteNamespace, installCrds, kubectl, kubectlOk } from '../support/cluster.js';
import { startOperator, stopAll, waitForOperator, type ManagedProcess } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const REAL_NODE_LABEL = 'drm.dtf.io/real-node';
const suffix = Date.now().toString(36).slice(-5);
const POOL = `real-${suffix}`;
const PORT = 19081;
const TIMEOUT_SECONDS = 75;
let namespace = '';
let operator: ManagedProcess;

const realNodes = kubectl(['get', 'nodes', '-l', `${REAL_NODE_LABEL}=true`, '-o', 'name']).stdout.split('\n').filter(Boolean);
if (realNodes.length === 0) process.stderr.write(`pod-trouble.test.ts: no node labeled ${REAL_NODE_LABEL}=true; its test is skipped\n`);
const withRealNode = realNodes.length > 0 ? test : test.skip;

interface SubtaskJson {
  metadata: { name: string };
  status?: { phase?: string; message?: string; lastFailure?: { reason?: string } };
}
const subtasksOf = (task: string) => (JSON.parse(kubectlOk(['get', 'st', '-n', namespace, '-l', `drm.dtf.io/task=${task}`, '-o', 'json'])) as { items: SubtaskJson[] }).items;

beforeAll(async () => {
  if (realNodes.length === 0) return;
  installCrds();
  namespace = createNamespace('pod-trouble');
  applyManifest(
    workerPool(POOL, 'static', {
      metadata: { labels: { 'pod-trouble': suffix } },
      spec: {
        provider: { static: { nodeSelector: { [REAL_NODE_LABEL]: 'true', 'drm.dtf.io/static-pool': undefined } } },
        // The real nodes are tainted so that only work meant for them lands there: pods of this pool's tasks tolerate it.
        taints: [{ key: REAL_NODE_LABEL, value: 'true', effect: 'NoSchedule' }],
      },
    }),
  );
  operator = startOperator({ healthPort: PORT, extraArgs: ['--predictor-namespace', namespace] });
  await waitForOperator(PORT);
});

afterAll(async () => {
  await stopAll();
  if (!namespace) return;
  deleteNamespace(namespace);
  kubectl(['delete', 'workerpool', POOL, '--ignore-not-found', '--wait=false']);
});

describe('pod trouble on the real node', () => {
  withRealNode('a missing worker image: ErrImagePull/ImagePullBackOff in status and Events within a minute, then Failed by timeoutSeconds', async () => {
    applyManifest(
      dataParallelTask('no-image', {
        spec: {
          // A registry on loopback where nothing listens: the pull fails at once, and nothing (not even
          // a DNS query) leaves this machine.
          worker: { image: `127.0.0.1:9/drm/no-such-worker:${suffix}` },
          input: { items: [1] },
          partitions: 1,
          hardware: { type: 'cpu' },
          resources: { cpu: '100m', memory: '64Mi' },
          poolSelector: { matchLabels: { 'pod-trouble': suffix } },
          timeoutSeconds: TIMEOUT_SECONDS,
          retry: { maxAttempts: 1, backoffSeconds: 1, maxBackoffSeconds: 1 },
        },
      }),
      namespace,
    );
    const applied = Date.now();
    await waitUntil('the subtask naming the image pull failure', () => /ErrImagePull|ImagePullBackOff/.test(subtasksOf('no-image')[0]?.status?.message ?? ''), 60_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${JSON.stringify(subtasksOf('no-image').map((s) => s.status))}\n${operator.output().slice(-3000)}`);
    });
    process.stdout.write(`[pod-trouble] the subtask named the image pull failure ${Date.now() - applied} ms after the task was applied\n`);
    const events = kubectlOk(['get', 'events', '-n', namespace, '--field-selector', 'involvedObject.kind=Subtask,type=Warning', '-o', 'jsonpath={.items[*].reason}']);
    expect(events).toMatch(/ErrImagePull|ImagePullBackOff/);

    const result = kubectl(['wait', '--for=condition=Failed', 'ot/no-image', '-n', namespace, `--timeout=${TIMEOUT_SECONDS + 60}s`]);
    if (result.code !== 0) throw new Error(`${result.stderr}\n${operator.output().slice(-3000)}`);
    expect(subtasksOf('no-image')[0]?.status).toMatchObject({ phase: 'Failed', lastFailure: { reason: 'DeadlineExceeded' } });
  });
});
