// Builders for core objects the integration tests need (nodes, pods), kept small so a test
// states only what matters to it.

export interface FakeNodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
}

/** A Node that kwok manages (annotated kwok.x-k8s.io/node=fake), tainted so real pods stay off. */
export function kwokNode(name: string, options: FakeNodeOptions = {}) {
  const capacity = { cpu: options.cpu ?? '4', memory: options.memory ?? '16Gi', pods: options.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
      labels: { 'kubernetes.io/hostname': name, type: 'kwok', ...options.labels },
    },
    spec: { taints: [{ key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' }] },
    status: { allocatable: capacity, capacity },
  };
}

/** A Pod that tolerates kwok's taint and asks for the given node by name. */
export function podOnNode(name: string, nodeName: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName,
      tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{ name: 'main', image: 'registry.invalid/none:0', resources: { requests: { cpu: '100m' } } }],
    },
  };
}
