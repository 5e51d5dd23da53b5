// otherix node join-token consumptions <token-id> [--limit N] [--cursor C] [--output text|json]
import type { PageQuery } from '@otherix/sdk';
import type { CommandInput } from '../../../command-table.js';
import { limitOption, outputFormat, stringOption } from '../../../argv/option-values.js';
import { idArgument } from '../../../argv/id-argument.js';
import { withClient } from '../../../connection.js';
import { renderTable } from '../../../render/table.js';
import { nextPageLine } from '../../../render/next-page.js';
import { formatTimestamp } from '../../../render/time.js';
import { print, printJson } from '../../../output.js';

export const CONSUMPTION_COLUMNS = ['ID', 'NODE-ID', 'CONSUMED-AT', 'SOURCE-IP'] as const;

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const id = idArgument(input, 'a join token id', 'otherix node join-token list');
  const limit = limitOption(input);
  const cursor = stringOption(input, 'cursor');
  const query: PageQuery = {};
  if (limit !== undefined) query.limit = limit;
  if (cursor !== undefined) query.cursor = cursor;

  const page = await withClient(input, (client) => client.joinTokens.consumptions(id, query));
  if (output === 'json') return printJson(page);

  const rows = page.items.map((item) => [item.id, item.node_id, formatTimestamp(item.consumed_at), item.source_ip]);
  const lines = [renderTable(CONSUMPTION_COLUMNS, rows)];
  if (page.next_cursor !== null) {
    lines.push(nextPageLine(`node join-token consumptions ${id}`, [], page.next_cursor, limit));
  }
  print(lines.join('\n'));
}
