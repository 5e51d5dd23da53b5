// The typed client of the CP: openapi-fetch over the pinned undici transport. Every method
// resolves with the response body or rejects with OtherixApiError (an API error body) or
// OtherixError 'unreachable' | 'tls_failed' | 'timeout' (the connection failed).
import createOpenApiClient from 'openapi-fetch';
import type { components, paths } from '../generated/openapi.js';
import { parseHttpsUrl } from '../https-url.js';
import { apiErrorFrom, isApiErrorBody } from './api-errors.js';
import { parseCpUrls } from './cp-urls.js';
import { callError, movesOn, type AttemptFailure, type CallKind } from './failover.js';
import { heartbeatAnswerOf, notJson } from './response-shape.js';
import { parseRetryAfter } from './retry-after.js';
import { connectionError } from './connection-errors.js';
import { isOtherixError } from '../errors.js';
import { eachItem } from './pagination.js';
import { createPinnedTransport, type ClientCertificate } from './transport.js';
import type {
  ApiTokenCreated,
  ApiTokenCreateRequest,
  ApiTokenPage,
  ApiTokenSummary,
  CaBundle,
  CaRotation,
  CaRotationRequest,
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
  /**
   * `https://host:port`, no path; or several replicas of one cluster, comma-separated or as an
   * array: a call moves on to the next URL on a connection failure or a 5xx, as failover.ts says.
   */
  cpUrl: string | readonly string[];
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
  /** Told when a connection is up (TLS done, identity checked), before a request goes out on it. */
  onConnect?: () => void;
  /** Answers larger than this fail with invalid_response; default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  /** Told when a call leaves a URL for the next one (several URLs), with the failure's code. */
  onFailover?: (event: { from: string; to: string; code: string }) => void;
}

