// Loopback plumbing every fake server and proxy of the harness shares: listen on 127.0.0.1:0,
// close with every connection, ports that are free or closed, a server that never answers; and
// eventually(), which polls instead of sleeping.
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/** Listens on 127.0.0.1 on a port the OS picks, and resolves with that port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** Closes the server with every connection it holds (an HTTP(S) server's own, and `sockets`). */
export async function closeServer(server: Server, sockets: Iterable<Socket> = []): Promise<void> {
  for (const socket of sockets) socket.destroy();
  (server as Partial<HttpServer>).closeAllConnections?.();
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  await closed;
}

/** A port that was free a moment ago (listen(0) probe), for an agent's `--listen`. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listenOnLoopback(probe);
  await closeServer(probe);
  return port;
}

/**
 * An https URL on loopback where nothing listens: a port the OS just handed out and took back.
 * (Not port 1: fetch refuses "bad ports" before connecting, which is not the failure under test.)
 */
export async function closedPortUrl(): Promise<string> {
  return `https://127.0.0.1:${await freePort()}`;
}

/**
 * A dead replica that keeps its port: a TCP listener that resets every connection as it comes,
 * so the client's connection fails before TLS (as a refused one does), and no other server of
 * a test running alongside can take the port the way it can take closedPortUrl()'s.
 */
export async function startResettingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.resetAndDestroy();
  });
  const port = await listenOnLoopback(server);
  return { url: `https://127.0.0.1:${port}`, close: () => closeServer(server) };
}

/** A TCP listener that accepts and never answers: TLS never completes, so requests time out. */
export async function startSilentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  const port = await listenOnLoopback(server);
  return { url: `https://127.0.0.1:${port}`, close: () => closeServer(server, sockets) };
}

/** Polls `read` until `accept` holds (each try a real request; no fixed sleeps in assertions). */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}; last error: ${String(lastError)}`);
}
