#!/usr/bin/env node
// Regenerates everything derived from the API documents (never edit the outputs):
//   openapi.yaml        -> sdk/src/generated/openapi.ts (types) + openapi.json (the server's schemas)
//   agent-openapi.yaml  -> sdk/src/generated/agent-openapi.ts + agent-openapi.json
// With --check it writes nothing and exits 1 when a committed output is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { parseYaml } from '@redocly/openapi-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'sdk/src/generated');
const header = (src) => `// Generated from ${src} by scripts/generate.mjs. Do not edit; run \`npm run generate\`.\n`;

const documents = [
  { src: 'openapi.yaml', name: 'openapi' },
  { src: 'agent-openapi.yaml', name: 'agent-openapi' },
];

async function render({ src, name }) {
  const text = await readFile(path.join(root, src), 'utf8');
  const ast = await openapiTS(new URL(`file://${path.join(root, src)}`));
  return [
    { file: path.join(outDir, `${name}.ts`), content: header(src) + astToString(ast) },
    { file: path.join(outDir, `${name}.json`), content: JSON.stringify(parseYaml(text), null, 2) + '\n' },
  ];
}

const check = process.argv.includes('--check');
let stale = 0;
for (const doc of documents) {
  for (const { file, content } of await render(doc)) {
    const rel = path.relative(root, file);
    if (check) {
      const current = await readFile(file, 'utf8').catch(() => '');
      if (current !== content) {
        console.error(`stale: ${rel} does not match ${doc.src}; run \`npm run generate\` and commit the result`);
        stale++;
      }
    } else {
      await writeFile(file, content);
      console.log(`wrote ${rel}`);
    }
  }
}
if (check && stale === 0) console.log('generated files are up to date');
process.exit(stale ? 1 : 0);
