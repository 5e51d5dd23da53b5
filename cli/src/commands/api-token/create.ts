// otherix api-token create --name NAME --role admin|operator|developer|viewer [--ttl D] [--output text|json]
import type { ApiTokenCreateRequest, ApiTokenCreated } from '@otherix/sdk';
import type { API_TOKEN_CREATE_FLAGS, CommandInput } from '../../command-flags.js';
import { withClient } from '../../connection.js';
import { formatTimestamp } from '../../render/time.js';
import { print, printJson } from '../../output.js';

export async function run(input: CommandInput<typeof API_TOKEN_CREATE_FLAGS>): Promise<void> {
  const { name, role, ttl, output } = input.options;
  const request: ApiTokenCreateRequest = { name, role };
  if (ttl !== undefined) request.ttl_seconds = ttl;

  const created = await withClient(input.connection, (client) => client.apiTokens.create(request));
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
