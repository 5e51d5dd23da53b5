// The same tests as lifecycle.test.ts, on PostgreSQL: the control planes they start keep their cluster
// in a new database on the embedded server (harness/on-postgres.ts).
import '../harness/on-postgres.js';
import './lifecycle.test.js';
