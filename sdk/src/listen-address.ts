// `HOST:PORT`, the address a server binds: the CP's `--listen`, the agent's `listen` in
// agent.yaml and bootstrap's `--listen` that writes it. One reading for all three, so a value
// one of them accepts is never refused by another. Each caller says in its own words where the
// value came from and what to fix; this says what is wrong with it.
import { isIP } from 'node:net';
import { hostShapeProblem, unbracketHost } from './names.js';

export interface ListenAddress {
  /** As node's listen() wants it: IPv6 without brackets. */
  host: string;
  /** 0 takes a free port. */
  port: number;
}

/** Why a value is not a listen address: its shape, or its host (then `problem` completes "its host ..."). */
export type ListenAddressProblem = { kind: 'shape' } | { kind: 'host'; host: string; problem: string };

export type ListenAddressParse = { ok: true; address: ListenAddress } | { ok: false; problem: ListenAddressProblem };

const HOST_PORT = /^(\[[^\]]*\]|[^:[\]]*):(\d{1,5})$/;

/**
 * Reads `HOST:PORT` (surrounding blanks ignored): the host an IP address (IPv6 in brackets,
 * `[::]:9443`) or a DNS name, shaped as the SDK's hostShapeProblem reads hosts (a bind address
 * may be unspecified, 0.0.0.0 or ::, which no certificate may name), the port 0 to 65535.
 */
export function readListenAddress(text: string): ListenAddressParse {
  const match = HOST_PORT.exec(text.trim());
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || port > 65535) return { ok: false, problem: { kind: 'shape' } };
  const host = match[1];
  const problem = hostShapeProblem(host);
  if (problem !== undefined) return { ok: false, problem: { kind: 'host', host, problem } };
  return { ok: true, address: { host: unbracketHost(host), port } };
}

/** `host:port` for a message or a URL: an IPv6 host in brackets. */
export function formatHostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
