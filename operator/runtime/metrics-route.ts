// GET /metrics: the registry's text. Collecting may fail (a collector that throws); that is a
// 500 for the scraper and a log line, never an unhandled rejection that ends the process.
import type { Logger } from './logger.js';
import type { Route } from './health.js';

export interface MetricsSource {
  metrics(): Promise<string>;
  contentType: string;
}

export function metricsRoute(registry: MetricsSource, log: Logger): Route {
  return (request, response) => {
    if (request.url !== '/metrics') return false;
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(text);
      },
      (error: unknown) => {
        log.error({ err: error instanceof Error ? error.message : String(error) }, 'collecting /metrics failed');
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('collecting metrics failed; see the operator log\n');
      },
    );
    return true;
  };
}
