// agent.yaml's `listen` ("0.0.0.0:9443", "[::]:9443", "localhost:0") and `metrics_listen` as
// node's listen() wants them: the SDK's HOST:PORT reading (the one bootstrap and the CP use),
// told as a config problem.
import { OtherixError } from '@otherix/sdk';
import { readListenAddress, type ListenAddress } from '@otherix/sdk/internal';

/** `key` names the agent.yaml key (and its OTHERIX_ variable) the message points at. */
export function parseListenAddress(listen: string, key: 'listen' | 'metrics_listen' = 'listen'): ListenAddress {
  const parsed = readListenAddress(listen);
  if (parsed.ok) return parsed.address;
  const host = parsed.problem.kind === 'host' ? ` (its host ${JSON.stringify(parsed.problem.host)} ${parsed.problem.problem})` : '';
  const example = key === 'listen' ? '0.0.0.0:9443' : '127.0.0.1:9464';
  throw new OtherixError(
    'config_invalid',
    `${key} address ${JSON.stringify(listen)} must be HOST:PORT, e.g. ${example}${host}: fix \`${key}\` in agent.yaml or OTHERIX_${key.toUpperCase()}`,
  );
}
