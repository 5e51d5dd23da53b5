// What a client with several CP URLs meets besides the CP itself, without a second CP process:
// a replica that answers but cannot serve, and servers that must never pass for a replica.
// (startRelayProxy in proxies.ts is a replica, or the path to it, that the test can kill.)
//
// startUnavailableReplica: a TLS listener holding the CP's own serving certificate and key from
// its data dir (same CA, the CP's SPIFFE identity, serverAuth): every check a client makes on a
// replica holds, and it answers every request 503 `unavailable` with the CP's error body, as a
// replica that cannot reach its database does; or, with `proxyPage`, a load balancer's plain 502
// page, after which the client cannot know whether a CP acted. It records what reached it.
import { createServer } from 'node:https';
import { closeServer, listenOnLoopback } from './loopback.js';
import { cpServingIdentity, type KeyAndCert, type RecordedRequest } from './impostor-server.js';

export interface UnavailableReplica {
  url: string;
  /** Every request that reached it (method, path, headers, body). */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startUnavailableReplica(
  cp: { dataDir: string },
  options: { serving?: KeyAndCert; proxyPage?: boolean } = {},
): Promise<UnavailableReplica> {
  const serving = options.serving ?? cpServingIdentity(cp);
  const requests: RecordedRequest[] = [];
  const server = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (options.proxyPage === true) {
        res.writeHead(502, { 'content-type': 'text/html', connection: 'close' });
        res.end('<html><body>502 Bad Gateway</body></html>');
        return;
      }
      res.writeHead(503, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'not ready: the database cannot be reached' } }));
    });
  });
  const port = await listenOnLoopback(server);
  return { url: `https://127.0.0.1:${port}`, requests, close: () => closeServer(server) };
}
