// The informer caches every controller reads: what is listed and watched, with which selectors.
// They are built with no handlers; each controller registers its own (controllers/*/watches.ts).
import type { KubernetesListObject, KubernetesObject, V1Node, V1Pod } from '@kubernetes/client-node';
import type { OrchestratedTask } from '../api/orchestratedtask.js';
import type { Subtask } from '../api/subtask.js';
import type { WorkerPool } from '../api/workerpool.js';
import { LABELS, MANAGER } from '../controllers/labels.js';
import { LIST_PAGE_SIZE, ResilientInformer } from '../runtime/informer.js';
import type { Logger } from '../runtime/logger.js';
import { cachedNode, cachedPod } from './cache-transforms.js';
import type { KubeClients } from './client.js';

const CRD_BASE = '/apis/drm.dtf.io/v1alpha1';

export interface Caches {
  tasks: ResilientInformer<OrchestratedTask & KubernetesObject>;
  subtasks: ResilientInformer<Subtask & KubernetesObject>;
  /** The operator's worker pods. */
  pods: ResilientInformer<V1Pod>;
  nodes: ResilientInformer<V1Node>;
  /** Pods not created by the operator and not finished: what else occupies the nodes. */
  otherPods: ResilientInformer<V1Pod>;
  pools: ResilientInformer<WorkerPool & KubernetesObject>;
}

/**
 * `watchNamespaces`: the only namespaces whose tasks and subtasks the controllers see
 * (--watch-namespaces). Nodes, pools and pods stay cluster-wide: placement counts every pod on a
 * node, and pods without a subtask in scope are left alone.
 */
export function makeCaches(clients: KubeClients, log: Logger, watchNamespaces?: readonly string[]): Caches {
  const scope = watchNamespaces && watchNamespaces.length > 0 ? new Set(watchNamespaces) : undefined;
  const informer = <T extends KubernetesObject>(name: string, path: string, list: (page: { limit: number; _continue?: string }) => Promise<unknown>, options: { labelSelector?: string; fieldSelector?: string; scoped?: boolean; transform?: (object: T) => T } = {}) =>
    new ResilientInformer<T>(clients.kubeConfig, {
      name,
      path,
      list: (continueToken) => list({ limit: LIST_PAGE_SIZE, ...(continueToken ? { _continue: continueToken } : {}) }) as Promise<KubernetesListObject<T>>,
      log,
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
      ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
      ...(options.scoped && scope ? { namespaces: scope } : {}),
      ...(options.transform ? { transform: options.transform } : {}),
    });
  const custom = (plural: string) => (page: { limit: number; _continue?: string }) => clients.custom.listClusterCustomObject({ group: 'drm.dtf.io', version: 'v1alpha1', plural, ...page });
  const ours = `${LABELS.managedBy}=${MANAGER}`;
  const notOurs = `${LABELS.managedBy}!=${MANAGER}`;
  const unfinished = 'status.phase!=Succeeded,status.phase!=Failed';
  return {
    tasks: informer('orchestratedtasks', `${CRD_BASE}/orchestratedtasks`, custom('orchestratedtasks'), { scoped: true }),
    subtasks: informer('subtasks', `${CRD_BASE}/subtasks`, custom('subtasks'), { scoped: true }),
    // Pods and nodes are kept as the fields the operator reads (cache-transforms.ts).
    pods: informer('pods', '/api/v1/pods', (page) => clients.core.listPodForAllNamespaces({ labelSelector: ours, ...page }), { labelSelector: ours, transform: cachedPod }),
    nodes: informer('nodes', '/api/v1/nodes', (page) => clients.core.listNode(page), { transform: cachedNode }),
    otherPods: informer('other-pods', '/api/v1/pods', (page) => clients.core.listPodForAllNamespaces({ labelSelector: notOurs, fieldSelector: unfinished, ...page }), { labelSelector: notOurs, fieldSelector: unfinished, transform: cachedPod }),
    pools: informer('workerpools', `${CRD_BASE}/workerpools`, custom('workerpools')),
  };
}

export function allCaches(caches: Caches): ResilientInformer<KubernetesObject>[] {
  return Object.values(caches) as ResilientInformer<KubernetesObject>[];
}
