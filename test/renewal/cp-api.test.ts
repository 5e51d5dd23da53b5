// POST /v1/nodes/renew against a real CP (TLS, SQLite in a temp folder): a node renews with its
// current certificate and a CSR for a new key; the CP keeps accepting the old certificate until
// the node first uses the new one, then refuses it; a renewal whose answer was lost is retried
// with the old certificate and succeeds, and the leaf it supersedes is refused; every refusal
// answers the heartbeat's codes and changes nothing; renewals are limited per node; leaves live
// --node-cert-lifetime from signing. The CP's clock is moved forward (never back) past the
// renewal spacing instead of waiting.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { X509Certificate } from 'node:crypto';
import { CERTIFICATE_BACKDATE_MS, createCsr, importPrivateKeyPem } from '@otherix/sdk/pki';
import { DEFAULT_NODE_CERT_LIFETIME_MS } from '@otherix/server';
import type { KeyPairPem, NodeRenewed, PendingLeafUsed } from '@otherix/server';
import { api, movableClock, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane, MovableClock } from '../harness/control-plane.js';
import { impostorCertificate } from '../harness/certificates.js';
import { heartbeat, heartbeatBody, joinNode } from '../harness/cluster.js';
import type { JoinedNode } from '../harness/cluster.js';
import { foreignCsr, joinRequest, nodeCsr, tamperedCsr } from '../harness/join-request.js';
import { assertCertificateStatuses, certificateStatuses, renew, serialOf } from './renewals.js';

const MINUTE = 60_000;
let clock: MovableClock;
let cp: ControlPlane;

test.before(async () => {
  clock = movableClock();
  cp = await startControlPlane({ clock });
});

test.after.always(async () => {
  await cp?.close();
});

/** Past every node's renewal spacing (a minute at the default lifetime). */
const aMinuteOn = (): void => clock.advance(MINUTE + 1000);

async function shownSerial(name: string): Promise<string> {
  const shown = await api(cp, 'GET', `/v1/nodes/${name}`, { token: cp.adminToken });
  return shown.body.certificate.serial;
}

async function beats(cert: KeyPairPem): Promise<{ status: number; certificateStatus: unknown }> {
  const answer = await heartbeat(cp, cert, heartbeatBody());
  return { status: answer.status, certificateStatus: answer.body?.error?.details?.certificate_status };
}

test.serial(
  'a node renews with its current certificate: a new key, the same names and hosts, the old certificate works until the new one is used',
  async (t) => {
    const node = await joinNode(cp, 'renew-basic');
    t.is((await beats(node.cert)).status, 200);

    const first = await renew(cp, node.cert, node.name);
    t.is(first.response.status, 201, first.response.text);
    t.is(first.response.body.ca_bundle_pem, cp.caPem);
    t.is(first.response.body.node.certificate.serial, first.serial, 'the answer describes the new leaf');
    t.not(first.serial, node.serial);
    const before = new X509Certificate(node.cert.certPem);
    const after = new X509Certificate(first.cert.certPem);
    t.is(after.subject, before.subject);
    t.is(after.subjectAltName, before.subjectAltName);
    t.is(after.keyUsage?.join(), before.keyUsage?.join());
    t.true(after.verify(new X509Certificate(cp.caPem).publicKey));
    t.false(
      after.publicKey.export({ format: 'der', type: 'spki' }).equals(before.publicKey.export({ format: 'der', type: 'spki' })),
      'a rekey',
    );
    // 30 days from signing; notBefore an hour before signing.
    const lifetime = Date.parse(after.validTo) - (Date.parse(after.validFrom) + CERTIFICATE_BACKDATE_MS);
    t.true(Math.abs(lifetime - DEFAULT_NODE_CERT_LIFETIME_MS) <= 1000, String(lifetime));

    // Until the node uses the new leaf, the old one is its certificate and still works.
    t.is(await shownSerial(node.name), node.serial);
    t.deepEqual(await certificateStatuses(cp, [node.serial, first.serial]), { [node.serial]: 'current', [first.serial]: 'pending' });
    t.is((await beats(node.cert)).status, 200, 'the old certificate still beats');

    // The first heartbeat with the new serial makes it current; the old one is refused from then on.
    t.is((await beats(first.cert)).status, 200);
    t.is(await shownSerial(node.name), first.serial);
    t.deepEqual(await certificateStatuses(cp, [node.serial, first.serial]), { [node.serial]: 'renewed', [first.serial]: 'current' });
    t.deepEqual(await beats(node.cert), { status: 401, certificateStatus: 'renewed' });
    aMinuteOn();
    const late = await renew(cp, node.cert, node.name);
    t.is(late.response.status, 401);
    t.is(late.response.body.error.code, 'unauthenticated');
    t.is(late.response.body.error.details.certificate_status, 'renewed');
    t.is((await beats(first.cert)).status, 200);
  },
);

