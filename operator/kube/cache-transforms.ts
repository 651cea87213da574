// What the informer caches keep of Pods and Nodes: the fields the operator reads, nothing else.
// A cache holds every worker pod and every node of the cluster for as long as they exist; the
// rest of each object (a pod's env, volumes and mounts, a node's images, addresses and system
// info; managedFields and kubectl's last-applied copy everywhere) would be held with them and
// never read. A reader that needs a field dropped here must add it here
// (test/unit/kube/cache-transforms.test.ts checks the readers against the slim objects).
import type { V1Container, V1Node, V1NodeCondition, V1ObjectMeta, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { withoutAnnotation, withoutUnreadMetadata } from '../runtime/informer.js';
import { ANNOTATIONS } from '../controllers/labels.js';

/** Copies the keys of `source` that are set, leaving the others out (no `key: undefined`). */
function pick<T extends object, K extends keyof T>(source: T | undefined, keys: readonly K[]): Pick<T, K> | undefined {
  if (!source) return undefined;
  const picked = {} as Pick<T, K>;
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

function metadataOf(metadata: V1ObjectMeta | undefined): V1ObjectMeta | undefined {
  // withoutUnreadMetadata builds a new metadata object: the parsed one is not changed.
  return metadata ? withoutUnreadMetadata({ metadata }).metadata : undefined;
}

/** A pod's metadata without its inline input (up to 4 KiB a pod, read only by its own container). */
function podMetadataOf(metadata: V1ObjectMeta | undefined): V1ObjectMeta | undefined {
  const kept = metadataOf(metadata);
  return kept ? withoutAnnotation(kept, ANNOTATIONS.input) : undefined;
}

/** A container's name and resources: what placement counts (podRequests) and outcomes name. */
function containerOf(container: V1Container): V1Container {
  return pick(container, ['name', 'resources', 'restartPolicy']) as V1Container;
}

const POD_SPEC_READ = ['nodeName', 'schedulerName', 'overhead'] as const;
/** Read only to place a pod: a bound pod's are dropped. */
const POD_PLACEMENT_READ = ['nodeSelector', 'affinity', 'tolerations'] as const;
const POD_STATUS_READ = ['phase', 'reason', 'message', 'startTime', 'containerStatuses', 'initContainerStatuses'] as const satisfies ReadonlyArray<keyof V1PodStatus>;

/** A pod's PodScheduled condition, the only one read (why a pod waits unbound); kubelet's four others go. */
function podStatusOf(status: V1PodStatus): V1PodStatus {
  const kept: V1PodStatus = pick(status, POD_STATUS_READ)!;
  const scheduled = status.conditions?.filter((condition) => condition.type === 'PodScheduled');
  if (scheduled && scheduled.length > 0) kept.conditions = scheduled;
  return kept;
}

/**
 * A pod as the caches keep it: metadata (labels, annotations, owners, deletion), where it runs and
 * what it requests, while unbound its placement constraints (the scheduler binds pods it finds
 * unbound), and its status (phase, the PodScheduled condition, container states and the worker's
 * termination message). Dropped: env, volumes, mounts, images, commands, security contexts, IPs,
 * the other conditions, a bound pod's constraints, and the inline input annotation.
 */
export function cachedPod(pod: V1Pod): V1Pod {
  const spec = pod.spec;
  return {
    ...(pod.apiVersion ? { apiVersion: pod.apiVersion } : {}),
    ...(pod.kind ? { kind: pod.kind } : {}),
    metadata: podMetadataOf(pod.metadata),
    ...(spec
      ? {
          spec: {
            ...pick(spec, POD_SPEC_READ),
            ...(spec.nodeName ? {} : pick(spec, POD_PLACEMENT_READ)),
            containers: (spec.containers ?? []).map(containerOf),
            ...(spec.initContainers ? { initContainers: spec.initContainers.map(containerOf) } : {}),
          },
        }
      : {}),
    ...(pod.status ? { status: podStatusOf(pod.status) } : {}),
  } as V1Pod;
}

/** A node condition's type and status, and when it last changed (how long a node took to be Ready). */
function conditionOf(condition: V1NodeCondition): V1NodeCondition {
  return pick(condition, ['type', 'status', 'lastTransitionTime', 'reason']) as V1NodeCondition;
}

/**
 * A node as the caches keep it: metadata (labels, annotations, creation, deletion), taints,
 * unschedulable and providerID, allocatable and capacity, and its conditions without heartbeat
 * times and messages. Dropped: images, nodeInfo, addresses, daemonEndpoints, volumes, config.
 */
export function cachedNode(node: V1Node): V1Node {
  return {
    ...(node.apiVersion ? { apiVersion: node.apiVersion } : {}),
    ...(node.kind ? { kind: node.kind } : {}),
    metadata: metadataOf(node.metadata),
    ...(node.spec ? { spec: pick(node.spec, ['taints', 'unschedulable', 'providerID']) } : {}),
    ...(node.status
      ? {
          status: {
            ...pick(node.status, ['allocatable', 'capacity']),
            ...(node.status.conditions ? { conditions: node.status.conditions.map(conditionOf) } : {}),
          },
        }
      : {}),
  } as V1Node;
}
