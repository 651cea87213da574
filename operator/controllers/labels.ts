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
  subtaskName: 'drm.dtf.io/subtask-name',
  taskName: 'drm.dtf.io/task-name',
} as const;

export const MANAGER = 'drm-operator';
export const FINALIZER = 'drm.dtf.io/cleanup';
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** A label value standing for `name`: itself when it fits 63 characters, else a prefix and a hash. */
export function labelValueFor(name: string): string {
  if (name.length <= 63) return name;
  return `${name.slice(0, 52).replace(/[-_.]+$/, '')}-${fnv1aHex(name)}`;
}

/** A short stable hash (32-bit FNV-1a, hex) for names that must be shortened. */
export function fnv1aHex(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
