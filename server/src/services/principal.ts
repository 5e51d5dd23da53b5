// Who is calling: the API token a request was authenticated with.
import type { Role } from '../store/store.js';

export interface Principal {
  tokenId: string;
  /** The token's name: shown as CREATED-BY on what it mints. */
  name: string;
  role: Role;
}
