// @peculiar/x509 (with reflect-metadata and tsyringe) costs ~14 MiB of RSS and ~0.2 s of CPU
// once loaded, and only certificate fixtures need it (createCsr writes its DER itself): it loads
// on first use, so neither the bootstrap nor the agent's long-running State B pays for it.
import type * as X509Module from './x509.js';

export type X509 = (typeof X509Module)['x509'];

export async function loadX509(): Promise<X509> {
  return (await import('./x509.js')).x509;
}
