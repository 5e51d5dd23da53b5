// The three cert files of a node (bootstrap writes them; serve reads them) and their modes.

export const CERT_FILES = { key: 'agent.key', cert: 'agent.crt', ca: 'ca.crt' } as const;
export const CERT_FILE_NAMES = [CERT_FILES.key, CERT_FILES.cert, CERT_FILES.ca] as const;
/** The seed's modes: the key is the node's secret, the certificates are public. */
export const KEY_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;
