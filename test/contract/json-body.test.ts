// How the CP reads a JSON request body (its application/json parser), whatever way the bytes
// arrive. Raw HTTP/1.1 over TLS, so a test chooses the bytes and the writes: a body in the same
// write as its headers (the heartbeat's usual case: Node's parser has buffered all of it before
// the route's hooks resume), after them or in pieces (read as a stream), chunked, cut short, over
// the 1 MiB limit, pipelined, a client gone mid-body. Each answer is pinned, status, error body
// and `connection: close` alike, so a change to how bodies are read (a reader of our own, a
// Fastify upgrade) must answer every one of them as the CP does now.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { once } from 'node:events';
import { connect as connectTls } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { BODY_LIMIT_BYTES, redactTokens } from '@otherix/server';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { heartbeatBody, joinNode, TEST_HARDWARE } from '../harness/cluster.js';
import type { JoinedNode } from '../harness/cluster.js';

let cp: ControlPlane;
let node: JoinedNode;

controlPlaneForFile(test, async (started) => {
  cp = started;
  node = await joinNode(cp, 'body-reader');
});

const MINT = '/v1/nodes/join-tokens';
/** Long enough for the CP to read one write before the next arrives (not a timing assertion). */
const PAUSE_MS = 60;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

interface Exchange {
  answers: RawAnswer[];
  /** The CP closed the connection. */
  closed: boolean;
}

type Piece = string | Buffer;

interface ExchangeOptions {
  /** Answers to wait for (the exchange also ends when the CP closes the connection). */
  answers?: number;
  /** After the last piece: end our side (FIN) and wait for the CP to close, or destroy the connection (a client gone). */
  then?: 'end' | 'destroy';
  /** Present this node's certificate. */
  cert?: { certPem: string; keyPem: string };
}

/** Answers parsed from the bytes so far (a 1xx has no body). */
function parseAnswers(bytes: Buffer): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let offset = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', offset);
    if (end < 0) return answers;
    const [statusLine, ...lines] = bytes.toString('latin1', offset, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const total = end + 4 + Number(headers['content-length'] ?? 0);
    if (bytes.length < total) return answers;
    const text = bytes.toString('utf8', end + 4, total);
    answers.push({ status: Number(statusLine.split(' ')[1]), headers, body: text === '' ? undefined : JSON.parse(text) });
    offset = total;
  }
}

/** Writes the pieces on a new TLS connection, pausing between them, and collects the answers. */
async function exchange(pieces: Piece[], options: ExchangeOptions = {}): Promise<Exchange> {
  const url = new URL(cp.url);
  const socket: TLSSocket = connectTls({
    host: url.hostname,
    port: Number(url.port),
    ca: cp.caPem,
    checkServerIdentity: () => undefined,
    ...(options.cert === undefined ? {} : { cert: options.cert.certPem, key: options.cert.keyPem }),
  });
  let received = Buffer.alloc(0);
  let closed = false;
  const wanted = options.answers ?? 1;
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (options.then !== 'end' && parseAnswers(received).filter((answer) => answer.status >= 200).length >= wanted) resolve();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      resolve();
    });
  });
  await once(socket, 'secureConnect');
  socket.setNoDelay(true);
  for (const [i, piece] of pieces.entries()) {
    if (i > 0) await sleep(PAUSE_MS);
    socket.write(piece);
  }
  if (options.then === 'end') socket.end();
  if (options.then === 'destroy') {
    await sleep(PAUSE_MS);
    socket.destroy();
    return { answers: [], closed: true };
  }
  await done;
  socket.destroy();
  return { answers: parseAnswers(received).filter((answer) => answer.status >= 200), closed };
}

