// One HTTPS request to an agent's server (State B) with a chosen client certificate or none,
// over a fresh connection each time, so every call is its own TLS handshake.
import { request } from 'node:https';
import type { PeerCertificate } from 'node:tls';

export interface AgentCallOptions {
  port: number;
  path: string;
  caPem: string;
  client?: { certPem: string; keyPem: string };
  /** Default: the agent's node identity is not checked, the host name (127.0.0.1) is. */
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  method?: string;
}

export interface AgentCallResult {
  status: number;
  body: unknown;
}

export function callAgent(options: AgentCallOptions): Promise<AgentCallResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        ca: options.caPem,
        agent: false,
        ...(options.client !== undefined ? { cert: options.client.certPem, key: options.client.keyPem } : {}),
        ...(options.checkServerIdentity !== undefined ? { checkServerIdentity: options.checkServerIdentity } : {}),
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
