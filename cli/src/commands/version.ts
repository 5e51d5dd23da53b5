// otherix version: the version of this CLI (`otherix --version` prints the same line).
import type { CommandInput, VERSION_FLAGS } from '../command-table.js';
import { print } from '../output.js';
import { versionLine } from '../version.js';

export async function run(_input: CommandInput<typeof VERSION_FLAGS>): Promise<void> {
  print(versionLine());
}
