// The admission corpus: manifests the API server must accept, and malformed ones it must reject
// with an error naming the offending field. The unit tests hold the zod schemas to the same
// verdicts and field paths; the integration test sends every manifest to a real API server.
//
// `field` is what the API server's error contains, e.g. `spec.partitions` or, for a repeated
// name in a list keyed by name, `spec.stages[1]` (`spec.stages[1]: Duplicate value: ...`).
// Every manifest has its own metadata.name, so all of them can be applied in one namespace.
import {
  dataParallelTask,
  ensembleTask,
  functionParallelTask,
  modelParallelTask,
  orchestratedTask,
  pipelineParallelTask,
  subtask,
  workerPool,
  type Manifest,
} from '../builders/index.js';

export interface ValidCase {
  name: string;
  manifest: Record<string, unknown>;
}

export interface InvalidCase {
  name: string;
  manifest: Record<string, unknown>;
  /** The offending field's path as the API server prints it. */
  field: string;
}

const times = (count: number) => Array.from({ length: count }, (_, index) => index);
/** `count` distinct strings of about `length` characters: inline input of a chosen size. */
const paddedItems = (count: number, length: number) => times(count).map((index) => `${'x'.repeat(length)}${index}`);

export const validManifests: ValidCase[] = [
  { name: 'valid-data-parallel', manifest: dataParallelTask('valid-data-parallel') },
  {
    name: 'valid-data-parallel-configmap',
    manifest: dataParallelTask('valid-data-parallel-configmap', {
      spec: { input: { items: undefined, configMapRef: { name: 'big-input', key: 'items.json' } }, partitions: 16, merge: undefined },
    }),
  },
  {
    name: 'valid-data-parallel-gpu',
    manifest: dataParallelTask('valid-data-parallel-gpu', {
      spec: {
        hardware: { type: 'gpu', gpuProduct: 'NVIDIA-H100-80GB-HBM3', minGpuMemoryMiB: 40000 },
        resources: { cpu: '2', memory: '4Gi', gpu: 1 },
        poolSelector: { matchLabels: { team: 'vision', 'drm.dtf.io/tier': 'gold' }, matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] },
        retry: { maxAttempts: 5, backoffSeconds: 5, maxBackoffSeconds: 60 },
        failurePolicy: { mode: 'ContinueOnFailure', minSuccessRatio: 0.75 },
        deadlineSeconds: 3600,
      },
    }),
  },
  {
    name: 'valid-data-parallel-custom-worker',
    manifest: dataParallelTask('valid-data-parallel-custom-worker', {
      spec: {
        taskType: 'tokenize',
        worker: {
          image: 'registry.example.com/bench/worker:1.4',
          imagePullPolicy: 'IfNotPresent',
          command: ['python', '-m', 'worker'],
          args: ['--fast'],
          env: [{ name: 'LOG_LEVEL', value: 'debug' }],
        },
        failurePolicy: { mode: 'FailFast', minSuccessRatio: 1 },
      },
    }),
  },
  { name: 'valid-model-parallel', manifest: modelParallelTask('valid-model-parallel') },
  { name: 'valid-pipeline-parallel', manifest: pipelineParallelTask('valid-pipeline-parallel') },
  { name: 'valid-ensemble', manifest: ensembleTask('valid-ensemble') },
  { name: 'valid-ensemble-mean', manifest: ensembleTask('valid-ensemble-mean', { spec: { merge: { method: 'mean' } } }) },
  { name: 'valid-function-parallel', manifest: functionParallelTask('valid-function-parallel') },
  { name: 'valid-cancelled-task', manifest: orchestratedTask('valid-cancelled-task', { spec: { cancel: true } }) },
  {
    name: 'valid-pipeline-at-subtask-limit',
    manifest: pipelineParallelTask('valid-pipeline-at-subtask-limit', { spec: { microBatches: 156, stages: times(64).map((index) => ({ name: `s${index}` })) } }),
  },
  // About 0.9 MB of inline input: under the bound, so every input ConfigMap still fits.
  { name: 'valid-ensemble-large-inline-input', manifest: ensembleTask('valid-ensemble-large-inline-input', { spec: { input: { items: paddedItems(1400, 630) } } }) },
  { name: 'valid-pool-kwok', manifest: workerPool('valid-pool-kwok', 'kwok') },
  {
    name: 'valid-pool-kwok-gpu',
    manifest: workerPool('valid-pool-kwok-gpu', 'kwok', {
      spec: {
        hardware: { type: 'gpu', gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpuCount: 4, gpuMemoryMiB: 81920 },
        nodeLabels: { team: 'vision' },
        taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
        provider: { kwok: { node: { cpu: 32, memory: '128Gi', gpu: 4 } } },
        scaling: { targetUtilization: 0.6, scaleUpThreshold: 0.9, scaleDownThreshold: 0.2, predictive: false },
      },
    }),
  },
  { name: 'valid-pool-static', manifest: workerPool('valid-pool-static', 'static') },
  { name: 'valid-pool-aws', manifest: workerPool('valid-pool-aws', 'aws') },
  {
    name: 'valid-pool-aws-launch-template-only',
    manifest: workerPool('valid-pool-aws-launch-template-only', 'aws', {
      spec: { provider: { aws: { instanceTypes: undefined, launchTemplate: { id: 'lt-0abc123', name: undefined, version: '3' } } } },
    }),
  },
  { name: 'valid-pool-gcp', manifest: workerPool('valid-pool-gcp', 'gcp') },
  {
    name: 'valid-pool-gcp-gpu',
    manifest: workerPool('valid-pool-gcp-gpu', 'gcp', {
      spec: { hardware: { type: 'gpu', gpuProduct: 'NVIDIA-L4', gpuCount: 1 }, provider: { gcp: { acceleratorType: 'nvidia-l4', acceleratorCount: 1 } } },
    }),
  },
  { name: 'valid-subtask', manifest: subtask('valid-subtask', 'valid-data-parallel') },
  {
    name: 'valid-subtask-pipeline-stage',
    manifest: subtask('valid-subtask-pipeline-stage', 'valid-pipeline-parallel', {
      spec: {
        role: 'stage',
        index: 1,
        name: 'negate',
        microBatch: 2,
        input: undefined,
        inputRef: { name: 'valid-pipeline-parallel-input', key: 'items.json', offset: 4, count: 2 },
        dependsOn: ['valid-pipeline-parallel-square-2'],
      },
    }),
  },
];

