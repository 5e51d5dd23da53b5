// otherix node join-token consumptions <token-id> [--limit N] [--cursor C] [--output text|json]
import type { CommandInput, PAGE_FLAGS } from '../../../command-flags.js';
import { idArgument } from '../../../id-argument.js';
import { withClient } from '../../../connection.js';
import { renderTable } from '../../../render/table.js';
import { nextPageLine } from '../../../render/next-page.js';
import { pageQuery } from '../../../page-query.js';
import { formatTimestamp } from '../../../render/time.js';
import { print, printJson } from '../../../output.js';

const CONSUMPTION_COLUMNS = ['ID', 'NODE-ID', 'CONSUMED-AT', 'SOURCE-IP'] as const;

export async function run(input: CommandInput<typeof PAGE_FLAGS>): Promise<void> {
  const { limit, cursor, output } = input.options;
  const id = idArgument(input.args, 'a join token id', 'otherix node join-token list');
  const page = await withClient(input.connection, (client) => client.joinTokens.consumptions(id, pageQuery(limit, cursor)));
  if (output === 'json') return printJson(page);

  const rows = page.items.map((item) => [item.id, item.node_id, formatTimestamp(item.consumed_at), item.source_ip]);
  const lines = [renderTable(CONSUMPTION_COLUMNS, rows)];
  if (page.next_cursor !== null) {
    lines.push(nextPageLine(`node join-token consumptions ${id}`, [], page.next_cursor, limit));
  }
  print(lines.join('\n'));
}
