// Redemptions with unknown tokens are limited per source (SPEC §4; an IPv4 address or an IPv6 /64): after the limit, 429
// rate_limited with Retry-After; the window reopens as time moves. Real tokens are always
// answered (joins or refusals), even from an IP over the limit, and never counted.
import test from 'ava';
import { GuessLimiter, guessSourceOf } from '@otherix/server';
import { api, controlPlaneForFile, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';

const LIMIT = 3;
let cp: ControlPlane;
let csrPem: string;

controlPlaneForFile(test, (started) => (cp = started), { joinGuessLimit: LIMIT });

test.before(async () => {
  csrPem = (await nodeCsr('guess')).csrPem;
});

const guess = (i: number) =>
  api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(`otx_join_${String(i).padStart(43, 'g')}`, `guess-${i}`, csrPem) });

test.serial('real-token refusals are answered and not counted as guesses', async (t) => {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: 'bound-guess' } });
  for (let i = 0; i < LIMIT * 3; i++) {
    const refused = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'not-the-bound-name', csrPem) });
    t.is(refused.status, 401);
    t.is(refused.body.error.details.reason, 'node_name_mismatch');
  }
  const unknown = await guess(0);
  t.is(unknown.status, 401);
  t.is(unknown.body.error.details.reason, 'unknown');
  cp.clock.advance(60_000); // a fresh window for the next test
});

test.serial('a burst of concurrent joins with one real token is never throttled', async (t) => {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} });
  const burst = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, `real-burst-${i}`, csrPem) }),
    ),
  );
  t.deepEqual([...new Set(burst.map((r) => r.status))], [201]);
});

test.serial('concurrent unknown-token guesses beyond the limit get 429 with Retry-After, then the window reopens', async (t) => {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} });
  const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => guess(100 + i)));
  t.is(burst.filter((r) => r.status === 401 && r.body.error.details.reason === 'unknown').length, LIMIT);
  const limited = burst.filter((r) => r.status === 429);
  t.is(limited.length, 10 - LIMIT);
  for (const response of limited) {
    t.is(response.body.error.code, 'rate_limited');
    const retryAfter = Number(response.headers['retry-after']);
    t.true(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
  }
  t.is((await guess(150)).status, 429);
  cp.clock.advance(60_000);
  const after = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'after-window', csrPem) });
  t.is(after.status, 201, after.text);
  t.is((await guess(200)).status, 401);
  cp.clock.advance(60_000); // a fresh window for the next test
});

test.serial('over the guess limit, a real token still joins and a real expired token is answered 401', async (t) => {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} });
  const expiring = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { ttl_seconds: 60 } });
  t.is(expiring.status, 201, expiring.text);
  for (let i = 0; i < LIMIT; i++) t.is((await guess(300 + i)).status, 401);
  t.is((await guess(310)).status, 429, 'this IP is over the limit');

  const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'joins-while-limited', csrPem) });
  t.is(joined.status, 201, joined.text);
  t.is(joined.body.node.name, 'joins-while-limited');

  cp.clock.advance(61_000); // the token expires; the guess window too, so guess again to be over it
  for (let i = 0; i < LIMIT; i++) t.is((await guess(400 + i)).status, 401);
  t.is((await guess(410)).status, 429, 'this IP is over the limit again');
  const expired = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(expiring.body.token, 'expired-while-limited', csrPem) });
  t.is(expired.status, 401, expired.text);
  t.is(expired.body.error.code, 'token_rejected');
  t.is(expired.body.error.details.reason, 'expired');
  // Answering real tokens did not count as guesses, nor lift the limit.
  t.is((await guess(411)).status, 429);
});

// Sources (issue 12 item 9): an IPv6 client can pick any address of its /64, so guesses are
// counted per /64; an IPv4 client reaching a dual-stack listener shows up as ::ffff:a.b.c.d and
// is the same source as a.b.c.d.
test('guesses are counted per IPv4 address and per IPv6 /64; an IPv4-mapped address is its IPv4 address', (t) => {
  const limiter = new GuessLimiter(2, () => 0);
  const overLimit = (ip: string): string | undefined => {
    try {
      limiter.recordGuess(ip);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  // Three addresses of one /64, written three ways: one source.
  t.is(overLimit('2001:db8:1:2::a'), undefined);
  t.is(overLimit('2001:0DB8:0001:0002:ffff:ffff:ffff:fffe'), undefined);
  t.regex(overLimit('2001:db8:1:2:0:0:0:1') ?? '', /from 2001:db8:1:2::\/64: wait/);
  // The next /64 and a zone-scoped link-local address are sources of their own.
  t.is(overLimit('2001:db8:1:3::a'), undefined);
  t.is(overLimit('fe80::1%eth0'), undefined);
  // IPv4, then the same client through a dual-stack socket (dotted and hex forms).
  t.is(overLimit('192.0.2.7'), undefined);
  t.is(overLimit('::ffff:192.0.2.7'), undefined);
  t.regex(overLimit('::ffff:c000:207') ?? '', /from 192\.0\.2\.7: wait/);
  t.is(overLimit('192.0.2.8'), undefined, 'the neighbouring IPv4 address is another source');
});

test('the source names printed and counted: IPv4 as is, IPv6 as its /64, mapped as IPv4', (t) => {
  t.is(guessSourceOf('10.1.2.3'), '10.1.2.3');
  t.is(guessSourceOf('::ffff:10.1.2.3'), '10.1.2.3');
  t.is(guessSourceOf('::FFFF:a01:203'), '10.1.2.3');
  t.is(guessSourceOf('::1'), '0:0:0:0::/64');
  t.is(guessSourceOf('2001:db8::'), '2001:db8:0:0::/64');
  t.is(guessSourceOf('2001:db8:aa:bb:cc:dd:1.2.3.4'), '2001:db8:aa:bb::/64');
  t.is(guessSourceOf('64:ff9b::1.2.3.4'), '64:ff9b:0:0::/64', 'only ::ffff:0:0/96 is IPv4-mapped');
});

test('a CP on a dual-stack listener counts an IPv4 client as its IPv4 address', async (t) => {
  const dual = await startControlPlane({ joinGuessLimit: 1, listenHost: '::' });
  try {
    const guessAt = (i: number) =>
      api(dual, 'POST', '/v1/nodes/join', { body: joinRequest(`otx_join_${String(i).padStart(43, 'd')}`, `dual-${i}`, csrPem) });
    t.is((await guessAt(1)).status, 401);
    const limited = await guessAt(2);
    t.is(limited.status, 429);
    // The socket's address is ::ffff:127.0.0.1; the source is 127.0.0.1.
    t.regex(limited.body.error.message, /from 127\.0\.0\.1: wait \d+s/);
  } finally {
    await dual.close();
  }
});
