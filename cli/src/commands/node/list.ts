// otherix node list [--architecture A] [--status S] [--expiring-within D] [--show-ids] [--limit N] [--cursor C] [--output text|json]
import { type NodeListQuery } from '@otherix/sdk';
import { formatDurationWithDays } from '@otherix/sdk/internal';
import type { CommandInput, NODE_LIST_FLAGS } from '../../command-flags.js';
import { withClient } from '../../connection.js';
import { nextPageLine } from '../../render/next-page.js';
import { pageQuery } from '../../page-query.js';
import { renderNodeTable } from '../../render/nodes.js';
import { print, printJson } from '../../output.js';

export async function run(input: CommandInput<typeof NODE_LIST_FLAGS>): Promise<void> {
  const { architecture, status, expiringWithin, showIds, limit, cursor, output } = input.options;
  const query: NodeListQuery = pageQuery(limit, cursor);
  if (architecture !== undefined) query.architecture = architecture;
  if (status !== undefined) query.status = status;
  // Nodes whose certificate ends within the window: the ones that failed to renew.
  if (expiringWithin !== undefined) query.cert_expires_before = new Date(Date.now() + expiringWithin).toISOString();

  const page = await withClient(input.connection, (client) => client.nodes.list(query));
  if (output === 'json') return printJson(page);

  const lines = [renderNodeTable(page, { showIds, certificates: expiringWithin !== undefined })];
  if (page.next_cursor !== null) {
    const flags = [
      ['architecture', architecture],
      ['status', status],
      ['expiring-within', expiringWithin === undefined ? undefined : formatDurationWithDays(expiringWithin)],
      ['show-ids', showIds || undefined],
    ] as const;
    lines.push(nextPageLine('node list', flags, page.next_cursor, limit));
  }
  print(lines.join('\n'));
}
