// A small real HTTPS server that stands where the CP is and answers heartbeats from a script: a
// 429 with Retry-After, a 200 of the wrong shape, an endless body, then a good answer. It serves a
// certificate from the real cluster CA with the CP's SPIFFE id and demands the node's client
// certificate, so the agent talks to it exactly as to the CP (pointed at it with OTHERIX_CP_URL).
import { createServer, type Server } from 'node:https';
import { CONTROL_PLANE_SPIFFE_ID } from '@otherix/sdk/pki';
import type { ClusterCa } from '@otherix/server';
import { closeServer, listenOnLoopback } from './loopback.js';

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  /** A string, or a number of bytes of JSON whitespace to send after `{"status":"ready"` (never closed). */
  body: string | { endlessBytes: number };
}

export interface ScriptedRequest {
  /** performance.now() when the request arrived. */
  at: number;
  method: string;
  path: string;
}

export interface ScriptedControlPlane {
  url: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

/** Answers the n-th request (0-based) with script(n); the last entry of an array repeats. */
export async function startScriptedControlPlane(ca: ClusterCa, script: readonly ScriptedAnswer[]): Promise<ScriptedControlPlane> {
  const serving = await ca.issueWithNewKey({
    commonName: 'scripted control plane',
    subjectAltNames: { uri: [CONTROL_PLANE_SPIFFE_ID], dns: ['localhost'], ip: ['127.0.0.1'] },
    extendedKeyUsage: ['serverAuth'],
    now: Date.now(),
  });
  const requests: ScriptedRequest[] = [];
  const server: Server = createServer(
    { key: serving.keyPem, cert: serving.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true },
    (request, response) => {
      requests.push({ at: performance.now(), method: request.method ?? '', path: request.url ?? '' });
      const answer = script[Math.min(requests.length - 1, script.length - 1)];
      response.on('error', () => undefined); // the agent may hang up on an endless body
      request.resume();
      request.on('end', () => {
        if (typeof answer.body === 'string') {
          response.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
          response.end(answer.body);
          return;
        }
        // No Content-Length: the client learns the size only by reading.
        response.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        response.write('{"status":"ready"');
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        let left = answer.body.endlessBytes;
        const pump = (): void => {
          while (left > 0 && !response.destroyed) {
            left -= chunk.length;
            if (!response.write(chunk)) {
              response.once('drain', pump);
              return;
            }
          }
          response.end('}');
        };
        pump();
      });
    },
  );
  const port = await listenOnLoopback(server);
  return { url: `https://127.0.0.1:${port}`, requests, close: () => closeServer(server) };
}
