// Real TCP proxies on loopback that break a connection the way a network does, for fault tests.
// TLS passes through them untouched: they relay bytes and never hold a key.
//
// startCuttingProxy: loses an answer. It relays the TLS bytes of every connection both ways,
// except on one chosen connection, where it relays the client's request to the server but drops
// what the server sends back once the request is through, then cuts the client's connection
// ('cut') or keeps it open without a word ('hold', the client times out). It reads only the
// 5-byte record headers of the client's stream and counts the application-data bytes (content
// type 23). Past REQUEST_BYTES of them the request is being sent (a TLS 1.3 Finished is one
// small type-23 record; a join request is over a kilobyte); the answer is what the server sends
// from then on, once it passes ANSWER_BYTES (more than the session tickets a server may send
// after the handshake, less than a join answer).
//
// startAnswerDroppingProxy: loses an answer at a moment the test chooses rather than by counting
// bytes. It relays every connection both ways until dropAnswers() is called (e.g. from a CP hook
// that runs once the CP has acted on a request and before it answers); from then on whatever the
// server sends is dropped, and the client's connection is reset at the server's next bytes.
// Byte counting cannot place the cut on an mTLS connection: TLS 1.3 encrypts the client's
// certificate as application data, and the server's session tickets can outgrow a small answer.
//
// startRelayProxy: relays every connection both ways, untouched, until close(): then its
// connections are reset and its port refuses new ones (a CP replica, or the path to it, gone).
//
// startIdleCutProxy: cuts a keep-alive connection the way a server or a middlebox (NAT, load
// balancer) closing an idle socket does at the worst moment: when a client speaks again on a
// connection that has carried an exchange and then been idle for `idleMs`, the proxy answers its
// bytes with a TCP reset instead of forwarding them.
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { closeServer, listenOnLoopback } from './loopback.js';

const APPLICATION_DATA = 23;
const REQUEST_BYTES = 600;
const ANSWER_BYTES = 1500;

interface Relay {
  /** https://127.0.0.1:<port>, to use as a CP URL. */
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  close: () => Promise<void>;
}

/** A TCP relay to 127.0.0.1:targetPort; `wire` joins each accepted client (1-based `index`) to its upstream. */
async function startRelay(targetPort: number, wire: (client: Socket, upstream: Socket, index: number) => void): Promise<Relay> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((client) => {
    count += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    wire(client, upstream, count);
  });
  const port = await listenOnLoopback(server);
  return { url: `https://127.0.0.1:${port}`, connections: () => count, close: () => closeServer(server, sockets) };
}

export interface CuttingProxy {
  /** https://127.0.0.1:<port>, to use as --cp-url. */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Resolves when the server's answer on the chosen connection was dropped (the CP acted). */
  answerDropped: Promise<void>;
  close: () => Promise<void>;
}

export interface CuttingProxyOptions {
  /** The target, e.g. the CP's port on 127.0.0.1. */
  port: number;
  /** Which connection (1-based) loses its answer; bootstrap's join is its 2nd (after /v1/ca). */
  connection: number;
  mode: 'cut' | 'hold';
}

export async function startCuttingProxy(options: CuttingProxyOptions): Promise<CuttingProxy> {
  let dropped!: () => void;
  const answerDropped = new Promise<void>((resolve) => (dropped = resolve));
  const relay = await startRelay(options.port, (client, upstream, index) => {
    if (index !== options.connection) {
      client.pipe(upstream);
      upstream.pipe(client);
      return;
    }
    const records = new RecordCounter();
    let droppedBytes = 0;
    client.on('data', (chunk: Buffer) => {
      records.feed(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (records.applicationBytes < REQUEST_BYTES) {
        client.write(chunk);
        return;
      }
      droppedBytes += chunk.length;
      if (droppedBytes < ANSWER_BYTES) return;
      dropped();
      // 'cut': the client's connection dies with a reset; the server's is let go.
      if (options.mode === 'cut' && !client.destroyed) {
        client.resetAndDestroy();
        upstream.end();
      }
    });
  });
  return {
    url: relay.url,
    get connections() {
      return relay.connections();
    },
    answerDropped,
    close: relay.close,
  };
}

export interface AnswerDroppingProxy {
  /** https://127.0.0.1:<port>, to use as the CP URL. */
  url: string;
  /** From now on the server's bytes are dropped, and each client connection is reset when they come. */
  dropAnswers(): void;
  /** Resolves once an answer was dropped and its connection reset. */
  answerDropped: Promise<void>;
  close: () => Promise<void>;
}

export async function startAnswerDroppingProxy(targetPort: number): Promise<AnswerDroppingProxy> {
  let dropping = false;
  let dropped!: () => void;
  const answerDropped = new Promise<void>((resolve) => (dropped = resolve));
  const relay = await startRelay(targetPort, (client, upstream) => {
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (!dropping) {
        client.write(chunk);
        return;
      }
      if (!client.destroyed) client.resetAndDestroy();
      upstream.end();
      dropped();
    });
  });
  return { url: relay.url, dropAnswers: () => void (dropping = true), answerDropped, close: relay.close };
}

export interface RelayProxy {
  /** https://127.0.0.1:<port>, to use as one of the CP URLs. */
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Resets every connection and stops listening: connecting to `url` is refused from then on. */
  close(): Promise<void>;
}

export async function startRelayProxy(target: { url: string }): Promise<RelayProxy> {
  // Its own relay, not startRelay's: an answer followed by the server's close (a refusal with
  // `Connection: close`) must reach the client whole, so each side is ended, not destroyed,
  // when the other ends; only close() resets.
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((client) => {
    count += 1;
    const upstream = connect(Number(new URL(target.url).port), '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await listenOnLoopback(server);
  return {
    url: `https://127.0.0.1:${port}`,
    connections: () => count,
    close: () => {
      for (const socket of sockets) socket.resetAndDestroy();
      return closeServer(server, sockets);
    },
  };
}

export interface IdleCutProxy {
  url: string;
  /** Connections cut so far. */
  cuts(): number;
  close: () => Promise<void>;
}

export async function startIdleCutProxy(target: { url: string }, idleMs: number): Promise<IdleCutProxy> {
  let cuts = 0;
  const relay = await startRelay(Number(new URL(target.url).port), (client, upstream) => {
    let lastActivity = Date.now();
    let clientSpoke = false;
    let answered = false;
    upstream.on('data', (chunk: Buffer) => {
      if (clientSpoke) answered = true;
      lastActivity = Date.now();
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (answered && Date.now() - lastActivity >= idleMs) {
        cuts += 1;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      clientSpoke = true;
      lastActivity = Date.now();
      upstream.write(chunk);
    });
  });
  return { url: relay.url, cuts: () => cuts, close: relay.close };
}

/** Counts the payload bytes of application-data records in one direction of a TLS stream. */
class RecordCounter {
  applicationBytes = 0;
  private header = Buffer.alloc(0);
  private remaining = 0;
  private inApplicationData = false;

  feed(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset);
        if (this.inApplicationData) this.applicationBytes += take;
        this.remaining -= take;
        offset += take;
        continue;
      }
      const need = 5 - this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + need)]);
      offset += Math.min(need, chunk.length - offset);
      if (this.header.length < 5) return;
      this.inApplicationData = this.header[0] === APPLICATION_DATA;
      this.remaining = this.header.readUInt16BE(3);
      this.header = Buffer.alloc(0);
    }
  }
}
