// The API's bodies under the names the SDK promises; aliases of the generated schemas, so
// openapi.yaml stays the single source of truth.
import type { components } from '../generated/openapi.js';

type Schemas = components['schemas'];

export type Health = Schemas['Health'];
export type CaBundle = Schemas['CaBundle'];
export type CaRotation = Schemas['CaRotation'];
export type CaRotationRequest = WithOptional<Schemas['CaRotationRequest'], 'force'>;
export type Whoami = Schemas['Whoami'];
export type Role = Schemas['Role'];
export type ApiErrorBody = Schemas['Error'];
export type TokenRejectedReason = Schemas['TokenRejectedReason'];

/** Fields with a server-side default are optional to send (openapi-typescript marks them required). */
type WithOptional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type JoinTokenCreateRequest = WithOptional<Schemas['JoinTokenCreateRequest'], 'ttl_seconds' | 'max_uses'>;
export type JoinTokenCreated = Schemas['JoinTokenCreated'];
export type JoinTokenSummary = Schemas['JoinTokenSummary'];
export type JoinTokenPage = Schemas['JoinTokenPage'];
export type Consumption = Schemas['Consumption'];
export type ConsumptionPage = Schemas['ConsumptionPage'];

export type Migration = Schemas['Migration'];
export type JoinRequest = Schemas['JoinRequest'];
export type JoinResponse = Schemas['JoinResponse'];
export type Hardware = Schemas['Hardware'];
export type HeartbeatRequest = Schemas['HeartbeatRequest'];
export type RenewRequest = Schemas['RenewRequest'];
export type RenewResponse = Schemas['RenewResponse'];
export type HeartbeatResponse = Schemas['HeartbeatResponse'];
export type NodeStatus = Schemas['NodeStatus'];
export type NodeCertificate = Schemas['NodeCertificate'];
export type Node = Schemas['Node'];
export type NodeSummary = Schemas['NodeSummary'];
export type NodePage = Schemas['NodePage'];
export type NodeSummaryPage = Schemas['NodeSummaryPage'];

export type ApiTokenCreateRequest = Schemas['ApiTokenCreateRequest'];
export type ApiTokenCreated = Schemas['ApiTokenCreated'];
export type ApiTokenSummary = Schemas['ApiTokenSummary'];
export type ApiTokenPage = Schemas['ApiTokenPage'];

/** Query of `GET /v1/join-tokens`. */
export interface JoinTokenListQuery {
  include_expired?: boolean;
  limit?: number;
  cursor?: string;
}
/** Query of `GET /v1/nodes`. */
export interface NodeListQuery {
  architecture?: string;
  status?: NodeStatus;
  schedulable?: boolean;
  /** RFC 3339: only nodes whose current certificate ends before it. */
  cert_expires_before?: string;
  limit?: number;
  cursor?: string;
}
/** Query of the other cursor-paginated lists. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}
