// The audit trail's vocabulary: every change a person (through an API token) or a node makes is
// one of these events, logged once at info by audit() (./audit.ts). The names are stable: log
// pipelines match on `event`. Fields are identifiers and facts, never a secret (no token, key,
// CSR or certificate body) and never text a node wrote freely (advertised_endpoint, hardware).
// server/README.md has the table, held to this list by test/control-plane/audit-events.test.ts.
import type { Role } from '../store/store.js';

/** Who made the change. */
export type AuditActor =
  /** A person or automation, by the API token of the request. */
  | { kind: 'api_token'; id: string; name: string; role: Role }
  /** A joining host, by the join token it redeemed (it has no identity before the join). */
  | { kind: 'join_token'; id: string }
  /** A node, by its mTLS certificate (the serial it presented). */
  | { kind: 'node'; id: string; name: string; serial: string }
  /**
   * A user on the CP host running an otherix-server command that changes the cluster without the
   * CP (`otherix-server admin-token`, `ca-key-passphrase`, `rollback-ca-rotation`): the command,
   * the process's uid and user name, and the user sudo names (SUDO_USER, else null; the
   * environment's word, as sudo sets it).
   */
  | { kind: 'host_user'; command: string; uid: number | null; user: string | null; sudo_user: string | null };

interface NodeFacts {
  node_id: string;
  node_name: string;
}

/** What changed, by event name; each has its own fields. */
export interface AuditEventFields {
  'join_token.minted': { join_token_id: string; node_name: string | null; max_uses: number; expires_at: string };
  'join_token.revoked': { join_token_id: string; node_name: string | null };
  'api_token.created': { api_token_id: string; api_token_name: string; role: Role; expires_at: string | null };
  'api_token.revoked': { api_token_id: string; api_token_name: string; role: Role };
  /** A new node: its first certificate. */
  'node.joined': NodeFacts & { join_token_id: string; serial: string; not_after: string };
  /** A known node's certificate re-issued through a join (bootstrap --force with a bound token); the old serial stops working. */
  'node.reissued': NodeFacts & { join_token_id: string; serial: string; not_after: string };
  /**
   * A node's certificate renewed by the node itself (POST /v1/nodes/renew): `serial` is the new
   * leaf (pending until the node first uses it), `previous_serial` the certificate it came with,
   * `superseded_serial` a pending leaf it replaces (its answer was lost), else null.
   */
  'node.renewed': NodeFacts & { serial: string; previous_serial: string; not_after: string; superseded_serial: string | null };
  'node.cordoned': NodeFacts;
  'node.uncordoned': NodeFacts;
  /** The node's certificate is revoked with it; `force` abandons the VMs and migrations it reported. */
  'node.deleted': NodeFacts & { force: boolean; vm_count: number; active_migrations: number };
  /** An admin moved the CA rotation (`next` or `rollback`); `force` left a phase with nodes lagging. */
  'ca_rotation.moved': { from: string; to: string; force: boolean; new_ca_fingerprint: string | null; lagging: string[] };
  /**
   * The CA keys of a stopped CP's data dir put under another passphrase, encrypted, or written
   * plain (`otherix-server ca-key-passphrase`): `files` the key files written, `encrypted` their form now.
   */
  'ca_key.passphrase_changed': { files: string[]; encrypted: boolean };
}

export type AuditEventName = keyof AuditEventFields;

/** One line of the README's table per event: what it records. */
export const AUDIT_EVENTS: Readonly<Record<AuditEventName, string>> = Object.freeze({
  'join_token.minted': 'an admin minted a join token',
  'join_token.revoked': 'an admin revoked a join token',
  'api_token.created': 'an admin created an API token',
  'api_token.revoked': 'an admin revoked an API token',
  'node.joined': 'a host redeemed a join token and became a node',
  'node.reissued': "a known node's certificate was re-issued by a join (the old one stops working)",
  'node.renewed': 'a node renewed its own certificate',
  'node.cordoned': 'an admin or operator cordoned a node',
  'node.uncordoned': 'an admin or operator uncordoned a node',
  'node.deleted': 'an admin deleted a node (its certificate is revoked)',
  'ca_rotation.moved': 'an admin moved the CA rotation to its next phase or rolled it back',
  'ca_key.passphrase_changed': "a user on the CP host changed, added or removed the CA key's passphrase",
});
