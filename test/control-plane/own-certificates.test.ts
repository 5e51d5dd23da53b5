// The CP's own certificates (issue 13 items 2 and 5): a wrong clock cannot poison the serving
// certificate. A CP started under a clock 400 days ahead and then restarted on the right clock
// serves a certificate valid now, and says loudly that the clock looked wrong; while it runs,
// the CP renews its certificates before they end (the listener switches without a restart); a
// garbled server.key or client.key is re-issued like a missing one; an undecodable CA file
// stops the start naming the file.
import test from 'ava';
import { connect } from 'node:tls';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, movableClock, runServerBinary, spawnControlPlane, startControlPlane, tempDataDir } from '../harness/control-plane.js';

const DAY = 24 * 3600 * 1000;

/**
 * The certificate the CP serves. `verify`: the connection checks it against the CA on the real
 * clock (what every agent and CLI does); without it, the chain is checked here and the dates are
 * left to the caller (an in-process CP under a moved clock serves certificates of its own time).
 */
function servedCertificate(target: { url: string; caPem: string }, verify = true): Promise<X509Certificate> {
  const { hostname, port } = new URL(target.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: target.caPem, rejectUnauthorized: verify }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      const ca = new X509Certificate(target.caPem);
      if (raw === undefined) reject(new Error('no peer certificate'));
      else if (!raw.checkIssued(ca) || !raw.verify(ca.publicKey)) reject(new Error('the served certificate is not issued by the CA'));
      else resolve(raw);
    });
    socket.on('error', reject);
  });
}

const validNow = (cert: X509Certificate, now = Date.now()): boolean => Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo);

