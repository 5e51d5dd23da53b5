#!/usr/bin/env node
// Lints the API documents with Redocly's `recommended` rules (the same rules `@redocly/cli
// lint` applies), offline, through @redocly/openapi-core. Errors fail; warnings are printed.
import { lint, createConfig } from '@redocly/openapi-core';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = await createConfig({ extends: ['recommended'] });
let errors = 0;
for (const doc of ['openapi.yaml', 'agent-openapi.yaml']) {
  const problems = await lint({ ref: path.join(root, doc), config });
  for (const p of problems) {
    const where = p.location?.[0]?.pointer ?? '';
    console.error(`${doc}: ${p.severity}: ${p.ruleId}: ${p.message} ${where}`);
    if (p.severity === 'error') errors++;
  }
  console.log(
    `${doc}: ${problems.filter((p) => p.severity === 'error').length} errors, ${problems.filter((p) => p.severity === 'warn').length} warnings`,
  );
}
process.exit(errors ? 1 : 0);
