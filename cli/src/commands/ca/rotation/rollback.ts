// otherix ca rotation rollback [--output text|json]
import type { CommandInput, OUTPUT_FLAGS } from '../../../command-flags.js';
import { withClient } from '../../../connection.js';
import { print, printJson } from '../../../output.js';
import { renderCaRotation } from '../../../render/ca-rotation.js';

export async function run(input: CommandInput<typeof OUTPUT_FLAGS>): Promise<void> {
  const rotation = await withClient(input.connection, (client) => client.ca.moveRotation({ target: 'rollback' }));
  if (input.options.output === 'json') return printJson(rotation);
  print(renderCaRotation(rotation));
}
