// What users see: `kubectl get` columns for each kind, the `drm` category listing all three,
// and `kubectl explain` describing the fields.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dataParallelTask, subtask, workerPool } from '../builders/index.js';
import { createNamespace, deleteNamespace, installCrds, kubectl, kubectlOk, manifestInput } from '../support/cluster.js';

let namespace = '';
const poolName = `print-pool-${Date.now().toString(36)}`;

function headerOf(output: string): string[] {
  return (output.split('\n')[0] ?? '').trim().split(/\s{2,}/);
}

beforeAll(() => {
  installCrds();
  namespace = createNamespace('printing');
  kubectlOk(['create', '-n', namespace, '-f', '-'], manifestInput(dataParallelTask('print-task')));
  kubectlOk(['create', '-n', namespace, '-f', '-'], manifestInput(subtask('print-task-0', 'print-task')));
  kubectlOk(['create', '-f', '-'], manifestInput(workerPool(poolName, 'kwok')));
});

afterAll(() => {
  kubectl(['delete', 'workerpool', poolName, '--ignore-not-found', '--wait=false']);
  deleteNamespace(namespace);
});

describe('kubectl get', () => {
  test('orchestratedtasks print STRATEGY, PHASE, PROGRESS, SUBTASKS, AGE', () => {
    const out = kubectlOk(['get', 'ot', '-n', namespace]);
    expect(headerOf(out)).toEqual(['NAME', 'STRATEGY', 'PHASE', 'PROGRESS', 'SUBTASKS', 'AGE']);
    expect(out).toMatch(/print-task\s+DataParallel/);
  });

  test('subtasks print TASK, ROLE, PHASE, NODE, ATTEMPTS, AGE', () => {
    const out = kubectlOk(['get', 'st', '-n', namespace]);
    expect(headerOf(out)).toEqual(['NAME', 'TASK', 'ROLE', 'PHASE', 'NODE', 'ATTEMPTS', 'AGE']);
    expect(out).toMatch(/print-task-0\s+print-task\s+partition/);
  });

  test('workerpools print HARDWARE, PROVIDER, NODES, DESIRED, UTIL, LAST-ACTION, AGE', () => {
    const out = kubectlOk(['get', 'wp', poolName]);
    expect(headerOf(out)).toEqual(['NAME', 'HARDWARE', 'PROVIDER', 'NODES', 'DESIRED', 'UTIL', 'LAST-ACTION', 'AGE']);
  });

  test('`kubectl get ot,st,wp` prints all three tables', () => {
    const out = kubectlOk(['get', 'ot,st,wp', '-n', namespace]);
    expect(out).toContain('orchestratedtask.drm.dtf.io/print-task');
    expect(out).toContain('subtask.drm.dtf.io/print-task-0');
    expect(out).toContain(`workerpool.drm.dtf.io/${poolName}`);
  });

  test('`kubectl get drm` lists every kind through the category', () => {
    const out = kubectlOk(['get', 'drm', '-n', namespace]);
    expect(out).toContain('orchestratedtask.drm.dtf.io/print-task');
    expect(out).toContain('subtask.drm.dtf.io/print-task-0');
    expect(out).toContain(`workerpool.drm.dtf.io/${poolName}`);
  });
});

describe('kubectl explain', () => {
  test('orchestratedtask.spec.strategy names every strategy and what it does', () => {
    const out = kubectlOk(['explain', 'orchestratedtask.spec.strategy']);
    expect(out).toContain('GROUP:      drm.dtf.io');
    for (const strategy of ['DataParallel', 'ModelParallel', 'PipelineParallel', 'Ensemble', 'FunctionParallel']) {
      expect(out).toContain(strategy);
    }
    const description = out.slice(out.indexOf('DESCRIPTION:'));
    expect(description.split(/\s+/).length).toBeGreaterThan(20);
  });

  test('every top-level spec field of each kind has a description', () => {
    for (const kind of ['orchestratedtask', 'subtask', 'workerpool']) {
      const out = kubectlOk(['explain', `${kind}.spec`]);
      expect(out).not.toContain('<empty>');
    }
  });
});
