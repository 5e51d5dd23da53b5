// A TCP proxy on loopback that loses an answer at a moment the test chooses: it relays the TLS
// bytes of every connection both ways until dropAnswers() is called (e.g. from a CP hook that runs
// once the CP has acted on a request and before it answers); from then on whatever the server
// sends is dropped, and the client's connection is reset at the server's next bytes. Byte counting
// (cutting-proxy.ts) cannot place the cut on an mTLS connection: TLS 1.3 encrypts the client's
// certificate as application data, and the server's session tickets can outgrow a small answer.
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface AnswerDroppingProxy {
  /** https://127.0.0.1:<port>, to use as the CP URL. */
  url: string;
  /** From now on the server's bytes are dropped, and each client connection is reset when they come. */
  dropAnswers(): void;
  /** Resolves once an answer was dropped and its connection reset. */
  answerDropped: Promise<void>;
  close(): Promise<void>;
}

export async function startAnswerDroppingProxy(targetPort: number): Promise<AnswerDroppingProxy> {
  let dropping = false;
  let dropped!: () => void;
  const answerDropped = new Promise<void>((resolve) => (dropped = resolve));
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
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
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    dropAnswers: () => void (dropping = true),
    answerDropped,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
