// Labels and annotations the operator puts on what it creates. Label values are limited to 63
// characters, so long names go into annotations and labels carry a label-safe form.
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  task: 'drm.dtf.io/task',
  taskUid: 'drm.dtf.io/task-uid',
  subtask: 'drm.dtf.io/subtask',
  attempt: 'drm.dtf.io/attempt',
  role: 'drm.dtf.io/role',
  pool: 'drm.dtf.io/pool',
  hardware: 'drm.dtf.io/hardware',
  gpuProduct: 'nvidia.com/gpu.product',
  gpuMemory: 'nvidia.com/gpu.memory',
  devRunner: 'drm.dtf.io/dev-runner',
} as const;

export const ANNOTATIONS = {
  /** On a worker pod: its small input document, mounted as the input file by the downward API. */
  input: 'drm.dtf.io/input',
  subtaskName: 'drm.dtf.io/subtask-name',
  taskName: 'drm.dtf.io/task-name',
  /** Put on a pod by the scheduler's Binding: the fitness of the node it chose, 0 to 1. */
  fitnessScore: 'drm.dtf.io/fitness-score',
  /** Put on a pod by the scheduler's Binding: the WorkerPool of the node, if any. */
  workerPool: 'drm.dtf.io/worker-pool',
  /** On a task, copied to its pods: how long kwok lets a pod on a simulated node run (e.g. "2s"). */
  simulatedDuration: 'drm.dtf.io/simulated-duration',
  /** On a task, copied to its pods when a number: CPU cores a simulated pod reports it used on average. */
  simulatedCpuCores: 'drm.dtf.io/simulated-cpu-cores',
  /** On a task, copied to its pods when a whole number: peak memory bytes a simulated pod reports. */
  simulatedMemoryBytes: 'drm.dtf.io/simulated-memory-bytes',
} as const;

export const MANAGER = 'drm-operator';
export const FINALIZER = 'drm.dtf.io/cleanup';
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** The schedulerName of subtask pods: the operator binds them itself. */
export const DEFAULT_SCHEDULER_NAME = 'drm-scheduler';
