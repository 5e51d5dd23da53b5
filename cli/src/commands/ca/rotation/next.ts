// otherix ca rotation next [--force] [--output text|json]
import type { CA_ROTATION_NEXT_FLAGS, CommandInput } from '../../../command-flags.js';
import { withClient } from '../../../connection.js';
import { print, printJson } from '../../../output.js';
import { renderCaRotation } from '../../../render/ca-rotation.js';

export async function run(input: CommandInput<typeof CA_ROTATION_NEXT_FLAGS>): Promise<void> {
  const rotation = await withClient(input.connection, (client) =>
    client.ca.moveRotation({ target: 'next', force: input.options.force === true }),
  );
  if (input.options.output === 'json') return printJson(rotation);
  print(renderCaRotation(rotation));
}
