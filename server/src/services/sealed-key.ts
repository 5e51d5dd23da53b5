// The cluster CA's private key at rest in a database other replicas share (PostgreSQL): sealed
// with AES-256-GCM under a key derived (HKDF-SHA256, a random salt per sealing) from the secret
// file every replica is given (--secret-file). The database alone, a dump or a backup of it, does
// not give the key; a wrong secret file is told apart from a damaged value by GCM's tag.
// Format: `v1.<salt>.<iv>.<tag>.<ciphertext>`, each base64url.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { OtherixError } from '@otherix/sdk';

const INFO = Buffer.from('otherix cluster CA key v1');

function keyOf(secret: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, INFO, 32));
}

export function sealKey(keyPem: string, secret: Buffer): string {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret, salt), iv);
  const sealed = Buffer.concat([cipher.update(keyPem, 'utf8'), cipher.final()]);
  return ['v1', salt, iv, cipher.getAuthTag(), sealed]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The key's PEM; OtherixError 'config_invalid' when `secret` is not the one it was sealed with (or the value is damaged). */
export function unsealKey(sealed: string, secret: Buffer): string {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1')
    throw new OtherixError(
      'data_dir_invalid',
      'the cluster CA key in the database is not in a form this otherix-server knows (expected v1): upgrade otherix-server',
    );
  const [salt, iv, tag, body] = parts.slice(1).map((part) => Buffer.from(part, 'base64url')) as [Buffer, Buffer, Buffer, Buffer];
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret, salt), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw new OtherixError(
      'config_invalid',
      'the secret file does not open the cluster CA key stored in the database: give this replica the same --secret-file as the others (a copy of the file the first replica started with)',
    );
  }
}
