// An sslscan-equivalent check of a TLS port, one `openssl s_client` handshake per protocol and
// suite, offering only that one (SECLEVEL=0 so the client would go as low as the server lets
// it). Asynchronous, so it can probe a server running in the test's own process.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HandshakeOffer {
  /** `tls1_3` offers TLS 1.3 suites (-ciphersuites); the others offer TLS 1.2-and-below suites (-cipher). */
  protocol: 'tls1' | 'tls1_1' | 'tls1_2' | 'tls1_3';
  suite: string;
}

export interface HandshakeResult {
  accepted: boolean;
  /** What was negotiated, when accepted: `TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256`. */
  negotiated?: string;
  output: string;
}

export interface ScanTarget {
  port: number;
  caPem: string;
  /** A client certificate to present (the agent demands one). */
  client?: { certPem: string; keyPem: string };
}

/** The suites a scan tries: what the shared policy allows, and what it must refuse. */
export const ALLOWED_OFFERS: readonly HandshakeOffer[] = [
  { protocol: 'tls1_3', suite: 'TLS_AES_256_GCM_SHA384' },
  { protocol: 'tls1_3', suite: 'TLS_CHACHA20_POLY1305_SHA256' },
  { protocol: 'tls1_3', suite: 'TLS_AES_128_GCM_SHA256' },
  { protocol: 'tls1_2', suite: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
  { protocol: 'tls1_2', suite: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  { protocol: 'tls1_2', suite: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
];

export const REFUSED_OFFERS: readonly HandshakeOffer[] = [
  // CBC suites an ECDSA server could otherwise negotiate on TLS 1.2.
  { protocol: 'tls1_2', suite: 'ECDHE-ECDSA-AES256-SHA384' },
  { protocol: 'tls1_2', suite: 'ECDHE-ECDSA-AES128-SHA256' },
  { protocol: 'tls1_2', suite: 'ECDHE-ECDSA-AES256-SHA' },
  { protocol: 'tls1_2', suite: 'ECDHE-ECDSA-AES128-SHA' },
  // AES-CCM and the CCM_8 variant (short tag) on both versions.
  { protocol: 'tls1_2', suite: 'ECDHE-ECDSA-AES128-CCM8' },
  { protocol: 'tls1_3', suite: 'TLS_AES_128_CCM_SHA256' },
  { protocol: 'tls1_3', suite: 'TLS_AES_128_CCM_8_SHA256' },
  // Old protocols, whatever the suite.
  { protocol: 'tls1_1', suite: 'ALL' },
  { protocol: 'tls1', suite: 'ALL' },
];

export async function tryHandshake(target: ScanTarget, offer: HandshakeOffer): Promise<HandshakeResult> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-tls-scan-'));
  try {
    await writeFile(join(dir, 'ca.crt'), target.caPem);
    const args = ['s_client', '-connect', `127.0.0.1:${target.port}`, '-CAfile', join(dir, 'ca.crt'), `-${offer.protocol}`];
    args.push(...(offer.protocol === 'tls1_3' ? ['-ciphersuites', offer.suite] : ['-cipher', `${offer.suite}:@SECLEVEL=0`]));
    if (target.client !== undefined) {
      await writeFile(join(dir, 'client.crt'), target.client.certPem);
      await writeFile(join(dir, 'client.key'), target.client.keyPem, { mode: 0o600 });
      args.push('-cert', join(dir, 'client.crt'), '-key', join(dir, 'client.key'));
    }
    const { code, output } = await run(args);
    // "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384" once a handshake completed; "(NONE)" if not.
    const summary = /^New, (\S+), Cipher is (\S+)$/m.exec(output);
    const accepted = code === 0 && summary !== null && summary[2] !== '(NONE)';
    return accepted ? { accepted, negotiated: `${summary[1]} ${summary[2]}`, output } : { accepted, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    // Nothing to send: s_client closes once the handshake is done and stdin is at its end.
    child.stdin.end();
  });
}

/** The protocol name openssl prints for an offer's protocol flag. */
export function protocolName(protocol: HandshakeOffer['protocol']): string {
  return { tls1: 'TLSv1', tls1_1: 'TLSv1.1', tls1_2: 'TLSv1.2', tls1_3: 'TLSv1.3' }[protocol];
}
