// Valid OrchestratedTask manifests, one builder per strategy; overrides change what a test needs.
import { GROUP_VERSION, type OrchestratedTaskInput } from '../../operator/api/index.js';
import { withOverrides, type Manifest, type Overrides } from './merge.js';

/** The smallest valid task: DataParallel `map`/square over four inline items, partitions chosen by the operator. */
export function orchestratedTask(name: string, overrides: Overrides = {}): Manifest {
  const base = {
    apiVersion: GROUP_VERSION,
    kind: 'OrchestratedTask',
    metadata: { name },
    spec: {
      strategy: 'DataParallel',
      taskType: 'map',
      params: { op: 'square' },
      input: { items: [1, 2, 3, 4] },
    },
  } satisfies OrchestratedTaskInput;
  return withOverrides(base, overrides);
}

// Each strategy is the base task with one layer of changes, then the caller's overrides, so an
// override can also remove (set to undefined) anything either layer put there.
function strategyTask(name: string, strategyLayer: Overrides, overrides: Overrides): Manifest {
  return withOverrides(orchestratedTask(name, strategyLayer), overrides);
}

/** DataParallel over eight items in two partitions, concatenated in order. */
export function dataParallelTask(name: string, overrides: Overrides = {}): Manifest {
  return strategyTask(
    name,
    { spec: { strategy: 'DataParallel', input: { items: [1, 2, 3, 4, 5, 6, 7, 8] }, partitions: 2, merge: { method: 'concat' } } },
    overrides,
  );
}

/** ModelParallel: two shards run in order over the whole input, each with its own placement. */
export function modelParallelTask(name: string, overrides: Overrides = {}): Manifest {
  return strategyTask(
    name,
    {
      spec: {
        strategy: 'ModelParallel',
        taskType: 'echo',
        params: {},
        stages: [
          { name: 'encode', hardware: { type: 'cpu' }, resources: { cpu: '500m', memory: '256Mi' } },
          { name: 'decode', taskType: 'map', params: { op: 'double' }, hardware: { type: 'any' }, resources: { cpu: 1, memory: '512Mi' } },
        ],
      },
    },
    overrides,
  );
}

/** PipelineParallel: two stages over four micro-batches. */
export function pipelineParallelTask(name: string, overrides: Overrides = {}): Manifest {
  return strategyTask(
    name,
    {
      spec: {
        strategy: 'PipelineParallel',
        input: { items: [1, 2, 3, 4, 5, 6, 7, 8] },
        microBatches: 4,
        stages: [
          { name: 'square', params: { op: 'square' } },
          { name: 'negate', params: { op: 'negate' } },
        ],
      },
    },
    overrides,
  );
}

/** Ensemble: two variants of one workload, results collected by variant name. */
export function ensembleTask(name: string, overrides: Overrides = {}): Manifest {
  return strategyTask(
    name,
    {
      spec: {
        strategy: 'Ensemble',
        variants: [
          { name: 'small', params: { model_size: 'small' } },
          { name: 'large', params: { model_size: 'large' }, resources: { cpu: '2', memory: '1Gi' } },
        ],
        merge: { method: 'collect' },
      },
    },
    overrides,
  );
}

/** FunctionParallel: the three benchmark functions of a matmul kernel, with no input. */
export function functionParallelTask(name: string, overrides: Overrides = {}): Manifest {
  return strategyTask(
    name,
    {
      spec: {
        strategy: 'FunctionParallel',
        taskType: 'benchmark',
        params: { n: 64 },
        input: undefined,
        functions: [{ name: 'latency' }, { name: 'throughput' }, { name: 'memory', params: { repeat: 2 } }],
      },
    },
    overrides,
  );
}
