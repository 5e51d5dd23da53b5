// A loopback hop from plain HTTP to the real TLS servers, for the contract tests: Prism proxies
// to it, and it makes each call over TLS trusting only the cluster CA and demanding the server's
// SPIFFE identity, presenting the client certificate the request names. That is what lets
// Prism carry the operations authenticated by mTLS (the heartbeat, the agent's API), and it
// keeps the CA pin in the test's own code (no NODE_EXTRA_CA_CERTS for the Prism process).
//
// Two request headers steer it and are removed before the call: HOP_TARGET names the server
// (default: the first target), HOP_CLIENT the client certificate (default: none).
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { checkServerIdentityFor } from '@otherix/sdk/pki';
import { closeServer, listenOnLoopback } from './loopback.js';

export const HOP_TARGET = 'x-contract-target';
export const HOP_CLIENT = 'x-contract-client';

export interface HopTarget {
  /** https://127.0.0.1:PORT */
  url: string;
  /** The SPIFFE id the server's certificate must carry. */
  identity: string;
}

export interface TlsHopOptions {
  caPem: string;
  targets: Record<string, HopTarget>;
  clients: Record<string, { certPem: string; keyPem: string }>;
}

export interface TlsHop {
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

// Hop-by-hop headers, and the two that steer the hop, never travel on.
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'host',
  HOP_TARGET,
  HOP_CLIENT,
]);

export async function startTlsHop(options: TlsHopOptions): Promise<TlsHop> {
  const agents = new Map<string, Agent>();
  const agentFor = (target: HopTarget, client: string | undefined): Agent => {
    const key = `${target.url} ${client ?? ''}`;
    let agent = agents.get(key);
    if (agent === undefined) {
      const certificate = client === undefined ? undefined : options.clients[client];
      if (client !== undefined && certificate === undefined) throw new Error(`the hop has no client certificate named ${client}`);
      agent = new Agent({
        connect: {
          ca: options.caPem,
          checkServerIdentity: checkServerIdentityFor(target.identity),
          ...(certificate === undefined ? {} : { cert: certificate.certPem, key: certificate.keyPem }),
        },
      });
      agents.set(key, agent);
    }
    return agent;
  };
  const defaultTarget = Object.keys(options.targets)[0];

  const forward = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const targetName = single(incoming.headers[HOP_TARGET]) ?? defaultTarget;
    const target = options.targets[targetName];
    if (target === undefined) throw new Error(`the hop has no target named ${targetName}`);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(incoming.headers))
      if (value !== undefined && !NOT_FORWARDED.has(name)) headers[name] = value;
    const answer = await request(`${target.url}${incoming.url ?? '/'}`, {
      method: incoming.method as Dispatcher.HttpMethod,
      headers,
      body: chunks.length === 0 ? null : Buffer.concat(chunks),
      dispatcher: agentFor(target, single(incoming.headers[HOP_CLIENT])),
    });
    const body = Buffer.from(await answer.body.arrayBuffer());
    const back: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !NOT_FORWARDED.has(name)) back[name] = value;
    outgoing.writeHead(answer.statusCode, back);
    outgoing.end(body);
  };

  const server = createServer((incoming, outgoing) => {
    forward(incoming, outgoing).catch((error: unknown) => {
      // Not an API answer: Prism reports it as undocumented, and the test shows why.
      outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`tls hop: ${(error as Error).message}`);
    });
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await closeServer(server);
      await Promise.all([...agents.values()].map((agent) => agent.close()));
    },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
