// Trust on first use: /v1/ca fetched unverified, its fingerprint computed from the PEM and
// compared with the pin; the serving certificate of that same connection must chain to it.
import test from 'ava';
import { pinCa, isOtherixError } from '@otherix/sdk';
import { startControlPlane } from './helpers/control-plane.js';
import type { ControlPlane } from './helpers/control-plane.js';
import { mintCa, mintServerCert, startImpostor } from './helpers/impostor-server.js';
import { joinNodeThroughSdk } from './helpers/node-identity.js';

let cp: ControlPlane;
const closers: Array<() => Promise<void>> = [];

test.before(async () => {
  cp = await startControlPlane();
});

test.after.always(async () => {
  for (const close of closers) await close();
  await cp?.close();
});

test('the pin holds for sha256:, bare hex and openssl-style colon fingerprints', async (t) => {
  const hex = cp.caFingerprint.slice('sha256:'.length);
  const colons = hex.toUpperCase().match(/../g)!.join(':');
  for (const fingerprint of [cp.caFingerprint, hex, colons]) {
    const pinned = await pinCa({ cpUrl: cp.url, fingerprint });
    t.is(pinned.caPem.trim(), cp.caPem.trim(), fingerprint);
    t.is(pinned.fingerprint, cp.caFingerprint);
  }
});

test('a wrong pin is fingerprint_mismatch naming both fingerprints', async (t) => {
  const other = mintCa('other');
  const error = await t.throwsAsync(pinCa({ cpUrl: cp.url, fingerprint: other.fingerprint }));
  t.true(isOtherixError(error, 'fingerprint_mismatch'));
  t.is(
    (error as Error).message,
    `fingerprint mismatch: got ${cp.caFingerprint}, expected ${other.fingerprint}: check the value, or suspect a man in the middle`,
  );
});

test('a malformed pin is refused before any connection', async (t) => {
  const error = await t.throwsAsync(pinCa({ cpUrl: 'https://127.0.0.1:1', fingerprint: 'sha1:abcd' }));
  t.true(isOtherixError(error, 'invalid_fingerprint'));
});

test('a server presenting its own CA is refused: the body fingerprint field is not trusted', async (t) => {
  const rogueCa = mintCa('rogue');
  const impostor = await startImpostor({
    serving: mintServerCert(rogueCa, 'spiffe://otherix/control-plane'),
    caPemToServe: rogueCa.certPem,
  });
  closers.push(impostor.close);
  const error = await t.throwsAsync(pinCa({ cpUrl: impostor.url, fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(error, 'fingerprint_mismatch'));
  t.true((error as Error).message.includes(rogueCa.fingerprint));
});

test('a man in the middle relaying the real CA over its own certificate is refused', async (t) => {
  const rogueCa = mintCa('relay');
  const relay = await startImpostor({
    serving: mintServerCert(rogueCa, 'spiffe://otherix/control-plane'),
    caPemToServe: cp.caPem,
  });
  closers.push(relay.close);
  const error = await t.throwsAsync(pinCa({ cpUrl: relay.url, fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(error, 'tls_failed'));
  t.regex((error as Error).message, /man in the middle/);
});

test('a node of the cluster serving the real CA cannot pass as the control plane', async (t) => {
  const node = await joinNodeThroughSdk(cp, 'tofu-node');
  const impostor = await startImpostor({ serving: { certPem: node.certPem, keyPem: node.keyPem }, caPemToServe: cp.caPem });
  closers.push(impostor.close);
  const error = await t.throwsAsync(pinCa({ cpUrl: impostor.url, fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(error, 'tls_failed'));
  t.true((error as Error).message.includes('spiffe://otherix/control-plane'));
});
