// agent.yaml's `listen` ("0.0.0.0:9443", "[::]:9443", "localhost:0") as node's listen() wants it:
// the SDK's HOST:PORT reading (the one bootstrap and the CP use), told as a config problem.
import { OtherixError } from '@otherix/sdk';
import { readListenAddress, type ListenAddress } from '@otherix/sdk/internal';

export function parseListenAddress(listen: string): ListenAddress {
  const parsed = readListenAddress(listen);
  if (parsed.ok) return parsed.address;
  const host = parsed.problem.kind === 'host' ? ` (its host ${JSON.stringify(parsed.problem.host)} ${parsed.problem.problem})` : '';
  throw new OtherixError('config_invalid', `listen address ${JSON.stringify(listen)} must be HOST:PORT, e.g. 0.0.0.0:9443${host}: fix \`listen\` in agent.yaml or OTHERIX_LISTEN`);
}
