// Tasks named to collide run side by side on the real control plane, each to its own result:
// Ensemble task `a` with variant `v-x` and task `a-v` with variant `x` (both once made Subtask
// `a-v-v-x`), and two task names of 231+ characters sharing a 230-character prefix whose merged
// results are too large for the status (both once went to one result ConfigMap).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { dataParallelTask, ensembleTask } from '../builders/index.js';
import { kubectlOk } from '../support/cluster.js';
import { startIsolatedRun, type IsolatedRun } from '../support/isolated-run.js';

let run: IsolatedRun;
let namespace = '';
let tasks: IsolatedRun['tasks'];

beforeAll(async () => {
  run = await startIsolatedRun('collide', 18391);
  ({ namespace, tasks } = run);
}, 180_000);

afterAll(async () => {
  await run.stop();
});

const small = { cpu: '100m', memory: '64Mi' };
const placed = () => ({ resources: small, poolSelector: run.pool.poolSelector });

test('Ensemble task a with variant v-x and task a-v with variant x both complete with their own results', async () => {
  tasks.apply(ensembleTask('a', { spec: { taskType: 'echo', input: { items: [1, 2] }, variants: [{ name: 'v-x' }], ...placed() } }));
  tasks.apply(ensembleTask('a-v', { spec: { taskType: 'echo', input: { items: [3, 4] }, variants: [{ name: 'x' }], ...placed() } }));
  const [first, second] = await Promise.all([tasks.waitForPhase('a', ['Completed', 'Failed']), tasks.waitForPhase('a-v', ['Completed', 'Failed'])]);
  expect(first.status).toMatchObject({ phase: 'Completed', result: { 'v-x': [1, 2] } });
  expect(second.status).toMatchObject({ phase: 'Completed', result: { x: [3, 4] } });
  expect(new Set([...tasks.subtasksOf('a'), ...tasks.subtasksOf('a-v')].map((s) => s.metadata.name)).size).toBe(2);
}, 180_000);

test('two task names of 231+ characters sharing a 230-character prefix keep their own result ConfigMaps', async () => {
  const prefix = 'r'.repeat(230);
  const names = [`${prefix}-one`, `${prefix}-two`];
  // About 80 KB merged: more than the status holds, so each result goes to a ConfigMap.
  const itemsOf = (tag: string) => Array.from({ length: 4 }, (_, i) => `${tag}${i}-${'z'.repeat(20_000)}`);
  names.forEach((name, i) => tasks.apply(dataParallelTask(name, { spec: { taskType: 'echo', input: { items: itemsOf(i === 0 ? 'one' : 'two') }, partitions: 2, ...placed() } })));
  const done = await Promise.all(names.map((name) => tasks.waitForPhase(name, ['Completed', 'Failed'])));
  const refs = done.map((task) => (task.status as { resultRef?: { configMapName: string; key: string } }).resultRef);
  for (const task of done) expect(task.status?.phase).toBe('Completed');
  expect(refs[0]?.configMapName).toBeDefined();
  expect(refs[0]?.configMapName).not.toBe(refs[1]?.configMapName);
  refs.forEach((ref, i) => {
    const data = (JSON.parse(kubectlOk(['get', 'configmap', ref!.configMapName, '-n', namespace, '-o', 'json'])) as { data: Record<string, string> }).data;
    const merged = JSON.parse(Object.keys(data).sort().map((key) => data[key]).join('')) as string[];
    expect(merged.map((item) => item.split('-')[0])).toEqual(i === 0 ? ['one0', 'one1', 'one2', 'one3'] : ['two0', 'two1', 'two2', 'two3']);
  });
}, 240_000);