const dataParallel = (name: string, overrides: Record<string, unknown>) => dataParallelTask(name, overrides);
const withStages = (names: string[]) => names.map((name) => ({ name }));

export const invalidManifests: InvalidCase[] = [
  // Wrong enum values.
  { name: 'bad-strategy', field: 'spec.strategy', manifest: orchestratedTask('bad-strategy', { spec: { strategy: 'MapReduce' } }) },
  { name: 'bad-hardware-type', field: 'spec.hardware.type', manifest: dataParallel('bad-hardware-type', { spec: { hardware: { type: 'tpu' } } }) },
  { name: 'bad-merge-method', field: 'spec.merge.method', manifest: dataParallel('bad-merge-method', { spec: { merge: { method: 'sum' } } }) },
  {
    name: 'bad-failure-policy-mode',
    field: 'spec.failurePolicy.mode',
    manifest: dataParallel('bad-failure-policy-mode', { spec: { failurePolicy: { mode: 'Ignore' } } }),
  },
  { name: 'bad-pool-hardware-type', field: 'spec.hardware.type', manifest: workerPool('bad-pool-hardware-type', 'kwok', { spec: { hardware: { type: 'tpu' } } }) },
  { name: 'bad-subtask-role', field: 'spec.role', manifest: subtask('bad-subtask-role', 'some-task', { spec: { role: 'worker' } }) },

  // A strategy's required fields missing.
  { name: 'model-parallel-without-stages', field: 'spec.stages', manifest: modelParallelTask('model-parallel-without-stages', { spec: { stages: undefined } }) },
  {
    name: 'pipeline-parallel-without-stages',
    field: 'spec.stages',
    manifest: pipelineParallelTask('pipeline-parallel-without-stages', { spec: { stages: undefined } }),
  },
  {
    name: 'pipeline-parallel-without-micro-batches',
    field: 'spec.microBatches',
    manifest: pipelineParallelTask('pipeline-parallel-without-micro-batches', { spec: { microBatches: undefined } }),
  },
  { name: 'ensemble-without-variants', field: 'spec.variants', manifest: ensembleTask('ensemble-without-variants', { spec: { variants: undefined } }) },
  {
    name: 'function-parallel-without-functions',
    field: 'spec.functions',
    manifest: functionParallelTask('function-parallel-without-functions', { spec: { functions: undefined } }),
  },
  { name: 'data-parallel-without-input', field: 'spec.input', manifest: dataParallel('data-parallel-without-input', { spec: { input: undefined } }) },
  { name: 'model-parallel-empty-stages', field: 'spec.stages', manifest: modelParallelTask('model-parallel-empty-stages', { spec: { stages: [] } }) },
  { name: 'missing-task-type', field: 'spec.taskType', manifest: dataParallel('missing-task-type', { spec: { taskType: undefined } }) },

  // Fields of another strategy.
  { name: 'partitions-with-model-parallel', field: 'spec.partitions', manifest: modelParallelTask('partitions-with-model-parallel', { spec: { partitions: 4 } }) },
  { name: 'micro-batches-with-data-parallel', field: 'spec.microBatches', manifest: dataParallel('micro-batches-with-data-parallel', { spec: { microBatches: 4 } }) },
  { name: 'stages-with-data-parallel', field: 'spec.stages', manifest: dataParallel('stages-with-data-parallel', { spec: { stages: withStages(['a']) } }) },
  {
    name: 'variants-with-function-parallel',
    field: 'spec.variants',
    manifest: functionParallelTask('variants-with-function-parallel', { spec: { variants: [{ name: 'small' }] } }),
  },
  { name: 'functions-with-ensemble', field: 'spec.functions', manifest: ensembleTask('functions-with-ensemble', { spec: { functions: [{ name: 'latency' }] } }) },
  { name: 'merge-mean-with-data-parallel', field: 'spec.merge.method', manifest: dataParallel('merge-mean-with-data-parallel', { spec: { merge: { method: 'mean' } } }) },
  { name: 'merge-last-with-ensemble', field: 'spec.merge.method', manifest: ensembleTask('merge-last-with-ensemble', { spec: { merge: { method: 'last' } } }) },

  // Repeated names.
  {
    name: 'duplicate-stage-names',
    field: 'spec.stages[1]',
    manifest: modelParallelTask('duplicate-stage-names', { spec: { stages: withStages(['encode', 'encode']) } }),
  },
  {
    name: 'duplicate-variant-names',
    field: 'spec.variants[1]',
    manifest: ensembleTask('duplicate-variant-names', { spec: { variants: [{ name: 'small' }, { name: 'small', params: { seed: 2 } }] } }),
  },
  {
    name: 'duplicate-function-names',
    field: 'spec.functions[2]',
    manifest: functionParallelTask('duplicate-function-names', { spec: { functions: [{ name: 'latency' }, { name: 'memory' }, { name: 'latency' }] } }),
  },

  // Input: exactly one of items and configMapRef.
  {
    name: 'input-items-and-configmap',
    field: 'spec.input',
    manifest: dataParallel('input-items-and-configmap', { spec: { input: { items: [1], configMapRef: { name: 'big-input' } } } }),
  },
  { name: 'input-neither', field: 'spec.input', manifest: dataParallel('input-neither', { spec: { input: { items: undefined } } }) },
  {
    name: 'too-many-items',
    field: 'spec.input.items',
    manifest: dataParallel('too-many-items', { spec: { input: { items: times(10001) } } }),
  },
  {
    // About 1.27 MB: the task fits etcd, but no subtask's input ConfigMap (1 MiB) could hold it.
    name: 'inline-input-too-large',
    field: 'spec.input.items',
    manifest: ensembleTask('inline-input-too-large', { spec: { input: { items: paddedItems(2000, 630) } } }),
  },
  {
    name: 'params-too-large',
    field: 'spec.params',
    manifest: functionParallelTask('params-too-large', { spec: { params: { blob: 'x'.repeat(1_100_000) } } }),
  },
  {
    name: 'bad-configmap-name',
    field: 'spec.input.configMapRef.name',
    manifest: dataParallel('bad-configmap-name', { spec: { input: { items: undefined, configMapRef: { name: 'Big_Input' } } } }),
  },

  // Quantities.
  { name: 'quantity-with-words', field: 'spec.resources.cpu', manifest: dataParallel('quantity-with-words', { spec: { resources: { cpu: '2 cores' } } }) },
  { name: 'quantity-negative-string', field: 'spec.resources.memory', manifest: dataParallel('quantity-negative-string', { spec: { resources: { memory: '-1' } } }) },
  { name: 'quantity-negative-integer', field: 'spec.resources.cpu', manifest: dataParallel('quantity-negative-integer', { spec: { resources: { cpu: -1 } } }) },
  { name: 'quantity-two-dots', field: 'spec.resources.memory', manifest: dataParallel('quantity-two-dots', { spec: { resources: { memory: '1.5.3Gi' } } }) },
  {
    name: 'kwok-node-memory-with-unit-word',
    field: 'spec.provider.kwok.node.memory',
    manifest: workerPool('kwok-node-memory-with-unit-word', 'kwok', { spec: { provider: { kwok: { node: { memory: '128 GB' } } } } }),
  },
  { name: 'quantity-fraction-number', field: 'spec.resources.cpu', manifest: dataParallel('quantity-fraction-number', { spec: { resources: { cpu: 0.5 } } }) },

  // Counts and bounds.
  { name: 'zero-partitions', field: 'spec.partitions', manifest: dataParallel('zero-partitions', { spec: { partitions: 0 } }) },
  { name: 'too-many-partitions', field: 'spec.partitions', manifest: dataParallel('too-many-partitions', { spec: { partitions: 10001 } }) },
  { name: 'partitions-wrong-type', field: 'spec.partitions', manifest: dataParallel('partitions-wrong-type', { spec: { partitions: 'four' } }) },
  { name: 'zero-micro-batches', field: 'spec.microBatches', manifest: pipelineParallelTask('zero-micro-batches', { spec: { microBatches: 0 } }) },
  { name: 'zero-max-attempts', field: 'spec.retry.maxAttempts', manifest: dataParallel('zero-max-attempts', { spec: { retry: { maxAttempts: 0 } } }) },
  { name: 'too-many-attempts', field: 'spec.retry.maxAttempts', manifest: dataParallel('too-many-attempts', { spec: { retry: { maxAttempts: 101 } } }) },
  { name: 'negative-deadline', field: 'spec.deadlineSeconds', manifest: dataParallel('negative-deadline', { spec: { deadlineSeconds: -5 } }) },
  { name: 'negative-max-nodes', field: 'spec.maxNodes', manifest: workerPool('negative-max-nodes', 'kwok', { spec: { maxNodes: -1 } }) },
  { name: 'negative-subtask-index', field: 'spec.index', manifest: subtask('negative-subtask-index', 'some-task', { spec: { index: -1 } }) },
  {
    name: 'too-many-stages',
    field: 'spec.stages',
    manifest: modelParallelTask('too-many-stages', { spec: { stages: withStages(times(65).map((index) => `s${index}`)) } }),
  },
  {
    // 640,000 subtasks (each a Subtask, a ConfigMap and a Pod) though each field is within its cap.
    name: 'too-many-pipeline-subtasks',
    field: 'spec.microBatches',
    manifest: pipelineParallelTask('too-many-pipeline-subtasks', { spec: { microBatches: 10000, stages: withStages(times(64).map((index) => `s${index}`)) } }),
  },
  { name: 'cancel-wrong-type', field: 'spec.cancel', manifest: dataParallel('cancel-wrong-type', { spec: { cancel: 'yes' } }) },

  // Names.
  {
    name: 'stage-name-too-long',
    field: 'spec.stages[0].name',
    manifest: modelParallelTask('stage-name-too-long', { spec: { stages: withStages(['s'.repeat(64)]) } }),
  },
  {
    name: 'stage-name-not-dns-label',
    field: 'spec.stages[1].name',
    manifest: modelParallelTask('stage-name-not-dns-label', { spec: { stages: withStages(['encode', 'Decode_Stage']) } }),
  },
  { name: 'task-name-uppercase', field: 'metadata.name', manifest: orchestratedTask('Bad_Task_Name') },
  {
    name: 'pool-selector-bad-label-key',
    field: 'spec.poolSelector.matchLabels',
    manifest: dataParallel('pool-selector-bad-label-key', { spec: { poolSelector: { matchLabels: { 'bad key!': 'x' } } } }),
  },
  {
    name: 'pool-selector-in-without-values',
    field: 'spec.poolSelector.matchExpressions[0].values',
    manifest: dataParallel('pool-selector-in-without-values', { spec: { poolSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] } } }),
  },
  { name: 'task-type-not-built-in', field: 'spec.taskType', manifest: dataParallel('task-type-not-built-in', { spec: { taskType: 'tokenize' } }) },
  { name: 'worker-without-image', field: 'spec.worker.image', manifest: dataParallel('worker-without-image', { spec: { worker: { command: ['run'] } } }) },

  // Retry and failure policy.
  {
    name: 'backoff-above-max-backoff',
    field: 'spec.retry.backoffSeconds',
    manifest: dataParallel('backoff-above-max-backoff', { spec: { retry: { backoffSeconds: 600, maxBackoffSeconds: 300 } } }),
  },
  {
    name: 'min-success-ratio-above-one',
    field: 'spec.failurePolicy.minSuccessRatio',
    manifest: dataParallel('min-success-ratio-above-one', { spec: { failurePolicy: { mode: 'ContinueOnFailure', minSuccessRatio: 1.5 } } }),
  },
  {
    name: 'min-success-ratio-with-fail-fast',
    field: 'spec.failurePolicy.minSuccessRatio',
    manifest: dataParallel('min-success-ratio-with-fail-fast', { spec: { failurePolicy: { mode: 'FailFast', minSuccessRatio: 0.5 } } }),
  },

  // Hardware and GPUs.
  { name: 'gpu-product-on-cpu-task', field: 'spec.hardware.gpuProduct', manifest: dataParallel('gpu-product-on-cpu-task', { spec: { hardware: { type: 'cpu', gpuProduct: 'NVIDIA-A10G' } } }) },
  { name: 'gpu-memory-on-any-task', field: 'spec.hardware.minGpuMemoryMiB', manifest: dataParallel('gpu-memory-on-any-task', { spec: { hardware: { minGpuMemoryMiB: 16000 } } }) },
  {
    name: 'gpu-request-on-cpu-task',
    field: 'spec.resources.gpu',
    manifest: dataParallel('gpu-request-on-cpu-task', { spec: { hardware: { type: 'cpu' }, resources: { gpu: 1 } } }),
  },
  {
    name: 'gpu-request-on-cpu-stage',
    field: 'spec.stages[0].resources.gpu',
    manifest: modelParallelTask('gpu-request-on-cpu-stage', { spec: { stages: [{ name: 'encode', hardware: { type: 'cpu' }, resources: { gpu: 2 } }] } }),
  },
  {
    name: 'gpu-request-inherited-cpu-stage',
    field: 'spec.stages',
    manifest: modelParallelTask('gpu-request-inherited-cpu-stage', { spec: { hardware: { type: 'cpu' }, stages: [{ name: 'encode', resources: { gpu: 1 } }] } }),
  },
  {
    name: 'gpu-product-on-cpu-pool',
    field: 'spec.hardware.gpuProduct',
    manifest: workerPool('gpu-product-on-cpu-pool', 'kwok', { spec: { hardware: { type: 'cpu', gpuProduct: 'NVIDIA-A10G' } } }),
  },
  {
    name: 'gcp-accelerator-on-cpu-pool',
    field: 'spec.provider.gcp.acceleratorType',
    manifest: workerPool('gcp-accelerator-on-cpu-pool', 'gcp', { spec: { provider: { gcp: { acceleratorType: 'nvidia-l4' } } } }),
  },
  {
    name: 'kwok-gpu-pool-without-gpus',
    field: 'spec.provider.kwok.node.gpu',
    manifest: workerPool('kwok-gpu-pool-without-gpus', 'kwok', { spec: { hardware: { type: 'gpu' } } }),
  },

  // WorkerPool size, scaling and provider.
  { name: 'min-nodes-above-max-nodes', field: 'spec.minNodes', manifest: workerPool('min-nodes-above-max-nodes', 'kwok', { spec: { minNodes: 6, maxNodes: 5 } }) },
  {
    name: 'scale-down-above-scale-up',
    field: 'spec.scaling.scaleDownThreshold',
    manifest: workerPool('scale-down-above-scale-up', 'kwok', { spec: { scaling: { scaleDownThreshold: 0.9, scaleUpThreshold: 0.8, targetUtilization: 0.85 } } }),
  },
  {
    name: 'target-utilization-outside-thresholds',
    field: 'spec.scaling.targetUtilization',
    manifest: workerPool('target-utilization-outside-thresholds', 'kwok', { spec: { scaling: { targetUtilization: 0.95 } } }),
  },
  {
    name: 'scale-up-threshold-above-one',
    field: 'spec.scaling.scaleUpThreshold',
    manifest: workerPool('scale-up-threshold-above-one', 'kwok', { spec: { scaling: { scaleUpThreshold: 1.5 } } }),
  },
  { name: 'pool-without-provider', field: 'spec.provider', manifest: workerPool('pool-without-provider', 'kwok', { spec: { provider: { kwok: undefined } } }) },
  {
    name: 'pool-with-two-providers',
    field: 'spec.provider',
    manifest: workerPool('pool-with-two-providers', 'kwok', { spec: { provider: { static: { nodeSelector: { pool: 'two' } } } } }),
  },
  {
    name: 'aws-without-instance-types-or-template',
    field: 'spec.provider.aws.instanceTypes',
    manifest: workerPool('aws-without-instance-types-or-template', 'aws', { spec: { provider: { aws: { instanceTypes: undefined, launchTemplate: undefined } } } }),
  },
  {
    name: 'aws-bad-region',
    field: 'spec.provider.aws.region',
    manifest: workerPool('aws-bad-region', 'aws', { spec: { provider: { aws: { region: 'Oregon' } } } }),
  },
  {
    name: 'max-cost-below-min-nodes-cost',
    field: 'spec.maxCostPerHour',
    manifest: workerPool('max-cost-below-min-nodes-cost', 'aws', { spec: { minNodes: 5, costPerNodeHour: 10, maxCostPerHour: 20 } }),
  },
  {
    name: 'taint-bad-effect',
    field: 'spec.taints[0].effect',
    manifest: workerPool('taint-bad-effect', 'kwok', { spec: { taints: [{ key: 'dedicated', effect: 'NoRun' }] } }),
  },
  {
    name: 'static-empty-node-selector',
    field: 'spec.provider.static.nodeSelector',
    manifest: workerPool('static-empty-node-selector', 'static', { spec: { provider: { static: { nodeSelector: { 'drm.dtf.io/static-pool': undefined } } } } }),
  },

  // Subtask.
  {
    name: 'subtask-input-and-input-ref',
    field: 'spec.inputRef',
    manifest: subtask('subtask-input-and-input-ref', 'some-task', { spec: { inputRef: { name: 'some-task-input', key: 'items.json' } } }),
  },
  { name: 'subtask-without-task-ref-name', field: 'spec.taskRef.name', manifest: subtask('subtask-without-task-ref-name', 'some-task', { spec: { taskRef: { name: undefined } } }) },
  { name: 'subtask-micro-batch-on-partition', field: 'spec.microBatch', manifest: subtask('subtask-micro-batch-on-partition', 'some-task', { spec: { microBatch: 1 } }) },
];

/** Every manifest's own name, for the uniqueness check. */
export function manifestName(manifest: Manifest): string {
  return String((manifest.metadata as { name?: unknown } | undefined)?.name ?? '');
}
