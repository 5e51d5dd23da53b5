// The project runs on the Node versions its package.json names (engines.node, the README's
// "Node.js 20.19 or newer"): every package the lock file installs must accept the oldest of
// them, or `npm ci` on that Node warns EBADENGINE (and the package may use what it lacks).
import test from 'ava';
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { repoPath } from '../harness/paths.js';

const root = (path: string): string => repoPath(path);

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

test('every package in package-lock.json accepts the oldest Node that package.json supports', (t) => {
  const project = JSON.parse(readFileSync(root('package.json'), 'utf8')) as { engines: { node: string } };
  const oldest = semver.minVersion(project.engines.node);
  t.truthy(oldest, project.engines.node);
  const lock = JSON.parse(readFileSync(root('package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
  const refusing = Object.entries(lock.packages)
    .filter(([, locked]) => !Array.isArray(locked.engines) && typeof locked.engines?.node === 'string')
    .filter(([, locked]) => !semver.satisfies(oldest!, (locked.engines as { node: string }).node))
    .map(([path, locked]) => `${path}@${locked.version ?? '?'} requires node ${(locked.engines as { node: string }).node}`);
  t.deepEqual(refusing, [], `Node ${oldest!.version} is refused by: ${refusing.join('; ')}`);
});
