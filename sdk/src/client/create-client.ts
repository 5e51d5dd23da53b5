// The typed client of the CP: openapi-fetch over the pinned undici transport. Every method
// resolves with the response body or rejects with OtherixApiError (an API error body) or
// OtherixError 'unreachable' | 'tls_failed' | 'timeout' (the connection failed).
import createOpenApiClient from 'openapi-fetch';
import type { components, paths } from '../generated/openapi.js';
import { parseHttpsUrl } from '../https-url.js';
import { apiErrorFrom } from './api-errors.js';
import { heartbeatAnswerOf, notJson } from './response-shape.js';
import { parseRetryAfter } from './retry-after.js';
import { connectionError } from './connection-errors.js';
import { eachItem } from './pagination.js';
import { createPinnedTransport, type ClientCertificate } from './transport.js';
import type {
  ApiTokenCreated,
  ApiTokenCreateRequest,
  ApiTokenPage,
  ApiTokenSummary,
  CaBundle,
  Consumption,
  ConsumptionPage,
  Health,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinRequest,
  JoinResponse,
  JoinTokenCreated,
  JoinTokenCreateRequest,
  JoinTokenListQuery,
  JoinTokenPage,
  JoinTokenSummary,
  Node,
  NodeListQuery,
  NodePage,
  NodeSummary,
  NodeSummaryPage,
  PageQuery,
  RenewRequest,
  RenewResponse,
  Whoami,
} from './types.js';

export interface ClientOptions {
  /** `https://host:port`, no path. */
  cpUrl: string;
  /** The pinned cluster CA: the only trust anchor of every connection. */
  caPem: string;
  /** An API token, sent as `Authorization: Bearer` and never logged. */
  token?: string;
  /** mTLS material (heartbeats); a function is called for every new connection. */
  clientCertificate?: ClientCertificate | (() => ClientCertificate);
  /** Per request, default DEFAULT_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
  /** Default CONTROL_PLANE_SPIFFE_ID; a server without it is refused. */
  expectedServerIdentity?: string;
  /** Told when a connection is up, before a request goes out on it (bootstrap: was the join sent?). */
  onConnect?: () => void;
  /** Answers larger than this fail with invalid_response; default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
}

export interface OtherixClient {
  /** `GET /healthz`: the CP is up (no credential needed). */
  health(): Promise<Health>;
  /** `GET /readyz`: the CP can write its database now; throws `unavailable` (503) when it cannot. */
  readiness(): Promise<Health>;
  ca: { get(): Promise<CaBundle> };
  whoami(): Promise<Whoami>;
  joinTokens: {
    create(body: JoinTokenCreateRequest): Promise<JoinTokenCreated>;
    list(query?: JoinTokenListQuery): Promise<JoinTokenPage>;
    listAll(query?: Omit<JoinTokenListQuery, 'cursor'>): AsyncIterable<JoinTokenSummary>;
    revoke(id: string): Promise<JoinTokenSummary>;
    consumptions(id: string, query?: PageQuery): Promise<ConsumptionPage>;
    consumptionsAll(id: string, query?: Omit<PageQuery, 'cursor'>): AsyncIterable<Consumption>;
  };
  nodes: {
    join(body: JoinRequest): Promise<JoinResponse>;
    heartbeat(body: HeartbeatRequest): Promise<HeartbeatResponse>;
    /** `POST /v1/nodes/renew` over mTLS with the node's current certificate (clientCertificate): a new leaf for a new key. */
    renew(body: RenewRequest): Promise<RenewResponse>;
    list(query?: NodeListQuery): Promise<NodePage | NodeSummaryPage>;
    listAll(query?: Omit<NodeListQuery, 'cursor'>): AsyncIterable<Node | NodeSummary>;
    get(name: string): Promise<Node | NodeSummary>;
    cordon(id: string): Promise<Node>;
    uncordon(id: string): Promise<Node>;
    delete(id: string, options?: { force?: boolean }): Promise<void>;
  };
  apiTokens: {
    create(body: ApiTokenCreateRequest): Promise<ApiTokenCreated>;
    list(query?: PageQuery): Promise<ApiTokenPage>;
    listAll(query?: Omit<PageQuery, 'cursor'>): AsyncIterable<ApiTokenSummary>;
    revoke(id: string): Promise<ApiTokenSummary>;
  };
  /** Closes the connections of the client's undici Agent. */
  close(): Promise<void>;
}

type Outcome<T> = { data?: T; error?: unknown; response: Response };

/** Validates the base URL once, so a typo fails as 'usage' before any connection. */
export function parseCpUrl(cpUrl: string): URL {
  return parseHttpsUrl(cpUrl, { subject: 'control-plane URL', code: 'usage', originOnly: true });
}

