// Connections that have not proved a credential yet, counted per source, so that one source
// cannot hold the CP's connection cap (listener.ts) with half-open connections: at ~1,000 new
// idle connections a second, one host would otherwise keep all 10,000 slots taken (each lives
// up to the handshake and headers timeouts), and new joins and agents that reconnect would be
// refused. A source is what the join guess limit counts (guess-source.ts): an IPv4 address, or
// an IPv6 /64.
//
// A connection counts from its TCP accept until its first answer that accepted a credential
// (plugins/keep-alive-policy.ts: an API token, a node's current certificate on an accepted
// request, a redeemed join), which is also what earns it keep-alive; or until it closes. So an
// agent's warm keep-alive connection, the CLI's and automation's never count, and a source
// behind which many agents sit (a NAT) is limited only in the connections still shaking hands.
// A new connection beyond the limit (listener.ts, --max-unauthenticated-per-source) is closed
// at once, before TLS.
import { guessSourceOf } from './guess-source.js';

/** The four addresses of a TCP connection (a net.Socket or the TLSSocket over it). */
export interface ConnectionAddresses {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

/** What admit() decided: a counted connection (key to release it), or a refusal naming the source. */
export type Admission = { admitted: true; key: string | undefined } | { admitted: false; source: string };

export class UnauthenticatedConnections {
  /** source -> connections of it not yet authenticated. */
  private readonly counts = new Map<string, number>();
  /** connection (its four addresses, unique among open connections) -> its source, while counted. */
  private readonly counted = new Map<string, string>();

  constructor(readonly perSource: number) {}

  /** A new connection: counted against its source, or refused when the source is at its limit. */
  admit(connection: ConnectionAddresses): Admission {
    const key = keyOf(connection);
    // Without addresses (the peer already left) there is nothing to count: it closes by itself.
    if (key === undefined || connection.remoteAddress === undefined) return { admitted: true, key: undefined };
    const source = guessSourceOf(connection.remoteAddress);
    const count = this.counts.get(source) ?? 0;
    if (count >= this.perSource) return { admitted: false, source };
    this.counts.set(source, count + 1);
    this.counted.set(key, source);
    return { admitted: true, key };
  }

  /** The connection proved a credential: it no longer counts. Idempotent. */
  authenticated(connection: ConnectionAddresses): void {
    this.release(keyOf(connection));
  }

  /** The connection closed (by its key from admit(): a closed socket has no addresses left). Idempotent. */
  closed(key: string | undefined): void {
    this.release(key);
  }

  private release(key: string | undefined): void {
    if (key === undefined) return;
    const source = this.counted.get(key);
    if (source === undefined) return;
    this.counted.delete(key);
    const left = (this.counts.get(source) ?? 1) - 1;
    if (left <= 0) this.counts.delete(source);
    else this.counts.set(source, left);
  }
}

function keyOf(connection: ConnectionAddresses): string | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = connection;
  if (remoteAddress === undefined || remotePort === undefined) return undefined;
  return `${remoteAddress} ${remotePort} ${localAddress ?? ''} ${localPort ?? ''}`;
}