test.serial(
  'a lost answer locks nobody out: the retry with the old certificate succeeds, and the leaf whose answer was lost is refused from then on',
  async (t) => {
    const node = await joinNode(cp, 'renew-lost');
    const lost = await renew(cp, node.cert, node.name); // the answer that never reached the node
    t.is(lost.response.status, 201);
    aMinuteOn();
    const retried = await renew(cp, node.cert, node.name);
    t.is(retried.response.status, 201, retried.response.text);
    await assertCertificateStatuses(t, cp, { [node.serial]: 'current', [lost.serial]: 'superseded', [retried.serial]: 'pending' });
    t.deepEqual(await beats(lost.cert), { status: 401, certificateStatus: 'superseded' });
    t.is((await beats(node.cert)).status, 200, "still the node's certificate");
    t.is((await beats(retried.cert)).status, 200);
    t.deepEqual(await beats(node.cert), { status: 401, certificateStatus: 'renewed' });
    t.is(await shownSerial(node.name), retried.serial);
  },
);

test.serial('a renewal with the pending leaf makes it current first, then records the next one', async (t) => {
  const node = await joinNode(cp, 'renew-chain');
  const first = await renew(cp, node.cert, node.name);
  aMinuteOn();
  const second = await renew(cp, first.cert, node.name);
  t.is(second.response.status, 201, second.response.text);
  await assertCertificateStatuses(t, cp, { [node.serial]: 'renewed', [first.serial]: 'current', [second.serial]: 'pending' });
  t.is(await shownSerial(node.name), first.serial);
  t.deepEqual(await beats(node.cert), { status: 401, certificateStatus: 'renewed' });
});

test.serial(
  'renewals are limited per node: a second one within the minute is 429 with Retry-After; refused ones do not count',
  async (t) => {
    const node = await joinNode(cp, 'renew-limited');
    const other = await joinNode(cp, 'renew-neighbour');
    // Refusals of the CSR are not signed, so they do not use the node's turn.
    t.is((await renew(cp, node.cert, node.name, 'garbage')).response.status, 400);
    const first = await renew(cp, node.cert, node.name);
    t.is(first.response.status, 201);
    const again = await renew(cp, node.cert, node.name);
    t.is(again.response.status, 429, again.response.text);
    t.is(again.response.body.error.code, 'rate_limited');
    const retryAfter = Number(again.response.headers['retry-after']);
    t.true(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    t.is(again.response.body.error.details.retry_after_seconds, retryAfter);
    t.deepEqual(await certificateStatuses(cp, [first.serial]), { [first.serial]: 'pending' }, 'the 429 changed nothing');
    t.is((await renew(cp, other.cert, other.name)).response.status, 201, 'another node is not limited');
    aMinuteOn();
    t.is((await renew(cp, node.cert, node.name)).response.status, 201);
  },
);

/** What a refused renewal must leave as it was: the node as shown, and its certificates' statuses. */
async function snapshot(node: JoinedNode, serials: readonly string[]): Promise<unknown> {
  const shown = await api(cp, 'GET', `/v1/nodes/${node.name}`, { token: cp.adminToken });
  return { status: shown.status, node: shown.body, certificates: await certificateStatuses(cp, serials) };
}

async function refused(
  t: ExecutionContext,
  label: string,
  attempt: Promise<{ response: { status: number; body: any; text: string } }>,
  status: number,
  code: string,
): Promise<any> {
  const { response } = await attempt;
  t.is(response.status, status, `${label}: ${response.text}`);
  t.is(response.body?.error?.code, code, label);
  return response.body?.error;
}

test.serial(
  "every refusal answers with its code and changes nothing: no certificate, a foreign CA, the CP's identity, the same key, another curve, a bad CSR",
  async (t) => {
    const node = await joinNode(cp, 'renew-refusals');
    aMinuteOn();
    const pending = await renew(cp, node.cert, node.name); // a pending leaf that a refusal must not supersede
    t.is(pending.response.status, 201);
    aMinuteOn();
    const serials = [node.serial, pending.serial];
    const before = await snapshot(node, serials);

    await refused(t, 'no client certificate', renew(cp, undefined, node.name), 401, 'unauthenticated');
    const foreign = await refused(
      t,
      'a foreign CA',
      renew(cp, await impostorCertificate(node.name, { foreignCa: true, serial: node.serial }), node.name),
      401,
      'unauthenticated',
    );
    t.truthy(foreign.details.tls_verification);
    await refused(t, "the CP's own identity", renew(cp, cp.clientCertificate, node.name), 403, 'forbidden');
    const sameKey = await createCsr(await importPrivateKeyPem(node.cert.keyPem), node.name);
    t.is(
      (await refused(t, 'the same key', renew(cp, node.cert, node.name, sameKey), 400, 'validation_failed')).details.problem,
      'key_reused',
    );
    t.is(
      (await refused(t, 'P-256', renew(cp, node.cert, node.name, await foreignCsr('p256')), 400, 'validation_failed')).details.problem,
      'unsupported_key',
    );
    t.is(
      (await refused(t, 'RSA', renew(cp, node.cert, node.name, await foreignCsr('rsa')), 400, 'validation_failed')).details.problem,
      'unsupported_key',
    );
    t.is(
      (await refused(t, 'a broken signature', renew(cp, node.cert, node.name, await tamperedCsr(node.name)), 400, 'validation_failed'))
        .details.problem,
      'csr_signature_invalid',
    );
    t.is(
      (await refused(t, 'not a CSR', renew(cp, node.cert, node.name, 'garbage'), 400, 'validation_failed')).details.problem,
      'invalid_csr',
    );
    const extra = await api(cp, 'POST', '/v1/nodes/renew', {
      cert: node.cert,
      body: { csr_pem: (await nodeCsr(node.name)).csrPem, node_name: 'elsewhere' },
    });
    t.is(extra.status, 400, 'an unknown field');
    const token = await api(cp, 'POST', '/v1/nodes/renew', { token: cp.adminToken, body: { csr_pem: (await nodeCsr(node.name)).csrPem } });
    t.is(token.status, 401, 'an API token is not a node credential');

    t.deepEqual(await snapshot(node, serials), before);
    t.is((await beats(node.cert)).status, 200, 'the node still beats with its certificate');
  },
);

test.serial(
  "a replaced certificate and a deleted node's certificate are refused with the heartbeat's codes, changing nothing",
  async (t) => {
    const node = await joinNode(cp, 'renew-replaced');
    const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: node.name } });
    const { csrPem, keyPem } = await nodeCsr(node.name);
    const rejoined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, node.name, csrPem) });
    t.is(rejoined.status, 201);
    const current = { certPem: rejoined.body.certificate_pem as string, keyPem };
    const serials = [node.serial, serialOf(current.certPem)];
    const before = await snapshot(node, serials);
    const replaced = await refused(t, 'replaced', renew(cp, node.cert, node.name), 401, 'unauthenticated');
    t.is(replaced.details.certificate_status, 'replaced');
    t.deepEqual(await snapshot(node, serials), before);

    const doomed = await joinNode(cp, 'renew-deleted');
    t.is((await api(cp, 'DELETE', `/v1/nodes/${doomed.id}?force=true`, { token: cp.adminToken })).status, 204);
    const deleted = await refused(t, 'deleted', renew(cp, doomed.cert, doomed.name), 401, 'unauthenticated');
    t.is(deleted.details.certificate_status, 'revoked');
    t.deepEqual(await certificateStatuses(cp, [doomed.serial]), { [doomed.serial]: 'revoked' });
    t.is((await api(cp, 'GET', `/v1/nodes/${doomed.name}`, { token: cp.adminToken })).status, 404);
  },
);

