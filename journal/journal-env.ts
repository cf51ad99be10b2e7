// The LMDB environment of a journal (design §5): one directory, three named databases.
//
//   journal    key: group firstSeq (number)   value: a commit group (record-layout.ts)
//   snapshots  key: snapshot seq (number)     value: a snapshot record (snapshot-layout.ts)
//   meta       key: 'config' | 'head'         value: msgpack objects (MetaConfig, MetaHead)
//
// Inside transactionSync, write with putSync/removeSync only: they run in the open transaction and
// return a boolean. The async put/remove there returns a promise lmdb-js never settles, and
// root.close() then waits for it forever (seen with lmdb-js 3.5.6).
//
// Durability, exactly (verified with strace on lmdb-js 3.5.6, Linux):
//
//  'fsync' (the default; nothing is acknowledged before it is on disk). Opened with
//    `overlappingSync: false, noSync: false, noMetaSync: false`. Every write goes through
//    `root.transactionSync(fn)` with its default flags (abortable | synchronous commit). That
//    commit is LMDB's classic `mdb_txn_commit`: it writes the dirty pages (writev), calls
//    fdatasync() on the data file, then writes the meta page through a second descriptor opened
//    O_DSYNC — and only then returns. So when transactionSync returns, the group and the meta head
//    are on disk; a crash before that leaves the previous meta page in force, i.e. the whole
//    transaction absent. (lmdb-js's default `overlappingSync: true` would also fdatasync inside a
//    synchronous commit, after releasing the write lock; we turn it off to keep LMDB's classic,
//    documented two-step commit and no boot-id-based meta selection on restart.)
//    NOT used: async `put`/`transaction`: their promise resolves when the transaction is committed
//    and visible, which with overlappingSync is *before* it is flushed; only `db.flushed` means
//    durable there. The journal worker is a dedicated thread that may block, so it uses the
//    synchronous path, where "returned" and "durable" are the same event.
//
//  'none' (TESTS AND BENCHMARKS ONLY). Opened with `noSync: true`: commits write pages and the
//    meta page but never fdatasync; data reaches the disk whenever the OS writes it back. A process
//    crash loses nothing committed, an OS crash or power loss can lose or tear anything.
//
// Why the transactions are atomic even in a crash: LMDB never overwrites a live page (copy on
// write) and a transaction becomes visible only by its meta page naming the new root. A crash
// before that meta write leaves the old root; a group is therefore wholly present or wholly absent,
// never half-visible. The reader checks anyway (length, CRC, chain, and the meta head).

import { createHash } from 'node:crypto';
import { open, type Database, type RootDatabase } from 'lmdb';
import { assert, unreachable } from '../engine/assert.js';
import { JournalCorruptError, JournalMetaMismatchError } from './journal-error.js';
import { COMMAND_SIZE_BYTES, HASH_BYTES, JOURNAL_FORMAT_VERSION, SEQ_FIRST, SEQ_NONE } from './record-layout.js';

/** 'fsync': durable before acknowledged (production). 'none': TESTS AND BENCHMARKS ONLY. */
export type Durability = 'fsync' | 'none';

/**
 * Address space reserved for the map, not disk: without `useWritemap` LMDB grows the file only as
 * pages are written. 1 TiB is ~2.4 hours at the 1M commands/s target (128 MB/s) and days at
 * realistic rates, and costs nothing on a 64-bit machine (47-bit user address space).
 */
export const MAP_SIZE_BYTES_DEFAULT = 2 ** 40;
/** Bound on the caller's configuration fingerprint: it is stored in meta and printed in errors. */
export const FINGERPRINT_LENGTH_MAX = 512;

export interface JournalEnvOptions {
  readonly path: string;
  readonly durability: Durability;
  /** Identifies the symbol configuration (a hash of it, say); a journal opens only under the same one. */
  readonly fingerprint: string;
  readonly mapSizeBytes?: number;
}

/** meta['config']: what the journal was written under. */
export interface MetaConfig {
  readonly formatVersion: number;
  readonly commandSize: number;
  readonly fingerprint: string;
}

/** meta['head']: the last group, written in the same transaction as the group itself. */
export interface MetaHead {
  readonly lastSeq: number;
  readonly hashHex: string;
}

export interface JournalEnv {
  readonly path: string;
  readonly durability: Durability;
  readonly fingerprint: string;
  /** The prevGroupHash of the first group: binds the chain to the format and the configuration. */
  readonly genesisHash: Buffer;
  readonly root: RootDatabase;
  readonly journal: Database<Buffer, number>;
  readonly snapshots: Database<Buffer, number>;
  readonly meta: Database<MetaConfig | MetaHead, string>;
  close(): Promise<void>;
}

const META_KEY_CONFIG = 'config';
const META_KEY_HEAD = 'head';

function lmdbSyncOptions(durability: Durability): { noSync: boolean; overlappingSync: boolean; noMetaSync: boolean } {
  switch (durability) {
    case 'fsync':
      return { noSync: false, overlappingSync: false, noMetaSync: false };
    case 'none': // TESTS AND BENCHMARKS ONLY: no fdatasync at all.
      return { noSync: true, overlappingSync: false, noMetaSync: false };
    default:
      return unreachable(durability, 'durability');
  }
}

export function genesisHashOf(fingerprint: string): Buffer {
  return createHash('sha256')
    .update(`ordo journal genesis\0format ${JOURNAL_FORMAT_VERSION}\0command size ${COMMAND_SIZE_BYTES}\0${fingerprint}`)
    .digest();
}

