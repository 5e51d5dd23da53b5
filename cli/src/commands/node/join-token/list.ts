// otherix node join-token list [--include-expired] [--limit N] [--cursor C] [--output text|json]
import type { JoinTokenListQuery, JoinTokenSummary } from '@otherix/sdk';
import type { CommandInput, JOIN_TOKEN_LIST_FLAGS } from '../../../command-flags.js';
import { withClient } from '../../../connection.js';
import { renderTable } from '../../../render/table.js';
import { nextPageLine } from '../../../render/next-page.js';
import { pageQuery } from '../../../page-query.js';
import { formatSeconds } from '../../../render/time.js';
import { print, printJson } from '../../../output.js';

const JOIN_TOKEN_COLUMNS = ['ID', 'NODE-NAME', 'TTL-REMAINING', 'MAX-USES', 'CONSUMED', 'CREATED-BY'] as const;

export async function run(input: CommandInput<typeof JOIN_TOKEN_LIST_FLAGS>): Promise<void> {
  const { includeExpired, limit, cursor, output } = input.options;
  const query: JoinTokenListQuery = pageQuery(limit, cursor);
  if (includeExpired) query.include_expired = true;

  const page = await withClient(input.connection, (client) => client.joinTokens.list(query));
  if (output === 'json') return printJson(page);

  const lines = [renderTable(JOIN_TOKEN_COLUMNS, page.items.map(joinTokenRow))];
  if (page.next_cursor !== null) {
    lines.push(nextPageLine('node join-token list', [['include-expired', includeExpired || undefined]], page.next_cursor, limit));
  }
  print(lines.join('\n'));
}

function joinTokenRow(token: JoinTokenSummary): string[] {
  return [
    token.id,
    token.node_name ?? '-',
    remaining(token),
    token.max_uses === 0 ? 'unlimited' : String(token.max_uses),
    String(token.consumed),
    token.created_by,
  ];
}

function remaining(token: JoinTokenSummary): string {
  if (token.revoked) return 'revoked';
  if (token.ttl_remaining_seconds === 0) return 'expired';
  return formatSeconds(token.ttl_remaining_seconds);
}
