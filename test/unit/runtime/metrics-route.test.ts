// /metrics on a real loopback server: the registry's text, and a 500 (not an unhandled
// rejection that would end the process) when collecting fails.
import { afterEach, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../../operator/runtime/logger.js';
import { metricsRoute, type MetricsSource } from '../../../operator/runtime/metrics-route.js';

const servers: http.Server[] = [];

async function serve(registry: MetricsSource): Promise<string> {
  const route = metricsRoute(registry, createLogger('silent'));
  const server = http.createServer((request, response) => {
    if (!route(request, response, () => undefined)) {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

describe('metricsRoute', () => {
  test("answers the registry's text with its content type", async () => {
    const base = await serve({ contentType: 'text/plain; version=0.0.4', metrics: async () => 'drm_up 1\n' });
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await response.text()).toBe('drm_up 1\n');
  });

  test('a collector that fails gives a 500, and the server keeps serving', async () => {
    let fail = true;
    const base = await serve({ contentType: 'text/plain', metrics: async () => (fail ? Promise.reject(new Error('collector threw')) : 'ok\n') });
    const failed = await fetch(`${base}/metrics`);
    expect(failed.status).toBe(500);
    expect(await failed.text()).toContain('collecting metrics failed');
    fail = false;
    expect(await (await fetch(`${base}/metrics`)).text()).toBe('ok\n');
  });

  test('other paths are left to other routes', async () => {
    const base = await serve({ contentType: 'text/plain', metrics: async () => '' });
    expect((await fetch(`${base}/healthz`)).status).toBe(404);
  });
});
