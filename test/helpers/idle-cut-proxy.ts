// A TCP proxy that cuts a keep-alive connection the way a server or a middlebox (NAT, load
// balancer) closing an idle socket does at the worst moment: when a client speaks again on a
// connection that has carried an exchange and then been idle for `idleMs`, the proxy answers
// its bytes with a TCP reset instead of forwarding them. TLS passes through untouched.
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';

export interface IdleCutProxy {
  url: string;
  /** Connections cut so far. */
  cuts(): number;
  close(): Promise<void>;
}

export async function startIdleCutProxy(target: { url: string }, idleMs: number): Promise<IdleCutProxy> {
  const upstreamPort = Number(new URL(target.url).port);
  const sockets = new Set<Socket>();
  let cuts = 0;
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
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
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    cuts: () => cuts,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
