// lmdb-js's idiomatic asynchronous write path, kept only as a yardstick for the journal's write
// benchmark: an async put (lmdb-js's defaults, overlappingSync on) and `db.flushed`, the promise
// that means durable there. The journal itself never writes this way (lmdb-journal-store.ts says
// why); this file exists so that the benchmark need not import lmdb outside its adapter.

import { open } from 'lmdb';

/** Address space reserved for the probe's map; only pages written reach the disk. */
const PROBE_MAP_SIZE_BYTES = 2 ** 40;

export interface LmdbAsyncProbe {
  /** Queues a put of `value` under `key` (not awaited: its promise resolves before the flush). */
  put(key: number, value: Uint8Array): void;
  /** Resolves once everything put so far is on disk. */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a scratch LMDB environment at `path` with lmdb-js's defaults and one binary database. */
export function openLmdbAsyncProbe(path: string): LmdbAsyncProbe {
  const root = open({ path, maxDbs: 4, mapSize: PROBE_MAP_SIZE_BYTES });
  const db = root.openDB<Buffer, number>('journal', { encoding: 'binary' });
  return {
    put: (key, value) => void db.put(key, Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
    flushed: async () => {
      await db.flushed;
    },
    close: () => root.close(),
  };
}
