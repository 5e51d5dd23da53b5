// Nodes, read and managed (SPEC §3, seed sections 4 and Day-2): list and get by name in the
// projection the caller's role receives, cordon/uncordon and delete by id.
import { isUuid } from '@otherix/sdk/internal';
import { HttpError } from '../errors.js';
import type { FleetCounts, NodeProjection, NodeStatusName, StatusRule } from '../store/node-store.js';
import type { NodeRow, Role, Store } from '../store/store.js';
import type { NodeIdentityService } from './node-identity.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY, nodeToApi, nodeToSummary } from './node-projection.js';
import type { ApiNode, ApiNodeSummary } from './node-projection.js';
import { pageRequest, withCursor } from './pages.js';

/** admin and operator see the full Node; developer and viewer the NodeSummary. */
function projectionFor(role: Role): NodeProjection {
  return role === 'admin' || role === 'operator' ? 'full' : 'summary';
}

export type ProjectedNode = { projection: 'full'; body: ApiNode } | { projection: 'summary'; body: ApiNodeSummary };

interface NodeListInput {
  architecture?: string | undefined;
  status?: NodeStatusName | undefined;
  schedulable?: boolean | undefined;
  /** RFC 3339: nodes whose current certificate ends before it. */
  cert_expires_before?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export class NodeService {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly identity: NodeIdentityService,
  ) {}

  /** The status rule at this instant, for the store's filters. */
  private rule(): StatusRule {
    return { now: this.now(), missedIntervals: MISSED_HEARTBEATS_FOR_NOT_READY, defaultIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS };
  }

  /**
   * A page as the JSON text of NodePage (admin, operator) or NodeSummaryPage (developer, viewer),
   * the nodes rendered by the store (see NodeStore.listJson) and sent as they are.
   */
  async listJson(input: NodeListInput, role: Role): Promise<string> {
    // One `now` filters the rows and derives their status: what is shown agrees with the filter.
    const rule = this.rule();
    const query = {
      ...pageRequest(input),
      architecture: input.architecture,
      status: input.status,
      schedulable: input.schedulable,
      certExpiresBefore: timeParameter('cert_expires_before', input.cert_expires_before),
      rule,
    };
    const projection = projectionFor(role);
    const page = await withCursor(() => this.store.nodes.listJson(query, projection));
    // The page says its projection (openapi.yaml's discriminator), so an empty page is one form only.
    return `{"projection":"${projection}","items":[${page.items.join(',')}],"next_cursor":${JSON.stringify(page.nextCursor)}}`;
  }

  /** Nodes by status (the same rule as every list) and their certificates' ends, for the metrics. */
  fleetCounts(certificateWindowsMs: readonly number[]): Promise<FleetCounts> {
    return this.store.nodes.fleetCounts({ rule: this.rule(), certificateWindowsMs });
  }

  async get(name: string, role: Role): Promise<ProjectedNode> {
    if (isUuid(name)) {
      throw new HttpError(
        'validation_failed',
        `node: ${name} is an id, but GET /v1/nodes/{node} takes a node name: pass the node's name, as shown by \`otherix node list\``,
        { field: 'node' },
      );
    }
    const row = await this.store.findNodeByName(name);
    if (row === undefined) throw new HttpError('not_found', `no node is named ${name}: list the nodes with \`otherix node list\``);
    const now = this.now();
    return projectionFor(role) === 'full'
      ? { projection: 'full', body: nodeToApi(row, now) }
      : { projection: 'summary', body: nodeToSummary(row, now) };
  }

  /** Synchronous and idempotent; heartbeats never lift it. */
  async setCordoned(id: string, cordoned: boolean): Promise<ApiNode> {
    assertNodeId(id);
    const row = await this.store.nodes.setCordoned(id, cordoned);
    if (row === undefined) throw notFoundById(id);
    return nodeToApi(row, this.now());
  }

  /**
   * 409 while the node reports VMs or migrations, unless forced; revokes its certificate, frees
   * its name and hosts. Returns the deleted row.
   */
  async delete(id: string, force: boolean): Promise<NodeRow> {
    assertNodeId(id);
    const row = await this.store.nodes.delete(id, (node) => {
      if (!force) assertNodeIsIdle(node);
    });
    if (row === undefined) throw notFoundById(id);
    this.identity.forget(row.name);
    return row;
  }
}

/** An RFC 3339 query parameter as epoch ms (the schema checks the form; this checks the date exists). */
function timeParameter(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value) || Number.isNaN(ms)) {
    throw new HttpError('validation_failed', `${field}: ${JSON.stringify(value)} is not an RFC 3339 time such as 2026-07-01T00:00:00Z`, {
      field,
    });
  }
  return ms;
}

function assertNodeId(id: string): void {
  if (isUuid(id)) return;
  throw new HttpError(
    'validation_failed',
    `node: ${id} is not a node id: this operation takes the node's id (a UUID), not its name; \`otherix node get ${id} --show-ids\` shows it`,
    { field: 'node' },
  );
}

function assertNodeIsIdle(node: NodeRow): void {
  if (node.vmCount === 0 && node.activeMigrations === 0) return;
  throw new HttpError(
    'conflict',
    `node ${node.name} reports ${node.vmCount} VM(s) and ${node.activeMigrations} active migration(s): cordon it and move them off first, or delete with ?force=true to abandon them`,
    { node_name: node.name, vm_count: node.vmCount, active_migrations: node.activeMigrations },
  );
}

function notFoundById(id: string): HttpError {
  return new HttpError('not_found', `no node has id ${id}: \`otherix node list --show-ids\` shows the ids`);
}
