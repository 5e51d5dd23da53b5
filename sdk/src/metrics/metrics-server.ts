// `--metrics-listen HOST:PORT` of otherix-server and `otherix-agent serve`: GET /metrics in
// Prometheus' text format on a plain-HTTP listener of its own, apart from the API's port.
// (A subpath export, @otherix/sdk/metrics-server: only the two binaries use it.)
//
// Why plain HTTP on a port of its own: Prometheus scrapes without a client certificate or an API
// token, and the API ports stay mTLS/bearer-only with their keep-alive policy. The metrics hold
// no secret (no token, no node name: label values come from fixed sets) but do tell the fleet's
// size and health, so bind it to loopback (a Prometheus or agent on the same host) or to a
// management network, never to a public address. Off unless the flag is given.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsSource {
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsServer {
  /** `http://HOST:PORT/metrics`, with the real port when 0 was asked. */
  url: string;
  close(): Promise<void>;
}

/** Scrapes that take longer are cut (a stuck database must not pile up connections). */
const SCRAPE_TIMEOUT_MS = 10_000;

export interface MetricsServerOptions {
  host: string;
  port: number;
  source: MetricsSource;
  /** Told of a failed scrape (the answer is a 500 with a one-line reason). */
  onError?: (error: unknown) => void;
}

function answer(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  response.end(text);
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') return answer(response, 404, 'not found: the metrics are at /metrics\n');
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return answer(response, 405, 'method not allowed: GET /metrics\n', { allow: 'GET, HEAD' });
    options.source.scrape().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        options.onError?.(error);
        answer(response, 500, 'the metrics could not be collected: see the otherix-server log\n');
      },
    );
  };
  const server: Server = createServer({ requestTimeout: SCRAPE_TIMEOUT_MS, headersTimeout: SCRAPE_TIMEOUT_MS }, handle);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
