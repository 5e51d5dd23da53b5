#!/usr/bin/env node
// The installed command: npm links this file at install time, before dist/ is built, so it
// only forwards to the compiled entry point (`npm run build` makes it).
import '../dist/main.js';
