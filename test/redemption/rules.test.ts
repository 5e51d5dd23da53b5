// POST /v1/nodes/join: every rule of SPEC §4 with its exact code, and that a refused redemption
// changes nothing (the token still works afterwards; on the 409s, decided in the transaction
// after signing, also no use, consumption or node is added).
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { X509Certificate } from 'node:crypto';
import { defaultEngine } from '../harness/engine.js';
import { api, controlPlaneForFile, startControlPlane } from '../harness/control-plane.js';
import type { ApiResponse, ControlPlane } from '../harness/control-plane.js';
import { foreignCsr, joinRequest, nodeCsr, tamperedCsr } from '../harness/join-request.js';
import { asBeforeCanonicalHosts } from '../harness/database-file.js';

let cp: ControlPlane;
let csrPem: string;

controlPlaneForFile(test, (started) => (cp = started), { advertiseHosts: ['cp.otherix.test'] });

test.before(async () => {
  csrPem = (await nodeCsr('any')).csrPem;
});

async function mint(body: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const response = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body });
  if (response.status !== 201) throw new Error(`mint failed: ${response.text}`);
  return response.body;
}

function join(body: unknown): Promise<ApiResponse> {
  return api(cp, 'POST', '/v1/nodes/join', { body });
}

function assertError(t: ExecutionContext, response: ApiResponse, status: number, code: string, reason?: string): void {
  t.is(response.status, status, response.text);
  t.is(response.body?.error?.code, code, response.text);
  t.is(typeof response.body?.error?.message, 'string');
  if (reason !== undefined) t.is(response.body.error.details?.reason, reason, response.text);
}

async function tokenState(id: string): Promise<{ consumed: number; revoked: boolean }> {
  const list = await api(cp, 'GET', '/v1/nodes/join-tokens?include_expired=true&limit=500', { token: cp.adminToken });
  return list.body.items.find((item: { id: string }) => item.id === id);
}

/**
 * What a redemption writes, as the API shows it: the token's consumed count, its consumptions and
 * every node (whole-cluster counts: only serial tests, which ava runs before the concurrent ones,
 * use this). That a refused attempt writes no certificate row either is the store's own test
 * (store/redemption-batch.test.ts).
 */
async function cluster(tokenId: string): Promise<{ consumed: number; consumptions: number; nodes: number }> {
  const consumptions = await api(cp, 'GET', `/v1/nodes/join-tokens/${tokenId}/consumptions?limit=500`, { token: cp.adminToken });
  const nodes = await api(cp, 'GET', '/v1/nodes?limit=500', { token: cp.adminToken });
  if (consumptions.body.next_cursor !== null || nodes.body.next_cursor !== null) throw new Error('more than one page: count them all');
  return { consumed: (await tokenState(tokenId)).consumed, consumptions: consumptions.body.items.length, nodes: nodes.body.items.length };
}

test('a join returns the pending node, a leaf for its key and the CA bundle, and consumes one use', async (t) => {
  const { id, token } = await mint({ max_uses: 2 });
  const response = await join(joinRequest(token, 'rules-ok', csrPem, { architecture: 'arm64', agent_version: '1.2.3' }));
  t.is(response.status, 201, response.text);
  const { node, certificate_pem, ca_bundle_pem } = response.body;
  t.is(node.name, 'rules-ok');
  t.is(node.status, 'pending');
  t.is(node.architecture, 'arm64');
  t.is(node.agent_version, '1.2.3');
  t.is(node.hardware, null);
  t.is(node.last_heartbeat_at, null);
  t.deepEqual(node.migration, { host: '127.0.0.1', port_range_start: 49152, port_range_end: 49251 });
  t.is(ca_bundle_pem, cp.caPem);
  const leaf = new X509Certificate(certificate_pem);
  t.true(leaf.verify(new X509Certificate(cp.caPem).publicKey));
  t.is(leaf.serialNumber.toLowerCase().replace(/^0+/, ''), node.certificate.serial);
  t.is(new Date(leaf.validTo).toISOString(), node.certificate.not_after);
  t.is((await tokenState(id)).consumed, 1);
  const consumptions = await api(cp, 'GET', `/v1/nodes/join-tokens/${id}/consumptions`, { token: cp.adminToken });
  t.is(consumptions.body.items.length, 1);
  t.is(consumptions.body.items[0].node_id, node.id);
  t.is(consumptions.body.items[0].source_ip, '127.0.0.1');
});

