#!/usr/bin/env node
// Removes what tsc left in test/dist for a test source that is gone (moved to another folder or
// deleted): tsc --build never deletes outputs, and ava would go on running a stale copy.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const test = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test');
const dist = path.join(test, 'dist');
const OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

function prune(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(full);
      if (readdirSync(full).length === 0) rmSync(full, { recursive: true });
    } else if (OUTPUT.test(entry.name)) {
      const source = path.join(test, path.relative(dist, full)).replace(OUTPUT, '.ts');
      if (!existsSync(source)) rmSync(full);
    }
  }
}

prune(dist);
