// The Pod and input ConfigMap of one attempt of a Subtask (pure: Subtask in, manifests out).
// The Pod follows docs/worker-contract.md: the resolved input is a file in the pod, from the pod's
// own annotation (a downward-API volume) when it is small, else from an input ConfigMap; the
// outcome comes back through the termination message (or a result ConfigMap the worker makes).
import type { V1ConfigMap, V1Pod, V1Toleration, V1NodeSelectorRequirement } from '@kubernetes/client-node';
import type { Subtask } from '../../api/subtask.js';
import { GROUP_VERSION } from '../../api/common.js';
import { attemptPodName, boundedName, toLabelValue } from '../../core/split/names.js';
import { ANNOTATIONS, GPU_RESOURCE, LABELS, MANAGER } from '../labels.js';

export const INPUT_MOUNT_DIR = '/var/run/drm/input';
export const INPUT_FILE_KEY = 'input.json';
export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';
export const WORKER_SERVICE_ACCOUNT = 'drm-worker';
export const WORKER_CONTAINER = 'worker';
/**
 * The largest input document carried in the pod itself. A pod's annotations may hold 256 KiB, but
 * every byte is kept in etcd and in every pod watcher's cache; a larger input gets its ConfigMap.
 */
export const INLINE_INPUT_LIMIT_BYTES = 4 * 1024;

export interface WorkerPodOptions {
  /** Image of the built-in worker (the operator's own image). */
  builtinWorkerImage: string;
  /** Scheduler that places the pod; undefined: the cluster's default scheduler. */
  schedulerName?: string;
  /** Tolerations for the taints of the pools the subtask may run on. */
  tolerations?: V1Toleration[];
  /** Extra pod annotations (the task's simulated duration, for kwok nodes). */
  annotations?: Record<string, string>;
}

export function inputConfigMapNameFor(subtaskName: string): string {
  return boundedName(subtaskName, '-input');
}

export function resultConfigMapNameFor(subtaskName: string, attempt: number): string {
  return boundedName(subtaskName, `-a${attempt}-result`);
}

function ownerReference(subtask: Subtask) {
  return {
    apiVersion: GROUP_VERSION,
    kind: 'Subtask',
    name: subtask.metadata.name!,
    uid: subtask.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function commonLabels(subtask: Subtask): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGER,
    [LABELS.task]: toLabelValue(subtask.spec.taskRef.name),
    [LABELS.subtask]: toLabelValue(subtask.metadata.name!),
    [LABELS.role]: subtask.spec.role,
  };
}

/** The input document of docs/worker-contract.md, as the JSON text the worker reads. */
export function inputDocumentJson(subtask: Subtask, items: unknown[], namespace: string): string {
  return JSON.stringify({
    apiVersion: GROUP_VERSION,
    task: subtask.spec.taskRef.name,
    subtask: subtask.metadata.name,
    namespace,
    role: subtask.spec.role,
    index: subtask.spec.index,
    ...(subtask.spec.microBatch !== undefined ? { microBatch: subtask.spec.microBatch } : {}),
    taskType: subtask.spec.taskType,
    params: subtask.spec.params ?? {},
    items,
  });
}

/** Whether an input document travels in the pod (its annotation) rather than in an input ConfigMap. */
export function fitsInPod(documentJson: string): boolean {
  return Buffer.byteLength(documentJson, 'utf8') <= INLINE_INPUT_LIMIT_BYTES;
}

/** The input document in a ConfigMap owned by the Subtask, for inputs too large for the pod. */
export function buildInputConfigMap(subtask: Subtask, documentJson: string, namespace: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inputConfigMapNameFor(subtask.metadata.name!),
      namespace,
      labels: commonLabels(subtask),
      annotations: { [ANNOTATIONS.subtaskName]: subtask.metadata.name!, [ANNOTATIONS.taskName]: subtask.spec.taskRef.name },
      ownerReferences: [ownerReference(subtask)],
    },
    data: { [INPUT_FILE_KEY]: documentJson },
  };
}

function nodeRequirements(subtask: Subtask): { selector: Record<string, string>; expressions: V1NodeSelectorRequirement[] } {
  const hardware = subtask.spec.hardware;
  const selector: Record<string, string> = {};
  const expressions: V1NodeSelectorRequirement[] = [];
  // The hardware class itself is the scheduler's to check (a node without the label is classed by
  // whether it has GPUs); product and memory are plain labels, stated so the kubelet agrees.
  if (hardware?.gpuProduct) selector[LABELS.gpuProduct] = hardware.gpuProduct;
  if (hardware?.minGpuMemoryMiB !== undefined) {
    expressions.push({ key: LABELS.gpuMemory, operator: 'Gt', values: [String(hardware.minGpuMemoryMiB - 1)] });
  }
  return { selector, expressions };
}

