// An informer lists page by page (each page transformed as it arrives, so a list of thousands of
// objects is never held whole), following continue tokens in both spellings, and caches the
// transformed objects of every page.
import { afterEach, describe, expect, test } from '@jest/globals';
import { KubeConfig, type KubernetesListObject, type V1ConfigMap } from '@kubernetes/client-node';
import { ResilientInformer } from '../../../operator/runtime/informer.js';
import { createLogger } from '../../../operator/runtime/logger.js';

const configMap = (name: string): V1ConfigMap => ({ metadata: { name, namespace: 'ns', resourceVersion: '1', managedFields: [{ manager: 'm' }] }, data: { big: 'x'.repeat(100) } });

/** No API server listens here: the watch after the list fails, and the informer waits to retry. */
function unreachable(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  return kubeConfig;
}

let informer: ResilientInformer<V1ConfigMap> | undefined;
afterEach(async () => informer?.stop());

describe('ResilientInformer list pages', () => {
  test('follows continue tokens (typed `_continue`, raw `continue`) and caches every page transformed', async () => {
    const pages: Record<string, KubernetesListObject<V1ConfigMap>> = {
      first: { metadata: { _continue: 'two', resourceVersion: '10' }, items: [configMap('a'), configMap('b')] },
      two: { metadata: { continue: 'three', resourceVersion: '10' } as never, items: [configMap('c')] },
      three: { metadata: { resourceVersion: '10' }, items: [configMap('d')] },
    };
    const asked: Array<string | undefined> = [];
    const seenBySecondPage: string[] = [];
    informer = new ResilientInformer<V1ConfigMap>(unreachable(), {
      name: 'configmaps',
      path: '/api/v1/configmaps',
      list: async (continueToken) => {
        asked.push(continueToken);
        if (continueToken === 'two') seenBySecondPage.push(...items.map((i) => JSON.stringify(i)));
        return pages[continueToken ?? 'first']!;
      },
      transform: (object) => {
        const slim = { metadata: { name: object.metadata!.name!, namespace: object.metadata!.namespace!, resourceVersion: object.metadata!.resourceVersion! } };
        items.push(slim);
        return slim;
      },
      log: createLogger('silent'),
      minRestartDelayMs: 60_000,
    });
    const items: V1ConfigMap[] = [];
    await informer.start();
    expect(asked).toEqual([undefined, 'two', 'three']);
    // The first page was transformed before the second was asked for.
    expect(seenBySecondPage).toHaveLength(2);
    expect(informer.list().map((c) => c.metadata?.name).sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const cached of informer.list()) {
      expect(cached.data).toBeUndefined();
      expect(cached.metadata?.managedFields).toBeUndefined();
    }
  });
});
