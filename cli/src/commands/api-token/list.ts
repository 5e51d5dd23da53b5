// otherix api-token list [--limit N] [--cursor C] [--output text|json]
import type { ApiTokenSummary, PageQuery } from '@otherix/sdk';
import type { CommandInput } from '../../command-table.js';
import { limitOption, outputFormat, stringOption } from '../../argv/option-values.js';
import { withClient } from '../../connection.js';
import { renderTable } from '../../render/table.js';
import { nextPageLine } from '../../render/next-page.js';
import { formatTimestamp } from '../../render/time.js';
import { print, printJson } from '../../output.js';

export const API_TOKEN_COLUMNS = ['ID', 'NAME', 'ROLE', 'EXPIRES', 'REVOKED', 'CREATED-BY'] as const;

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const limit = limitOption(input);
  const cursor = stringOption(input, 'cursor');
  const query: PageQuery = {};
  if (limit !== undefined) query.limit = limit;
  if (cursor !== undefined) query.cursor = cursor;

  const page = await withClient(input, (client) => client.apiTokens.list(query));
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
