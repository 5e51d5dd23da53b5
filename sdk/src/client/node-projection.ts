// The two projections of a node (openapi.yaml conventions): every node body and every page of
// `GET /v1/nodes` carries `projection`, `full` (admin, operator) or `summary` (developer,
// viewer). These guards read that field only, so they are exact for the generated types, and an
// empty page narrows as well as a full one.
import type { Node, NodePage, NodeSummary, NodeSummaryPage } from './types.js';

export type NodeProjection = Node['projection'] | NodeSummary['projection'];

/**
 * A `Node` (the full projection admins and operators receive), not a `NodeSummary` (developers,
 * viewers): decided by the body's `projection` field.
 * @throws nothing
 * @example
 * const node = await client.nodes.get(id);
 * if (isFullNode(node)) console.log(node.certificate);
 */
export function isFullNode(node: Node | NodeSummary): node is Node {
  return node.projection === 'full';
}

/**
 * A `NodePage` (full nodes), not a `NodeSummaryPage`; decided by the page itself, so also when it is empty.
 * @throws nothing
 */
export function isFullNodePage(page: NodePage | NodeSummaryPage): page is NodePage {
  return page.projection === 'full';
}