function resourceRequirements(subtask: Subtask) {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  const resources = subtask.spec.resources;
  if (resources?.cpu !== undefined) requests.cpu = String(resources.cpu);
  if (resources?.memory !== undefined) {
    // Memory is not compressible: a limit equal to the request makes an overrun an OOMKill the
    // retry logic sees, rather than a node under pressure.
    requests.memory = String(resources.memory);
    limits.memory = String(resources.memory);
  }
  if (resources?.ephemeralStorage !== undefined) requests['ephemeral-storage'] = String(resources.ephemeralStorage);
  if (resources?.gpu) {
    requests[GPU_RESOURCE] = String(resources.gpu);
    limits[GPU_RESOURCE] = String(resources.gpu);
  }
  return { requests, ...(Object.keys(limits).length > 0 ? { limits } : {}) };
}

/**
 * The pod of one attempt. `inlineInput`: the input document, carried in the pod's annotation and
 * mounted from there; omitted: mounted from the input ConfigMap.
 */
export function buildWorkerPod(subtask: Subtask, attempt: number, options: WorkerPodOptions, inlineInput?: string): V1Pod {
  const name = subtask.metadata.name!;
  const namespace = subtask.metadata.namespace!;
  const worker = subtask.spec.worker;
  const { selector, expressions } = nodeRequirements(subtask);
  const contractEnv = [
    { name: 'DRM_INPUT_FILE', value: `${INPUT_MOUNT_DIR}/${INPUT_FILE_KEY}` },
    { name: 'DRM_TERMINATION_MESSAGE_PATH', value: TERMINATION_MESSAGE_PATH },
    { name: 'DRM_RESULT_CONFIGMAP', value: resultConfigMapNameFor(name, attempt) },
    { name: 'DRM_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'DRM_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'DRM_POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
    { name: 'DRM_TASK_NAME', value: subtask.spec.taskRef.name },
    { name: 'DRM_SUBTASK_NAME', value: name },
    { name: 'DRM_ATTEMPT', value: String(attempt) },
    { name: 'DRM_TASK_TYPE', value: subtask.spec.taskType },
  ];
  const userEnv = (worker?.env ?? []).filter((v) => !v.name.startsWith('DRM_')).map((v) => ({ name: v.name, value: v.value ?? '' }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: attemptPodName(name, attempt),
      namespace,
      labels: { ...commonLabels(subtask), [LABELS.attempt]: String(attempt) },
      annotations: {
        ...options.annotations,
        [ANNOTATIONS.subtaskName]: name,
        [ANNOTATIONS.taskName]: subtask.spec.taskRef.name,
        // No autoscaler (ours or another, e.g. Karpenter) takes a node from under a running attempt.
        'karpenter.sh/do-not-disrupt': 'true',
        ...(inlineInput !== undefined ? { [ANNOTATIONS.input]: inlineInput } : {}),
      },
      ownerReferences: [ownerReference(subtask)],
    },
    spec: {
      restartPolicy: 'Never',
      ...(options.schedulerName ? { schedulerName: options.schedulerName } : {}),
      serviceAccountName: WORKER_SERVICE_ACCOUNT,
      ...(Object.keys(selector).length > 0 ? { nodeSelector: selector } : {}),
      ...(expressions.length > 0
        ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: expressions }] } } } }
        : {}),
      // A batch attempt on a node that stopped answering is better retried elsewhere after a
      // minute than left for Kubernetes' default five.
      tolerations: [
        ...(options.tolerations ?? []),
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
      ],
      securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: WORKER_CONTAINER,
          image: worker?.image ?? options.builtinWorkerImage,
          ...(worker?.imagePullPolicy ? { imagePullPolicy: worker.imagePullPolicy } : {}),
          command: worker ? worker.command : ['node', '/app/dist/operator/worker/main.js'],
          ...(worker?.args ? { args: worker.args } : {}),
          env: [...userEnv, ...contractEnv],
          resources: resourceRequirements(subtask),
          terminationMessagePath: TERMINATION_MESSAGE_PATH,
          terminationMessagePolicy: 'FallbackToLogsOnError',
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: 'input', mountPath: INPUT_MOUNT_DIR, readOnly: true },
            { name: 'scratch', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        inlineInput !== undefined
          ? { name: 'input', downwardAPI: { items: [{ path: INPUT_FILE_KEY, fieldRef: { fieldPath: `metadata.annotations['${ANNOTATIONS.input}']` } }] } }
          : { name: 'input', configMap: { name: inputConfigMapNameFor(name) } },
        { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
      ],
    },
  };
}
