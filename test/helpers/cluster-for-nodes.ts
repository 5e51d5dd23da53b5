// The setup the bootstrap and examples tests share: one real CP per test file, an admin client,
// and temp folders ("node hosts", scratch dirs) removed when the file is done.
import type { TestFn } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@otherix/sdk';
import type { OtherixClient } from '@otherix/sdk';
import { startControlPlane } from './control-plane.js';
import type { ControlPlane } from './control-plane.js';
import { makeNodeHost } from './agent.js';
import type { NodeHost } from './agent.js';

export interface ClusterForNodes {
  /** Set once the file's `before` hook has run. */
  readonly cp: ControlPlane;
  readonly admin: OtherixClient;
  /** A fresh temp node host (see makeNodeHost), removed after the file. */
  host(): Promise<NodeHost>;
  /** A fresh temp folder, removed after the file. */
  scratchDir(prefix: string): Promise<string>;
  /** How many times a join token was redeemed, as the CP lists it. */
  consumedCount(tokenId: string): Promise<number>;
}

/** Registers the file's before / after.always hooks on `test` and returns the handles. */
export function clusterForNodes(test: TestFn): ClusterForNodes {
  let cp: ControlPlane | undefined;
  let admin: OtherixClient | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  test.before(async () => {
    cp = await startControlPlane();
    admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  });

  test.after.always(async () => {
    await admin?.close();
    await cp?.close();
    for (const cleanup of cleanups) await cleanup();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the control plane is not started yet: use it inside a test');
    return value;
  };

  return {
    get cp() {
      return started(cp);
    },
    get admin() {
      return started(admin);
    },
    async host() {
      const made = await makeNodeHost();
      cleanups.push(made.remove);
      return made;
    },
    async scratchDir(prefix) {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return dir;
    },
    async consumedCount(tokenId) {
      const page = await started(admin).joinTokens.list({ include_expired: true, limit: 500 });
      const found = page.items.find((item) => item.id === tokenId);
      if (found === undefined) throw new Error(`token ${tokenId} not listed`);
      return found.consumed;
    },
  };
}