/** A join body for `name` whose advertised endpoint is `endpoint`. */
const withEndpoint = (name: string, endpoint: string) => async (token: string) =>
  joinRequest(token, name, csrPem, { advertised_endpoint: endpoint });
/** A join body for `name` whose migration host is `host` (ports 1-2). */
const withMigrationHost = (name: string, host: string) => async (token: string) =>
  joinRequest(token, name, csrPem, { migration: { host, port_range_start: 1, port_range_end: 2 } });

// Each refusal is tried against a fresh single-use token, which must still redeem afterwards.
const refusals: Array<[string, (token: string) => Promise<unknown>, number, string, string?]> = [
  ['an RSA CSR', async (token) => joinRequest(token, 'rsa-node', await foreignCsr('rsa')), 400, 'validation_failed'],
  ['a P-256 CSR', async (token) => joinRequest(token, 'p256-node', await foreignCsr('p256')), 400, 'validation_failed'],
  [
    'a garbage CSR',
    async (token) =>
      joinRequest(token, 'garbage-node', '-----BEGIN CERTIFICATE REQUEST-----\nnot base64 at all\n-----END CERTIFICATE REQUEST-----\n'),
    400,
    'validation_failed',
  ],
  [
    'a CSR whose signature does not verify',
    async (token) => joinRequest(token, 'tampered', await tamperedCsr('tampered')),
    400,
    'validation_failed',
  ],
  ['a name that is not a DNS label', async (token) => joinRequest(token, 'Node_1', csrPem), 400, 'validation_failed'],
  ['a UUID-shaped name', async (token) => joinRequest(token, '0b7f2c9e-4c1d-4d7a-9a55-2b1f7d3c9e10', csrPem), 400, 'validation_failed'],
  ['a reserved name', async (token) => joinRequest(token, 'heartbeat', csrPem), 400, 'validation_failed'],
  ['an http:// endpoint', withEndpoint('plain-http', 'http://10.9.0.1:9443'), 400, 'validation_failed'],
  ['an endpoint without a host', withEndpoint('no-host', 'https://'), 400, 'validation_failed'],
  [
    'an inverted port range',
    async (token) =>
      joinRequest(token, 'ports', csrPem, { migration: { host: '127.0.0.1', port_range_start: 50000, port_range_end: 49152 } }),
    400,
    'validation_failed',
  ],
  ['an unknown body field', async (token) => ({ ...joinRequest(token, 'extra', csrPem), colour: 'blue' }), 400, 'validation_failed'],
  [
    'a missing field',
    async (token) => {
      const { architecture: _a, ...body } = joinRequest(token, 'missing', csrPem);
      return body;
    },
    400,
    'validation_failed',
  ],
  ["the CP's own host", withEndpoint('cp-host', 'https://cp.otherix.test:9443'), 409, 'conflict'],
  // The CP signs only host names it would accept from anyone (issue 12): the endpoint's host
  // passes the migration host's check, and hosts compare in one canonical form.
  ['a wildcard endpoint host (*)', withEndpoint('wild-star', 'https://*:9443'), 400, 'validation_failed'],
  ['a wildcard endpoint host (*.x)', withEndpoint('wild-sub', 'https://*.example.test:9443'), 400, 'validation_failed'],
  ['a wildcard migration host', withMigrationHost('wild-mig', '*.example.test'), 400, 'validation_failed'],
  [
    'an endpoint label of 64 characters',
    withEndpoint('long-label', `https://${'a'.repeat(64)}.example.test:9443`),
    400,
    'validation_failed',
  ],
  [
    'an endpoint name of 254 characters',
    withEndpoint('long-name', `https://${`${'a'.repeat(62)}.`.repeat(4)}ab:9443`),
    400,
    'validation_failed',
  ],
  ['an endpoint host with an underscore', withEndpoint('underscore', 'https://node_1.example.test:9443'), 400, 'validation_failed'],
  ['a migration host that looks like IPv4 but is not', withMigrationHost('not-ipv4', '10.0.0.256'), 400, 'validation_failed'],
  ['a migration host with an IPv6 zone', withMigrationHost('zone', 'fe80::1%eth0'), 400, 'validation_failed'],
  ["the CP's own host with a final dot and in capitals", withEndpoint('cp-host-dot', 'https://CP.Otherix.Test.:9443'), 409, 'conflict'],
  ["the CP's own host as the migration host, with a final dot", withMigrationHost('cp-mig-dot', 'cp.otherix.test.'), 409, 'conflict'],
];

