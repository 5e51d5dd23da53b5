// Imported first by a `*.postgres.test.ts` file: the CP tests it imports next start their control
// planes on PostgreSQL (a new database each, on this process's embedded PostgreSQL), and the
// server is stopped when the file's tests are done.
import test from 'ava';
import { useEngine } from './engine.js';
import { stopPostgres } from './postgres.js';

useEngine('postgres');
test.after.always(stopPostgres);
