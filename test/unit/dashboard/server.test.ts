// The dashboard's HTTP side on a real loopback server: files, headers, and the event stream.
import { afterEach, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { DashboardSnapshot } from '../../../operator/core/dashboard/snapshot.js';
import { DashboardServer, type DashboardServerOptions } from '../../../operator/dashboard/server.js';
import { createLogger } from '../../../operator/runtime/logger.js';

const log = createLogger('silent');

function snapshotNumbered(n: number): DashboardSnapshot {
  return {
    time: new Date(n * 1000).toISOString(),
    totals: { nodes: n, readyNodes: n, costPerHour: 0, spentUsd: 0, activeTasks: 0, runningSubtasks: 0, pendingSubtasks: 0 },
    heatmap: { resources: ['cpu', 'memory', 'gpu'], rows: [] },
    pools: [],
    efficiency: [],
    tasks: [],
    scaling: { decisions: [], series: [] },
  };
}

const servers: Array<{ http: http.Server; dashboard: DashboardServer }> = [];

async function serve(source: () => DashboardSnapshot, options: Partial<DashboardServerOptions> = {}) {
  const dashboard = new DashboardServer(source, log, { intervalMs: 50, maxClients: 4, keepAliveMs: 10_000, ...options });
  const server = http.createServer((request, response) => {
    if (!dashboard.handle(request, response)) {
      response.writeHead(404);
      response.end('not the dashboard');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ http: server, dashboard });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dashboard };
}

afterEach(async () => {
  for (const { http: server, dashboard } of servers.splice(0)) {
    dashboard.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Reads server-sent events from a stream until `count` snapshot events have arrived. */
async function readEvents(response: Response, count: number): Promise<Array<{ id: string; data: unknown }>> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ id: string; data: unknown }> = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = new Map(block.split('\n').filter((line) => !line.startsWith(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]));
      if (fields.get('event') === 'snapshot') events.push({ id: fields.get('id')!, data: JSON.parse(fields.get('data')!) });
    }
  }
  await reader.cancel();
  return events;
}

