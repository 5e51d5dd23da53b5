// otherix api-token list [--limit N] [--cursor C] [--output text|json]
import type { ApiTokenSummary } from '@otherix/sdk';
import type { CommandInput, PAGE_FLAGS } from '../../command-flags.js';
import { withClient } from '../../connection.js';
import { renderTable } from '../../render/table.js';
import { nextPageLine } from '../../render/next-page.js';
import { pageQuery } from '../../page-query.js';
import { formatTimestamp } from '../../render/time.js';
import { print, printJson } from '../../output.js';

const API_TOKEN_COLUMNS = ['ID', 'NAME', 'ROLE', 'EXPIRES', 'REVOKED', 'CREATED-BY'] as const;

export async function run(input: CommandInput<typeof PAGE_FLAGS>): Promise<void> {
  const { limit, cursor, output } = input.options;
  const page = await withClient(input.connection, (client) => client.apiTokens.list(pageQuery(limit, cursor)));
  if (output === 'json') return printJson(page);

  const lines = [renderTable(API_TOKEN_COLUMNS, page.items.map(apiTokenRow))];
  if (page.next_cursor !== null) lines.push(nextPageLine('api-token list', [], page.next_cursor, limit));
  print(lines.join('\n'));
}

function apiTokenRow(token: ApiTokenSummary): string[] {
  return [
    token.id,
    token.name,
    token.role,
    token.expires_at === null ? 'never' : formatTimestamp(token.expires_at),
    token.revoked ? 'yes' : 'no',
    token.created_by,
  ];
}
