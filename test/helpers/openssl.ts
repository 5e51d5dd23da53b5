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
