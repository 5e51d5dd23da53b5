// A node's status, derived in one place from the CP clock (the test moves it instead of
// sleeping): pending until the first heartbeat, ready, not_ready after three of its own reported
// intervals without one, ready again on the next; cordoned wins and no heartbeat lifts it.
import test from 'ava';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane, MovableClock } from '../harness/control-plane.js';
import { heartbeat, heartbeatBody, joinNode } from '../harness/cluster.js';
import type { JoinedNode } from '../harness/cluster.js';

let cp: ControlPlane;
let joined: Record<string, JoinedNode>;

/**
 * The CP clock (real time plus what the tests advanced), which a boundary check can hold still:
 * on a loaded machine seconds of real time may pass between a heartbeat and the read that checks
 * it, and that must not carry the node across the boundary under test.
 */
function holdableClock(): MovableClock & { hold(): void; release(): void } {
  let offset = 0;
  let held: number | undefined;
  return {
    now: () => held ?? Date.now() + offset,
    advance: (ms) => {
      if (held === undefined) offset += ms;
      else held += ms;
    },
    hold: () => void (held = Date.now() + offset),
    release: () => {
      if (held !== undefined) offset = held - Date.now();
      held = undefined;
    },
  };
}
const clock = holdableClock();

// Every node joins before any test moves the clock: certificates are issued on the CP clock,
// and one issued in the (moved) future would not be valid yet for TLS.
controlPlaneForFile(
  test,
  async (started) => {
    cp = started;
    joined = {};
    for (const name of ['st-silent', 'st-fast', 'st-slow', 'st-cordoned']) joined[name] = await joinNode(cp, name);
  },
  { clock },
);

async function statusOf(name: string): Promise<string> {
  const shown = await api(cp, 'GET', `/v1/nodes/${name}`, { token: cp.adminToken });
  return shown.body.status;
}

async function listedStatus(name: string, status: string): Promise<boolean> {
  const listed = await api(cp, 'GET', `/v1/nodes?status=${status}&limit=500`, { token: cp.adminToken });
  return listed.body.items.some((item: { name: string }) => item.name === name);
}

test.serial('pending until the first heartbeat, which flips it to ready and sets last_heartbeat_at', async (t) => {
  const node = await joinNode(cp, 'st-first');
  t.is(node.node.status, 'pending');
  t.is(node.node.last_heartbeat_at, null);
  t.is(node.node.hardware, null);
  t.true(await listedStatus('st-first', 'pending'));
  const before = cp.clock.now();
  const reply = await heartbeat(cp, node.cert);
  t.deepEqual(reply.body, { status: 'ready' });
  const shown = await api(cp, 'GET', '/v1/nodes/st-first', { token: cp.adminToken });
  t.is(shown.body.status, 'ready');
  t.true(Date.parse(shown.body.last_heartbeat_at) >= before - 1);
  t.true(await listedStatus('st-first', 'ready'));
  t.false(await listedStatus('st-first', 'pending'));
});

// Before any test moves the clock (see test.before).
test.serial('a bound re-join makes the node pending again until the new certificate heartbeats', async (t) => {
  const first = await joinNode(cp, 'st-rejoin');
  await heartbeat(cp, first.cert);
  t.is(await statusOf('st-rejoin'), 'ready');
  const second = await joinNode(cp, 'st-rejoin');
  t.is(await statusOf('st-rejoin'), 'pending');
  const reply = await heartbeat(cp, second.cert);
  t.is(reply.status, 200, reply.text);
  t.is(await statusOf('st-rejoin'), 'ready');
});

test.serial("not_ready after three of the node's own intervals without a heartbeat, ready again on the next", async (t) => {
  const node = joined['st-silent'];
  // Held still: only the advances below move the CP's clock, so the margins are exact.
  clock.hold();
  t.teardown(() => clock.release());
  t.is((await heartbeat(cp, node.cert, heartbeatBody({ heartbeat_interval_seconds: 100 }))).status, 200);
  cp.clock.advance(299_000);
  t.is(await statusOf('st-silent'), 'ready', 'within three intervals (300 s)');
  t.true(await listedStatus('st-silent', 'ready'));
  cp.clock.advance(2_000);
  t.is(await statusOf('st-silent'), 'not_ready', 'three intervals passed');
  t.true(await listedStatus('st-silent', 'not_ready'), 'the filter agrees with what is shown');
  t.false(await listedStatus('st-silent', 'ready'));
  const reply = await heartbeat(cp, node.cert, heartbeatBody({ heartbeat_interval_seconds: 100 }));
  t.deepEqual(reply.body, { status: 'ready' });
  t.is(await statusOf('st-silent'), 'ready');
  t.true(await listedStatus('st-silent', 'ready'));
});

test.serial("the interval is the node's own: a slow node is not marked not_ready on a fast node's schedule", async (t) => {
  const fast = joined['st-fast'];
  const slow = joined['st-slow'];
  await heartbeat(cp, fast.cert, heartbeatBody({ heartbeat_interval_seconds: 1 }));
  await heartbeat(cp, slow.cert, heartbeatBody({ heartbeat_interval_seconds: 60 }));
  cp.clock.advance(10_000);
  t.is(await statusOf('st-fast'), 'not_ready');
  t.is(await statusOf('st-slow'), 'ready');
});

test.serial('cordoned wins over every liveness state, a heartbeat never lifts it, liveness stays visible', async (t) => {
  const node = joined['st-cordoned'];
  const cordoned = await api(cp, 'POST', `/v1/nodes/${node.id}/cordon`, { token: cp.adminToken });
  t.is(cordoned.body.status, 'cordoned', 'a pending node can be cordoned');
  const reply = await heartbeat(cp, node.cert, heartbeatBody({ heartbeat_interval_seconds: 10 }));
  t.is(reply.status, 200);
  t.deepEqual(reply.body, { status: 'cordoned' }, 'the heartbeat answers the cordon');
  const shown = await api(cp, 'GET', '/v1/nodes/st-cordoned', { token: cp.adminToken });
  t.is(shown.body.status, 'cordoned');
  t.not(shown.body.last_heartbeat_at, null, 'liveness stays visible in last_heartbeat_at');
  cp.clock.advance(60_000);
  t.is(await statusOf('st-cordoned'), 'cordoned', 'silent and cordoned shows cordoned');
  t.true(await listedStatus('st-cordoned', 'cordoned'));
  t.false(await listedStatus('st-cordoned', 'not_ready'));
  await api(cp, 'POST', `/v1/nodes/${node.id}/uncordon`, { token: cp.adminToken });
  t.is(await statusOf('st-cordoned'), 'not_ready', 'uncordoned: derived from heartbeats again');
  await heartbeat(cp, node.cert, heartbeatBody({ heartbeat_interval_seconds: 10 }));
  t.is(await statusOf('st-cordoned'), 'ready');
});
