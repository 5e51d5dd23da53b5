// What an agent checks on the certificate the CP issued: chains to the pinned CA, holds the
// node's key, names the node; each failure with its own code.
import test from 'ava';
import { isOtherixError } from '@otherix/sdk';
import {
  assertChainsTo,
  assertHoldsKey,
  assertUriSan,
  generateNodeKeyPair,
  nodeSpiffeId,
  publicKeySpkiDerOf,
  verifyIssuedIdentity,
} from '@otherix/sdk/pki';
import { mintTestCa, mintTestLeaf } from '../harness/certificates.js';

const HOUR = 3_600_000;
const NODE = nodeSpiffeId('hv-01');

test('a leaf issued by the CA for the node key and name passes every check', async (t) => {
  const ca = await mintTestCa();
  const keys = await generateNodeKeyPair();
  const leaf = await mintTestLeaf({ ca, subjectKeys: keys, uri: NODE });
  const spkiDer = publicKeySpkiDerOf(keys);
  t.notThrows(() => assertChainsTo(leaf.certPem, ca.certPem));
  t.notThrows(() => assertHoldsKey(leaf.certPem, spkiDer));
  t.notThrows(() => assertUriSan(leaf.certPem, NODE));
  t.notThrows(() => verifyIssuedIdentity({ leafPem: leaf.certPem, caPem: ca.certPem, spkiDer, expectedUri: NODE }));
});

test('a leaf signed by another CA -> chain_invalid', async (t) => {
  const pinned = await mintTestCa('otherix cluster CA');
  const rogue = await mintTestCa('otherix cluster CA'); // same name, different key
  const keys = await generateNodeKeyPair();
  const leaf = await mintTestLeaf({ ca: rogue, subjectKeys: keys, uri: NODE });
  t.true(
    isOtherixError(
      t.throws(() => assertChainsTo(leaf.certPem, pinned.certPem)),
      'chain_invalid',
    ),
  );
  const error = t.throws(() =>
    verifyIssuedIdentity({ leafPem: leaf.certPem, caPem: pinned.certPem, spkiDer: publicKeySpkiDerOf(keys), expectedUri: NODE }),
  );
  t.true(isOtherixError(error, 'chain_invalid'));

  const otherName = await mintTestCa('someone else');
  const leaf2 = await mintTestLeaf({ ca: otherName, uri: NODE });
  const error2 = t.throws(() => assertChainsTo(leaf2.certPem, pinned.certPem));
  t.true(isOtherixError(error2, 'chain_invalid'));
  t.regex(error2.message, /not issued by the pinned CA/);
});

test('an expired or not-yet-valid leaf -> chain_invalid', async (t) => {
  const ca = await mintTestCa();
  const expired = await mintTestLeaf({ ca, uri: NODE, notBefore: new Date(Date.now() - 3 * HOUR), notAfter: new Date(Date.now() - HOUR) });
  const error = t.throws(() => assertChainsTo(expired.certPem, ca.certPem));
  t.true(isOtherixError(error, 'chain_invalid'));
  t.regex(error.message, /valid from .* to /);

  const future = await mintTestLeaf({ ca, uri: NODE, notBefore: new Date(Date.now() + HOUR), notAfter: new Date(Date.now() + 2 * HOUR) });
  t.true(
    isOtherixError(
      t.throws(() => assertChainsTo(future.certPem, ca.certPem)),
      'chain_invalid',
    ),
  );
  // `now` is honoured: the same certificate is fine at a time inside its window.
  t.notThrows(() => assertChainsTo(future.certPem, ca.certPem, new Date(Date.now() + 90 * 60_000)));
  t.true(
    isOtherixError(
      t.throws(() => assertChainsTo(future.certPem, ca.certPem, new Date(Date.now() + 30 * HOUR))),
      'chain_invalid',
    ),
  );
});

test('a leaf for another key -> key_mismatch', async (t) => {
  const ca = await mintTestCa();
  const mine = await generateNodeKeyPair();
  const leaf = await mintTestLeaf({ ca, uri: NODE }); // fresh key, not mine
  t.true(
    isOtherixError(
      t.throws(() => assertHoldsKey(leaf.certPem, publicKeySpkiDerOf(mine))),
      'key_mismatch',
    ),
  );
  const error = t.throws(() =>
    verifyIssuedIdentity({ leafPem: leaf.certPem, caPem: ca.certPem, spkiDer: publicKeySpkiDerOf(mine), expectedUri: NODE }),
  );
  t.true(isOtherixError(error, 'key_mismatch'));
});

test('a leaf for another node name -> identity_mismatch', async (t) => {
  const ca = await mintTestCa();
  const keys = await generateNodeKeyPair();
  for (const uri of [nodeSpiffeId('hv-02'), nodeSpiffeId('hv-01x'), 'spiffe://otherix/control-plane']) {
    const leaf = await mintTestLeaf({ ca, subjectKeys: keys, uri });
    const error = t.throws(() =>
      verifyIssuedIdentity({ leafPem: leaf.certPem, caPem: ca.certPem, spkiDer: publicKeySpkiDerOf(keys), expectedUri: NODE }),
    );
    t.true(isOtherixError(error, 'identity_mismatch'), uri);
    t.regex(error.message, /spiffe:\/\/otherix\/node\/hv-01/);
  }
});

test('unreadable PEMs -> chain_invalid', async (t) => {
  const ca = await mintTestCa();
  t.true(
    isOtherixError(
      t.throws(() => assertChainsTo('nope', ca.certPem)),
      'chain_invalid',
    ),
  );
  t.true(
    isOtherixError(
      t.throws(() => assertChainsTo(ca.certPem, 'nope')),
      'chain_invalid',
    ),
  );
  t.true(
    isOtherixError(
      t.throws(() => assertUriSan('nope', NODE)),
      'chain_invalid',
    ),
  );
});
