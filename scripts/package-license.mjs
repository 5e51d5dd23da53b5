// prepack/postpack of each workspace: the tarball carries the repository's LICENSE, which lives
// once at the root. `copy` puts it in the package folder for `npm pack`, `remove` takes it away
// (the copies are in .gitignore, so an interrupted pack leaves nothing to commit).
import { copyFileSync, rmSync } from 'node:fs';

const action = process.argv[2];
if (action === 'copy') copyFileSync(new URL('../LICENSE', import.meta.url), 'LICENSE');
else if (action === 'remove') rmSync('LICENSE', { force: true });
else {
  process.stderr.write('usage: node scripts/package-license.mjs copy|remove\n');
  process.exitCode = 2;
}