test('after a start under a clock 400 days ahead, a restart on the right clock serves a certificate valid now and warns about the clock', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-clock-');
  const first = await spawnControlPlane({ dataDir });
  await first.stop();

  const ahead = movableClock();
  ahead.advance(400 * DAY);
  const future = await startControlPlane({ dataDir, clock: ahead });
  const poisoned = new X509Certificate(await readFile(join(dataDir, 'server.crt')));
  t.true(Date.parse(poisoned.validFrom) > Date.now() + 399 * DAY, 'the CP under the wrong clock issued a certificate from the future');
  // Something written under the wrong clock: the database now records a time 400 days ahead.
  // (inject: no client on the real clock would accept that CP's certificate.)
  const minted = await future.app.inject({
    method: 'POST',
    url: '/v1/nodes/join-tokens',
    headers: { authorization: `Bearer ${future.adminToken}` },
    payload: {},
  });
  t.is(minted.statusCode, 201);
  await future.close();

  const fixed = await spawnControlPlane({ dataDir });
  try {
    const served = await servedCertificate(fixed);
    t.true(validNow(served), `${served.validFrom} .. ${served.validTo}`);
    t.not(served.serialNumber, poisoned.serialNumber);
    t.is((await api(fixed, 'GET', '/v1/whoami', { token: fixed.adminToken })).status, 200);
    const { stderr } = fixed.output();
    t.regex(stderr, /warning: server\.crt is valid only from \S+, ahead of this host's clock/);
    t.regex(stderr, /warning: THE CLOCK LOOKS WRONG: otherix\.db records times up to \S+, 39\d days ahead of this host's clock/);
  } finally {
    await fixed.stop();
  }
});

test('a cluster first started under a clock 400 days ahead warns that its CA is not valid yet', async (t) => {
  const ahead = movableClock();
  ahead.advance(400 * DAY);
  const future = await startControlPlane({ clock: ahead, keepDataDir: true });
  await future.close();
  try {
    const fixed = await spawnControlPlane({ dataDir: future.dataDir });
    await fixed.stop();
    t.regex(
      fixed.output().stderr,
      /warning: THE CLOCK LOOKS WRONG: the cluster CA is valid only from \S+, 39\d days ahead of this host's clock/,
    );
  } finally {
    await rm(future.dataDir, { recursive: true, force: true });
  }
});

test('while running, the CP renews its certificates before they end and the listener serves the new one at once', async (t) => {
  const cp = await startControlPlane();
  try {
    const before = await servedCertificate(cp, false);
    const clientBefore = await readFile(join(cp.dataDir, 'client.crt'), 'utf8');
    t.is((await cp.app.cpCertificates.check())?.renewed.server, undefined, 'nothing is due at start');

    cp.clock.advance(340 * DAY); // 25 days left of the year: inside the renewal window
    const renewal = await cp.app.cpCertificates.check();
    t.truthy(renewal?.renewed.server);
    t.truthy(renewal?.renewed.client);
    const after = await servedCertificate(cp, false);
    t.true(validNow(after, cp.clock.now()));
    t.not(after.serialNumber, before.serialNumber);
    t.is(
      after.serialNumber,
      new X509Certificate(await readFile(join(cp.dataDir, 'server.crt'))).serialNumber,
      'the served certificate is the one on disk',
    );
    t.true(Date.parse(after.validTo) > cp.clock.now() + 300 * DAY);
    t.not(await readFile(join(cp.dataDir, 'client.crt'), 'utf8'), clientBefore);
    t.true(
      new X509Certificate(await readFile(join(cp.dataDir, 'client.crt'))).checkPrivateKey(
        createPrivateKey(await readFile(join(cp.dataDir, 'client.key'), 'utf8')),
      ),
    );

    // A clock that steps back behind the certificate's start gets a new one too.
    cp.clock.advance(-340 * DAY - 2 * DAY);
    const stepBack = await cp.app.cpCertificates.check();
    t.truthy(stepBack?.renewed.server);
    t.regex(stepBack!.warnings.join('\n'), /server\.crt is valid only from .* ahead of this host's clock/);
    t.true(validNow(await servedCertificate(cp, false), cp.clock.now()));
  } finally {
    await cp.close();
  }
});

for (const [key, cert] of [
  ['server.key', 'server.crt'],
  ['client.key', 'client.crt'],
] as const) {
  test(`a garbled ${key} is re-issued at start like a missing one, with a warning`, async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'otherix-garbled-key-'));
    try {
      const first = await spawnControlPlane({ dataDir });
      await first.stop();
      const oldCert = await readFile(join(dataDir, cert), 'utf8');
      await writeFile(join(dataDir, key), '-----BEGIN PRIVATE KEY-----\nZ2FyYmxlZA==\n-----END PRIVATE KEY-----\n', { mode: 0o600 });
      const cp = await spawnControlPlane({ dataDir });
      try {
        t.true(
          cp.output().stderr.includes(`warning: ${key} cannot be decoded: issued a new ${cert} and ${key} (signed by the cluster CA)`),
          cp.output().stderr,
        );
        const newCert = new X509Certificate(await readFile(join(dataDir, cert)));
        t.not(newCert.toString(), oldCert);
        t.true(newCert.checkPrivateKey(createPrivateKey(await readFile(join(dataDir, key), 'utf8'))));
        t.true(newCert.checkIssued(new X509Certificate(cp.caPem)));
        t.is((await api(cp, 'GET', '/v1/whoami', { token: cp.adminToken })).status, 200);
      } finally {
        await cp.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

for (const file of ['ca.key', 'ca.crt']) {
  test(`an undecodable ${file} stops the start, naming the file and the restore`, async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'otherix-garbled-ca-'));
    try {
      const first = await spawnControlPlane({ dataDir });
      await first.stop();
      await writeFile(join(dataDir, file), 'garbage\n', { mode: file === 'ca.key' ? 0o600 : 0o644 });
      const refused = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
      t.is(refused.code, 1);
      t.true(refused.stderr.includes(`${join(dataDir, file)} cannot be decoded`), refused.stderr);
      t.true(refused.stderr.includes(`restore ${file} from your backup`), refused.stderr);
      t.is(await readFile(join(dataDir, file), 'utf8'), 'garbage\n');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
