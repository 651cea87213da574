// Test-only chaos, kept out of the providers: wraps a provider so that a pool annotated
// drm.dtf.io/kwok-fail-launches: "N" has its next N launches fail as a cloud in trouble would
// (capacity, then throttling). The operator wraps its kwok provider only when started with
// --test-fault-injection; a production install never honours the annotation.
import type { WorkerPool } from '../api/workerpool.js';
import type { V1Node } from '@kubernetes/client-node';
import { ProviderError, type NodeProvider, type ProviderContext, type ProviderInstance } from './types.js';

export const FAIL_LAUNCHES_ANNOTATION = 'drm.dtf.io/kwok-fail-launches';

export function withInjectedLaunchFailures(provider: NodeProvider): NodeProvider {
  const injected = new Map<string, number>();
  const maybeFail = (pool: WorkerPool) => {
    const value = pool.metadata.annotations?.[FAIL_LAUNCHES_ANNOTATION];
    const wanted = Number.parseInt(value ?? '0', 10);
    // A new value of the annotation starts a new count.
    const key = `${pool.metadata.uid}:${value}`;
    const failed = injected.get(key) ?? 0;
    if (Number.isFinite(wanted) && failed < wanted) {
      injected.set(key, failed + 1);
      throw new ProviderError(`injected failure ${failed + 1} of ${wanted} (${FAIL_LAUNCHES_ANNOTATION}): InsufficientInstanceCapacity`, failed % 2 === 0 ? 'capacity' : 'throttled');
    }
  };
  return {
    name: provider.name,
    canScale: provider.canScale,
    ...(provider.removesNodes !== undefined ? { removesNodes: provider.removesNodes } : {}),
    list: (context) => provider.list(context),
    launch: async (context, count, token) => {
      maybeFail(context.pool);
      return provider.launch(context, count, token);
    },
    terminate: (context, ids) => provider.terminate(context, ids),
    ...(provider.nodeSelector ? { nodeSelector: (pool: WorkerPool) => provider.nodeSelector!(pool) } : {}),
    ...(provider.nodeShape ? { nodeShape: (context: ProviderContext) => provider.nodeShape!(context) } : {}),
    ...(provider.isNodeOf ? { isNodeOf: (instance: ProviderInstance, node: V1Node) => provider.isNodeOf!(instance, node) } : {}),
    ...(provider.credentialsRef ? { credentialsRef: (pool: WorkerPool) => provider.credentialsRef!(pool) } : {}),
  };
}
