// Faults and drift a contract test asks a real CP for, by request header (startControlPlane's
// `configure`): a handler that fails (the documented 500 of every operation, through the CP's
// real error handler), and an answer that drifts from openapi.yaml (to prove the validators
// catch it).
import type { FastifyInstance } from 'fastify';

/** `internal`: the request is authenticated and validated, then its handler throws. */
export const FAULT_HEADER = 'x-contract-fault';
/** How the JSON answer drifts from the document; see DRIFTS. */
export const DRIFT_HEADER = 'x-contract-drift';

type JsonObject = Record<string, unknown>;

export const DRIFTS = {
  /** A field the schema does not have, at the top of the body. */
  'extra-field': (body: JsonObject) => void (body['unexpected_field'] = true),
  /** A field the schema does not have, in every item of a page. */
  'extra-item-field': (body: JsonObject) => {
    for (const item of body['items'] as JsonObject[]) item['unexpected_field'] = true;
  },
  /** The node page as it was before `projection`: an empty one matches both NodePage and NodeSummaryPage. */
  'no-projection': (body: JsonObject) => {
    delete body['projection'];
    for (const item of (body['items'] as JsonObject[] | undefined) ?? []) delete item['projection'];
  },
} as const;

export type Drift = keyof typeof DRIFTS;

export function injectContractFaults(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    if (request.headers[FAULT_HEADER] === 'internal') throw new Error('injected by the contract test: the handler failed');
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    const drift = request.headers[DRIFT_HEADER];
    if (typeof drift !== 'string' || !(drift in DRIFTS) || typeof payload !== 'string') return payload;
    const body = JSON.parse(payload) as JsonObject;
    DRIFTS[drift as Drift](body);
    return JSON.stringify(body);
  });
}