export interface OtherixClient {
  /** `GET /healthz`: the CP is up (no credential needed). */
  health(): Promise<Health>;
  /** `GET /readyz`: the CP can write its database now; throws `unavailable` (503) when it cannot. */
  readiness(): Promise<Health>;
  ca: {
    get(): Promise<CaBundle>;
    /** `GET /v1/ca/rotation` (admin): the CA rotation's phase and progress. */
    rotation(): Promise<CaRotation>;
    /** `POST /v1/ca/rotation` (admin): the next phase, or a rollback; `force` leaves a phase with nodes lagging. */
    moveRotation(body: CaRotationRequest): Promise<CaRotation>;
  };
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

/**
 * Validates a CP base URL once (`https://host:port`, no path, query or credentials), so a typo
 * fails before any connection.
 * @throws OtherixError `usage` naming what is wrong with the URL.
 */
export function parseCpUrl(cpUrl: string): URL {
  return parseHttpsUrl(cpUrl, { subject: 'control-plane URL', code: 'usage', originOnly: true });
}

/**
 * The typed client of the CP over connections that trust only `caPem` (a pinned CA: see pinCa
 * or connectAdmin) and accept only a server with the CP's SPIFFE identity. Creating it sends
 * nothing; every method resolves with the answer's body.
 * @throws OtherixError `usage` for a bad cpUrl (at creation). Each method rejects with
 *   OtherixApiError carrying the API's code and HTTP status (`unauthenticated`, `forbidden`,
 *   `not_found`, `conflict`, `validation_failed`, `rate_limited`, ...) or OtherixError
 *   `unreachable`, `tls_failed`, `timeout`, `invalid_response` when the connection fails.
 * @example
 * const client = createClient({ cpUrl, caPem: (await pinCa({ cpUrl, fingerprint })).caPem, token });
 * for await (const node of client.nodes.listAll({ status: 'ready' })) console.log(node.name);
 */
export function createClient(options: ClientOptions): OtherixClient {
  const origins = parseCpUrls(options.cpUrl);
  // One pinned transport for every URL: each connection, whatever its URL, gets the same checks.
  const transport = createPinnedTransport(options);
  const apis = origins.map((base) =>
    createOpenApiClient<paths>({
      baseUrl: base,
      // undici's Request with undici's fetch: Node's global Request would not match the dispatcher.
      Request: transport.Request as unknown as typeof Request,
      fetch: transport.fetch as unknown as (input: Request) => Promise<Response>,
      headers: options.token !== undefined ? { Authorization: `Bearer ${options.token}` } : {},
    }),
  );
  type Api = (typeof apis)[number];
  /** The URL that answered last: each call starts there (failover.ts). */
  let preferred = 0;
  const base = (): string => origins[preferred];

  /** One attempt at one URL: the answer's data, or the failure as the client tells it. */
  async function attempt<T>(index: number, path: string, run: (api: Api) => Promise<Outcome<T>>): Promise<T> {
    const url = `${origins[index]}${path}`;
    let outcome: Outcome<T>;
    try {
      outcome = await run(apis[index]);
    } catch (error) {
      // A 2xx answer whose body does not parse: the server answered, but not as the CP would.
      if (error instanceof SyntaxError) throw notJson(url, error);
      throw connectionError(error, url, transport.requestTimeoutMs) ?? error;
    }
    const { response } = outcome;
    if (!response.ok) throw apiErrorFrom(response.status, outcome.error, url, parseRetryAfter(response.headers.get('retry-after')));
    return outcome.data as T;
  }

  /** The call at each URL in turn from the preferred one, as far as failover.ts allows. */
  async function call<T>(path: string, run: (api: Api) => Promise<Outcome<T>>, kind: CallKind = 'repeatable'): Promise<T> {
    const failures: AttemptFailure[] = [];
    const start = preferred;
    for (let step = 0; step < origins.length; step++) {
      const index = (start + step) % origins.length;
      const origin = origins[index];
      const mark = transport.connections.mark(origin);
      let cpAnswered = false;
      try {
        const data = await attempt(index, path, async (api) => {
          const outcome = await run(api);
          cpAnswered = isApiErrorBody(outcome.error);
          return outcome;
        });
        preferred = index;
        return data;
      } catch (error) {
        const failure: AttemptFailure = {
          cpUrl: origin,
          error,
          mayHaveArrived: transport.connections.mayHaveSent(origin, mark),
          cpAnswered,
        };
        failures.push(failure);
        // A refusal is the cluster's answer: that replica is up, and stays the one to start at.
        if (isOtherixError(error) && 'status' in error && (error as { status: number }).status < 500) preferred = index;
        if (!movesOn(failure, kind)) break;
        if (step < origins.length - 1) {
          options.onFailover?.({
            from: origin,
            to: origins[(index + 1) % origins.length],
            code: isOtherixError(error) ? error.code : 'error',
          });
        }
      }
    }
    // A single URL throws its error as it came; several say what each did.
    throw callError(failures, kind);
  }

  const joinTokens: OtherixClient['joinTokens'] = {
    // The CP fills ttl_seconds and max_uses with their defaults when absent.
    create: (body) =>
      call(
        '/v1/nodes/join-tokens',
        (api) => api.POST('/v1/nodes/join-tokens', { body: body as components['schemas']['JoinTokenCreateRequest'] }),
        'once',
      ),
    list: (query = {}) => call('/v1/nodes/join-tokens', (api) => api.GET('/v1/nodes/join-tokens', { params: { query } })),
    listAll: (query = {}) => eachItem((cursor) => joinTokens.list({ ...query, ...(cursor ? { cursor } : {}) })),
    revoke: (id) =>
      call(`/v1/nodes/join-tokens/${id}/revoke`, (api) => api.POST('/v1/nodes/join-tokens/{id}/revoke', { params: { path: { id } } })),
    consumptions: (id, query = {}) =>
      call(`/v1/nodes/join-tokens/${id}/consumptions`, (api) =>
        api.GET('/v1/nodes/join-tokens/{id}/consumptions', { params: { path: { id }, query } }),
      ),
    consumptionsAll: (id, query = {}) => eachItem((cursor) => joinTokens.consumptions(id, { ...query, ...(cursor ? { cursor } : {}) })),
  };

  const nodes: OtherixClient['nodes'] = {
    join: (body) => call('/v1/nodes/join', (api) => api.POST('/v1/nodes/join', { body }), 'once'),
    heartbeat: async (body) =>
      heartbeatAnswerOf(
        await call('/v1/nodes/heartbeat', (api) => api.POST('/v1/nodes/heartbeat', { body })),
        `${base()}/v1/nodes/heartbeat`,
      ),
    renew: (body) => call('/v1/nodes/renew', (api) => api.POST('/v1/nodes/renew', { body })),
    list: (query = {}) => call('/v1/nodes', (api) => api.GET('/v1/nodes', { params: { query } })),
    listAll: (query = {}) => eachItem<Node | NodeSummary>((cursor) => nodes.list({ ...query, ...(cursor ? { cursor } : {}) })),
    get: (name) => call(`/v1/nodes/${name}`, (api) => api.GET('/v1/nodes/{node}', { params: { path: { node: name } } })),
    cordon: (id) => call(`/v1/nodes/${id}/cordon`, (api) => api.POST('/v1/nodes/{node}/cordon', { params: { path: { node: id } } })),
    uncordon: (id) => call(`/v1/nodes/${id}/uncordon`, (api) => api.POST('/v1/nodes/{node}/uncordon', { params: { path: { node: id } } })),
    delete: async (id, deleteOptions = {}) => {
      const query = deleteOptions.force === true ? { force: true } : {};
      await call(`/v1/nodes/${id}`, (api) => api.DELETE('/v1/nodes/{node}', { params: { path: { node: id }, query } }), 'once');
    },
  };

  const apiTokens: OtherixClient['apiTokens'] = {
    create: (body) => call('/v1/api-tokens', (api) => api.POST('/v1/api-tokens', { body }), 'once'),
    list: (query = {}) => call('/v1/api-tokens', (api) => api.GET('/v1/api-tokens', { params: { query } })),
    listAll: (query = {}) => eachItem((cursor) => apiTokens.list({ ...query, ...(cursor ? { cursor } : {}) })),
    revoke: (id) => call(`/v1/api-tokens/${id}/revoke`, (api) => api.POST('/v1/api-tokens/{id}/revoke', { params: { path: { id } } })),
  };

  return {
    health: () => call('/healthz', (api) => api.GET('/healthz')),
    readiness: () => call('/readyz', (api) => api.GET('/readyz')),
    ca: {
      get: () => call('/v1/ca', (api) => api.GET('/v1/ca')),
      rotation: () => call('/v1/ca/rotation', (api) => api.GET('/v1/ca/rotation')),
      moveRotation: (body) => call('/v1/ca/rotation', (api) => api.POST('/v1/ca/rotation', { body: { force: false, ...body } }), 'once'),
    },
    whoami: () => call('/v1/whoami', (api) => api.GET('/v1/whoami')),
    joinTokens,
    nodes,
    apiTokens,
    close: () => transport.dispatcher.close(),
  };
}