test.serial("deleting a node revokes a renewal's pending leaf too; a re-join replaces it", async (t) => {
  const node = await joinNode(cp, 'renew-pending-end');
  const pending = await renew(cp, node.cert, node.name);
  t.is((await api(cp, 'DELETE', `/v1/nodes/${node.id}?force=true`, { token: cp.adminToken })).status, 204);
  t.deepEqual(await certificateStatuses(cp, [node.serial, pending.serial]), { [node.serial]: 'revoked', [pending.serial]: 'revoked' });
  t.deepEqual(await beats(pending.cert), { status: 401, certificateStatus: 'revoked' });

  const other = await joinNode(cp, 'renew-pending-rejoin');
  const otherPending = await renew(cp, other.cert, other.name);
  await joinNode(cp, other.name); // a token bound to the name: a re-issue
  await assertCertificateStatuses(t, cp, { [other.serial]: 'replaced', [otherPending.serial]: 'replaced' });
  t.deepEqual(await beats(otherPending.cert), { status: 401, certificateStatus: 'replaced' });
});

test.serial('one place hears every renewal and every first use of a renewed leaf (for an audit line or a metric)', async (t) => {
  const renewed: NodeRenewed[] = [];
  const used: PendingLeafUsed[] = [];
  cp.app.services.renewal.onRenewed((event) => renewed.push(event));
  cp.app.services.nodeIdentity.onPendingUsed((event) => used.push(event));
  const node = await joinNode(cp, 'renew-heard');
  aMinuteOn();
  const lost = await renew(cp, node.cert, node.name);
  aMinuteOn();
  const next = await renew(cp, node.cert, node.name);
  t.like(renewed, [
    { nodeId: node.id, nodeName: node.name, previousSerial: node.serial, serial: lost.serial, supersededSerial: undefined },
    { nodeId: node.id, nodeName: node.name, previousSerial: node.serial, serial: next.serial, supersededSerial: lost.serial },
  ]);
  t.is(renewed[1].notAfter, Date.parse(new X509Certificate(next.cert.certPem).validTo));
  t.deepEqual(used, []);
  t.is((await beats(next.cert)).status, 200);
  t.is((await beats(next.cert)).status, 200);
  t.deepEqual(used, [{ nodeId: node.id, name: node.name, serial: next.serial, previousSerial: node.serial }], 'once, at the first use');
});
