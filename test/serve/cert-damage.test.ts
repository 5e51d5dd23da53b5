// Issue 13, item 8 (serve side): a damaged local file is the host's problem, named as such. When
// agent.key (or ca.crt) turns to garbage under a running agent, the failed heartbeats say which
// file, and the fix; not a TLS failure that tells the operator to "check the URL and the CA
// fingerprint". Re-bootstrapping with --force repairs it without a restart.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bootstrapWithBoundToken } from '../harness/agent.js';
import { nodeReaches, servedNodeOnOwnCp } from '../harness/served-node.js';

for (const [file, problem] of [
  ['agent.key', 'cannot be read as a private key'],
  ['ca.crt', 'cannot be read as a certificate'],
] as const) {
  test(`${file} garbled mid-run: heartbeats fail naming ${file} and the fix; --force repairs it without a restart`, async (t) => {
    const name = `damaged-${file.replace('.', '-')}`;
    const { cp, admin, node } = await servedNodeOnOwnCp(t, name);
    await nodeReaches(admin, name, 'ready');

    // Garbled in place: the name is a symlink into the current generation, and the write follows it.
    await writeFile(join(node.certDir, file), '-----BEGIN GARBAGE-----\nbm90IGEga2V5\n-----END GARBAGE-----\n');
    const failed = await node.serve.waitForLog((r) => r.msg.startsWith('heartbeat failed'));
    t.is(failed['code'], 'cert_file_invalid');
    t.deepEqual(failed['details'], { file });
    t.true(failed.msg.startsWith(`heartbeat failed: ${file} in ${node.certDir} ${problem} (`), failed.msg);
    t.regex(
      failed.msg,
      /heartbeats fail until the files are whole; re-run `otherix-agent bootstrap --force` with a token bound to this node; the running agent picks the new files up without a restart$/,
    );
    t.false(/check the URL|CA fingerprint|TLS/.test(failed.msg), 'not blamed on the connection');

    // The CP no longer hears the node.
    cp.clock.advance(10_000);
    await nodeReaches(admin, name, 'not_ready');

    const repaired = await bootstrapWithBoundToken(cp, admin, {
      nodeName: name,
      certDir: node.certDir,
      configPath: node.configPath,
      extra: ['--force'],
    });
    t.is(repaired.exitCode, 0, repaired.stderr);
    await node.serve.waitForLog((r) => r.msg.startsWith('heartbeat: accepted again after'));
    t.is((await nodeReaches(admin, name, 'ready')).status, 'ready');
    t.is(node.serve.child.exitCode, null, 'still running');
  });
}
