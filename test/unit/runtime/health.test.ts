import { afterEach, describe, expect, test } from '@jest/globals';
import { HealthServer } from '../../../operator/runtime/health.js';
import { createLogger } from '../../../operator/runtime/logger.js';

let server: HealthServer | undefined;
afterEach(async () => server?.close());

/** A server on a free local port, and a GET helper for it. */
async function serve(build: (health: HealthServer) => void) {
  server = new HealthServer(createLogger('silent'), () => ({ leader: false }));
  build(server);
  const port = await server.listen(0, '127.0.0.1');
  return async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { code: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

describe('HealthServer', () => {
  test('/readyz is 503 naming every failing check, 200 once all pass; /healthz is always 200', async () => {
    let missing = ['nodes'];
    const get = await serve((health) => {
      health.addReadyzCheck('caches-synced', () => (missing.length > 0 ? `waiting for caches: ${missing.join(', ')}` : undefined));
      health.addReadyzCheck('always', () => undefined);
    });
    expect(await get('/readyz')).toEqual({ code: 503, body: { ready: false, leader: false, failing: { 'caches-synced': 'waiting for caches: nodes' } } });
    expect((await get('/healthz')).code).toBe(200);
    missing = [];
    expect(await get('/readyz')).toEqual({ code: 200, body: { ready: true, leader: false } });
  });

  test('added routes answer their paths, anything else is 404', async () => {
    const get = await serve((health) => health.addRoute((request, _, send) => (request.url === '/debug/x' ? (send(200, { x: 1 }), true) : false)));
    expect(await get('/debug/x')).toEqual({ code: 200, body: { x: 1 } });
    expect((await get('/nope')).code).toBe(404);
  });
});
