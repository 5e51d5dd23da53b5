// The floor of a join's CPU: one P-384 signature verification (the CSR's) plus one P-384
// signature (the leaf's), the bare node:crypto primitives on OpenSSL, none of the CP's own
// wrappers (no CSR parsing, no DER building, no thread pool hop). Measured as CPU time of this
// process, one thread, synchronous calls, after a warm-up: what a join could not cost less than.
// Run as `node crypto-floor.mjs <pairs>`; prints {us_per_pair, pairs}.
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';

const PAIRS = Number(process.argv[2] ?? 400);

// What a join signs and verifies is about this big: a CSR's signed part ~250 bytes, a leaf's ~600.
const csrPart = randomBytes(250);
const leafPart = randomBytes(600);
const node = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ca = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const csrSignature = sign('sha384', csrPart, node.privateKey);

function pair() {
  if (!verify('sha384', csrPart, node.publicKey, csrSignature)) throw new Error("the floor's own signature did not verify");
  sign('sha384', leafPart, ca.privateKey);
}

for (let i = 0; i < 50; i++) pair();
const before = process.cpuUsage();
for (let i = 0; i < PAIRS; i++) pair();
const used = process.cpuUsage(before);
process.stdout.write(JSON.stringify({ us_per_pair: (used.user + used.system) / PAIRS, pairs: PAIRS }) + '\n');
