// The operator's HTTP endpoint: /healthz, /readyz from registered checks (each named, so a not
// ready replica says what it waits for), and routes the wiring adds (/metrics, /debug, the
// dashboard). Without its probes the process cannot be managed, so a port it cannot listen on
// is fatal.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import type { ReadyCheck } from './runnable.js';

type Send = (code: number, body: unknown) => void;
/** Handles a request it recognises (returns true), else leaves it to the next route. */
export type Route = (request: http.IncomingMessage, response: http.ServerResponse, send: Send) => boolean;

export class HealthServer {
  private readonly checks = new Map<string, ReadyCheck>();
  private readonly routes: Route[] = [];
  private server: http.Server | undefined;

  constructor(
    private readonly log: Logger,
    /** More of the replica's state for /readyz's body (leadership, informers). */
    private readonly details: () => Record<string, unknown> = () => ({}),
  ) {}

  addReadyzCheck(name: string, check: ReadyCheck): void {
    this.checks.set(name, check);
  }

  addRoute(route: Route): void {
    this.routes.push(route);
  }

  /** Every failing check, by name, with why. */
  failing(): Record<string, string> {
    const failing: Record<string, string> = {};
    for (const [name, check] of this.checks) {
      const problem = check();
      if (problem !== undefined) failing[name] = problem;
    }
    return failing;
  }

  get ready(): boolean {
    return Object.keys(this.failing()).length === 0;
  }

  /** Listens; resolves with the port (the one picked when asked for 0). */
  listen(port: number, host: string): Promise<number> {
    const server = http.createServer((request, response) => this.handle(request, response));
    this.server = server;
    server.on('error', (error) => {
      this.log.fatal({ err: error.message, port }, 'health endpoint cannot listen');
      process.exit(1);
    });
    return new Promise((resolve) => server.listen(port, host, () => resolve((server.address() as AddressInfo).port)));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const send: Send = (code, body) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/healthz') return send(200, { ok: true });
    if (request.url === '/readyz') {
      const failing = this.failing();
      const ready = Object.keys(failing).length === 0;
      return send(ready ? 200 : 503, { ready, ...this.details(), ...(ready ? {} : { failing }) });
    }
    for (const route of this.routes) if (route(request, response, send)) return;
    send(404, { error: 'not found' });
  }
}