/** Request line and headers; with the admin token unless `asNode` (a heartbeat authenticates by its certificate). */
function head(path: string, headers: Record<string, string | number>, asNode = false): string {
  const auth = asNode ? {} : { authorization: `Bearer ${cp.adminToken}` };
  const lines = Object.entries({ host: new URL(cp.url).host, ...auth, 'content-type': 'application/json', ...headers });
  return `POST ${path} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}

/** A request with a Content-Length, as one string: headers and body in one write. */
function request(path: string, body: Piece, asNode = false): Buffer {
  const bytes = Buffer.from(body);
  return Buffer.concat([Buffer.from(head(path, { 'content-length': bytes.length }, asNode)), bytes]);
}

function chunk(data: Piece): Buffer {
  const bytes = Buffer.from(data);
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

const LAST_CHUNK = '0\r\n\r\n';

/** An answer for an assertion's message: a mint that answered where a refusal was expected holds a token. */
const shown = (value: unknown): string => redactTokens(JSON.stringify(value));

function only(t: ExecutionContext, result: Exchange): RawAnswer {
  t.is(result.answers.length, 1, shown(result.answers));
  return result.answers[0];
}

function minted(t: ExecutionContext, answer: RawAnswer, ttl: number): void {
  t.is(answer.status, 201, shown(answer.body));
  t.is(answer.body.ttl_seconds, ttl);
  t.is(answer.headers['connection'], 'keep-alive');
}

function refused(t: ExecutionContext, answer: RawAnswer, status: number, code: string, message: string, connection: string): void {
  t.is(answer.status, status, shown(answer.body));
  t.deepEqual(answer.body, { error: { code, message } });
  t.is(answer.headers['connection'], connection);
}

const NOT_JSON = 'the request body is not valid JSON: check the body and the headers';
const TOO_LARGE = 'the request body is over the 1 MiB limit: send a smaller body';

/** Join tokens bound to this name (the list's newest first; this file mints fewer than its page). */
async function tokensFor(nodeName: string): Promise<number> {
  const listed = await api(cp, 'GET', `${MINT}?limit=100`, { token: cp.adminToken });
  return (listed.body.items as { node_name: string | null }[]).filter((item) => item.node_name === nodeName).length;
}

test('a body in the same write as its headers, after them, or in pieces, reads the same', async (t) => {
  const body = '{"ttl_seconds": 600}';
  minted(t, only(t, await exchange([request(MINT, body)])), 600);
  const [headers, bytes] = [head(MINT, { 'content-length': body.length }), body];
  minted(t, only(t, await exchange([headers, bytes])), 600);
  minted(t, only(t, await exchange([headers, bytes.slice(0, 5), bytes.slice(5, 13), bytes.slice(13)])), 600);
  // The server's 100 Continue says it has read the headers: the body surely comes after them.
  const continued = head(MINT, { 'content-length': body.length, expect: '100-continue' });
  minted(t, only(t, await exchange([continued, bytes])), 600);
  // Whitespace around the JSON, and a byte order mark, are no part of it.
  minted(t, only(t, await exchange([request(MINT, '\ufeff \n{"ttl_seconds": 700}\t\n')])), 700);
});

test('a heartbeat read from its one write or from pieces records the same text, a character split across writes whole', async (t) => {
  const heartbeat = (cpuModel: string, vmCount: number) =>
    Buffer.from(JSON.stringify(heartbeatBody({ hardware: { ...TEST_HARDWARE, cpu_model: cpuModel }, vm_count: vmCount })));
  const recorded = async () => (await api(cp, 'GET', `/v1/nodes/${node.name}`, { token: cp.adminToken })).body;

  const whole = heartbeat('Whole \u00e9\u20ac\u{1f600} CPU', 1);
  const answer = only(t, await exchange([request('/v1/nodes/heartbeat', whole, true)], { cert: node.cert }));
  t.is(answer.status, 200, shown(answer.body));
  t.like(await recorded(), { hardware: { cpu_model: 'Whole \u00e9\u20ac\u{1f600} CPU' }, vm_count: 1 });

  const pieces = heartbeat('Split \u20ac\u{1f600} CPU', 2);
  const euro = pieces.indexOf(Buffer.from('\u20ac'));
  const face = pieces.indexOf(Buffer.from('\u{1f600}'));
  const headers = head('/v1/nodes/heartbeat', { 'content-length': pieces.length }, true);
  const split = await exchange([headers, pieces.subarray(0, euro + 1), pieces.subarray(euro + 1, face + 2), pieces.subarray(face + 2)], {
    cert: node.cert,
  });
  t.is(only(t, split).status, 200);
  t.like(await recorded(), { hardware: { cpu_model: 'Split \u20ac\u{1f600} CPU' }, vm_count: 2 });

  // Chunked: the chunks' boundaries split the character too.
  const chunked = heartbeat('Chunked \u00e9 CPU', 3);
  const e = chunked.indexOf(Buffer.from('\u00e9'));
  const chunkedHeaders = head('/v1/nodes/heartbeat', { 'transfer-encoding': 'chunked' }, true);
  const viaChunks = await exchange(
    [chunkedHeaders, chunk(chunked.subarray(0, e + 1)), Buffer.concat([chunk(chunked.subarray(e + 1)), Buffer.from(LAST_CHUNK)])],
    { cert: node.cert },
  );
  t.is(only(t, viaChunks).status, 200);
  t.like(await recorded(), { hardware: { cpu_model: 'Chunked \u00e9 CPU' }, vm_count: 3 });
});

test('a chunked body reads the same in one write or in pieces', async (t) => {
  const headers = head(MINT, { 'transfer-encoding': 'chunked' });
  minted(t, only(t, await exchange([headers + chunk('{"ttl_seconds":').toString() + chunk(' 800}').toString() + LAST_CHUNK])), 800);
  minted(t, only(t, await exchange([headers, chunk('{"ttl_seconds":'), chunk(' 800}'), LAST_CHUNK])), 800);
});

test('one connection goes on after bodies read either way, also pipelined in one write', async (t) => {
  const pipelined = await exchange(
    [
      Buffer.concat([request(MINT, '{"ttl_seconds": 901}'), request(MINT, '{"ttl_seconds": 902}')]),
      head(MINT, { 'content-length': 20 }),
      '{"ttl_seconds": 903}',
      request(MINT, '{"ttl_seconds": 904}'),
    ],
    { answers: 4 },
  );
  t.deepEqual(
    pipelined.answers.map((answer) => [answer.status, answer.body.ttl_seconds]),
    [
      [201, 901],
      [201, 902],
      [201, 903],
      [201, 904],
    ],
  );
  t.false(pipelined.closed);
});

test('empty, blank and null bodies, and text that is not JSON, answer as before', async (t) => {
  // Empty or blank is no body: validated as none (join-token minting wants an object).
  for (const blank of ['', '  \n\t ']) {
    const answer = only(t, await exchange([request(MINT, blank)]));
    t.is(answer.status, 400);
    t.is(answer.body.error.message, 'body: must be object: send a JSON object, `{}` for the defaults');
    t.is(answer.headers['connection'], 'keep-alive');
  }
  // A revoke takes no body: an empty one is fine, `null` is a body.
  const token = await api(cp, 'POST', MINT, { token: cp.adminToken, body: {} });
  const revoke = `${MINT}/${token.body.id}/revoke`;
  t.is(only(t, await exchange([request(revoke, '')])).status, 200);
  const nulled = only(t, await exchange([request(revoke, 'null')]));
  t.is(nulled.status, 400);
  t.is(nulled.body.error.message, 'body: this operation takes no body: send none (an empty body is fine)');
  t.is(only(t, await exchange([request('/v1/api-tokens', ' null ')])).body.error.message, 'body: must be object: send a JSON object');

  // Not JSON: one write, or pieces; the CP closes the connection after the answer.
  refused(t, only(t, await exchange([request(MINT, '{"ttl_seconds": ')])), 400, 'validation_failed', NOT_JSON, 'close');
  const cut = '{"ttl_seconds": ';
  refused(
    t,
    only(t, await exchange([head(MINT, { 'content-length': cut.length }), cut.slice(0, 4), cut.slice(4)])),
    400,
    'validation_failed',
    NOT_JSON,
    'close',
  );
  // Bytes that are not UTF-8 are read as U+FFFD, as before (the unknown field's name shows it).
  const answer = only(t, await exchange([request(MINT, Buffer.from('{"a\xff":1}', 'latin1'))]));
  t.is(answer.body.error.message, 'body: unknown field "a\ufffd": remove it (unknown fields are refused)');
});

test('over 1 MiB: 413 from the Content-Length alone, or as a chunked body passes the limit', async (t) => {
  // Declared over the limit: refused before a byte of it is sent.
  refused(
    t,
    only(t, await exchange([head(MINT, { 'content-length': BODY_LIMIT_BYTES + 1 })])),
    413,
    'payload_too_large',
    TOO_LARGE,
    'close',
  );
  // Exactly the limit is read (the answer is about its content), one byte more is not.
  const atLimit = `{"a":"${'x'.repeat(BODY_LIMIT_BYTES - 8)}"}`;
  t.is(Buffer.byteLength(atLimit), BODY_LIMIT_BYTES);
  const read = only(t, await exchange([request(MINT, atLimit)]));
  t.is(read.status, 400);
  t.is(read.body.error.message, 'body: unknown field "a": remove it (unknown fields are refused)');
  const overLimit = `{"a":"${'x'.repeat(BODY_LIMIT_BYTES - 7)}"}`;
  refused(t, only(t, await exchange([request(MINT, overLimit)])), 413, 'payload_too_large', TOO_LARGE, 'close');
  // No Content-Length: counted as the chunks come, in one write or in pieces.
  const half = 'x'.repeat(BODY_LIMIT_BYTES / 2 + 1);
  const chunked = head(MINT, { 'transfer-encoding': 'chunked' });
  refused(
    t,
    only(t, await exchange([Buffer.concat([Buffer.from(chunked), chunk(half), chunk(half), Buffer.from(LAST_CHUNK)])])),
    413,
    'payload_too_large',
    TOO_LARGE,
    'close',
  );
  refused(t, only(t, await exchange([chunked, chunk(half), chunk(half), LAST_CHUNK])), 413, 'payload_too_large', TOO_LARGE, 'close');
});

test('a body cut short: the client ending its side is a 400, a client gone changes nothing, and the CP serves on', async (t) => {
  const body = '{"node_name": "cut-short"}';
  const declared = { 'content-length': body.length + 10 };
  // Fewer bytes than declared and then FIN: Node's HTTP parser refuses the message (Fastify's
  // client-error answer); a body of the wrong length never reaches the reader from HTTP/1.1.
  const ended = await exchange([head(MINT, declared) + body], { then: 'end' });
  t.deepEqual(only(t, ended).body, { error: 'Bad Request', message: 'Client Error', statusCode: 400 });
  t.true(ended.closed);
  // Gone mid-body, its bytes in the write of its headers or in later ones.
  await exchange([head(MINT, declared) + body], { then: 'destroy' });
  await exchange([head(MINT, declared), body.slice(0, 10), body.slice(10)], { then: 'destroy' });
  t.is(await tokensFor('cut-short'), 0, 'nothing was minted');
  const answer = only(t, await exchange([request(MINT, body)]));
  t.is(answer.status, 201);
  t.is(answer.body.node_name, 'cut-short');
  t.is(await tokensFor('cut-short'), 1);
});
