// The same tests as cordon.test.ts, on PostgreSQL: the control planes they start keep their cluster
// in a new database on the embedded server (harness/on-postgres.ts).
import '../harness/on-postgres.js';
import './cordon.test.js';
