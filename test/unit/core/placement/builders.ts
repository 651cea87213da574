// Builders for the placement core's tests: NodeInfos, PlacementRequests, and plain V1Node/V1Pod
// objects for nodeInfoFrom and podRequests. Defaults are small and explicit; tests override.
import { seededRandom } from '../../../../operator/core/random.js';
import type { V1Container, V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import {
  GPU_MEMORY_LABEL,
  GPU_PRODUCT_LABEL,
  HARDWARE_LABEL,
  POOL_LABEL,
  PlacementLedger,
  ZERO,
  type NodeInfo,
  type PlacementRequest,
  type ResourceVector,
} from '../../../../operator/core/placement/index.js';

export const KI = 2 ** 10;
export const MI = 2 ** 20;
export const GI = 2 ** 30;

/** A resource vector: zero except what is given. */
export function vec(amounts: Partial<ResourceVector> = {}): ResourceVector {
  return { ...ZERO, ...amounts };
}

/** Whole cores → millicores, gibibytes → bytes: `res({ cpu: 2, memGi: 4 })`. */
export function res(amounts: { cpu?: number; memGi?: number; gpus?: number; ephGi?: number; pods?: number }): ResourceVector {
  return vec({
    cpuMillis: Math.round((amounts.cpu ?? 0) * 1000),
    memoryBytes: Math.round((amounts.memGi ?? 0) * GI),
    gpus: amounts.gpus ?? 0,
    ephemeralBytes: Math.round((amounts.ephGi ?? 0) * GI),
    pods: amounts.pods ?? 0,
  });
}

export type NodeInfoOverrides = Omit<Partial<NodeInfo>, 'allocatable'> & { allocatable?: Partial<ResourceVector> };

/** A ready, schedulable CPU node: 4 cores, 16Gi memory, 100Gi ephemeral storage, 110 pods. */
export function nodeInfo(name: string, overrides: NodeInfoOverrides = {}): NodeInfo {
  const { allocatable, ...rest } = overrides;
  return {
    name,
    labels: {},
    taints: [],
    ready: true,
    unschedulable: false,
    hardware: 'cpu',
    ...rest,
    allocatable: { ...res({ cpu: 4, memGi: 16, ephGi: 100, pods: 110 }), ...allocatable },
  };
}

export interface GpuNodeOptions {
  product?: string;
  memoryMiB?: number;
  gpus?: number;
}

/** A ready GPU node: 8 cores, 64Gi, `gpus` (default 1) GPUs of `product` (default NVIDIA-A100-SXM4-40GB). */
export function gpuNodeInfo(name: string, gpu: GpuNodeOptions = {}, overrides: NodeInfoOverrides = {}): NodeInfo {
  const product = gpu.product ?? 'NVIDIA-A100-SXM4-40GB';
  const memoryMiB = gpu.memoryMiB ?? 40960;
  return nodeInfo(name, {
    hardware: 'gpu',
    gpuProduct: product,
    gpuMemoryMiB: memoryMiB,
    labels: { [GPU_PRODUCT_LABEL]: product, [GPU_MEMORY_LABEL]: String(memoryMiB), [HARDWARE_LABEL]: 'gpu' },
    ...overrides,
    allocatable: { cpuMillis: 8000, memoryBytes: 64 * GI, gpus: gpu.gpus ?? 1, ...overrides.allocatable },
  });
}

export type RequestOverrides = Omit<Partial<PlacementRequest>, 'requests'> & { requests?: Partial<ResourceVector> };

/** A request of task 'ns/task' for hardware 'any' that asks for nothing but a pod slot. */
export function request(key: string, overrides: RequestOverrides = {}): PlacementRequest {
  const { requests, ...rest } = overrides;
  return {
    key,
    taskKey: 'ns/task',
    hardware: 'any',
    tolerations: [],
    ...rest,
    requests: { ...ZERO, pods: 1, ...requests },
  };
}

/** A ledger holding the given nodes. */
export function ledgerOf(...nodes: NodeInfo[]): PlacementLedger {
  const ledger = new PlacementLedger();
  for (const node of nodes) ledger.setNode(node);
  return ledger;
}

type Quantities = Record<string, string | number>;

export interface V1NodeOptions {
  labels?: Record<string, string>;
  allocatable?: Quantities;
  capacity?: Quantities;
  /** Status of the Ready condition; 'absent' leaves the condition out. */
  ready?: 'True' | 'False' | 'Unknown' | 'absent';
  unschedulable?: boolean;
  taints?: V1Taint[];
  pool?: string;
}

/** A plain V1Node as the API server returns it (by default ready, 4 cpu, 16Gi, 110 pods, no GPUs). */
export function v1Node(name: string, options: V1NodeOptions = {}): V1Node {
  const ready = options.ready ?? 'True';
  const labels = { 'kubernetes.io/hostname': name, ...(options.pool ? { [POOL_LABEL]: options.pool } : {}), ...options.labels };
  const status: NonNullable<V1Node['status']> = {
    conditions: [
      { type: 'MemoryPressure', status: 'False' },
      ...(ready === 'absent' ? [] : [{ type: 'Ready', status: ready }]),
    ],
  };
  if (options.capacity) status.capacity = options.capacity as Record<string, string>;
  if (options.allocatable !== undefined || !options.capacity) status.allocatable = (options.allocatable ?? { cpu: '4', memory: '16Gi', pods: '110' }) as Record<string, string>;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    spec: {
      ...(options.unschedulable !== undefined ? { unschedulable: options.unschedulable } : {}),
      ...(options.taints ? { taints: options.taints } : {}),
    },
    status,
  };
}

export interface ContainerResources {
  requests?: Quantities;
  limits?: Quantities;
}

export interface V1PodOptions {
  containers?: ContainerResources[];
  initContainers?: ContainerResources[];
  overhead?: Quantities;
  phase?: string;
  nodeName?: string;
}

function container(name: string, resources: ContainerResources): V1Container {
  return {
    name,
    image: 'busybox',
    resources: {
      ...(resources.requests ? { requests: resources.requests as Record<string, string> } : {}),
      ...(resources.limits ? { limits: resources.limits as Record<string, string> } : {}),
    },
  };
}

/** A plain V1Pod in namespace 'ns' with the given containers' requests and limits. */
export function v1Pod(name: string, options: V1PodOptions = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns' },
    spec: {
      containers: (options.containers ?? [{}]).map((c, i) => container(`c${i}`, c)),
      ...(options.initContainers ? { initContainers: options.initContainers.map((c, i) => container(`init${i}`, c)) } : {}),
      ...(options.overhead ? { overhead: options.overhead as Record<string, string> } : {}),
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
    },
    status: { phase: options.phase ?? 'Pending' },
  };
}

/** The core's seeded generator, so property tests are reproducible. */
export const mulberry32 = seededRandom;
