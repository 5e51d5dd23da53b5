// The SDK's public face: what @otherix/sdk promises. Nothing else is public.
export type { paths, components, operations } from './generated/openapi.js';
