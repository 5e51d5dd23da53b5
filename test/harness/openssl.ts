// Runs the openssl CLI in a temp folder, for tests that check the SDK against OpenSSL itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslRun {
  dir: string;
  run(args: string[]): string;
  /** Exit status and both streams, for commands whose verdict is printed (openssl req -verify). */
  runAll(args: string[]): { status: number | null; stdout: string; stderr: string };
  read(name: string): string;
  write(name: string, data: string | Uint8Array): void;
  cleanup(): void;
}

export function opensslWorkspace(): OpensslRun {
  const dir = mkdtempSync(join(tmpdir(), 'otherix-openssl-'));
  return {
    dir,
    run: (args) => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    runAll: (args) => {
      const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    read: (name) => readFileSync(join(dir, name), 'utf8'),
    write: (name, data) => writeFileSync(join(dir, name), data, { mode: 0o600 }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A CSR made by `openssl req` with a fresh key of the given kind. */
export function opensslCsr(kind: 'rsa' | 'p256' | 'p384' | 'ed25519', digest = 'sha384'): string {
  const ws = opensslWorkspace();
  try {
    const keyArgs = {
      rsa: ['-newkey', 'rsa:2048'],
      p256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
      ed25519: ['-newkey', 'ed25519'],
    }[kind];
    const digestArgs = kind === 'ed25519' ? [] : [`-${digest}`];
    ws.run(['req', '-new', ...keyArgs, ...digestArgs, '-nodes', '-keyout', 'key.pem', '-subj', '/CN=openssl-made', '-out', 'csr.pem']);
    return ws.read('csr.pem');
  } finally {
    ws.cleanup();
  }
}

/**
 * A CSR made by `openssl req` whose key is written with explicit curve parameters
 * (`ecparam -param_enc explicit`): the SubjectPublicKeyInfo carries the prime, the curve, the
 * base point and the order instead of the named curve's OID. Also the key as a named-curve
 * SubjectPublicKeyInfo (DER), for comparing with what the CP certifies.
 */
export function opensslExplicitParametersCsr(curve: 'secp384r1' | 'prime256v1'): {
  csrPem: string;
  namedSpkiDer: Buffer;
  explicitSpkiDer: Buffer;
} {
  const ws = opensslWorkspace();
  try {
    ws.run(['ecparam', '-name', curve, '-param_enc', 'explicit', '-genkey', '-noout', '-out', 'key.pem']);
    ws.run(['req', '-new', '-key', 'key.pem', '-sha384', '-subj', '/CN=explicit-parameters', '-out', 'csr.pem']);
    ws.run(['ec', '-in', 'key.pem', '-pubout', '-param_enc', 'named_curve', '-outform', 'DER', '-out', 'named.der']);
    ws.run(['req', '-in', 'csr.pem', '-noout', '-pubkey', '-out', 'explicit.pem']);
    ws.run(['pkey', '-pubin', '-in', 'explicit.pem', '-outform', 'DER', '-out', 'explicit.der']);
    return {
      csrPem: ws.read('csr.pem'),
      namedSpkiDer: readFileSync(join(ws.dir, 'named.der')),
      explicitSpkiDer: readFileSync(join(ws.dir, 'explicit.der')),
    };
  } finally {
    ws.cleanup();
  }
}
