// Every request of one client goes over one connection pool: client-node alone makes a new undici
// Agent (a new TCP and TLS handshake) per request, which at scale was most of the operator's CPU.
import { describe, expect, test } from '@jest/globals';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { RateLimitedKubeConfig } from '../../../operator/kube/client.js';

function configFor(server: string, user: string): RateLimitedKubeConfig {
  const config = new RateLimitedKubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: user, token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user }],
    currentContext: 'x',
  });
  return config;
}

async function dispatcherOf(config: KubeConfig) {
  const context = new RequestContext('https://127.0.0.1:6443/api/v1/pods', HttpMethod.GET);
  await config.applySecurityAuthentication(context);
  return { dispatcher: context.getDispatcher(), authorization: context.getHeaders().Authorization };
}

describe('RateLimitedKubeConfig', () => {
  test('requests share one dispatcher, and still carry their credentials each', async () => {
    const config = configFor('https://127.0.0.1:6443', 'u');
    const first = await dispatcherOf(config);
    const second = await dispatcherOf(config);
    expect(first.dispatcher).toBeDefined();
    expect(second.dispatcher).toBe(first.dispatcher);
    expect(second.authorization).toBe('Bearer secret-token');
  });

  test('another cluster or user gets a pool of its own', async () => {
    const a = await dispatcherOf(configFor('https://127.0.0.1:6443', 'u'));
    const b = await dispatcherOf(configFor('https://127.0.0.1:7443', 'u'));
    expect(b.dispatcher).not.toBe(a.dispatcher);
  });
});
