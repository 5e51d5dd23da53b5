// This otherix-server's version, from its package.json (otherix_cp_build_info, backup manifests).
import { readFileSync } from 'node:fs';

export function serverVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