describe('DashboardServer: files', () => {
  test('serves the page, its script and style with their types and a strict CSP', async () => {
    const { base } = await serve(() => snapshotNumbered(1));
    const page = await fetch(`${base}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    for (const id of ['heatmap', 'scaling-chart', 'allocation', 'efficiency', 'cost', 'tasks']) expect(html).toContain(`id="${id}"`);
    expect((await fetch(`${base}/dashboard/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${base}/dashboard/style.css`)).headers.get('content-type')).toMatch(/^text\/css/);
  });

  test('/dashboard redirects to /dashboard/ so relative links resolve', async () => {
    const { base } = await serve(() => snapshotNumbered(1));
    const response = await fetch(`${base}/dashboard`, { redirect: 'manual' });
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/dashboard/');
  });

  test('unknown files are 404 and name the path; other paths are left to the caller', async () => {
    const { base } = await serve(() => snapshotNumbered(1));
    const missing = await fetch(`${base}/dashboard/../../etc/passwd`);
    expect(missing.status).toBe(404);
    const other = await fetch(`${base}/metrics`);
    expect(await other.text()).toBe('not the dashboard');
    const traversal = await fetch(`${base}/dashboard/%2e%2e%2fserver.ts`);
    expect(traversal.status).toBe(404);
  });

  test('it is read-only: anything but GET and HEAD is 405', async () => {
    const { base } = await serve(() => snapshotNumbered(1));
    const response = await fetch(`${base}/dashboard/api/snapshot`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  test('/dashboard/api/snapshot answers 500 when the snapshot cannot be built, and the server stays up', async () => {
    let fail = true;
    const { base } = await serve(() => {
      if (fail) throw new TypeError("Cannot read properties of undefined (reading 'type')");
      return snapshotNumbered(2);
    });
    const failed = await fetch(`${base}/dashboard/api/snapshot`);
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: string }).error).toContain('operator log');
    fail = false;
    expect(((await (await fetch(`${base}/dashboard/api/snapshot`)).json()) as DashboardSnapshot).totals.nodes).toBe(2);
  });

  test('/dashboard/api/snapshot answers the current snapshot as JSON', async () => {
    let n = 1;
    const { base } = await serve(() => snapshotNumbered(n));
    expect(((await (await fetch(`${base}/dashboard/api/snapshot`)).json()) as DashboardSnapshot).totals.nodes).toBe(1);
    n = 7;
    expect(((await (await fetch(`${base}/dashboard/api/snapshot`)).json()) as DashboardSnapshot).totals.nodes).toBe(7);
  });
});

describe('DashboardServer: event stream', () => {
  test('a new stream gets the current snapshot at once, then a fresh one every interval', async () => {
    let n = 0;
    const { base } = await serve(() => snapshotNumbered(++n), { intervalMs: 40 });
    const response = await fetch(`${base}/dashboard/events`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = await readEvents(response, 3);
    const nodes = events.map((e) => (e.data as DashboardSnapshot).totals.nodes);
    expect(nodes).toEqual([...nodes].sort((a, b) => a - b));
    expect(new Set(nodes).size).toBe(3);
    expect(Number(events[2]!.id)).toBeGreaterThan(Number(events[1]!.id));
  });

  test('one snapshot per tick serves every open stream', async () => {
    let built = 0;
    const { base, dashboard } = await serve(() => snapshotNumbered(++built), { intervalMs: 60 });
    const streams = await Promise.all([fetch(`${base}/dashboard/events`), fetch(`${base}/dashboard/events`), fetch(`${base}/dashboard/events`)]);
    expect(dashboard.clientCount).toBe(3);
    const [a, b, c] = await Promise.all(streams.map((s) => readEvents(s, 3)));
    // The ticks' snapshots are shared: the three streams saw the same later events.
    expect(a!.slice(1).map((e) => e.id)).toEqual(b!.slice(1).map((e) => e.id));
    expect(b!.slice(1).map((e) => e.data)).toEqual(c!.slice(1).map((e) => e.data));
  });

  test('streams beyond maxClients are refused with 503 and a way out', async () => {
    const { base } = await serve(() => snapshotNumbered(1), { maxClients: 2 });
    const open = [await fetch(`${base}/dashboard/events`), await fetch(`${base}/dashboard/events`)];
    const refused = await fetch(`${base}/dashboard/events`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toMatch(/too many open dashboards \(2\)/);
    for (const response of open) await response.body!.cancel();
  });

  test('a closed stream is forgotten, and with no viewer no snapshot is built', async () => {
    let built = 0;
    const { base, dashboard } = await serve(() => snapshotNumbered(++built), { intervalMs: 20 });
    const response = await fetch(`${base}/dashboard/events`);
    await readEvents(response, 2);
    for (let i = 0; i < 50 && dashboard.clientCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(dashboard.clientCount).toBe(0);
    const after = built;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(built).toBe(after);
  });

  test('a snapshot that throws is logged and skipped; the stream stays open for the next', async () => {
    let n = 0;
    const { base } = await serve(
      () => {
        n++;
        if (n === 2) throw new Error('cache not ready');
        return snapshotNumbered(n);
      },
      { intervalMs: 30 },
    );
    const events = await readEvents(await fetch(`${base}/dashboard/events`), 2);
    expect(events.map((e) => (e.data as DashboardSnapshot).totals.nodes)).toEqual([1, 3]);
  });

  test('a viewer that never reads has ticks skipped, not buffered, and is closed once far behind', async () => {
    // Each snapshot is about 256 KiB, so a few fill the socket buffers of a reader that reads nothing.
    const big = { ...snapshotNumbered(1), tasks: [{ padding: 'x'.repeat(256 * 1024) }] } as unknown as DashboardSnapshot;
    let built = 0;
    const { base, dashboard } = await serve(() => (built++, big), { intervalMs: 5, maxSkippedTicks: 3 });
    const { port } = new URL(base);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.pause();
    socket.on('error', () => undefined);
    socket.write('GET /dashboard/events HTTP/1.1\r\nHost: localhost\r\n\r\n');
    // The paused socket never sees the close; the server's side says when the stream is gone.
    while (dashboard.clientCount === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    while (dashboard.clientCount > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.destroy();
    // Without backpressure every tick would be queued for it until memory runs out; here the
    // stream is dropped after a handful of skipped ticks.
    expect(built).toBeLessThan(200);
  });

  test('a viewer that catches up gets snapshots again', async () => {
    let n = 0;
    const { base } = await serve(() => snapshotNumbered(++n), { intervalMs: 10, maxSkippedTicks: 1000 });
    const response = await fetch(`${base}/dashboard/events`);
    const events = await readEvents(response, 3);
    expect(events).toHaveLength(3);
  });
});
