// What `otherix node join-token create --print-bootstrap-command` adds after the mint block: the
// `otherix-agent bootstrap` command for this CP, ready to paste on the node host. The CP URL is
// the one the CLI used to mint and the fingerprint the one the CP answered with; the token stays
// out of the command (argv is visible to every local user in the process list, and lands in the
// shell's history): the agent reads OTHERIX_BOOTSTRAP__TOKEN, which the snippet's first line
// fills from a prompt that does not echo. What only the host knows is a placeholder in single
// quotes, so a command pasted without filling them in is refused by the agent's own checks
// (exit 2, nothing redeemed) instead of being read by the shell as a redirection.
import type { JoinTokenCreated } from '@otherix/sdk';

/** Placeholders the operator replaces; the agent refuses each one as a value. */
export const BOOTSTRAP_PLACEHOLDERS = { hostAddress: '<host-address>', nodeName: '<node-name>' } as const;

/** The agent's default --listen port (`0.0.0.0:9443`), which the advertised endpoint must reach. */
const AGENT_PORT = 9443;

/** A word the shell reads back unchanged: bare when it is plain, else in single quotes. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export function renderBootstrapCommand(created: JoinTokenCreated, cpUrl: string): string {
  const { hostAddress, nodeName } = BOOTSTRAP_PLACEHOLDERS;
  const flags: Array<[string, string]> = [
    ['--ca-fingerprint', created.ca_fingerprint],
    ['--cp-url', cpUrl],
    ['--node-name', created.node_name ?? nodeName],
    ['--advertised-endpoint', `https://${hostAddress}:${AGENT_PORT}`],
    ['--migration-host', hostAddress],
  ];
  const address = `${hostAddress} with the address the CP and the other nodes reach it at`;
  const blanks = created.node_name === null ? `${nodeName} with the node's name and ${address}` : address;
  return [
    `Bootstrap command (on the node host: replace ${blanks}; paste the token at the prompt):`,
    'read -rs OTHERIX_BOOTSTRAP__TOKEN && export OTHERIX_BOOTSTRAP__TOKEN',
    'otherix-agent bootstrap \\',
    ...flags.map(([flag, value], i) => `  ${flag} ${shellWord(value)}${i < flags.length - 1 ? ' \\' : ''}`),
  ].join('\n');
}
