// The same tests as last-admin.test.ts, on PostgreSQL: the control planes they start keep their cluster
// in a new database on the embedded server (harness/on-postgres.ts).
import '../harness/on-postgres.js';
import './last-admin.test.js';
