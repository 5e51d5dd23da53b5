// Where the built binaries are, from scripts/bench/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = {
  server: path.join(ROOT, 'server/dist/main.js'),
  agent: path.join(ROOT, 'agent/dist/main.js'),
  cli: path.join(ROOT, 'cli/dist/main.js'),
};
