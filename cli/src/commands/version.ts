// otherix version: the version of this CLI (`otherix --version` prints the same line).
import { print } from '../output.js';
import { versionLine } from '../version.js';

export async function run(): Promise<void> {
  print(versionLine());
}
