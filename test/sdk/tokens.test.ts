// Token format: prefix + base64url(256 random bits) = 43 characters; only sha256 is stored.
import test from 'ava';
import { createHash } from 'node:crypto';
import { TOKEN_PREFIX, isOtherixError, isTokenShape, maskToken } from '@otherix/sdk';
import { assertTokenShape, generateToken, hashToken } from '@otherix/sdk/internal';

test('prefixes', (t) => {
  t.is(TOKEN_PREFIX.join, 'otx_join_');
  t.is(TOKEN_PREFIX.api, 'otx_api_');
});

for (const kind of ['join', 'api'] as const) {
  test(`generateToken('${kind}') has the prefix and 43 base64url characters, and is random`, (t) => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const token = generateToken(kind);
      t.true(token.startsWith(TOKEN_PREFIX[kind]));
      const secret = token.slice(TOKEN_PREFIX[kind].length);
      t.is(secret.length, 43);
      t.regex(secret, /^[A-Za-z0-9_-]{43}$/);
      t.is(Buffer.from(secret, 'base64url').length, 32);
      t.true(isTokenShape(kind, token));
      t.notThrows(() => assertTokenShape(kind, token));
      seen.add(token);
    }
    t.is(seen.size, 50);
  });
}

test('isTokenShape refuses wrong prefix, length and alphabet', (t) => {
  const join = generateToken('join');
  const secret = join.slice('otx_join_'.length);
  t.false(isTokenShape('api', join));
  t.false(isTokenShape('join', `otx_api_${secret}`));
  t.false(isTokenShape('join', join.slice(0, -1)));
  t.false(isTokenShape('join', `${join}A`));
  t.false(isTokenShape('join', `otx_join_${secret.slice(0, 42)}=`));
  t.false(isTokenShape('join', `otx_join_${secret.slice(0, 42)}+`));
  t.false(isTokenShape('join', ` ${join}`));
  t.false(isTokenShape('join', ''));
  t.false(isTokenShape('join', 'otx_join_'));
});

test('assertTokenShape throws invalid_token without echoing the value', (t) => {
  const secretish = 'otx_join_' + 'S'.repeat(40);
  const error = t.throws(() => assertTokenShape('join', secretish));
  t.true(isOtherixError(error, 'invalid_token'));
  t.false(error.message.includes('SSSS'));
  t.regex(error.message, /otx_join_/);
  t.regex(error.message, /43/);
});

test('hashToken is the lower-case hex sha256 of the UTF-8 string', (t) => {
  const token = generateToken('api');
  t.is(hashToken(token), createHash('sha256').update(Buffer.from(token, 'utf8')).digest('hex'));
  t.is(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.regex(hashToken(token), /^[0-9a-f]{64}$/);
});

test('maskToken keeps the prefix and 4 characters', (t) => {
  t.is(maskToken('otx_join_AbC1defghijklmnopqrstuvwxyz0123456789ABCDEFG'), 'otx_join_AbC1…');
  t.is(maskToken('otx_api_ZZZZzzzz'), 'otx_api_ZZZZ…');
  const token = generateToken('join');
  t.is(maskToken(token), `${token.slice(0, 13)}…`);
  t.false(maskToken(token).includes(token.slice(13, 20)));
});
