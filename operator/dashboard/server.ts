// Serves the dashboard under /dashboard/ on the operator's health port: the page, its script and
// style, the current snapshot as JSON, and a Server-Sent Events stream that pushes a snapshot
// every interval to each open page. One timer serves every client: a snapshot is built once per
// tick, whatever the number of viewers, and only while someone watches. A viewer that does not
// keep up has ticks skipped (nothing more is buffered for it) and, far behind, is disconnected.
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type { DashboardSnapshot } from '../core/dashboard/snapshot.js';
import type { Logger } from '../runtime/logger.js';

export interface DashboardServerOptions {
  /** How often open pages get a new snapshot. */
  intervalMs: number;
  /** Open event streams beyond this are refused with 503, so viewers cannot exhaust the operator. */
  maxClients: number;
  /** A comment line keeps idle proxies from closing the stream. */
  keepAliveMs: number;
  /**
   * Ticks in a row a stream may skip because it has not taken the last snapshot yet; one more
   * and it is closed (the browser reconnects by itself and starts from the current snapshot).
   */
  maxSkippedTicks: number;
}

export const DEFAULT_DASHBOARD_OPTIONS: DashboardServerOptions = { intervalMs: 2_000, maxClients: 32, keepAliveMs: 15_000, maxSkippedTicks: 15 };

/** One open event stream and how far behind it is. */
interface Client {
  response: http.ServerResponse;
  /** Its socket buffer is full: nothing is written until it drains. */
  blocked: boolean;
  skipped: number;
}

interface Asset {
  type: string;
  body: Buffer;
}

const ASSET_TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** The page's files, read once at start (the root filesystem may be read-only, not the read). */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(ASSET_TYPES)) assets.set(name, { type, body: readFileSync(new URL(`./assets/${name}`, import.meta.url)) });
  return assets;
}

export class DashboardServer {
  private readonly assets = loadAssets();
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private sequence = 0;
  private readonly options: DashboardServerOptions;

  constructor(
    private readonly snapshot: () => DashboardSnapshot,
    private readonly log: Logger,
    options: Partial<DashboardServerOptions> = {},
  ) {
    this.options = { ...DEFAULT_DASHBOARD_OPTIONS, ...options };
  }

  /** Answers a request under /dashboard; returns false for any other path. */
  handle(request: http.IncomingMessage, response: http.ServerResponse): boolean {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/dashboard' && !path.startsWith('/dashboard/')) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'the dashboard is read-only: use GET' }));
      return true;
    }
    if (path === '/dashboard') {
      response.writeHead(308, { location: '/dashboard/' });
      response.end();
      return true;
    }
    if (path === '/dashboard/api/snapshot') {
      const data = this.serialize();
      if (data === undefined) return this.sendJson(response, 500, { error: 'the snapshot could not be built; see the operator log' });
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
      response.end(data);
      return true;
    }
    if (path === '/dashboard/events') return this.openStream(request, response);
    const asset = this.assets.get(path === '/dashboard/' ? 'index.html' : path.slice('/dashboard/'.length));
    if (!asset) return this.sendJson(response, 404, { error: `no such dashboard file: ${path}` });
    response.writeHead(200, {
      'content-type': asset.type,
      'cache-control': 'no-cache',
      // The page loads only its own files and talks only to its own origin.
      'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
    return true;
  }

  /** Open event streams. */
  get clientCount(): number {
    return this.clients.size;
  }

  stop(): void {
    this.stopTimers();
    for (const client of this.clients) client.response.end();
    this.clients.clear();
  }

  private sendJson(response: http.ServerResponse, code: number, body: unknown): true {
    response.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
    response.end(JSON.stringify(body));
    return true;
  }

  private openStream(request: http.IncomingMessage, response: http.ServerResponse): true {
    if (this.clients.size >= this.options.maxClients) {
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '10' });
      response.end(JSON.stringify({ error: `too many open dashboards (${this.options.maxClients}); close one and retry` }));
      return true;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // The browser reconnects by itself after this many milliseconds if the stream breaks.
    response.write(`retry: ${Math.max(1000, this.options.intervalMs)}\n\n`);
    const client: Client = { response, blocked: false, skipped: 0 };
    this.clients.add(client);
    request.on('close', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stopTimers();
    });
    response.on('drain', () => {
      client.blocked = false;
      client.skipped = 0;
    });
    // A new page gets the current state at once, not after the next tick.
    this.write(client, this.sequence, this.serialize());
    this.startTimers();
    return true;
  }

  private serialize(): string | undefined {
    try {
      return JSON.stringify(this.snapshot());
    } catch (error) {
      // A bad snapshot must not take the operator down; pages keep their last view.
      this.log.error({ err: (error as Error).message }, 'dashboard snapshot failed');
      return undefined;
    }
  }

  private write(client: Client, id: number, data: string | undefined): void {
    if (data === undefined) return;
    this.send(client, `id: ${id}\nevent: snapshot\ndata: ${data}\n\n`);
  }

  /** Writes unless the client has not taken the last write yet; closes it when it is far behind. */
  private send(client: Client, text: string): void {
    const { response } = client;
    if (response.writableEnded || response.destroyed) return;
    if (client.blocked) {
      client.skipped++;
      if (client.skipped > this.options.maxSkippedTicks) {
        this.log.info({ skipped: client.skipped }, 'dashboard stream closed: the viewer does not keep up');
        this.clients.delete(client);
        response.destroy();
        if (this.clients.size === 0) this.stopTimers();
      }
      return;
    }
    // false: the socket buffer is above its high-water mark; write nothing more until 'drain'.
    if (!response.write(text)) client.blocked = true;
  }

  private startTimers(): void {
    this.timer ??= setInterval(() => {
      const data = this.serialize();
      this.sequence++;
      for (const client of this.clients) this.write(client, this.sequence, data);
    }, this.options.intervalMs);
    this.keepAlive ??= setInterval(() => {
      // A blocked stream needs no keep-alive (bytes are still in flight) and must not count a skip.
      for (const client of this.clients) if (!client.blocked && !client.response.writableEnded) client.response.write(': keep-alive\n\n');
    }, this.options.keepAliveMs);
    this.timer.unref();
    this.keepAlive.unref();
  }

  private stopTimers(): void {
    clearInterval(this.timer);
    clearInterval(this.keepAlive);
    this.timer = undefined;
    this.keepAlive = undefined;
  }
}
