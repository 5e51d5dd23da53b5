// `otherix-agent version`: the version of this agent, from its package.json.
import { readFileSync } from 'node:fs';

export function agentVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export function runVersion(): void {
  process.stdout.write(`otherix-agent ${agentVersion()}\n`);
}
