// Stoplight Prism's validating proxy (`prism proxy`, a third-party OpenAPI validator, the
// @stoplight/prism-cli devDependency) started on loopback in front of a server, for the contract
// tests: each request that passes through it, and each answer, is checked against the document.
//
// Prism runs without `--errors`, and what it finds is read from the `sl-violations` header it
// adds to every answer it has a finding for (request and response violations alike). With
// `--errors` it would answer a request that breaks the document itself (422, or 401 for a
// missing credential) and never forward it, so the server's own documented answer to such a
// request (the 400s, the 401 without a token, the 413s) would go unchecked; and Prism 5 refuses
// outright every operation secured by `mutualTLS` ("We currently do not support this type of
// security scheme"), which is the heartbeat and the whole agent API. Without it Prism forwards
// everything and reports the same findings; the contract tests fail on each one they did not
// provoke on purpose (test/harness/contract-exchange.ts).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface PrismProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The end of what Prism printed, for a failure message. */
  output(): string;
  close(): Promise<void>;
}

export interface Violation {
  location?: string[];
  severity?: string;
  code?: string | number;
  message?: string;
}

const STARTUP_TIMEOUT_MS = 60_000;
const OUTPUT_KEPT = 20_000;
const LISTENING = /Prism is listening on (http:\/\/\S+)/;

/** node_modules/@stoplight/prism-cli's `prism` bin, run with this Node. */
function prismEntry(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@stoplight/prism-cli/package.json');
  const { bin } = require(manifest) as { bin: { prism: string } };
  return join(dirname(manifest), bin.prism);
}

/** `prism proxy <document> <upstream>` on 127.0.0.1, a free port; resolves once it listens. */
export async function startPrismProxy(document: string, upstream: string): Promise<PrismProxy> {
  const child = spawn(process.execPath, [prismEntry(), 'proxy', document, upstream, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`prism did not listen within ${STARTUP_TIMEOUT_MS} ms:\n${output}`));
    }, STARTUP_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      const match = LISTENING.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr.on('data', keep);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`prism exited before listening:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The findings Prism attached to an answer (none when it has no `sl-violations` header). */
export function violationsOf(headers: Record<string, string | string[] | undefined>): Violation[] {
  const header = headers['sl-violations'];
  if (header === undefined) return [];
  return JSON.parse(Array.isArray(header) ? header.join('') : header) as Violation[];
}
