// How the dev runner turns a Pod bound to one of its nodes into a local process, as a kubelet
// would run its container (pure parts: no I/O). Paths inside the container (volume mounts, the
// termination message file) map to directories the runner prepares, and environment values that
// name such a path are rewritten to the local one, so the worker contract holds unchanged.
import type { V1Container, V1EnvVar, V1Pod, V1Volume } from '@kubernetes/client-node';
import path from 'node:path';

export interface NodeSpec {
  name: string;
  hardware: 'cpu' | 'gpu';
  cpu: string;
  memory: string;
  gpus: number;
  gpuProduct?: string;
  gpuMemoryMiB?: number;
}

/** Parses `name:hardware:cpu:memory[:gpus[:product[:gpuMemoryMiB]]]`, e.g. dev-gpu-1:gpu:8:32Gi:1:NVIDIA-A10G:24576. */
export function parseNodeSpec(text: string): NodeSpec {
  const [name, hardware, cpu, memory, gpus, gpuProduct, gpuMemory] = text.split(':');
  if (!name || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new Error(`node spec "${text}": the name must be a DNS label`);
  if (hardware !== 'cpu' && hardware !== 'gpu') throw new Error(`node spec "${text}": hardware must be cpu or gpu`);
  if (!cpu || !memory) throw new Error(`node spec "${text}": needs cpu and memory, e.g. ${name}:${hardware}:4:8Gi`);
  const gpuCount = gpus ? Number(gpus) : hardware === 'gpu' ? 1 : 0;
  if (!Number.isInteger(gpuCount) || gpuCount < 0) throw new Error(`node spec "${text}": gpus must be a whole number`);
  return {
    name,
    hardware,
    cpu,
    memory,
    gpus: gpuCount,
    ...(gpuProduct ? { gpuProduct } : hardware === 'gpu' ? { gpuProduct: 'NVIDIA-A10G' } : {}),
    ...(gpuMemory ? { gpuMemoryMiB: Number(gpuMemory) } : hardware === 'gpu' ? { gpuMemoryMiB: 24576 } : {}),
  };
}

export const DEV_RUNNER_LABEL = 'drm.dtf.io/dev-runner';

export function nodeObject(spec: NodeSpec) {
  const capacity: Record<string, string> = { cpu: spec.cpu, memory: spec.memory, pods: '110', 'ephemeral-storage': '100Gi' };
  if (spec.gpus > 0) capacity['nvidia.com/gpu'] = String(spec.gpus);
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': spec.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    [DEV_RUNNER_LABEL]: 'true',
    'drm.dtf.io/hardware': spec.hardware,
  };
  if (spec.hardware === 'gpu') {
    labels['nvidia.com/gpu.count'] = String(spec.gpus);
    if (spec.gpuProduct) labels['nvidia.com/gpu.product'] = spec.gpuProduct;
    if (spec.gpuMemoryMiB) labels['nvidia.com/gpu.memory'] = String(spec.gpuMemoryMiB);
  }
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: spec.name, labels }, spec: {}, status: { capacity, allocatable: capacity } };
}

/** Where each container path lives locally: mount path → local directory, and the termination file. */
export interface PathMap {
  mounts: Array<{ containerPath: string; localPath: string }>;
  terminationMessage: { containerPath: string; localPath: string };
}

export function planPaths(pod: V1Pod, container: V1Container, podDir: string): PathMap {
  const mounts = (container.volumeMounts ?? []).map((mount) => ({
    containerPath: mount.mountPath,
    localPath: path.join(podDir, 'volumes', mount.name),
  }));
  return {
    mounts,
    terminationMessage: { containerPath: container.terminationMessagePath ?? '/dev/termination-log', localPath: path.join(podDir, 'termination-log') },
  };
}

/** A container path as the local process must see it (unchanged when no mount covers it). */
export function localPathFor(value: string, paths: PathMap): string {
  if (value === paths.terminationMessage.containerPath) return paths.terminationMessage.localPath;
  for (const { containerPath, localPath } of paths.mounts) {
    if (value === containerPath) return localPath;
    if (value.startsWith(`${containerPath.replace(/\/$/, '')}/`)) return path.join(localPath, value.slice(containerPath.replace(/\/$/, '').length + 1));
  }
  return value;
}

/** A downward API field of the pod, as the kubelet gives it: a name, a label or an annotation (`metadata.annotations['key']`). */
export function podField(pod: V1Pod, fieldPath: string): string | undefined {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) return (keyed[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[keyed[2]!];
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata?.name;
    case 'metadata.namespace': return pod.metadata?.namespace;
    case 'metadata.uid': return pod.metadata?.uid;
    case 'spec.nodeName': return pod.spec?.nodeName;
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName;
    default: return undefined;
  }
}

/** The files of a downward API volume: each item's path and the field's value (empty when the pod lacks it, as the kubelet writes it). */
export function downwardApiFiles(pod: V1Pod, volume: V1Volume): Array<{ path: string; content: string }> {
  return (volume.downwardAPI?.items ?? []).map((item) => {
    if (item.path.split('/').includes('..') || path.isAbsolute(item.path)) throw new Error(`downward API item path ${item.path} leaves its volume`);
    if (!item.fieldRef) throw new Error(`downward API item ${item.path}: only fieldRef is supported by the dev runner`);
    return { path: item.path, content: podField(pod, item.fieldRef.fieldPath) ?? '' };
  });
}

/** Resolves the container's env as the kubelet would (values, downward API fields), then maps paths. */
export function resolveEnv(pod: V1Pod, container: V1Container, paths: PathMap, lookupConfigMapKey: (name: string, key: string) => string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  const field = (fieldPath: string) => podField(pod, fieldPath);
  for (const variable of container.env ?? ([] as V1EnvVar[])) {
    let value: string | undefined = variable.value;
    if (value === undefined && variable.valueFrom?.fieldRef) value = field(variable.valueFrom.fieldRef.fieldPath);
    if (value === undefined && variable.valueFrom?.configMapKeyRef) value = lookupConfigMapKey(variable.valueFrom.configMapKeyRef.name ?? "", variable.valueFrom.configMapKeyRef.key);
    env[variable.name] = localPathFor(value ?? '', paths);
  }
  return env;
}

/** The command line to run: the built-in worker image runs this repository's worker; any other image its command. */
export function commandFor(container: V1Container, builtinWorkerImage: string, builtinWorkerCommand: string[]): string[] {
  if (container.image === builtinWorkerImage) return builtinWorkerCommand;
  const command = [...(container.command ?? []), ...(container.args ?? [])];
  if (command.length === 0) throw new Error(`image ${container.image} has no command in the pod spec; the dev runner cannot read image entrypoints`);
  return command;
}

/** The termination message the kubelet would report: the file's content, or with FallbackToLogsOnError the log tail on failure. */
export function terminationMessage(fileContent: string | undefined, logTail: string, exitCode: number, policy: string | undefined): string | undefined {
  const content = fileContent && fileContent.length > 0 ? fileContent.slice(0, 4096) : undefined;
  if (content) return content;
  if (exitCode !== 0 && policy === 'FallbackToLogsOnError' && logTail) return logTail.slice(-2048);
  return undefined;
}