for (const [what, body, status, code] of refusals) {
  test(`${what} is refused with ${code}, and the token stays usable`, async (t) => {
    const { id, token } = await mint({ node_name: undefined, max_uses: 1 });
    assertError(t, await join(await body(token)), status, code);
    t.is((await tokenState(id)).consumed, 0);
    const ok = await join(
      joinRequest(token, `after-${what.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.slice(0, 63).replace(/-+$/, ''), csrPem),
    );
    t.is(ok.status, 201, ok.text);
  });
}

test('addresses that name no one reachable host are refused in either field (400 naming it), the token unspent', async (t) => {
  // Unspecified, broadcast, multicast and link-local, also IPv4-mapped: signed into a leaf they
  // would vouch for nobody, and the CP could not reach the node there (openapi.yaml, Migration.host).
  const { id, token } = await mint({ max_uses: 1 });
  const addresses = [
    '0.0.0.0',
    '::',
    '::ffff:0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '::ffff:239.1.2.3',
    'ff02::1',
    '169.254.10.20',
    'fe80::1',
  ];
  for (const address of addresses) {
    const bracketed = address.includes(':') ? `[${address}]` : address;
    const asMigration = await join(
      joinRequest(token, 'unreachable-mig', csrPem, { migration: { host: address, port_range_start: 49152, port_range_end: 49251 } }),
    );
    assertError(t, asMigration, 400, 'validation_failed');
    t.is(asMigration.body.error.details?.field, 'migration.host', address);
    t.regex(asMigration.body.error.message, /^migration\.host: .*(unspecified|broadcast|multicast|link-local) address/, address);
    const asEndpoint = await join(joinRequest(token, 'unreachable-ep', csrPem, { advertised_endpoint: `https://${bracketed}:9443` }));
    assertError(t, asEndpoint, 400, 'validation_failed');
    t.is(asEndpoint.body.error.details?.field, 'advertised_endpoint', address);
    t.regex(asEndpoint.body.error.message, /(unspecified|broadcast|multicast|link-local) address/, address);
  }
  t.is((await tokenState(id)).consumed, 0);
  const ok = await join(
    joinRequest(token, 'after-unreachable', csrPem, {
      advertised_endpoint: 'https://127.0.0.2:9443',
      migration: { host: '::1', port_range_start: 49152, port_range_end: 49251 },
    }),
  );
  t.is(ok.status, 201, ok.text);
});

test('the CSR refusals say what is wrong with the key or signature', async (t) => {
  const { token } = await mint();
  const rsa = await join(joinRequest(token, 'rsa-detail', await foreignCsr('rsa')));
  t.is(rsa.body.error.details.problem, 'unsupported_key');
  t.regex(rsa.body.error.message, /RSA/);
  const p256 = await join(joinRequest(token, 'p256-detail', await foreignCsr('p256')));
  t.is(p256.body.error.details.problem, 'unsupported_key');
  t.regex(p256.body.error.message, /P-256/);
  const tampered = await join(joinRequest(token, 'sig-detail', await tamperedCsr('x')));
  t.is(tampered.body.error.details.problem, 'csr_signature_invalid');
});

test('a 3 MiB body is refused with payload_too_large', async (t) => {
  const { token } = await mint();
  const body = joinRequest(token, 'too-big', csrPem, { agent_version: 'x'.repeat(3 * 1024 * 1024) });
  assertError(t, await join(body), 413, 'payload_too_large');
});

test('malformed JSON is refused with validation_failed', async (t) => {
  assertError(t, await api(cp, 'POST', '/v1/nodes/join', { rawBody: '{"token": "otx_join_' }), 400, 'validation_failed');
});

test('a malformed token string is refused before any lookup', async (t) => {
  assertError(t, await join(joinRequest('otx_api_' + 'a'.repeat(43), 'wrong-kind', csrPem)), 400, 'validation_failed');
});

test('an unknown token is token_rejected/unknown', async (t) => {
  assertError(t, await join(joinRequest('otx_join_' + 'A'.repeat(43), 'unknown-token', csrPem)), 401, 'token_rejected', 'unknown');
});

test('a token bound to another name is token_rejected/node_name_mismatch, and still redeems for its own name', async (t) => {
  const { token } = await mint({ node_name: 'bound-one' });
  assertError(t, await join(joinRequest(token, 'bound-two', csrPem)), 401, 'token_rejected', 'node_name_mismatch');
  t.is((await join(joinRequest(token, 'bound-one', csrPem))).status, 201);
});

test('an expired token is token_rejected/expired (the clock moves, nobody sleeps)', async (t) => {
  const { token } = await mint({ ttl_seconds: 60 });
  cp.clock.advance(61_000);
  assertError(t, await join(joinRequest(token, 'too-late', csrPem)), 401, 'token_rejected', 'expired');
});

test('a revoked token is token_rejected/revoked', async (t) => {
  const { id, token } = await mint();
  t.is((await api(cp, 'POST', `/v1/nodes/join-tokens/${id}/revoke`, { token: cp.adminToken })).status, 200);
  assertError(t, await join(joinRequest(token, 'revoked-token', csrPem)), 401, 'token_rejected', 'revoked');
});

test('an exhausted token is token_rejected/exhausted', async (t) => {
  const { token } = await mint({ max_uses: 1 });
  t.is((await join(joinRequest(token, 'first-use', csrPem))).status, 201);
  assertError(t, await join(joinRequest(token, 'second-use', csrPem)), 401, 'token_rejected', 'exhausted');
});

test.serial('a fleet token claiming an existing name gets 409 conflict pointing at --node-name, and changes nothing', async (t) => {
  const { id, token } = await mint();
  const first = await join(joinRequest(token, 'existing', csrPem));
  t.is(first.status, 201);
  const before = await cluster(id);
  const again = await join(joinRequest(token, 'existing', csrPem));
  assertError(t, again, 409, 'conflict');
  t.regex(again.body.error.message, /--node-name existing/);
  t.deepEqual(await cluster(id), before);
  t.is((await cp.store.findNodeByName('existing'))?.certSerial, first.body.node.certificate.serial);
  t.is((await join(joinRequest(token, 'existing-2', csrPem))).status, 201, 'the token still redeems');
});

test.serial(
  'concurrent fleet joins of one new name: one joins, the others are refused in the transaction and change nothing',
  async (t) => {
    const { id, token } = await mint();
    const before = await cluster(id);
    // All pass the early name check together; the transaction refuses all but one (after signing).
    const burst = await Promise.all(Array.from({ length: 8 }, () => join(joinRequest(token, 'raced-name', csrPem))));
    t.deepEqual(burst.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
    for (const refused of burst.filter((r) => r.status === 409)) assertError(t, refused, 409, 'conflict');
    t.deepEqual(await cluster(id), { consumed: before.consumed + 1, consumptions: before.consumptions + 1, nodes: before.nodes + 1 });
    t.is((await join(joinRequest(token, 'raced-name-2', csrPem))).status, 201, 'the token still redeems');
  },
);

test('a token bound to an existing name re-issues it: same id, new serial, old serial replaced', async (t) => {
  const fleet = await mint();
  const first = await join(joinRequest(fleet.token, 'reissued', csrPem, { advertised_endpoint: 'https://10.20.0.1:9443' }));
  t.is(first.status, 201);
  const bound = await mint({ node_name: 'reissued' });
  const { csrPem: newCsr } = await nodeCsr('reissued');
  const second = await join(joinRequest(bound.token, 'reissued', newCsr, { advertised_endpoint: 'https://10.20.0.1:9443' }));
  t.is(second.status, 201, second.text);
  t.is(second.body.node.id, first.body.node.id);
  t.not(second.body.node.certificate.serial, first.body.node.certificate.serial);
  t.is((await cp.store.findNodeCertificate(first.body.node.certificate.serial))?.status, 'replaced');
  t.is((await cp.store.findNodeCertificate(second.body.node.certificate.serial))?.status, 'current');
});

test.serial('a host already used by another node is a 409 conflict (loopback aside)', async (t) => {
  const { token } = await mint();
  t.is((await join(joinRequest(token, 'host-a', csrPem, { advertised_endpoint: 'https://10.30.0.1:9443' }))).status, 201);
  const single = await mint({ max_uses: 1 });
  const before = await cluster(single.id);
  // The host rule is decided inside the transaction, after signing: the refusal still changes nothing.
  const clash = await join(
    joinRequest(single.token, 'host-b', csrPem, {
      advertised_endpoint: 'https://10.30.0.2:9443',
      migration: { host: '10.30.0.1', port_range_start: 1, port_range_end: 2 },
    }),
  );
  assertError(t, clash, 409, 'conflict');
  t.regex(clash.body.error.message, /host-a/);
  t.deepEqual(await cluster(single.id), before);
  t.is(await cp.store.findNodeByName('host-b'), undefined);
  t.is(
    (await join(joinRequest(single.token, 'host-b', csrPem, { advertised_endpoint: 'https://10.30.0.2:9443' }))).status,
    201,
    'the single-use token still redeems',
  );
  // Two nodes on loopback never collide (dev and test machines).
  t.is((await join(joinRequest(token, 'loop-a', csrPem))).status, 201);
  t.is((await join(joinRequest(token, 'loop-b', csrPem))).status, 201);
});

test.serial(
  'a host written another way is the same host: final dot, capitals, IPv4-mapped IPv6 (409), and the CP signs the canonical form',
  async (t) => {
    const { token } = await mint();
    const victim = await join(
      joinRequest(token, 'victim', csrPem, {
        advertised_endpoint: 'https://Victim.Example.:9443',
        migration: { host: '10.31.0.1', port_range_start: 1, port_range_end: 2 },
      }),
    );
    t.is(victim.status, 201, victim.text);
    // Signed and stored in the one form the rules compare.
    const sans = new X509Certificate(victim.body.certificate_pem).subjectAltName ?? '';
    t.true(sans.includes('DNS:victim.example') && !sans.includes('DNS:victim.example.'), sans);
    t.true(sans.includes('IP Address:10.31.0.1'), sans);

    const single = await mint({ max_uses: 1 });
    const before = await cluster(single.id);
    const clashes: Array<[string, Partial<Parameters<typeof joinRequest>[3]>]> = [
      ['endpoint with a final dot', { advertised_endpoint: 'https://victim.example.:9443' }],
      ['endpoint in capitals', { advertised_endpoint: 'https://VICTIM.EXAMPLE:9443' }],
      ['migration host with a final dot', { migration: { host: 'victim.example.', port_range_start: 1, port_range_end: 2 } }],
      ['migration host as IPv4-mapped IPv6', { migration: { host: '::ffff:10.31.0.1', port_range_start: 1, port_range_end: 2 } }],
      ['endpoint as bracketed IPv4-mapped IPv6', { advertised_endpoint: 'https://[::ffff:10.31.0.1]:9443' }],
    ];
    for (const [what, overrides] of clashes) {
      const clash = await join(joinRequest(single.token, 'intruder', csrPem, overrides));
      t.is(clash.status, 409, `${what}: ${clash.text}`);
      t.is(clash.body.error.code, 'conflict', what);
      t.regex(clash.body.error.message, /already used by node victim/, what);
    }
    t.deepEqual(await cluster(single.id), before, 'no refusal wrote anything');
    // An IPv4-mapped loopback is loopback: it never collides.
    const mappedLoopback = await join(
      joinRequest(single.token, 'mapped-loop', csrPem, { migration: { host: '::ffff:127.0.0.1', port_range_start: 1, port_range_end: 2 } }),
    );
    t.is(mappedLoopback.status, 201, mappedLoopback.text);
    t.is(mappedLoopback.body.node.migration.host, '127.0.0.1');
  },
);

// Hosts an older CP stored before the canonical form (it kept a final dot and the IPv4-mapped
// form) are canonicalized by a migration, so they still collide after an upgrade. An older CP's
// database is a SQLite file: declared only when this file runs on SQLite (rules.postgres.test.ts
// runs the rest on PostgreSQL).
if (defaultEngine() === 'sqlite')
  test('hosts stored by an older CP in another form still collide after the upgrade', async (t) => {
    const older = await startControlPlane({ keepDataDir: true });
    const dataDir = older.dataDir;
    const minted = await api(older, 'POST', '/v1/nodes/join-tokens', { token: older.adminToken, body: {} });
    const joined = await api(older, 'POST', '/v1/nodes/join', {
      body: joinRequest(minted.body.token, 'legacy', csrPem, {
        advertised_endpoint: 'https://10.32.0.9:9443',
        migration: { host: '10.32.0.1', port_range_start: 1, port_range_end: 2 },
      }),
    });
    t.is(joined.status, 201, joined.text);
    await older.close();
    // As the CP before the canonical form stored them, at the schema version it left.
    await asBeforeCanonicalHosts(dataDir, 'legacy', { endpointHost: 'legacy.example.', migrationHost: '::ffff:10.32.0.1' });

    const upgraded = await startControlPlane({ dataDir });
    try {
      const token = (await api(upgraded, 'POST', '/v1/nodes/join-tokens', { token: upgraded.adminToken, body: {} })).body.token as string;
      const clashes: Array<[string, Partial<Parameters<typeof joinRequest>[3]>]> = [
        ['the endpoint host without its final dot', { advertised_endpoint: 'https://legacy.example:9443' }],
        ['the migration host as IPv4', { migration: { host: '10.32.0.1', port_range_start: 1, port_range_end: 2 } }],
      ];
      for (const [what, overrides] of clashes) {
        const clash = await api(upgraded, 'POST', '/v1/nodes/join', { body: joinRequest(token, 'newcomer', csrPem, overrides) });
        t.is(clash.status, 409, `${what}: ${clash.text}`);
        t.regex(clash.body.error.message, /already used by node legacy/, what);
      }
      const legacy = await api(upgraded, 'GET', '/v1/nodes/legacy', { token: upgraded.adminToken });
      t.is(legacy.body.migration.host, '10.32.0.1', 'shown in the canonical form too');
    } finally {
      await upgraded.close();
    }
  });
