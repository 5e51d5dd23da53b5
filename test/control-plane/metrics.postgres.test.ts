// The same tests as metrics.test.ts, on PostgreSQL: the fleet gauges are counted by the same SQL
// on both engines (store/fleet-counts.ts), and the group-commit metrics come from its queues.
import '../harness/on-postgres.js';
import './metrics.test.js';
