// agent.yaml's `listen` ("0.0.0.0:9443", "[::]:9443", "localhost:0") as node's listen() wants it.
import { OtherixError } from '@otherix/sdk';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `key` names the agent.yaml key (and its OTHERIX_ variable) the message points at. */
export function parseListenAddress(listen: string, key: 'listen' | 'metrics_listen' = 'listen'): ListenAddress {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(listen.trim());
  const port = match ? Number(match[2]) : NaN;
  if (match === null || port > 65535) {
    const example = key === 'listen' ? '0.0.0.0:9443' : '127.0.0.1:9464';
    throw new OtherixError('config_invalid', `${key} address ${JSON.stringify(listen)} must be HOST:PORT, e.g. ${example}: fix \`${key}\` in agent.yaml or OTHERIX_${key.toUpperCase()}`);
  }
  const host = match[1] as string;
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
}

/** The form to print: IPv6 hosts in brackets. */
export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
