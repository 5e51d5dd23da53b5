// @peculiar/x509 (with reflect-metadata and tsyringe) costs ~14 MiB of RSS and ~0.2 s of CPU
// once loaded, and only certificate fixtures need it (createCsr writes its DER itself): it loads
// on first use, so neither the bootstrap nor the agent's long-running State B pays for it.
export type X509 = (typeof import('./x509.js'))['x509'];

export async function loadX509(): Promise<X509> {
  return (await import('./x509.js')).x509;
}