/** Opens (creating if absent) the environment and checks meta against the caller's configuration. */
export function openJournalEnv(options: JournalEnvOptions): JournalEnv {
  assert(options.fingerprint.length > 0 && options.fingerprint.length <= FINGERPRINT_LENGTH_MAX, `fingerprint must be 1..${FINGERPRINT_LENGTH_MAX} characters`);
  const mapSizeBytes = options.mapSizeBytes ?? MAP_SIZE_BYTES_DEFAULT;
  assert(Number.isSafeInteger(mapSizeBytes) && mapSizeBytes >= 2 ** 20, `mapSizeBytes ${mapSizeBytes} must be an integer >= 1 MiB`);
  const root = open({
    path: options.path,
    mapSize: mapSizeBytes,
    maxDbs: 4,
    ...lmdbSyncOptions(options.durability),
    useWritemap: false, // a stray write into the map must not be able to corrupt the journal
    compression: false,
    cache: false,
  });
  const env: JournalEnv = {
    path: options.path,
    durability: options.durability,
    fingerprint: options.fingerprint,
    genesisHash: genesisHashOf(options.fingerprint),
    root,
    journal: root.openDB<Buffer, number>('journal', { encoding: 'binary', compression: false, cache: false }),
    snapshots: root.openDB<Buffer, number>('snapshots', { encoding: 'binary', compression: false, cache: false }),
    meta: root.openDB<MetaConfig | MetaHead, string>('meta', { encoding: 'msgpack', compression: false, cache: false }),
    close: () => root.close(),
  };
  try {
    checkOrInitMeta(env);
  } catch (error) {
    void root.close();
    throw error;
  }
  return env;
}

function checkOrInitMeta(env: JournalEnv): void {
  const expected: MetaConfig = { formatVersion: JOURNAL_FORMAT_VERSION, commandSize: COMMAND_SIZE_BYTES, fingerprint: env.fingerprint };
  const stored = env.meta.get(META_KEY_CONFIG) as MetaConfig | undefined;
  if (stored === undefined) {
    const firstKey = firstJournalKey(env);
    if (firstKey !== null) throw new JournalCorruptError('format', firstKey, 'the journal has groups but meta has no configuration');
    // A fresh journal: record what it is written under, durably (per the mode) before any group.
    env.root.transactionSync(() => env.meta.putSync(META_KEY_CONFIG, expected));
    const readBack = env.meta.get(META_KEY_CONFIG) as MetaConfig | undefined;
    assert(readBack?.fingerprint === expected.fingerprint, 'meta config did not read back');
    return;
  }
  const fields: ReadonlyArray<readonly [name: string, stored: unknown, expected: string | number]> = [
    ['format version', stored.formatVersion, expected.formatVersion],
    ['command size', stored.commandSize, expected.commandSize],
    ['configuration fingerprint', stored.fingerprint, expected.fingerprint],
  ];
  for (const [name, storedValue, expectedValue] of fields) {
    if (storedValue !== expectedValue) throw new JournalMetaMismatchError(env.path, name, String(storedValue), String(expectedValue));
  }
}

function firstJournalKey(env: JournalEnv): number | null {
  for (const key of env.journal.getKeys({ limit: 1 })) return key;
  return null;
}

/** The greatest group key, or null for an empty journal. */
export function lastJournalKey(env: JournalEnv): number | null {
  for (const key of env.journal.getKeys({ reverse: true, limit: 1 })) return key;
  return null;
}

/** The key of the group holding `seq` (the greatest key <= seq), or null if none is <= seq. */
export function groupKeyAtOrBelow(env: JournalEnv, seq: number): number | null {
  for (const key of env.journal.getKeys({ start: seq, reverse: true, limit: 1 })) return key;
  return null;
}

/**
 * The group stored under `key`, without allocating: a view of lmdb-js's reused read buffer, valid
 * only until the next read on this environment (copy out what must outlive it). lmdb-js returns
 * that buffer with an own `length` property set to the value's size while its byteLength stays
 * the whole buffer's (16 MiB here); this view has the value's exact byteLength.
 */
export function getGroupTransient(env: JournalEnv, key: number): Uint8Array | undefined {
  const fast = env.journal.getBinaryFast(key);
  if (fast === undefined) return undefined;
  assert(fast.length <= fast.byteLength, 'lmdb-js getBinaryFast returned a length beyond its buffer');
  return new Uint8Array(fast.buffer, fast.byteOffset, fast.length);
}

export interface JournalHead {
  readonly lastSeq: number;
  readonly hash: Buffer;
}

/** The head recorded in meta; for an empty journal, SEQ_NONE and the genesis hash. */
export function readHead(env: JournalEnv): JournalHead {
  const head = env.meta.get(META_KEY_HEAD) as MetaHead | undefined;
  if (head === undefined) return { lastSeq: SEQ_NONE, hash: env.genesisHash };
  const hash = Buffer.from(head.hashHex, 'hex');
  if (!Number.isSafeInteger(head.lastSeq) || head.lastSeq < SEQ_FIRST || hash.byteLength !== HASH_BYTES) {
    throw new JournalCorruptError('format', SEQ_FIRST, `meta head is malformed: ${JSON.stringify(head)}`);
  }
  return { lastSeq: head.lastSeq, hash };
}

/** Records the head; call only inside the transaction that writes the group it names. */
export function writeHeadInTxn(env: JournalEnv, lastSeq: number, hash: Uint8Array): void {
  assert(hash.byteLength === HASH_BYTES, 'head hash must be 32 bytes');
  const head: MetaHead = { lastSeq, hashHex: Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex') };
  env.meta.putSync(META_KEY_HEAD, head);
}
