// `otherix-server admin-token` (the real binary) makes an admin API token without the CP, so no
// CP logs the change: the adversarial review found it left no audit line anywhere. It now writes
// the CP's own audit line for that change, `api_token.created`, on its stderr: the same JSON
// format and fields as the running CP's line for a token made through the API (compared here key
// by key), the actor the host's user (`host_user`), `source_ip` and `reqId` null, never the token.
// Beside a running CP and with the CP stopped.
import { userInfo } from 'node:os';
import test from 'ava';
import { OFFLINE_CREATOR } from '@otherix/server';
import { api, runServerBinary, spawnControlPlane, tempDataDir } from '../harness/control-plane.js';
import { eventually } from '../harness/loopback.js';

interface AuditLine {
  level: string;
  time: string;
  pid: number;
  hostname: string;
  audit: boolean;
  event: string;
  actor: Record<string, unknown>;
  [field: string]: unknown;
}

function auditLines(text: string): AuditLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as AuditLine)
    .filter((line) => line.audit === true);
}

test('admin-token writes the api_token.created audit line the CP writes for the same change, running CP or not, without the token', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-admin-audit-');
  const cp = await spawnControlPlane({ dataDir });
  try {
    // The CP's own line for an admin token made through the API: the shape to match.
    const created = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'via-api', role: 'admin' } });
    t.is(created.status, 201, created.text);
    const [reference] = (
      await eventually(
        async () => auditLines(cp.output().stdout),
        (lines) => lines.some((line) => line.event === 'api_token.created'),
      )
    ).filter((line) => line.event === 'api_token.created');

    // Beside the running CP, as a user sudo names.
    const before = Date.now();
    const minted = await runServerBinary(['admin-token', '--data-dir', dataDir, '--name', 'audited-admin'], { SUDO_USER: 'alice' });
    t.is(minted.code, 0, minted.stderr);
    const token = minted.stdout.trim();
    const lines = auditLines(minted.stderr);
    t.is(lines.length, 1, minted.stderr);
    const line = lines[0];
    t.deepEqual(Object.keys(line), Object.keys(reference), 'the same fields, in the same order, as the CP writes');
    const id = ((await api(cp, 'GET', '/v1/api-tokens', { token })).body.items as Array<{ id: string; name: string }>).find(
      (item) => item.name === 'audited-admin',
    )!.id;
    t.like(line, {
      level: 'info',
      hostname: reference.hostname,
      audit: true,
      event: 'api_token.created',
      source_ip: null,
      reqId: null,
      api_token_id: id,
      api_token_name: 'audited-admin',
      role: 'admin',
      expires_at: null,
      msg: 'audit: api_token.created',
    });
    t.true(Date.parse(line.time) >= before - 1000 && line.time.endsWith('Z'), line.time);
    t.deepEqual(line.actor, {
      kind: 'host_user',
      command: OFFLINE_CREATOR,
      uid: process.getuid!(),
      user: userInfo().username,
      sudo_user: 'alice',
    });
    t.true(minted.stderr.endsWith(`${JSON.stringify(line)}\n`), 'the last line of stderr, after what to do next');
    t.false(minted.stderr.includes(token), 'the token is on stdout only');
    t.false(/otx_api_/.test(minted.stderr));
  } finally {
    await cp.stop();
  }

  // With the CP stopped: the same line (no sudo: sudo_user null).
  const offline = await runServerBinary(['admin-token', '--data-dir', dataDir, '--name', 'offline-audited'], { SUDO_USER: '' });
  t.is(offline.code, 0, offline.stderr);
  const [stopped] = auditLines(offline.stderr);
  t.like(stopped, {
    event: 'api_token.created',
    api_token_name: 'offline-audited',
    role: 'admin',
    actor: { kind: 'host_user', sudo_user: null },
  });
  t.false(offline.stderr.includes(offline.stdout.trim()));

  // A refusal changes nothing and writes no audit line.
  const clash = await runServerBinary(['admin-token', '--data-dir', dataDir, '--name', 'offline-audited']);
  t.is(clash.code, 1);
  t.deepEqual(auditLines(clash.stderr), []);
});
