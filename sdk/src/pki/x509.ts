// The only door to @peculiar/x509 inside the SDK: it needs reflect-metadata loaded first and a
// WebCrypto provider; node's own webcrypto is OpenSSL-backed.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
