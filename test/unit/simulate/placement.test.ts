// The simulator's placer (chooseNode): the operator's scheduler's packing term by default, and
// the `--placement predicted-end` experiment for predictive pools (docs/autoscaling.md): a node
// whose running work is predicted to outlast the new subtask (the soonest ending), so a node is
// not kept alive by one long subtask among short ones; else the scheduler's choice.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { chooseNode, figuresOf, simulate } from '../../../operator/simulate/simulation.js';
import { parseTrace } from '../../../operator/simulate/trace.js';

const TRACES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'traces');

const GI = 2 ** 30;
const shape = { cpu: 8, memoryBytes: 32 * GI, gpu: 0 };
const request = { cpu: 1, memoryBytes: 1 * GI, gpu: 0 };
const used = (cpu: number) => ({ cpu, memoryBytes: cpu * GI, gpu: 0 });

describe('chooseNode, as the scheduler scores (no predicted end)', () => {
  const nodes = [
    { requested: used(2), pods: 2 },
    { requested: used(6), pods: 6 },
    { requested: used(0), pods: 0 },
  ];
  test('binpack takes the fullest node after placing, spread the emptiest', () => {
    expect(chooseNode(nodes, request, shape, { binpack: true })).toBe(1);
    expect(chooseNode(nodes, request, shape, { binpack: false })).toBe(2);
  });
  test('no node with room: none', () => {
    expect(chooseNode([], request, shape, { binpack: true })).toBe(-1);
  });
});

describe('chooseNode by predicted end (predictive pools, an experiment)', () => {
  // 0: the fullest, its work ends at 100 s; 1: emptier, ends at 1,000 s; 2: empty.
  const nodes = [
    { requested: used(6), pods: 6, endsAt: 100 },
    { requested: used(2), pods: 2, endsAt: 1000 },
    { requested: used(0), pods: 0 },
  ];
  test('a subtask ending at 900 s goes where the work outlasts it (1,000 s), not on the fullest node', () => {
    expect(chooseNode(nodes, request, shape, { binpack: true, endsAt: 900 })).toBe(1);
  });
  test('a subtask ending at 50 s goes to the node ending at 100 s: of those that outlast it, the soonest ending', () => {
    expect(chooseNode(nodes, request, shape, { binpack: true, endsAt: 50 })).toBe(0);
  });
  test('when no running work lasts as long, the scheduler\'s choice (binpack: the fullest; spread: the empty node)', () => {
    expect(chooseNode(nodes, request, shape, { binpack: true, endsAt: 5000 })).toBe(0);
    expect(chooseNode(nodes, request, shape, { binpack: false, endsAt: 5000 })).toBe(2);
  });
  test('ties by the packing term', () => {
    const same = [
      { requested: used(2), pods: 2, endsAt: 1000 },
      { requested: used(5), pods: 5, endsAt: 1000 },
    ];
    expect(chooseNode(same, request, shape, { binpack: true, endsAt: 900 })).toBe(1);
  });
});

describe('--placement predicted-end in a simulation', () => {
  const tasks = parseTrace(readFileSync(join(TRACES, 'steady.csv'), 'utf8'), 'steady.csv');
  test('changes where the predictive policy places work, never the threshold policy (the experiment is for predictive pools)', () => {
    const figures = (policy: 'predictive' | 'threshold', placement: 'scheduler' | 'predicted-end') => figuresOf(simulate(tasks, policy, { placement }));
    expect(figures('threshold', 'predicted-end')).toEqual(figures('threshold', 'scheduler'));
    expect(figures('predictive', 'predicted-end')).not.toEqual(figures('predictive', 'scheduler'));
  });
});
