// @peculiar/x509 (with reflect-metadata and tsyringe) costs ~14 MiB of RSS once loaded, and only
// CSR creation (bootstrap) and certificate fixtures need it: it loads on first use, so the
// agent's long-running State B stays inside its 80 MiB budget (SPEC §7).
export type X509 = (typeof import('./x509.js'))['x509'];

export async function loadX509(): Promise<X509> {
  return (await import('./x509.js')).x509;
}
