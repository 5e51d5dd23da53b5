// The one TLS policy of every Otherix server: the CP's listener and the agent's HTTPS server
// (State B) both spread TLS_SERVER_POLICY into their options, so the two cannot drift apart.
// TLS 1.2 and 1.3 only; on TLS 1.2 only ECDHE with AEAD suites (GCM, ChaCha20-Poly1305): no
// CBC, no static RSA, no SHA-1 MACs. The servers' keys are ECDSA P-384, so only ECDSA suites
// can be negotiated; TLS 1.3 suites are all AEAD, listed strongest first.

export const TLS_MIN_VERSION = 'TLSv1.2' as const;

export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
].join(':');

/** Spread into tls/https server options: `createServer({ ...TLS_SERVER_POLICY, key, cert })`. */
export const TLS_SERVER_POLICY = Object.freeze({
  minVersion: TLS_MIN_VERSION,
  ciphers: TLS_CIPHERS,
  // The server's order wins, so a client offering a weaker suite first still gets the strongest.
  honorCipherOrder: true,
});
