// What the caches keep of Pods and Nodes: the fields nobody reads are gone, and every reader of
// the caches (placement's requests and node view, the subtask controller's view of its pod, the
// drain's and the scheduler's checks) sees the same thing from the slim object as from the whole.
import { describe, expect, test } from '@jest/globals';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { setFlagsFromString } from 'node:v8';
import type { Subtask } from '../../../operator/api/subtask.js';
import { placementOf } from '../../../operator/controllers/subtask/decide.js';
import { podProgress, podTrouble } from '../../../operator/controllers/subtask/outcome.js';
import { ANNOTATIONS } from '../../../operator/controllers/labels.js';
import { buildWorkerPod } from '../../../operator/controllers/subtask/pod.js';
import { nodeInfoFrom } from '../../../operator/core/placement/feasibility.js';
import { podRequests } from '../../../operator/core/placement/resources.js';
import { cachedNode, cachedPod } from '../../../operator/kube/cache-transforms.js';
import { LAST_APPLIED_ANNOTATION, withoutUnreadMetadata } from '../../../operator/runtime/informer.js';
import { kwokNode } from '../../support/kube-objects.js';

const managedFields = [{ manager: 'kube-scheduler', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} } }];

const subtask = {
  apiVersion: 'drm.dtf.io/v1alpha1',
  kind: 'Subtask',
  metadata: { name: 'job-p0', namespace: 'ns', uid: 's1' },
  spec: { taskRef: { name: 'job', uid: 't1' }, index: 0, role: 'partition', name: 'p0', taskType: 'map', input: { items: [1] }, hardware: { type: 'gpu', gpuProduct: 'A10G' }, resources: { cpu: '2', memory: '1Gi', gpu: 1 } },
  status: { phase: 'Running', attempts: 1 },
} as unknown as Subtask;

/** A small input carried in the pod (an annotation the downward API mounts): read only by the worker. */
const INLINE_INPUT = JSON.stringify({ apiVersion: 'drm.dtf.io/v1alpha1', task: 'job', subtask: 'job-p0', items: [1] });

