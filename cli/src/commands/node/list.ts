// otherix node list [--architecture A] [--status S] [--expiring-within D] [--show-ids] [--limit N] [--cursor C] [--output text|json]
import type { NodeListQuery, NodeStatus } from '@otherix/sdk';
import type { CommandInput } from '../../command-table.js';
import { booleanOption, choiceOption, limitOption, outputFormat, stringOption } from '../../argv/option-values.js';
import { expiryWindowOption } from '../../argv/expiry-window-option.js';
import { withClient } from '../../connection.js';
import { nextPageLine } from '../../render/next-page.js';
import { renderNodeTable } from '../../render/nodes.js';
import { print, printJson } from '../../output.js';

const STATUSES: readonly NodeStatus[] = ['pending', 'ready', 'not_ready', 'cordoned'];

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const showIds = booleanOption(input, 'showIds');
  const architecture = stringOption(input, 'architecture');
  const status = choiceOption(input, 'status', STATUSES);
  const limit = limitOption(input);
  const cursor = stringOption(input, 'cursor');
  // Nodes whose certificate ends within the window: the ones that failed to renew.
  const expiring = expiryWindowOption(input, 'expiring-within');
  const query: NodeListQuery = {};
  if (expiring !== undefined) query.cert_expires_before = expiring.before;
  if (architecture !== undefined) query.architecture = architecture;
  if (status !== undefined) query.status = status;
  if (limit !== undefined) query.limit = limit;
  if (cursor !== undefined) query.cursor = cursor;

  const page = await withClient(input, (client) => client.nodes.list(query));
  if (output === 'json') return printJson(page);

  const lines = [renderNodeTable(page, { showIds, certificates: expiring !== undefined })];
  if (page.next_cursor !== null) {
    const flags = [['architecture', architecture], ['status', status], ['expiring-within', expiring?.text], ['show-ids', showIds || undefined]] as const;
    lines.push(nextPageLine('node list', flags, page.next_cursor, limit));
  }
  print(lines.join('\n'));
}
