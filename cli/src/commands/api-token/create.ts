// otherix api-token create --name NAME --role admin|operator|developer|viewer [--ttl D] [--output text|json]
import type { ApiTokenCreateRequest, ApiTokenCreated, Role } from '@otherix/sdk';
import type { CommandInput } from '../../command-table.js';
import { choiceOption, outputFormat, requiredString } from '../../argv/option-values.js';
import { durationSecondsOption } from '../../argv/duration-option.js';
import { UsageError } from '../../errors.js';
import { withClient } from '../../connection.js';
import { formatTimestamp } from '../../render/time.js';
import { print, printJson } from '../../output.js';

const ROLES: readonly Role[] = ['admin', 'operator', 'developer', 'viewer'];

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const name = requiredString(input, 'name');
  const role = choiceOption(input, 'role', ROLES);
  if (role === undefined) throw new UsageError(`--role is required: one of ${ROLES.join(', ')}`);
  const request: ApiTokenCreateRequest = { name, role };
  const ttl = durationSecondsOption(input, 'ttl');
  if (ttl !== undefined) request.ttl_seconds = ttl;

  const created = await withClient(input, (client) => client.apiTokens.create(request));
  if (output === 'json') return printJson(created);
  print(renderApiTokenCreated(created));
}

function renderApiTokenCreated(created: ApiTokenCreated): string {
  return [
    `API token created (id: ${created.id}):`,
    `  ${created.token}`,
    `Name: ${created.name}. Role: ${created.role}.`,
    `Expires: ${created.expires_at === null ? 'never' : formatTimestamp(created.expires_at)}.`,
    'Save it NOW - server stores only hash, plaintext cannot be retrieved.',
  ].join('\n');
}