export function createClient(options: ClientOptions): OtherixClient {
  const base = parseCpUrl(options.cpUrl).origin;
  const transport = createPinnedTransport(options);
  const api = createOpenApiClient<paths>({
    baseUrl: base,
    // undici's Request with undici's fetch: Node's global Request would not match the dispatcher.
    Request: transport.Request as unknown as typeof Request,
    fetch: transport.fetch as unknown as (input: Request) => Promise<Response>,
    headers: options.token !== undefined ? { Authorization: `Bearer ${options.token}` } : {},
  });

  async function call<T>(path: string, run: () => Promise<Outcome<T>>): Promise<T> {
    let outcome: Outcome<T>;
    try {
      outcome = await run();
    } catch (error) {
      // A 2xx answer whose body does not parse: the server answered, but not as the CP would.
      if (error instanceof SyntaxError) throw notJson(`${base}${path}`, error);
      throw connectionError(error, `${base}${path}`, transport.requestTimeoutMs) ?? error;
    }
    const { response } = outcome;
    if (!response.ok) throw apiErrorFrom(response.status, outcome.error, `${base}${path}`, parseRetryAfter(response.headers.get('retry-after')));
    return outcome.data as T;
  }

  const joinTokens: OtherixClient['joinTokens'] = {
    // The CP fills ttl_seconds and max_uses with their defaults when absent.
    create: (body) =>
      call('/v1/nodes/join-tokens', () =>
        api.POST('/v1/nodes/join-tokens', { body: body as components['schemas']['JoinTokenCreateRequest'] }),
      ),
    list: (query = {}) => call('/v1/nodes/join-tokens', () => api.GET('/v1/nodes/join-tokens', { params: { query } })),
    listAll: (query = {}) => eachItem((cursor) => joinTokens.list({ ...query, ...(cursor ? { cursor } : {}) })),
    revoke: (id) =>
      call(`/v1/nodes/join-tokens/${id}/revoke`, () =>
        api.POST('/v1/nodes/join-tokens/{id}/revoke', { params: { path: { id } } }),
      ),
    consumptions: (id, query = {}) =>
      call(`/v1/nodes/join-tokens/${id}/consumptions`, () =>
        api.GET('/v1/nodes/join-tokens/{id}/consumptions', { params: { path: { id }, query } }),
      ),
    consumptionsAll: (id, query = {}) =>
      eachItem((cursor) => joinTokens.consumptions(id, { ...query, ...(cursor ? { cursor } : {}) })),
  };

  const nodes: OtherixClient['nodes'] = {
    join: (body) => call('/v1/nodes/join', () => api.POST('/v1/nodes/join', { body })),
    heartbeat: async (body) =>
      heartbeatAnswerOf(await call('/v1/nodes/heartbeat', () => api.POST('/v1/nodes/heartbeat', { body })), `${base}/v1/nodes/heartbeat`),
    renew: (body) => call('/v1/nodes/renew', () => api.POST('/v1/nodes/renew', { body })),
    list: (query = {}) => call('/v1/nodes', () => api.GET('/v1/nodes', { params: { query } })),
    listAll: (query = {}) =>
      eachItem<Node | NodeSummary>((cursor) => nodes.list({ ...query, ...(cursor ? { cursor } : {}) })),
    get: (name) => call(`/v1/nodes/${name}`, () => api.GET('/v1/nodes/{node}', { params: { path: { node: name } } })),
    cordon: (id) =>
      call(`/v1/nodes/${id}/cordon`, () => api.POST('/v1/nodes/{node}/cordon', { params: { path: { node: id } } })),
    uncordon: (id) =>
      call(`/v1/nodes/${id}/uncordon`, () => api.POST('/v1/nodes/{node}/uncordon', { params: { path: { node: id } } })),
    delete: async (id, deleteOptions = {}) => {
      const query = deleteOptions.force === true ? { force: true } : {};
      await call(`/v1/nodes/${id}`, () => api.DELETE('/v1/nodes/{node}', { params: { path: { node: id }, query } }));
    },
  };

  const apiTokens: OtherixClient['apiTokens'] = {
    create: (body) => call('/v1/api-tokens', () => api.POST('/v1/api-tokens', { body })),
    list: (query = {}) => call('/v1/api-tokens', () => api.GET('/v1/api-tokens', { params: { query } })),
    listAll: (query = {}) => eachItem((cursor) => apiTokens.list({ ...query, ...(cursor ? { cursor } : {}) })),
    revoke: (id) =>
      call(`/v1/api-tokens/${id}/revoke`, () => api.POST('/v1/api-tokens/{id}/revoke', { params: { path: { id } } })),
  };

  return {
    health: () => call('/healthz', () => api.GET('/healthz')),
    readiness: () => call('/readyz', () => api.GET('/readyz')),
    ca: { get: () => call('/v1/ca', () => api.GET('/v1/ca')) },
    whoami: () => call('/v1/whoami', () => api.GET('/v1/whoami')),
    joinTokens,
    nodes,
    apiTokens,
    close: () => transport.dispatcher.close(),
  };
}
