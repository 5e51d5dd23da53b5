// Which store engine startControlPlane() uses by default: SQLite, or PostgreSQL for a test file
// that imports harness/on-postgres.js before the tests it runs again on PostgreSQL (the
// `*.postgres.test.ts` files: a representative set of CP tests on the second engine).
export type Engine = 'sqlite' | 'postgres';

let current: Engine = 'sqlite';

export function defaultEngine(): Engine {
  return current;
}

export function useEngine(engine: Engine): void {
  current = engine;
}
