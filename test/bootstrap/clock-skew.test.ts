// Issue 13, item 3: clock skew does not spend tokens. Bootstrap compares the host's clock with the
// CP's (the Date of the pinned /v1/ca answer) before it redeems, and the CP dates every certificate
// an hour back, so a host a few minutes behind joins and can use its leaf at once.
// The CP's clock is moved through the test helpers' movableClock (its /v1/ca Date follows it); the
// host's is the real one, or bootstrapNode's `now` option.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bootstrapNode, isOtherixError } from '@otherix/sdk';
import { MAX_JOIN_CLOCK_SKEW_MS } from '@otherix/sdk/internal';
import type { OtherixClient } from '@otherix/sdk';
import { CERTIFICATE_BACKDATE_MS } from '@otherix/server';
import { api } from '../harness/control-plane.js';
import { bootstrapWithToken } from '../harness/agent.js';
import { clusterForTest } from '../harness/cluster.js';

const MINUTE = 60_000;

async function consumptions(admin: OtherixClient, tokenId: string): Promise<number> {
  return (await admin.joinTokens.consumptions(tokenId)).items.length;
}

test('a host 10 minutes behind the CP is refused before its token is spent; the same token joins once the clocks agree', async (t) => {
  const { cp, admin, host } = await clusterForTest(t);
  const minted = await admin.joinTokens.create({ node_name: 'skew-behind', ttl_seconds: 3600 });
  const flags = {
    cpUrl: cp.url,
    caFingerprint: cp.caFingerprint,
    nodeName: 'skew-behind',
    certDir: host.certDir,
    configPath: host.configPath,
  };

  cp.clock.advance(10 * MINUTE); // the CP runs 10 minutes ahead: the host is 10 minutes behind
  const refused = await bootstrapWithToken(flags, minted.token);
  t.is(refused.exitCode, 1, refused.stderr);
  t.regex(refused.stderr, /^error: clock_skew: /);
  t.regex(refused.stderr, /about 10m0s behind/, 'says by how much');
  t.regex(refused.stderr, /timedatectl set-ntp true/);
  t.regex(refused.stderr, /the join token was not used\n$/);
  t.false(refused.stderr.includes(minted.token));

  t.is(await consumptions(admin, minted.id), 0, 'the token was not redeemed');
  t.deepEqual((await admin.nodes.list()).items, [], 'no pending node was left');
  t.false(existsSync(host.certDir), 'nothing was written');

  cp.clock.advance(-10 * MINUTE); // the clocks agree again
  const joined = await bootstrapWithToken(flags, minted.token);
  t.is(joined.exitCode, 0, joined.stderr);
  t.is(await consumptions(admin, minted.id), 1);
});

test('a host 2 minutes behind joins and can use its certificate at once: leaves start an hour back', async (t) => {
  const { cp, admin, host } = await clusterForTest(t);
  const minted = await admin.joinTokens.create({ node_name: 'skew-small', ttl_seconds: 3600 });
  cp.clock.advance(2 * MINUTE);
  const run = await bootstrapWithToken(
    {
      cpUrl: cp.url,
      caFingerprint: cp.caFingerprint,
      nodeName: 'skew-small',
      certDir: host.certDir,
      configPath: host.configPath,
    },
    minted.token,
  );
  t.is(run.exitCode, 0, run.stderr);
  const leaf = new X509Certificate(await readFile(join(host.certDir, 'agent.crt'), 'utf8'));
  // Dated by the CP's clock (2 minutes ahead), an hour back: valid on the host's clock now.
  t.true(Date.parse(leaf.validFrom) <= Date.now() - CERTIFICATE_BACKDATE_MS + 2 * MINUTE + 1000, leaf.validFrom);
  t.true(CERTIFICATE_BACKDATE_MS >= 60 * MINUTE);
  t.true(MAX_JOIN_CLOCK_SKEW_MS < CERTIFICATE_BACKDATE_MS, 'a host the join lets in can use its leaf');
});

test('bootstrapNode with a host clock 10 minutes behind or ahead: clock_skew, token unused, then the same token joins', async (t) => {
  const { cp, admin, host } = await clusterForTest(t);
  const minted = await admin.joinTokens.create({ node_name: 'skew-sdk', ttl_seconds: 3600 });
  const options = {
    token: minted.token,
    caFingerprint: cp.caFingerprint,
    cpUrl: cp.url,
    nodeName: 'skew-sdk',
    advertisedEndpoint: 'https://127.0.0.1:9443',
    migrationHost: '127.0.0.1',
    certDir: host.certDir,
    configPath: host.configPath,
  };
  for (const [offset, words] of [
    [-10 * MINUTE, 'behind'],
    [10 * MINUTE, 'ahead of'],
  ] as const) {
    const error = await t.throwsAsync(bootstrapNode({ ...options, now: () => Date.now() + offset }));
    t.true(isOtherixError(error, 'clock_skew'), String(error));
    t.true(error.message.includes(`is about 10m0s ${words} the control plane's`), error.message);
    const details = (error as { details?: Record<string, unknown> }).details;
    t.is(details?.['max_skew_seconds'], 300);
    t.true(Math.abs(Number(details?.['skew_seconds']) - offset / 1000) <= 2, String(details?.['skew_seconds']));
    t.is(await consumptions(admin, minted.id), 0);
  }
  // Within the tolerance the join goes through, and the leaf is checked on the host's clock.
  const outcome = await bootstrapNode({ ...options, now: () => Date.now() - 4 * MINUTE });
  t.is(outcome.kind, 'joined');
  t.is(await consumptions(admin, minted.id), 1);
});

test("the /v1/ca answer tells the CP's own clock in its Date header", async (t) => {
  const { cp } = await clusterForTest(t);
  cp.clock.advance(3 * 24 * 60 * MINUTE);
  const before = cp.clock.now();
  const response = await api(cp, 'GET', '/v1/ca');
  const after = cp.clock.now();
  t.is(response.status, 200);
  const date = Date.parse(String(response.headers['date']));
  // Whole seconds: the header drops the milliseconds.
  t.true(
    date >= before - 1000 && date <= after,
    `${String(response.headers['date'])} not within [${new Date(before).toISOString()}, ${new Date(after).toISOString()}]`,
  );
});
