// Nodes as an operator reads them. A role gets either the full `Node` or the reduced
// `NodeSummary`, and every body says which (`projection`); the views show what it holds.
import { isFullNode, isFullNodePage } from '@otherix/sdk';
import { escapeControlCharacters } from '@otherix/sdk/internal';
import type { Node, NodePage, NodeSummary, NodeSummaryPage } from '@otherix/sdk';
import { renderTable } from './table.js';
import { formatAge, formatTimestamp } from './time.js';
import { formatTimeLeft } from './time-left.js';

const NODE_COLUMNS = ['NAME', 'STATUS', 'ARCHITECTURE', 'ENDPOINT', 'LAST-HEARTBEAT'] as const;

/** With `certificates` (node list --expiring-within), the full projection adds when each node's certificate ends. */
export function renderNodeTable(
  page: NodePage | NodeSummaryPage,
  options: { showIds: boolean; certificates?: boolean; now?: number },
): string {
  // The reduced projection has no endpoint: the column is left out rather than shown empty. The
  // page says its projection, so an empty page has the columns its role would see.
  const full = isFullNodePage(page);
  const certificates = full && options.certificates === true;
  const headers: string[] = [
    ...(options.showIds ? ['ID'] : []),
    ...NODE_COLUMNS.filter((column) => full || column !== 'ENDPOINT'),
    ...(certificates ? ['CERT-EXPIRES'] : []),
  ];
  const nodes: readonly (Node | NodeSummary)[] = page.items;
  const rows = nodes.map((node) => [
    ...(options.showIds ? [node.id] : []),
    node.name,
    node.status,
    node.architecture,
    ...(full ? [isFullNode(node) ? node.advertised_endpoint : '-'] : []),
    formatAge(node.last_heartbeat_at, options.now),
    ...(certificates ? [isFullNode(node) ? formatTimestamp(node.certificate.not_after) : '-'] : []),
  ]);
  return renderTable(headers, rows);
}

export function renderNodeDetail(node: Node | NodeSummary, options: { showIds: boolean; now?: number }): string {
  const fields: [string, string][] = [];
  if (options.showIds) fields.push(['ID', node.id]);
  fields.push(['Name', node.name], ['Status', node.status], ['Architecture', node.architecture]);
  if (isFullNode(node)) {
    fields.push(
      ['Endpoint', node.advertised_endpoint],
      ['Migration', `${node.migration.host} ports ${node.migration.port_range_start}-${node.migration.port_range_end}`],
      ['Agent version', node.agent_version],
      ['VMs', String(node.vm_count)],
      ['Active migrations', String(node.active_migrations)],
      ['Certificate serial', node.certificate.serial],
      ['Certificate expires', formatTimestamp(node.certificate.not_after)],
      // The agent renews at 2/3 of the lifetime: a certificate close to its end failed to renew.
      ['Certificate ends', formatTimeLeft(node.certificate.not_after, options.now)],
      ['Created', `${formatTimestamp(node.created_at)} (${formatAge(node.created_at, options.now)})`],
    );
  }
  fields.push(['Last heartbeat', heartbeat(node.last_heartbeat_at, options.now)]);
  if (isFullNode(node)) {
    const hardware = node.hardware;
    if (hardware === null) fields.push(['Hardware', 'not reported yet (no heartbeat)']);
    else {
      fields.push(
        ['Hardware', ''],
        ['  CPU', `${hardware.cpu_model} (${hardware.cpu_count} CPUs)`],
        ['  Memory', formatBytes(hardware.memory_bytes)],
        ['  KVM', hardware.kvm_present ? 'present' : 'absent'],
        ['  Host name', hardware.hostname],
        ['  Kernel', hardware.kernel],
      );
    }
  }
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  // Node-written values (hardware, agent version, endpoint) are shown with control characters escaped.
  return fields
    .map(([label, value]) => (value === '' ? `${label}:` : `${`${label}:`.padEnd(width)}  ${escapeControlCharacters(value)}`))
    .join('\n');
}

function heartbeat(iso: string | null, now: number | undefined): string {
  return iso === null ? 'never' : `${formatAge(iso, now)} (${formatTimestamp(iso)})`;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
