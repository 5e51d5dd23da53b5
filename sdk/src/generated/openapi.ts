// Generated from openapi.yaml by scripts/generate.mjs. Do not edit; run `npm run generate`.
export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Report that the control plane is up
         * @description Liveness: the process answers HTTPS. It does not touch the database, so a CP whose disk
         *     is full stays alive here (restarting it would not help); `/readyz` says whether it can
         *     do its work.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Report whether this control plane (replica) can reach and write its database
         * @description Readiness: the CP commits a one-row write to its database on each call. `200` when it
         *     was written; `503 unavailable` when the database cannot be written now (disk full,
         *     read-only filesystem, I/O error, locked by another process past the busy timeout), with
         *     the cause and what to do in the message. Joins, heartbeats and token changes fail while
         *     it answers 503. Load balancers should route only to a ready CP.
         *
         *     On PostgreSQL (`--database-url`) each replica answers for itself: `200` only while it
         *     can reach the shared database and write to it; `503` says `cannot be reached` with the
         *     connection's error (`ECONNREFUSED`, `timeout` after 5 s, ...) or `cannot be written`
         *     with PostgreSQL's SQLSTATE, in the message and in `details.database_error`. It never
         *     names the database URL. `/healthz` stays a liveness check that touches nothing.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ca": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Fetch the cluster CA certificate
         * @description Unauthenticated by design. Clients fetch it once over a connection whose certificate
         *     they do not yet verify, compute the fingerprint of the returned certificate themselves
         *     and compare it with the fingerprint the admin gave them (trust on first use). The
         *     `fingerprint` field is a convenience and is never trusted by the SDK.
         *
         *     The `Date` header is the CP's own clock, the one it dates certificates with (they start
         *     an hour before they are signed). Bootstrap compares it with the host's clock before it
         *     redeems a token and refuses (`clock_skew`, the token unused) beyond five minutes.
         */
        get: operations["getCa"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ca/rotation": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The CA rotation's phase and progress
         * @description The phase (`standby` when no rotation runs), since when, the cluster CA's fingerprint and
         *     the new one's, the CA the CP serves from, and how far the nodes that heartbeat are: how
         *     many trust the new CA and how many hold a certificate it signed. `lagging` names the nodes
         *     that heartbeat and have not caught up with the phase (what `next` waits for). A node that
         *     has not heartbeat within its not_ready window is not waited for; after completion it is
         *     refused with `ca_retired` and must re-bootstrap with a bound token. `this_control_plane`
         *     says whether the CP that answers has applied the phase to its own certificates and TLS
         *     context, or why not (a full disk): on PostgreSQL each replica answers for itself.
         */
        get: operations["getCaRotation"];
        put?: never;
        /**
         * Move the CA rotation to its next phase, or roll it back
         * @description `next`: standby -> init (a new P-384 CA is created and trusted alongside the current one)
         *     -> update_clients (joins and renewals are signed by the new CA, nodes are asked to renew,
         *     the CP's client identity toward agents moves to it) -> update_servers (the CP serves a
         *     certificate of the new CA; `/v1/ca`, `otherix-server ca-fingerprint` and the mint block show
         *     its fingerprint) -> standby (complete: the old CA is trusted by no one and its certificates
         *     are refused with `ca_retired`).
         *
         *     `rollback`: from init straight back to standby (the new CA is dropped); from
         *     update_clients or update_servers to the phase `rollback`, where the old CA signs and serves
         *     again, both stay trusted, and nodes holding a certificate of the new CA are asked to renew;
         *     `next` from `rollback` drops the new CA (standby).
         *
         *     Leaving a phase is refused (`409 conflict`, `details.lagging` naming the nodes) while a node
         *     that heartbeats has not caught up (init: it must trust the new CA; update_clients and
         *     update_servers: also hold a certificate of the new CA; rollback: hold one of the old CA),
         *     unless `force` is true. Leaving a phase is refused the same way (`409 conflict`,
         *     `details.this_control_plane`) while the CP that answers has not applied the current phase
         *     to its own certificates (`this_control_plane.applied` false: it could not write them, e.g.
         *     its data dir's disk is full), unless `force` is true: forced, the move goes on and that CP
         *     catches up with the new phase by itself once it can write (it retries at every poll, every
         *     2 s). A rotation moved by another admin or replica meanwhile is `409 conflict` too.
         *
         *     A move is committed before the CP applies it: when this CP then fails to move its own
         *     certificates, the answer is still `200` with the new phase, and `this_control_plane`
         *     says it lags and why (retrying the move would advance another phase).
         */
        post: operations["moveCaRotation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/whoami": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Name and role of the calling API token */
        get: operations["whoami"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes/join": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Redeem a join token for a node identity
         * @description Authenticated by the join token in the body, not by a header. One transaction decides
         *     the redemption: a refused redemption changes nothing. On success the token use is
         *     consumed (even if the caller never reads the response), the node row is `pending`, and
         *     the response holds the leaf certificate the CP wrote from the validated request
         *     (nothing is copied from the CSR but its public key) and the CA bundle.
         *
         *     Guesses with unknown tokens are rate-limited per source IP (`429 rate_limited` with
         *     `Retry-After`); a real token is always looked up and answered, never throttled, even
         *     from a source IP that is over the limit (hosts behind one NAT must not block each
         *     other's joins): its refusals (expired, revoked, exhausted, name mismatch) are answered
         *     `401 token_rejected`. Only redemptions with an unknown token count toward the limit.
         *
         *     Refusal order: a token string that is not `otx_join_` + 43 base64url characters is
         *     `400 validation_failed` (never looked up); then the token's state (`token_rejected`; an
         *     unknown token over the guess limit is `429 rate_limited` instead); then the request (`validation_failed`, `details.field` names the
         *     field; a CSR refusal also has `details.problem`: `invalid_csr`, `csr_signature_invalid`
         *     or `unsupported_key`); then the cluster (`409 conflict`). Hosts are compared without
         *     case; loopback hosts (`localhost`, `127.0.0.0/8`, `::1`) never collide. A token bound
         *     to an existing node's name re-issues its certificate: the node keeps its id, cordon and
         *     inventory, its old serial is `replaced`, and it is `pending` until the new
         *     certificate's first heartbeat.
         */
        post: operations["joinNode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes/heartbeat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report a node's liveness and inventory
         * @description Authenticated only by the node's client certificate: it must chain to the cluster CA,
         *     carry `spiffe://otherix/node/<name>` for a node that exists, and have the serial the
         *     CP issued to that node most recently. A certificate replaced by a re-join, or one of a
         *     deleted node, is refused. The first heartbeat moves a node from `pending` to `ready`.
         *
         *     No client certificate, or one the cluster CA did not issue (or expired), is
         *     `401 unauthenticated`; a CA certificate that is not exactly one node identity (the CP's
         *     own, for one) is `403 forbidden`. A node certificate that is not the node's current one is
         *     `401 unauthenticated` with `details.certificate_status`: `replaced` (a later join
         *     re-issued it), `revoked` (the node was deleted), `renewed` (the node renewed it and has
         *     since used the new one), `superseded` (a renewal answer that was lost, then renewed
         *     again) or `unknown`. During a renewal the CP accepts both the node's current certificate
         *     and the pending new one (see `renewNode`); the first request with the new one makes it
         *     current. The reply is sent once the
         *     heartbeat is stored; its `status` is `ready`, or `cordoned` (a heartbeat never lifts a
         *     cordon). A refused heartbeat of the node's current certificate (a body that fails
         *     validation, or a certificate outside its validity on the CP's clock) makes the node
         *     `not_ready` until one is accepted (see `NodeStatus`).
         *
         *     The agent retries a failed heartbeat within one of its intervals, or, on a `429` or
         *     `503` with `Retry-After`, after that long (up to five minutes); only a `200` with this
         *     body counts as delivered.
         */
        post: operations["sendHeartbeat"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes/renew": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Renew a node's certificate for a new key
         * @description Authenticated only by the node's client certificate, over mTLS, by the same rules as the
         *     heartbeat (chain to the cluster CA, exactly one `spiffe://otherix/node/<name>` of a node
         *     that exists, and a serial the CP accepts for it, within its validity on the CP's clock):
         *     no API token, no join token. The body is a CSR for a **new** ECDSA P-384 key: its
         *     signature proves possession of that key, and nothing else is taken from it. The new
         *     leaf has the node's name, hosts and SANs (from the CP's record, as at the join), the
         *     usages of every node leaf, and the CP's node-certificate lifetime
         *     (`otherix-server --node-cert-lifetime`, 30 days by default) counted from signing; like
         *     every certificate of the CA, its `notBefore` is an hour before signing. The answer has the
         *     new leaf, the CA bundle and the node, like the join's; in it, `node.certificate` is the
         *     new leaf's.
         *
         *     A lost answer locks nobody out. The new serial is recorded as pending: the CP keeps
         *     accepting the node's current certificate until the node first authenticates with the
         *     new one (a heartbeat or a renewal): from then on the new one is the node's current
         *     certificate (`GET /v1/nodes/{node}` shows it) and the old one is refused
         *     (`details.certificate_status: renewed`). A renewal retried with the old certificate
         *     (its answer never arrived) succeeds again with a new leaf; the pending leaf it
         *     supersedes is refused from then on (`certificate_status: superseded`). The old
         *     certificate also ends at its own `not_after`.
         *
         *     Refusals, in this order. The certificate, before the body is read, with the heartbeat's
         *     answers: none, not the cluster CA's, or outside its validity is `401 unauthenticated`
         *     (`details.tls_verification`); a certificate that is not exactly one node identity (the
         *     CP's own) is `403 forbidden`; a node certificate that is not one the CP accepts for the
         *     node is `401 unauthenticated` with `details.certificate_status`: `replaced` (a later join
         *     re-issued the node), `revoked` (the node was deleted), `renewed`, `superseded` or
         *     `unknown`. Then the body (`400 validation_failed`, `413 payload_too_large`). Then the
         *     rate limit: a node renews at most once per minute (once per tenth of the lifetime when
         *     that is shorter, so a short test lifetime still renews in time), so a broken agent cannot
         *     make the CP sign in a loop: `429 rate_limited` with `Retry-After`. Then the CSR
         *     (`400 validation_failed`, `details.field: csr_pem`, `details.problem`: `invalid_csr`,
         *     `csr_signature_invalid`, `unsupported_key` (not P-384), or `key_reused` (the key of the
         *     certificate the request came with: a renewal is a rekey)). A refused renewal changes
         *     nothing, and only renewals that were answered count toward the limit.
         */
        post: operations["renewNode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes/join-tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List join tokens
         * @description Admin only. Newest first. Expired tokens are hidden unless `include_expired=true`.
         *     Neither the plaintext nor the hash of a token is ever returned.
         */
        get: operations["listJoinTokens"];
        put?: never;
        /**
         * Mint a join token
         * @description Admin only. The plaintext token is in this response and nowhere else: the CP stores
         *     only its sha256. `ttl_seconds` is clamped to [60, 86400] (default 3600) and the
         *     response carries the clamped value. A token bound to `node_name` is single-use:
         *     `max_uses` is forced to 1. `max_uses` 0 means unlimited within the TTL.
         */
        post: operations["createJoinToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes/join-tokens/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke an unconsumed join token
         * @description Admin only. Idempotent: revoking a revoked token returns it again. A token whose TTL
         *     has already run out cannot be revoked (`409 conflict`): it is already unusable.
         */
        post: operations["revokeJoinToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes/join-tokens/{id}/consumptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the redemptions of a join token
         * @description Admin only. The audit trail of which agents consumed a token, when, and from which source IP; oldest first.
         */
        get: operations["listJoinTokenConsumptions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List nodes
         * @description Every role. admin and operator callers get a `NodePage` of full `Node`s; developer and
         *     viewer callers get a `NodeSummaryPage` of `NodeSummary`s. The page's `projection` says
         *     which, even when it is empty. Ordered by name. `schedulable=true` lists only the
         *     nodes VM placement may use: `ready` and not cordoned.
         */
        get: operations["listNodes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes/{node}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a node by name
         * @description Every role; admin and operator get `Node` (`projection: full`), developer and viewer
         *     `NodeSummary` (`projection: summary`). The path segment is a node *name*: a UUID
         *     literal is refused with `400 validation_failed`.
         */
        get: operations["getNode"];
        put?: never;
        post?: never;
        /**
         * Delete a node by id
         * @description Admin only. Refused with `409 conflict` while the node reports VMs or active
         *     migrations, unless `force=true`. Deleting revokes the node's certificate (its
         *     heartbeats are refused from then on) and frees its name and hosts.
         */
        delete: operations["deleteNode"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes/{node}/cordon": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cordon a node (maintenance)
         * @description admin and operator. Synchronous and idempotent. A cordoned node is excluded from VM
         *     placement; its running VMs are not evicted, and heartbeats never lift the cordon.
         */
        post: operations["cordonNode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/nodes/{node}/uncordon": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Uncordon a node
         * @description admin and operator. Synchronous and idempotent; the node's status is derived from its heartbeats again.
         */
        post: operations["uncordonNode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List API tokens
         * @description Admin only. Newest first; never the plaintext or the hash.
         */
        get: operations["listApiTokens"];
        put?: never;
        /**
         * Mint an API token
         * @description Admin only. The plaintext token is in this response and nowhere else; the CP stores only its sha256.
         */
        post: operations["createApiToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-tokens/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke an API token
         * @description Admin only. Idempotent. Requests made with the token are refused (`401 unauthenticated`) from then on.
         *     An admin token (role admin, not revoked, not expired) is revoked only when another admin
         *     token stays live until this one would have expired, or for at least a day when that is
         *     sooner (one without expiry always does); otherwise `409 conflict`, with
         *     `details.other_admin_tokens_expire_at` when other admin tokens exist but all expire
         *     too soon: with none left nobody could mint tokens or manage nodes, and an admin token
         *     about to expire does not count as a successor. Mint another admin token first (no TTL,
         *     or one over a day), then revoke this one. Two revokes racing for the last two admin
         *     tokens cannot both succeed. If every admin token is lost anyway, `otherix-server admin-token
         *     --data-dir DIR` mints one on the CP host, offline.
         */
        post: operations["revokeApiToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** Format: uuid */
        Uuid: string;
        /**
         * Format: date-time
         * @description RFC 3339, UTC.
         */
        Timestamp: string;
        /**
         * @description A DNS label, unique in the cluster. Never UUID-shaped, and not one of the reserved
         *     names `join`, `heartbeat`, `renew`, `join-tokens`.
         */
        NodeName: string;
        /** @description The node's CPU architecture in Go's `GOARCH` vocabulary (`amd64`, `arm64`, ...). */
        Architecture: string;
        /** @enum {string} */
        Role: "admin" | "operator" | "developer" | "viewer";
        /**
         * @description Derived at read time from the CP's clock, in this order. `cordoned`: maintenance,
         *     excluded from placement (liveness stays visible in `last_heartbeat_at`). `not_ready`
         *     when a heartbeat from the node's current certificate was refused since its last
         *     accepted one: the request failed validation (400/413), or the certificate is outside its
         *     validity period on the CP's clock (expired, or not valid yet). Refusals of a replaced or
         *     revoked certificate, or of one the cluster CA did not issue, do not count. The next
         *     accepted heartbeat clears it. `pending`: joined, no heartbeat yet. `not_ready`: no
         *     heartbeat for three of the node's reported intervals (30 s assumed when none was
         *     reported), or `last_heartbeat_at` is later than the CP's now: the CP's clock stepped back
         *     since, so the silence cannot be measured, and a dead node must not stay `ready` until
         *     the clock catches up (a live node's next heartbeat is stamped with the clock as it is).
         *     `ready`: heard within three intervals.
         * @enum {string}
         */
        NodeStatus: "pending" | "ready" | "not_ready" | "cordoned";
        /** @enum {string} */
        ErrorCode: "validation_failed" | "unauthenticated" | "token_rejected" | "forbidden" | "not_found" | "conflict" | "payload_too_large" | "rate_limited" | "internal" | "unavailable" | "ca_retired";
        /** @enum {string} */
        TokenRejectedReason: "unknown" | "expired" | "revoked" | "exhausted" | "node_name_mismatch";
        Error: {
            error: {
                code: components["schemas"]["ErrorCode"];
                /** @description What happened and what to do next, for a person. */
                message: string;
                /** @description Machine-readable context; for `token_rejected`, `reason` is a TokenRejectedReason. */
                details?: {
                    reason?: components["schemas"]["TokenRejectedReason"];
                } & {
                    [key: string]: unknown;
                };
            };
        };
        Health: {
            /** @enum {string} */
            status: "ok";
        };
        CaBundle: {
            /** @description The cluster CA certificate, PEM: exactly one CERTIFICATE block and nothing else. Clients pin it by the fingerprint an admin gave them, computed from this block itself, and refuse any other answer (`invalid_ca`: a second certificate could not be covered by the pin); they trust and save only that certificate. */
            ca_pem: string;
            /** @description `sha256:` and the lower-case hex sha256 of the certificate's DER. Informational: clients compute the fingerprint from `ca_pem` and never trust this field. */
            fingerprint: string;
            /** @description Every CA the cluster trusts now, for clients that already trust this CP (the CLI reads it over its pinned connection after each command and saves a change): outside a CA rotation `ca_pem` alone; during one, the serving CA, the other CA and the two cross-certificates that let a pin of either CA cover both (the SDK's readTrustBundle). A client fetching `/v1/ca` unverified (TOFU) trusts none of it. */
            trust_bundle_pem?: string;
            /**
             * @description The CA rotation's phase. Informational, for the message of a pin that does not match (`fingerprint_mismatch`: the CA is rotating, where the new fingerprint comes from).
             * @enum {string}
             */
            rotation_phase?: "standby" | "init" | "update_clients" | "update_servers" | "rollback";
            /** @description Informational, as `rotation_phase`; never trusted by a client that pins. */
            trusted_fingerprints?: string[];
            /** @description The CA the last completed rotation retired. Informational, as `rotation_phase`. */
            retired_fingerprint?: string | null;
            /** @description After a completed rotation: the cross-certificate by which the retired CA vouched for the cluster's CA during the rotation. A client that still pins only the retired CA (a CLI not run during the rotation) may trust the cluster's CA when this certificate, checked against the CA it pinned, names that CA's key: its pin covers it, as it did during the rotation. Absent otherwise. */
            endorsement_pem?: string;
        };
        CaRotationRequest: {
            /** @enum {string} */
            target: "next" | "rollback";
            /**
             * @description Leave the phase even while nodes that heartbeat lag (they are named in the answer's `lagging`), or while the CP that answers has not applied it (`this_control_plane`).
             * @default false
             */
            force: boolean;
        };
        CaRotation: {
            /** @enum {string} */
            phase: "standby" | "init" | "update_clients" | "update_servers" | "rollback";
            /**
             * Format: date-time
             * @description When the phase began; null for a cluster that never rotated.
             */
            since: string | null;
            /**
             * Format: date-time
             * @description When the running rotation began; null in standby.
             */
            started_at: string | null;
            /** @description The cluster CA (the old one while a rotation runs). */
            ca_fingerprint: string;
            /** @description The rotation's new CA; null in standby. */
            new_ca_fingerprint: string | null;
            /** @description The CA the phase serves from, what `/v1/ca` answers and a bootstrap pins now. The CP that answers serves a certificate of it once `this_control_plane.applied` is true. */
            serving_ca_fingerprint: string;
            nodes: {
                /** @description Nodes whose last heartbeat is within their not_ready window. */
                heartbeating: number;
                trust_new_ca: number;
                leaf_from_new_ca: number;
                leaf_from_current_ca: number;
            };
            lagging: {
                node_name: string;
                reason: string;
            }[];
            /**
             * @description The CP that answers (one replica on PostgreSQL): has it applied `phase` to itself? A
             *     phase is committed first, then each CP moves its own certificates to the phase's CAs
             *     (server.crt, client.crt) and gives its listener the phase's trust. When the
             *     certificates cannot be written (a full disk), the phase stands, this CP keeps its
             *     previous certificates, and it tries again at every poll (2 s) until it catches up;
             *     `next` waits for it unless forced.
             */
            this_control_plane: {
                /** @description True when this CP's certificates and TLS context are the phase's. False while it lags: `error` says why; null `error` means it is applying a phase it has just read. */
                applied: boolean;
                /**
                 * @description The last phase this CP applied in full since it started (equals `phase` when `applied`); null when it started in the middle of a rotation and has not applied it yet.
                 * @enum {string|null}
                 */
                applied_phase: "standby" | "init" | "update_clients" | "update_servers" | "rollback" | null;
                /** @description Why the last attempt to apply `phase` here failed, and what to do; null otherwise. */
                error: components["schemas"]["CaRotationApplyError"] | null;
            };
        };
        CaRotationApplyError: {
            /** @description An error code of sdk/README.md's table: `file_write_failed` when a certificate file of the data dir could not be written (a full disk, permissions). */
            code: string;
            /** @description What happened, and what to do (e.g. free space on the data dir's filesystem). */
            message: string;
        };
        Whoami: {
            name: string;
            role: components["schemas"]["Role"];
        };
        JoinTokenCreateRequest: {
            /**
             * @description Validity; any positive value is accepted and clamped to [60, 86400].
             * @default 3600
             */
            ttl_seconds: number;
            /**
             * @description Consumption cap; 0 means unlimited within the TTL. Forced to 1 when `node_name` is set.
             * @default 0
             */
            max_uses: number;
            node_name?: components["schemas"]["NodeName"];
        };
        JoinTokenCreated: {
            id: components["schemas"]["Uuid"];
            /** @description `otx_join_` + 43 base64url characters. Returned once, never again. */
            token: string;
            ca_fingerprint: string;
            expires_at: components["schemas"]["Timestamp"];
            /** @description The TTL after clamping. */
            ttl_seconds: number;
            max_uses: number;
            node_name: string | null;
            /** @description The name of the API token that minted it. */
            created_by: string;
            created_at: components["schemas"]["Timestamp"];
        };
        JoinTokenSummary: {
            id: components["schemas"]["Uuid"];
            node_name: string | null;
            expires_at: components["schemas"]["Timestamp"];
            /** @description Seconds until expiry; 0 once expired. */
            ttl_remaining_seconds: number;
            max_uses: number;
            /** @description How many times the token has been redeemed. */
            consumed: number;
            revoked: boolean;
            created_by: string;
            created_at: components["schemas"]["Timestamp"];
        };
        JoinTokenPage: {
            items: components["schemas"]["JoinTokenSummary"][];
            next_cursor: string | null;
        };
        Consumption: {
            id: components["schemas"]["Uuid"];
            node_id: components["schemas"]["Uuid"];
            consumed_at: components["schemas"]["Timestamp"];
            source_ip: string;
        };
        ConsumptionPage: {
            items: components["schemas"]["Consumption"][];
            next_cursor: string | null;
        };
        Migration: {
            /** @description Host name or IP advertised for live-migration ingress. A join accepts an IP address (IPv6 with or without brackets, never with a zone) or a DNS name: labels of 1 to 63 letters, digits and `-` (not at either end), at most 253 characters, any case, an optional final dot, no wildcard (`*`, `*.example`) and no all-digit last label. An address must name one host the CP and the other nodes can reach, so these are refused too (in any spelling, IPv4-mapped included): the unspecified addresses (`0.0.0.0/8`, `::`), the broadcast `255.255.255.255`, multicast (`224.0.0.0/4`, `ff00::/8`) and link-local (`169.254.0.0/16`, `fe80::/10`: reachable only on the same link, and an IPv6 one only with a zone). Loopback is accepted (a cluster on one machine). Anything else is `400 validation_failed` with `details.field`. The agent's bootstrap applies the same check before it redeems the token. The CP stores, signs and returns it in canonical form: lower case, no final dot, no brackets, IPv6 in its shortest form, and an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it is. */
            host: string;
            port_range_start: number;
            /** @description Inclusive; not below `port_range_start`. */
            port_range_end: number;
        };
        JoinRequest: {
            /** @description The join token (`otx_join_` + 43 base64url characters). */
            token: string;
            node_name: components["schemas"]["NodeName"];
            /** @description A PKCS#10 CSR, PEM, signed by an ECDSA P-384 key. Only its public key is used. */
            csr_pem: string;
            /** @description The `https://` URL the CP uses to reach the agent, stored as given (no control characters, as for every text a node or joiner writes). Its host passes the same check as `migration.host` (`400 validation_failed` otherwise) and is signed as a DNS or IP SAN in the same canonical form. Hosts are compared in that form: a join whose endpoint or migration host (loopback aside) is one of the CP's own hosts or another node's gets `409 conflict`, so `VM.` is the CP's `vm`, `victim.example.` is another node's `victim.example`, and `::ffff:10.0.0.1` is `10.0.0.1`. */
            advertised_endpoint: string;
            migration: components["schemas"]["Migration"];
            architecture: components["schemas"]["Architecture"];
            /** @description The agent's version; no control characters. */
            agent_version: string;
        };
        JoinResponse: {
            node: components["schemas"]["Node"];
            /** @description The node's leaf certificate, PEM. */
            certificate_pem: string;
            /** @description The cluster CA certificate(s), PEM. */
            ca_bundle_pem: string;
        };
        RenewRequest: {
            /** @description A PKCS#10 CSR, PEM, signed by a new ECDSA P-384 key (not the key of the certificate the request came with). Only its public key is used. */
            csr_pem: string;
        };
        RenewResponse: {
            node: components["schemas"]["Node"];
            /** @description The node's new leaf certificate, PEM. */
            certificate_pem: string;
            /** @description The cluster CA certificate(s), PEM. */
            ca_bundle_pem: string;
        };
        Hardware: {
            cpu_model: string;
            cpu_count: number;
            memory_bytes: number;
            /** @description Whether `/dev/kvm` exists on the host. */
            kvm_present: boolean;
            hostname: string;
            kernel: string;
        };
        /** @description `Hardware` as a heartbeat reports it. Text a node writes is shown to people (tables, `otherix node get`), and a terminal obeys control characters (ESC sequences can clear the screen, set the title or write the clipboard), so no text field may hold a C0 control, DEL or a C1 control (`400 validation_failed`); the agent replaces them with U+FFFD before it sends its inventory. Rows stored before this rule may still hold them: clients escape them on display. */
        HardwareReport: components["schemas"]["Hardware"] & {
            cpu_model?: string;
            hostname?: string;
            kernel?: string;
        };
        HeartbeatRequest: {
            architecture: components["schemas"]["Architecture"];
            /** @description The agent's version; no control characters. */
            agent_version: string;
            /** @description The agent's cadence; the node is `not_ready` after three intervals without a heartbeat. */
            heartbeat_interval_seconds: number;
            hardware: components["schemas"]["HardwareReport"];
            /** @description At most 2^53 - 1, the largest integer every JSON client holds exactly. */
            vm_count: number;
            /** @description At most 2^53 - 1, the largest integer every JSON client holds exactly. */
            active_migrations: number;
            /** @description The CAs the node's ca.crt trusts (CA rotation). When they differ from the cluster's, the answer carries `ca_bundle_pem`. An agent that leaves it out is never sent a bundle. */
            ca_fingerprints?: string[];
        };
        HeartbeatResponse: {
            status: components["schemas"]["NodeStatus"];
            /** @description The cluster's trust bundle (as `CaBundle.trust_bundle_pem`), sent only when the heartbeat's `ca_fingerprints` differ from it. It arrives over a connection the node already trusts; the agent checks that its current trust covers the bundle's anchor and writes it to ca.crt atomically. */
            ca_bundle_pem?: string;
            /** @description A CA rotation wants this node's certificate from the CA that signs now: renew at once (`POST /v1/nodes/renew`) instead of at 2/3 of the lifetime. */
            renew_now?: boolean;
        };
        /** @description The node's current certificate: the one the join (or a re-issue) gave it, or the newest renewed one once the node has authenticated with it. A renewal's pending leaf is shown only in the renewal's own answer. Leaves live `--node-cert-lifetime` (30 days by default) and the agent renews them at two thirds of that. */
        NodeCertificate: {
            /** @description The current certificate's serial, lower-case hex. */
            serial: string;
            not_after: components["schemas"]["Timestamp"];
        };
        /** @description A node in the full projection (admin, operator). */
        Node: {
            /**
             * @description Always `full` in a `Node` (`summary` in a `NodeSummary`). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            projection: "full";
            id: components["schemas"]["Uuid"];
            name: string;
            status: components["schemas"]["NodeStatus"];
            architecture: string;
            advertised_endpoint: string;
            migration: components["schemas"]["Migration"];
            /** @description Inventory from the latest heartbeat; null before the first. */
            hardware: components["schemas"]["Hardware"] | null;
            agent_version: string;
            vm_count: number;
            active_migrations: number;
            certificate: components["schemas"]["NodeCertificate"];
            created_at: components["schemas"]["Timestamp"];
            /** Format: date-time */
            last_heartbeat_at: string | null;
        };
        /** @description A node in the reduced projection (developer, viewer). */
        NodeSummary: {
            /**
             * @description Always `summary` in a `NodeSummary` (`full` in a `Node`). (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            projection: "summary";
            id: components["schemas"]["Uuid"];
            name: string;
            status: components["schemas"]["NodeStatus"];
            architecture: string;
            /** Format: date-time */
            last_heartbeat_at: string | null;
        };
        /** @description A page of nodes in the full projection (admin, operator). */
        NodePage: {
            /**
             * @description Always `full`, also when `items` is empty. (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            projection: "full";
            items: components["schemas"]["Node"][];
            next_cursor: string | null;
        };
        /** @description A page of nodes in the reduced projection (developer, viewer). */
        NodeSummaryPage: {
            /**
             * @description Always `summary`, also when `items` is empty. (enum property replaced by openapi-typescript)
             * @enum {string}
             */
            projection: "summary";
            items: components["schemas"]["NodeSummary"][];
            next_cursor: string | null;
        };
        ApiTokenCreateRequest: {
            /** @description Who or what holds the token; shown as CREATED-BY on what it mints. Unique among unrevoked tokens. */
            name: string;
            role: components["schemas"]["Role"];
            /** @description Validity; omitted means the token does not expire. */
            ttl_seconds?: number;
        };
        ApiTokenCreated: {
            id: components["schemas"]["Uuid"];
            /** @description `otx_api_` + 43 base64url characters. Returned once, never again. */
            token: string;
            name: string;
            role: components["schemas"]["Role"];
            /** Format: date-time */
            expires_at: string | null;
            created_by: string;
            created_at: components["schemas"]["Timestamp"];
        };
        ApiTokenSummary: {
            id: components["schemas"]["Uuid"];
            name: string;
            role: components["schemas"]["Role"];
            /** Format: date-time */
            expires_at: string | null;
            revoked: boolean;
            created_by: string;
            created_at: components["schemas"]["Timestamp"];
        };
        ApiTokenPage: {
            items: components["schemas"]["ApiTokenSummary"][];
            next_cursor: string | null;
        };
    };
    responses: {
        /** @description The request is malformed or breaks a rule (`validation_failed`). */
        ValidationFailed: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No valid credential (`unauthenticated`). */
        Unauthenticated: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The join token cannot be redeemed (`token_rejected`); `details.reason` says why. */
        TokenRejected: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The credential's role may not do this (`forbidden`). */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No such resource (`not_found`). */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The request conflicts with the cluster's state (`conflict`). */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is over the limit (`payload_too_large`). */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Too many unknown-token redemptions from this source IP (`rate_limited`). */
        RateLimited: {
            headers: {
                /** @description Seconds until a redemption from this source IP is accepted again. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The node renewed too recently (`rate_limited`); `details.retry_after_seconds` and the header say when it may renew again. */
        RenewalRateLimited: {
            headers: {
                /** @description Seconds until this node may renew again. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The control plane failed (`internal`); the message never carries secrets. */
        Internal: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The control plane cannot do its work now (`unavailable`), e.g. its database cannot be written; the message says why and what to do. */
        Unavailable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A malformed request. */
        ClientError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /** @description Page size. */
        Limit: number;
        /** @description The `next_cursor` of the previous page. Opaque. */
        Cursor: string;
        /** @description The join token's id (never the token itself). */
        JoinTokenId: components["schemas"]["Uuid"];
        /** @description The node's id (a UUID; a name is refused with `400 validation_failed`). */
        NodeId: components["schemas"]["Uuid"];
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The control plane is serving. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            500: components["responses"]["Internal"];
            "4XX": components["responses"]["ClientError"];
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The database took a write just now. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            500: components["responses"]["Internal"];
            503: components["responses"]["Unavailable"];
            "4XX": components["responses"]["ClientError"];
        };
    };
    getCa: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cluster CA. */
            200: {
                headers: {
                    /** @description The CP's clock when it answered (RFC 9110 HTTP-date, whole seconds). */
                    Date?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CaBundle"];
                };
            };
            500: components["responses"]["Internal"];
            "4XX": components["responses"]["ClientError"];
        };
    };
    getCaRotation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The rotation. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CaRotation"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["Internal"];
        };
    };
    moveCaRotation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CaRotationRequest"];
            };
        };
        responses: {
            /** @description The rotation after the move. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CaRotation"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["Internal"];
        };
    };
    whoami: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The credential the request was made with. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Whoami"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            500: components["responses"]["Internal"];
        };
    };
    joinNode: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JoinRequest"];
            };
        };
        responses: {
            /** @description The node joined; its certificate was signed. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JoinResponse"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["TokenRejected"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
        };
    };
    sendHeartbeat: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HeartbeatRequest"];
            };
        };
        responses: {
            /** @description The heartbeat was recorded. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HeartbeatResponse"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["Internal"];
        };
    };
    renewNode: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RenewRequest"];
            };
        };
        responses: {
            /** @description A new leaf was signed; the node's current certificate stays accepted until the node uses the new one. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RenewResponse"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RenewalRateLimited"];
            500: components["responses"]["Internal"];
        };
    };
    listJoinTokens: {
        parameters: {
            query?: {
                /** @description Also list tokens whose TTL has run out. */
                include_expired?: boolean;
                /** @description Page size. */
                limit?: components["parameters"]["Limit"];
                /** @description The `next_cursor` of the previous page. Opaque. */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of join tokens. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JoinTokenPage"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["Internal"];
        };
    };
    createJoinToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JoinTokenCreateRequest"];
            };
        };
        responses: {
            /** @description The token was minted. Save the token and the CA fingerprint now. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JoinTokenCreated"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["Internal"];
        };
    };
    revokeJoinToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The join token's id (never the token itself). */
                id: components["parameters"]["JoinTokenId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The token is revoked. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JoinTokenSummary"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["Internal"];
        };
    };
    listJoinTokenConsumptions: {
        parameters: {
            query?: {
                /** @description Page size. */
                limit?: components["parameters"]["Limit"];
                /** @description The `next_cursor` of the previous page. Opaque. */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path: {
                /** @description The join token's id (never the token itself). */
                id: components["parameters"]["JoinTokenId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of consumptions. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsumptionPage"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["Internal"];
        };
    };
    listNodes: {
        parameters: {
            query?: {
                /** @description Only nodes of this architecture (Go's vocabulary, e.g. `amd64`). */
                architecture?: components["schemas"]["Architecture"];
                /** @description Only nodes in this status. */
                status?: components["schemas"]["NodeStatus"];
                /** @description When true, only nodes that VM placement may use (ready, not cordoned); when false, only the nodes it may not use (pending, not_ready or cordoned). */
                schedulable?: boolean;
                /** @description Only nodes whose current certificate (`certificate.not_after`) ends before this time: the nodes that failed to renew, with a time some renewal periods ahead (`otherix node list --expiring-within 7d`). Every role may filter; only the full projection shows the certificate. */
                cert_expires_before?: components["schemas"]["Timestamp"];
                /** @description Page size. */
                limit?: components["parameters"]["Limit"];
                /** @description The `next_cursor` of the previous page. Opaque. */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of nodes, in the projection the caller's role receives. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NodePage"] | components["schemas"]["NodeSummaryPage"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            500: components["responses"]["Internal"];
        };
    };
    getNode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The node's name (not its id). */
                node: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The node. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Node"] | components["schemas"]["NodeSummary"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["Internal"];
        };
    };
    deleteNode: {
        parameters: {
            query?: {
                /** @description Delete even while the node hosts VMs or active migrations. */
                force?: boolean;
            };
            header?: never;
            path: {
                /** @description The node's id (a UUID; a name is refused with `400 validation_failed`). */
                node: components["parameters"]["NodeId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The node is deleted and its certificate revoked. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["Internal"];
        };
    };
    cordonNode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The node's id (a UUID; a name is refused with `400 validation_failed`). */
                node: components["parameters"]["NodeId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The node, cordoned. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Node"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["Internal"];
        };
    };
    uncordonNode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The node's id (a UUID; a name is refused with `400 validation_failed`). */
                node: components["parameters"]["NodeId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The node, uncordoned. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Node"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["Internal"];
        };
    };
    listApiTokens: {
        parameters: {
            query?: {
                /** @description Page size. */
                limit?: components["parameters"]["Limit"];
                /** @description The `next_cursor` of the previous page. Opaque. */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of API tokens. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiTokenPage"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["Internal"];
        };
    };
    createApiToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiTokenCreateRequest"];
            };
        };
        responses: {
            /** @description The token was minted. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiTokenCreated"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["Internal"];
        };
    };
    revokeApiToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The API token's id. */
                id: components["schemas"]["Uuid"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The token is revoked. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiTokenSummary"];
                };
            };
            400: components["responses"]["ValidationFailed"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description No other admin token would stay live long enough (`conflict`); nothing was changed. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["Internal"];
        };
    };
}
