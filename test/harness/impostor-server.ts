// A server that is not the control plane: a node:https server with certificates minted here by
// the openssl CLI (real keys, real TLS). Tests point clients and `bootstrap` at it and assert
// that it never receives a join token.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeServer, listenOnLoopback } from './loopback.js';

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed P-384 CA, and its fingerprint in the API's `sha256:<hex>` form. */
export function mintCa(commonName = 'impostor CA'): KeyAndCert & { fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), 'otherix-impostor-'));
  try {
    openssl(dir, ['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'ca.key']);
    openssl(dir, [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-sha384',
      '-days',
      '30',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'ca.crt',
    ]);
    const certPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
    return { keyPem: readFileSync(join(dir, 'ca.key'), 'utf8'), certPem, fingerprint: fingerprintOf(certPem) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A serving certificate signed by `ca`, with the given URI SAN (and 127.0.0.1/localhost). */
export function mintServerCert(ca: KeyAndCert, uri: string): KeyAndCert {
  const dir = mkdtempSync(join(tmpdir(), 'otherix-impostor-'));
  try {
    writeFileSync(join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeFileSync(
      join(dir, 'ext.cnf'),
      `subjectAltName=URI:${uri},DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n`,
    );
    openssl(dir, ['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'leaf.key']);
    openssl(dir, ['req', '-new', '-key', 'leaf.key', '-subj', '/CN=impostor', '-out', 'leaf.csr']);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '30',
      '-sha384',
      '-extfile',
      'ext.cnf',
      '-out',
      'leaf.crt',
    ]);
    return { keyPem: readFileSync(join(dir, 'leaf.key'), 'utf8'), certPem: readFileSync(join(dir, 'leaf.crt'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function fingerprintOf(certPem: string): string {
  return `sha256:${createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex')}`;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ImpostorServer {
  url: string;
  /** Every request that reached the impostor's HTTP layer, with its body. */
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

/**
 * Serves `{ca_pem, fingerprint}` at /v1/ca (the CA it claims), optionally a canned join answer,
 * and answers anything else with an Otherix-shaped 500, recording each request.
 */
export async function startImpostor(options: {
  serving: KeyAndCert;
  /**
   * When set, every TLS connection after the first is served with this identity instead: the
   * man in the middle that shows a real-CA-issued certificate to the TOFU fetch, then its own.
   */
  servingAfterFirst?: KeyAndCert;
  caPemToServe: string;
  /** When set, POST /v1/nodes/join answers 201 with this body (a CP that answers wrongly). */
  joinAnswer?: unknown;
  /** When set, every other route answers this status with a plain-text body (a proxy's page). */
  plainAnswer?: { status: number; text: string };
}): Promise<ImpostorServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer({ key: options.serving.keyPem, cert: options.serving.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === '/v1/ca') {
        res.end(JSON.stringify({ ca_pem: options.caPemToServe, fingerprint: fingerprintOf(options.caPemToServe) }));
      } else if (req.method === 'POST' && req.url === '/v1/nodes/join' && options.joinAnswer !== undefined) {
        res.statusCode = 201;
        res.end(JSON.stringify(options.joinAnswer));
      } else if (options.plainAnswer !== undefined) {
        res.statusCode = options.plainAnswer.status;
        res.setHeader('content-type', 'text/plain');
        res.end(options.plainAnswer.text);
      } else {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: { code: 'internal', message: 'impostor' } }));
      }
    });
  });
  const later = options.servingAfterFirst;
  if (later !== undefined) {
    server.once('secureConnection', () => server.setSecureContext({ key: later.keyPem, cert: later.certPem }));
  }
  const port = await listenOnLoopback(server);
  return { url: `https://127.0.0.1:${port}`, requests, close: () => closeServer(server) };
}

/**
 * An impostor with a CA of its own (`commonName`) and a serving certificate of that CA with the
 * CP's identity (spiffe://otherix/control-plane). It answers /v1/ca with `caPemToServe`: by
 * default its own CA (a server of another cluster); given the real CA, it is a relay that shows
 * its own certificate.
 */
export async function startOwnCaImpostor(
  commonName: string,
  caPemToServe?: string,
): Promise<ImpostorServer & { ownCa: KeyAndCert & { fingerprint: string } }> {
  const ownCa = mintCa(commonName);
  const impostor = await startImpostor({
    serving: mintServerCert(ownCa, 'spiffe://otherix/control-plane'),
    caPemToServe: caPemToServe ?? ownCa.certPem,
  });
  return { ...impostor, ownCa };
}

/**
 * The man in the middle of the outside review (issue 12): it holds the CP's own client.crt (a
 * certificate the real CA issued with spiffe://otherix/control-plane, for clientAuth only) and
 * answers /v1/ca with the real CA followed by its own CA. It shows client.crt to the TOFU fetch,
 * then, to every later connection, a serving certificate of its own CA with the CP's identity:
 * a client that trusted the whole answer would send it the token.
 */
export async function startPinSplitter(cp: {
  caPem: string;
  clientCertificate: KeyAndCert;
}): Promise<ImpostorServer & { attackerCa: KeyAndCert & { fingerprint: string } }> {
  const attackerCa = mintCa('attacker');
  const impostor = await startImpostor({
    serving: cp.clientCertificate,
    caPemToServe: `${cp.caPem.trim()}\n${attackerCa.certPem.trim()}\n`,
    servingAfterFirst: mintServerCert(attackerCa, 'spiffe://otherix/control-plane'),
  });
  return { ...impostor, attackerCa };
}

/** The one line a binary (the CLI, the agent) prints on stderr when it refuses the pin splitter's answer. */
export const PIN_SPLITTER_REFUSAL =
  /^error: invalid_ca: the answer of https:\/\/127\.0\.0\.1:\d+\/v1\/ca holds 2 PEM blocks \(CERTIFICATE, CERTIFICATE\), not one certificate: .*suspect a man in the middle\n$/;

/** The CP's serving identity from its data dir (what only the CP holds). */
export function cpServingIdentity(cp: { dataDir: string }): KeyAndCert {
  return { certPem: readFileSync(join(cp.dataDir, 'server.crt'), 'utf8'), keyPem: readFileSync(join(cp.dataDir, 'server.key'), 'utf8') };
}

/** Whether `secret` appears anywhere in what reached the impostor (bodies and headers). */
export function reachedImpostor(impostor: ImpostorServer, secret: string): boolean {
  return impostor.requests.some((request) => request.body.includes(secret) || JSON.stringify(request.headers).includes(secret));
}

/** What reached the impostor, one `METHOD url` a request (`['GET /v1/ca']`: only the CA fetch). */
export function requestLines(impostor: ImpostorServer): string[] {
  return impostor.requests.map((request) => `${request.method} ${request.url}`);
}
