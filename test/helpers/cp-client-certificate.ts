// The CP's client certificate (spiffe://otherix/control-plane) as the CP keeps it in its data
// dir (server/src/init/files.ts: client.crt, client.key): what the CP presents to agents.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function cpClientCertificate(cp: { dataDir: string }): { certPem: string; keyPem: string } {
  return {
    certPem: readFileSync(join(cp.dataDir, 'client.crt'), 'utf8'),
    keyPem: readFileSync(join(cp.dataDir, 'client.key'), 'utf8'),
  };
}
