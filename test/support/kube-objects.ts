// Builders for core objects the integration tests need (nodes, pods), kept small so a test
// states only what matters to it.

export interface FakeNodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  /** nvidia.com/gpu allocatable; with gpuProduct and gpuMemoryMiB, the usual GPU labels. */
  gpus?: number;
  gpuProduct?: string;
  gpuMemoryMiB?: number;
  labels?: Record<string, string>;
  /** Replaces the default kwok taint (which keeps real pods off); [] for none. */
  taints?: Array<{ key: string; value?: string; effect: string }>;
  unschedulable?: boolean;
}

const KWOK_TAINT = { key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' };

/** A Node that kwok manages (annotated kwok.x-k8s.io/node=fake), tainted so real pods stay off unless told otherwise. */
export function kwokNode(name: string, options: FakeNodeOptions = {}) {
  const capacity: Record<string, string> = { cpu: options.cpu ?? '4', memory: options.memory ?? '16Gi', pods: options.pods ?? '110' };
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name, type: 'kwok' };
  if (options.gpus !== undefined) {
    capacity['nvidia.com/gpu'] = String(options.gpus);
    labels['drm.dtf.io/hardware'] = 'gpu';
    if (options.gpuProduct) labels['nvidia.com/gpu.product'] = options.gpuProduct;
    if (options.gpuMemoryMiB !== undefined) labels['nvidia.com/gpu.memory'] = String(options.gpuMemoryMiB);
  } else {
    labels['drm.dtf.io/hardware'] = 'cpu';
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { ...labels, ...options.labels } },
    spec: { taints: options.taints ?? [KWOK_TAINT], ...(options.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: capacity, capacity },
  };
}

export interface PlainPodOptions {
  /** Bind directly to this node (no scheduler). */
  nodeName?: string;
  requests?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerateEverything?: boolean;
  labels?: Record<string, string>;
}

/** A plain pod that is not the operator's: it occupies a node the scheduler must account for. */
export function plainPod(name: string, options: PlainPodOptions = {}) {
  const requests = options.requests ?? { cpu: '100m' };
  const limits = requests['nvidia.com/gpu'] ? { 'nvidia.com/gpu': requests['nvidia.com/gpu'] } : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(options.labels ? { labels: options.labels } : {}) },
    spec: {
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
      tolerations: options.tolerateEverything ? [{ operator: 'Exists' }] : [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{ name: 'main', image: 'registry.invalid/none:0', resources: { requests, ...(limits ? { limits } : {}) } }],
    },
  };
}

/** A Pod that tolerates kwok's taint and asks for the given node by name. */
export function podOnNode(name: string, nodeName: string) {
  return plainPod(name, { nodeName });
}
