// @peculiar/x509 for the tests' certificate fixtures and interop checks: the packages never load
// it (createCsr writes its DER itself, the CP signs with its own encoder), so it and
// reflect-metadata are development dependencies. It loads on first use (~14 MiB, ~0.2 s), after
// reflect-metadata, with node's own OpenSSL-backed WebCrypto as its provider.
import { webcrypto } from 'node:crypto';
import type * as X509Module from '@peculiar/x509';

export type X509 = typeof X509Module;

let loaded: Promise<X509> | undefined;

export function loadX509(): Promise<X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return loaded;
}
