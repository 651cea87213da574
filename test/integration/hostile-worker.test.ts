// A custom worker that lies about where its result is: every partition points at another task's
// result ConfigMap (or all at one shared ConfigMap, to swell the merge). Its own task fails with a
// clear message; the operator stays up, and the other tasks complete with their own results.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { dataParallelTask } from '../builders/index.js';
import { kubectlOk, manifestInput } from '../support/cluster.js';
import { readiness } from '../support/operator.js';
import { startIsolatedRun, type IsolatedRun } from '../support/isolated-run.js';

const PORT = 18393;
let run: IsolatedRun;

beforeAll(async () => {
  run = await startIsolatedRun('hostile', PORT);
}, 180_000);

afterAll(async () => {
  await run.stop();
});

const placed = () => ({ resources: { cpu: '100m', memory: '64Mi' }, poolSelector: run.pool.poolSelector });

/** A worker whose termination message names `configMap` as its result, whatever it was told. */
const lyingWorker = (configMap: string) => ({
  image: 'hostile-worker:1',
  command: ['sh', '-c', `printf '{"resultConfigMap":"${configMap}"}' > "$DRM_TERMINATION_MESSAGE_PATH"`],
});

test.each([
  ['another task\'s result', 'victim-p0-a1-result'],
  ['one ConfigMap shared by every partition', 'shared-huge-result'],
])('a worker pointing its result at %s fails its own task; the others complete', async (_what, target) => {
  const suffix = target.split('-')[0]!;
  const { tasks, namespace } = run;
  // The ConfigMap it points at exists and holds a large result.
  kubectlOk(['create', '-n', namespace, '-f', '-'], manifestInput({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: target }, data: { 'result.json': JSON.stringify(['x'.repeat(900_000)]) } }));
  tasks.apply(dataParallelTask(`bystander-${suffix}`, { spec: { taskType: 'map', input: { items: [1, 2, 3, 4] }, partitions: 2, ...placed() } }));
  tasks.apply(
    dataParallelTask(`liar-${suffix}`, {
      spec: { taskType: 'tokenize', worker: lyingWorker(target), input: { items: [1, 2, 3, 4, 5, 6] }, partitions: 3, retry: { maxAttempts: 1 }, ...placed() },
    }),
  );
  const [liar, bystander] = await Promise.all([tasks.waitForPhase(`liar-${suffix}`, ['Completed', 'Failed']), tasks.waitForPhase(`bystander-${suffix}`, ['Completed', 'Failed'])]);
  expect(liar.status?.phase).toBe('Failed');
  expect(liar.status?.message).toContain(`reported its result in ConfigMap ${target}, not liar-${suffix}-p`);
  expect(bystander.status).toMatchObject({ phase: 'Completed', result: [1, 4, 9, 16] });
  expect(await readiness(PORT)).toMatchObject({ ready: true });
}, 240_000);
