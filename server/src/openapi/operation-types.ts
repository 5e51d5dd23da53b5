// Request types of an operation, from the generated `operations` (openapi-typescript).
import type { operations } from '@otherix/sdk';
import type { OperationId } from './route-schema.js';

type Parameters<Op extends OperationId> = operations[Op] extends { parameters: infer P } ? P : never;

type BodyOf<Op extends OperationId> = operations[Op] extends { requestBody: { content: { 'application/json': infer B } } }
  ? B
  : operations[Op] extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : undefined;
type QueryOf<Op extends OperationId> = Parameters<Op> extends { query?: infer Q } ? NonNullable<Q> : Record<string, never>;
type ParamsOf<Op extends OperationId> = Parameters<Op> extends { path: infer P } ? P : Record<string, never>;

/** The RouteGeneric of an operation, for app.get<RouteOf<'listJoinTokens'>>(...). */
export interface RouteOf<Op extends OperationId> {
  Body: BodyOf<Op>;
  Querystring: QueryOf<Op>;
  Params: ParamsOf<Op>;
}
