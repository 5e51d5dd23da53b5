// SQLite's WAL stays bounded (store/sqlite/connection.ts WAL_BOUNDS): heartbeats are checkpointed
// at SQLite's 1,000 frames and the WAL reused, and a WAL that a long read let grow past 32 MiB is
// cut back to that size by the first commit after the next checkpoint finishes. The long read is a real second connection holding a
// read transaction open, as a backup tool or a `sqlite3` shell would.
import test from 'ava';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import type { SqliteStore } from '@otherix/server';
import { nodeRow } from '../harness/store-rows.js';
import { withSqliteStore } from './scratch-store.js';

const MIB = 1024 * 1024;
const NODES = Array.from({ length: 20 }, (_, i) => nodeRow(i + 1));
/**
 * ~64 KiB of hardware JSON a heartbeat, new in every batch (SQLite leaves an overflow page whose
 * bytes are unchanged as it is): 16 overflow pages, so a batch of 20 writes ~330 WAL frames.
 */
const bigHardware = (at: number): string => JSON.stringify({ note: String.fromCharCode(97 + (at % 26)).repeat(64 * 1024) });

const walSize = async (store: SqliteStore): Promise<number> => (await stat(join(store.directory, 'otherix.db-wal'))).size;

async function heartbeatBatch(store: SqliteStore, at: number): Promise<void> {
  const landed = await store.nodes.recordHeartbeats(
    NODES.map((node) => ({
      nodeId: node.id,
      certSerial: node.certSerial,
      architecture: node.architecture,
      agentVersion: '2.0.0',
      heartbeatIntervalMs: 10_000,
      hardwareJson: bigHardware(at),
      vmCount: at % 100,
      activeMigrations: 0,
      at,
    })),
  );
  if (landed.some((l) => l === undefined)) throw new Error('a heartbeat did not land');
}

/** A read transaction held open on a connection of its own until `release` (its snapshot keeps the WAL from being reused). */
async function holdRead(path: string): Promise<{ release: () => Promise<void> }> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (error) => (error === null ? resolve(opened) : reject(error)));
  });
  const exec = (sql: string): Promise<void> => new Promise((resolve, reject) => db.exec(sql, (e) => (e === null ? resolve() : reject(e))));
  await exec('BEGIN; SELECT count(*) FROM nodes;');
  return {
    release: async () => {
      await exec('COMMIT');
      await new Promise<void>((resolve, reject) => db.close((e) => (e === null ? resolve() : reject(e))));
    },
  };
}

test('sqlite: the WAL is checkpointed and reused under steady heartbeats, and cut back to 32 MiB after a long read let it grow', async (t) => {
  await withSqliteStore(async (store) => {
    await store.importRows({ nodes: NODES });
    let at = 1;
    // Steady writing (~40 MiB of frames): the WAL is reused, never much past 1,000 frames and a batch.
    for (let i = 0; i < 40; i++) await heartbeatBatch(store, at++);
    const steady = await walSize(store);
    t.true(steady <= 1_400 * 4_120, `${steady} bytes after ~40 MiB of frames`);

    // A read held open: no checkpoint can finish, and ~40 MiB of frames go to the WAL's end.
    const reader = await holdRead(join(store.directory, 'otherix.db'));
    for (let i = 0; i < 30; i++) await heartbeatBatch(store, at++);
    const grown = await walSize(store);
    t.true(grown > 32 * MIB, `${grown} bytes while the read was held`);
    await reader.release();

    // The next checkpoint finishes; the commit after it starts the WAL over and truncates it.
    let size = grown;
    for (let i = 0; i < 20 && size > 32 * MIB; i++) {
      await heartbeatBatch(store, at++);
      size = await walSize(store);
    }
    t.true(size <= 32 * MIB, `${size} bytes after the read ended`);
    // Every heartbeat of the last batch is there to read.
    t.like(await store.findNodeById(NODES[0].id), { lastHeartbeatAt: at - 1 });
  });
});