/** A worker pod as the API server returns it: bound, finished, with the worker's message. */
function finishedWorkerPod(): V1Pod {
  const pod = buildWorkerPod(subtask, 1, { builtinWorkerImage: 'drm-operator:test', schedulerName: 'drm-scheduler' }, INLINE_INPUT);
  return {
    ...pod,
    metadata: { ...pod.metadata, uid: 'p1', resourceVersion: '42', creationTimestamp: new Date('2026-01-01T00:00:00Z'), annotations: { ...pod.metadata!.annotations, 'drm.dtf.io/worker-pool': 'gpus', 'drm.dtf.io/fitness-score': '0.75', [LAST_APPLIED_ANNOTATION]: JSON.stringify(pod) }, managedFields },
    spec: {
      ...pod.spec!,
      nodeName: 'gpu-1',
      initContainers: [{ name: 'fetch', image: 'fetch:1', env: [{ name: 'A', value: 'b' }], resources: { requests: { cpu: '3' } } }],
      overhead: { cpu: '100m' },
    },
    status: {
      phase: 'Succeeded',
      podIP: '10.0.0.7',
      hostIP: '127.0.0.1',
      qosClass: 'Burstable',
      startTime: new Date('2026-01-01T00:00:01Z'),
      conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False', reason: 'PodCompleted' }, { type: 'Initialized', status: 'True' }],
      containerStatuses: [{ name: 'worker', image: 'drm-operator:test', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', message: '{"result":[1]}', finishedAt: new Date('2026-01-01T00:00:02Z') } } }],
    },
  };
}

describe('cachedPod', () => {
  const pod = finishedWorkerPod();
  const slim = cachedPod(structuredClone(pod));

  test('drops what no reader reads: env, volumes, mounts, images, commands, security contexts, IPs, managedFields, the inline input', () => {
    const json = JSON.stringify(slim);
    expect(pod.metadata?.annotations?.[ANNOTATIONS.input]).toBe(INLINE_INPUT);
    expect(slim.metadata?.annotations?.[ANNOTATIONS.input]).toBeUndefined();
    expect(slim.metadata?.managedFields).toBeUndefined();
    expect(slim.metadata?.annotations?.[LAST_APPLIED_ANNOTATION]).toBeUndefined();
    expect(slim.spec?.volumes).toBeUndefined();
    expect(slim.spec?.securityContext).toBeUndefined();
    expect(slim.spec?.containers[0]).toEqual({ name: 'worker', resources: pod.spec!.containers[0]!.resources });
    expect(slim.spec?.initContainers).toEqual([{ name: 'fetch', resources: { requests: { cpu: '3' } } }]);
    expect(slim.status?.podIP).toBeUndefined();
    expect(slim.status?.hostIP).toBeUndefined();
    for (const gone of ['DRM_INPUT_FILE', 'volumeMounts', 'podIP']) expect(json).not.toContain(gone);
    for (const image of ['drm-operator:test', 'fetch:1']) expect(JSON.stringify(slim.spec)).not.toContain(image);
  });

  test('readers see the same pod: requests, progress, trouble, placement, where and what it is', () => {
    expect(podRequests(slim)).toEqual(podRequests(pod));
    expect(podProgress(slim)).toEqual(podProgress(pod));
    expect(podTrouble(slim)).toEqual(podTrouble(pod));
    expect(placementOf(slim)).toEqual(placementOf(pod));
    const { managedFields: _managedFields, ...metadata } = pod.metadata!;
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, [ANNOTATIONS.input]: _input, ...annotations } = metadata.annotations!;
    expect(slim.metadata).toEqual({ ...metadata, annotations });
    for (const field of ['nodeName', 'schedulerName', 'overhead'] as const) expect(slim.spec?.[field]).toEqual(pod.spec![field]);
    expect(slim.status).toEqual({ phase: 'Succeeded', startTime: pod.status!.startTime, conditions: [{ type: 'PodScheduled', status: 'True' }], containerStatuses: pod.status!.containerStatuses });
  });

  test("a bound pod loses its placement constraints and every condition but PodScheduled; an unbound one keeps what the scheduler places it by", () => {
    expect(pod.spec?.tolerations?.length).toBeGreaterThan(0);
    for (const field of ['nodeSelector', 'affinity', 'tolerations'] as const) expect(slim.spec?.[field]).toBeUndefined();
    expect(slim.status?.conditions?.map((c) => c.type)).toEqual(['PodScheduled']);

    const { nodeName: _nodeName, ...unboundSpec } = pod.spec!;
    const waiting: V1Pod = { ...pod, spec: unboundSpec, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no node fits' }] } };
    const slimWaiting = cachedPod(structuredClone(waiting));
    for (const field of ['nodeSelector', 'affinity', 'tolerations'] as const) expect(slimWaiting.spec?.[field]).toEqual(waiting.spec![field]);
    expect(podTrouble(slimWaiting)).toEqual(podTrouble(waiting));
    expect(slimWaiting.status?.conditions).toEqual(waiting.status!.conditions);
  });

  test('a pod without spec or status (a delete notice) stays one', () => {
    expect(cachedPod({ metadata: { name: 'p', namespace: 'ns', resourceVersion: '1' } })).toEqual({ metadata: { name: 'p', namespace: 'ns', resourceVersion: '1' } });
  });
});

describe('cachedNode', () => {
  const base = kwokNode('gpu-1', { gpus: 2, gpuProduct: 'A10G', gpuMemoryMiB: 24576, unschedulable: true }) as V1Node;
  const node: V1Node = {
    ...base,
    metadata: { ...base.metadata, resourceVersion: '7', creationTimestamp: new Date('2026-01-01T00:00:00Z'), managedFields },
    spec: { ...base.spec, providerID: 'aws:///us-east-1a/i-1', podCIDR: '10.244.1.0/24' },
    status: {
      ...base.status,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date(), lastTransitionTime: new Date('2026-01-01T00:00:05Z') }],
      images: [{ names: ['registry.example/huge:1'], sizeBytes: 1e9 }],
      nodeInfo: { machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: 'k', osImage: 'o', containerRuntimeVersion: 'c', kubeletVersion: 'v', kubeProxyVersion: 'p', operatingSystem: 'linux', architecture: 'amd64' },
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    },
  };
  const slim = cachedNode(structuredClone(node));

  test('drops images, system info, addresses, endpoints, heartbeat times, messages and managedFields', () => {
    expect(slim.metadata?.managedFields).toBeUndefined();
    expect(slim.status?.images).toBeUndefined();
    expect(slim.status?.nodeInfo).toBeUndefined();
    expect(slim.status?.addresses).toBeUndefined();
    expect(slim.status?.daemonEndpoints).toBeUndefined();
    expect(slim.spec?.podCIDR).toBeUndefined();
    expect(slim.status?.conditions).toEqual([{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: new Date('2026-01-01T00:00:05Z') }]);
  });

  test('readers see the same node: placement view, taints, providerID, creation, capacity', () => {
    expect(nodeInfoFrom(slim)).toEqual(nodeInfoFrom(node));
    expect(slim.spec).toEqual({ taints: node.spec!.taints, unschedulable: true, providerID: 'aws:///us-east-1a/i-1' });
    expect(slim.metadata?.creationTimestamp).toEqual(node.metadata!.creationTimestamp);
    expect(slim.status?.allocatable).toEqual(node.status!.allocatable);
    expect(slim.status?.capacity).toEqual(node.status!.capacity);
  });
});

describe('withoutUnreadMetadata (every other cache: tasks, subtasks, pools)', () => {
  test("drops managedFields and kubectl's last-applied copy, and nothing else", () => {
    const task = {
      apiVersion: 'drm.dtf.io/v1alpha1',
      kind: 'OrchestratedTask',
      metadata: { name: 't', namespace: 'ns', resourceVersion: '3', labels: { team: 'a' }, annotations: { keep: 'me', [LAST_APPLIED_ANNOTATION]: '{"spec":{"input":{"items":[1,2,3]}}}' }, managedFields },
      spec: { strategy: 'DataParallel', input: { items: [1, 2, 3] } },
      status: { phase: 'InProgress' },
    };
    expect(withoutUnreadMetadata(structuredClone(task))).toEqual({ ...task, metadata: { name: 't', namespace: 'ns', resourceVersion: '3', labels: { team: 'a' }, annotations: { keep: 'me' } } });
  });

  test('the metadata kept is a plain fast object, not the dictionary a delete makes of a parsed one (about twice the memory, per cached object)', () => {
    setFlagsFromString('--allow-natives-syntax');
    const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: unknown) => boolean;
    const parsed = () => JSON.parse(JSON.stringify({ metadata: { name: 's', namespace: 'ns', uid: 'u', resourceVersion: '3', generation: 1, labels: { a: 'b' }, managedFields } })) as { metadata: object };
    expect(hasFastProperties(withoutUnreadMetadata(parsed()).metadata)).toBe(true);
    expect(hasFastProperties(cachedPod(parsed() as V1Pod).metadata)).toBe(true);
    // The check itself tells the two apart.
    const deleted = parsed().metadata as { managedFields?: unknown };
    delete deleted.managedFields;
    expect(hasFastProperties(deleted)).toBe(false);
  });
});
