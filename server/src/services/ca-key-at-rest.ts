// A CA private key at rest in the data dir, encrypted under an operator's passphrase
// (--ca-key-passphrase-file): scrypt derives a 256-bit key from the passphrase and a random salt,
// AES-256-GCM encrypts the key's PEM under it with a random IV. The result is armored text,
// self-describing and versioned, so a later version can raise the KDF's cost and still read
// what an earlier one wrote:
//
//   -----BEGIN OTHERIX ENCRYPTED CA KEY-----
//   Version: 1
//   Cipher: aes-256-gcm
//   KDF: scrypt
//   KDF-Params: N=32768,r=8,p=1
//   Salt: <base64, 16 bytes>
//   IV: <base64, 12 bytes>
//   Tag: <base64, 16 bytes>
//
//   <base64 ciphertext, 64 characters a line>
//   -----END OTHERIX ENCRYPTED CA KEY-----
//
// The header lines up to the KDF's parameters are GCM's additional data: a file whose version,
// cipher or cost was edited fails the tag check like a wrong passphrase. scrypt with N=2^15, r=8
// (32 MiB, ~0.1 s here) is OWASP's floor; a start pays it once. Reading refuses parameters above
// MAX_SCRYPT_MEMORY, so a crafted file cannot make a start allocate gigabytes.
//
// Two functions for every CA key the CP writes or reads (the cluster CA's ca.key, and a second
// CA key during a rotation): encryptCaKey / decryptCaKey. The file around them is
// init/ca-key-file.ts.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { OtherixError } from '@otherix/sdk';

const BEGIN = '-----BEGIN OTHERIX ENCRYPTED CA KEY-----';
const END = '-----END OTHERIX ENCRYPTED CA KEY-----';
const VERSION = '1';
const CIPHER = 'aes-256-gcm';
const KDF = 'scrypt';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** What encryptCaKey uses: N=2^15, r=8, p=1 (32 MiB, about 0.1 s). */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
/** The most memory a file's parameters may ask of a start (128 * N * r bytes): 256 MiB. */
export const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

/** True when `text` is an encrypted CA key (armored as above), whatever its version. */
export function isEncryptedCaKey(text: string): boolean {
  return text.trimStart().startsWith(BEGIN);
}

function deriveKey(passphrase: Buffer, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // OpenSSL counts 128 * r * (N + p + 2) bytes; Node's default cap (32 MiB) is just below N=2^15, r=8.
  const maxmem = 128 * params.r * (params.N + params.p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { ...params, maxmem }, (error, key) => (error === null ? resolve(key) : reject(error))),
  );
}

function additionalData(params: ScryptParams): Buffer {
  return Buffer.from(`Version: ${VERSION}\nCipher: ${CIPHER}\nKDF: ${KDF}\nKDF-Params: N=${params.N},r=${params.r},p=${params.p}\n`);
}

/** `keyPem` encrypted under `passphrase`, armored; a new salt and IV each time. */
export async function encryptCaKey(keyPem: string, passphrase: Buffer, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv(CIPHER, await deriveKey(passphrase, salt, params), iv);
  const aad = additionalData(params);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(keyPem, 'utf8'), cipher.final()]);
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return [
    BEGIN,
    aad.toString('utf8').trimEnd(),
    `Salt: ${salt.toString('base64')}`,
    `IV: ${iv.toString('base64')}`,
    `Tag: ${cipher.getAuthTag().toString('base64')}`,
    '',
    ...lines,
    END,
    '',
  ].join('\n');
}

function damaged(problem: string): OtherixError {
  return new OtherixError('data_dir_invalid', `it is not a whole encrypted CA key (${problem})`);
}

interface Parsed {
  params: ScryptParams;
  salt: Buffer;
  iv: Buffer;
  tag: Buffer;
  body: Buffer;
}

function base64Field(value: string | undefined, name: string, length?: number): Buffer {
  if (value === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw damaged(`no ${name}`);
  const bytes = Buffer.from(value, 'base64');
  if (length !== undefined && bytes.length !== length) throw damaged(`${name} is ${bytes.length} bytes, not ${length}`);
  return bytes;
}

function parseArmor(text: string): Parsed {
  const lines = text.trim().split(/\r?\n/);
  if (lines[0] !== BEGIN || lines[lines.length - 1] !== END) throw damaged('its BEGIN or END line is missing');
  const blank = lines.indexOf('');
  if (blank < 0) throw damaged('no blank line after its headers');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1, blank)) {
    const at = line.indexOf(': ');
    if (at < 0) throw damaged(`a header line without "Name: value"`);
    headers.set(line.slice(0, at), line.slice(at + 2));
  }
  const version = headers.get('Version');
  if (version !== VERSION || headers.get('Cipher') !== CIPHER || headers.get('KDF') !== KDF) {
    throw new OtherixError(
      'data_dir_invalid',
      `it is encrypted in a form this otherix-server does not know (Version ${version ?? '?'}, Cipher ${headers.get('Cipher') ?? '?'}, KDF ${headers.get('KDF') ?? '?'}): run the otherix-server that wrote it, or a newer one`,
    );
  }
  const match = /^N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})$/.exec(headers.get('KDF-Params') ?? '');
  if (match === null) throw damaged('no KDF-Params N=..,r=..,p=..');
  const params = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const powerOfTwo = params.N > 1 && (params.N & (params.N - 1)) === 0;
  if (!powerOfTwo || params.r < 1 || params.p < 1 || params.p > 16 || 128 * params.N * params.r > MAX_SCRYPT_MEMORY) {
    throw damaged(`KDF-Params N=${params.N},r=${params.r},p=${params.p} are out of bounds`);
  }
  const body = lines.slice(blank + 1, -1).join('');
  return {
    params,
    salt: base64Field(headers.get('Salt'), 'Salt'),
    iv: base64Field(headers.get('IV'), 'IV', 12),
    tag: base64Field(headers.get('Tag'), 'Tag', 16),
    body: base64Field(body, 'ciphertext'),
  };
}

/**
 * The key's PEM. OtherixError 'ca_key_passphrase_wrong' when GCM's tag does not match (a wrong
 * passphrase, or the file was altered), 'data_dir_invalid' when `armored` is not one whole. The
 * messages say what is wrong with "it" (the caller names the file) and never hold the passphrase.
 */
export async function decryptCaKey(armored: string, passphrase: Buffer): Promise<string> {
  const parsed = parseArmor(armored);
  const decipher = createDecipheriv(CIPHER, await deriveKey(passphrase, parsed.salt, parsed.params), parsed.iv);
  decipher.setAAD(additionalData(parsed.params));
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.body), decipher.final()]).toString('utf8');
  } catch {
    throw new OtherixError('ca_key_passphrase_wrong', 'the passphrase does not open it (the AES-GCM tag does not match)');
  }
}
