// The journal store on LMDB (design §5): one directory, three named databases, the layout every
// existing journal has on disk.
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
//
// Buffer lifetimes (lmdb-js 3.5.6, `encoding: 'binary'`): getBinary and getRange copy a value into
// a Buffer the caller owns; getBinaryFast returns lmdb-js's reused read buffer, valid only until
// the next read on this environment, with an own `length` set to the value's size while its
// byteLength stays the whole buffer's (16 MiB here): getGroupBorrowed returns a view of the
// value's exact byteLength.

import { open, type Database, type RootDatabase } from 'lmdb';
import { assert, unreachable } from '../engine/assert.js';
import {
  checkReadBounds,
  type Durability,
  type JournalStore,
  type JournalStoreTamper,
  type MetaConfig,
  type MetaHead,
  type StoreEntry,
} from './journal-store.js';

/**
 * Address space reserved for the map, not disk: without `useWritemap` LMDB grows the file only as
 * pages are written. 1 TiB is ~2.4 hours at the 1M commands/s target (128 MB/s) and days at
 * realistic rates, and costs nothing on a 64-bit machine (47-bit user address space).
 */
export const MAP_SIZE_BYTES_DEFAULT = 2 ** 40;

export interface LmdbJournalStoreOptions {
  readonly path: string;
  readonly durability: Durability;
  readonly mapSizeBytes?: number;
}

const META_KEY_CONFIG = 'config';
const META_KEY_HEAD = 'head';
/**
 * Set-aside groups live in meta under `set-aside:<n>` (n from 0, in the order they were moved,
 * zero-padded so that key order is that order), so that no journal gains a fourth database.
 * LMDB's atomic commits never leave a group past the head; only a repair or a bug could.
 */
const META_KEY_SET_ASIDE = 'set-aside:';
const SET_ASIDE_DIGITS = 12;

interface SetAsideGroup {
  readonly key: number;
  readonly value: Uint8Array;
}

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

/** Opens (creating if absent) the LMDB environment of a journal. */
export function openLmdbJournalStore(options: LmdbJournalStoreOptions): JournalStore {
  const mapSizeBytes = options.mapSizeBytes ?? MAP_SIZE_BYTES_DEFAULT;
  assert(Number.isSafeInteger(mapSizeBytes) && mapSizeBytes >= 2 ** 20, `mapSizeBytes ${mapSizeBytes} must be an integer >= 1 MiB`);
  const root = open({
    path: options.path,
    // The journal is always a directory. lmdb-js would otherwise guess from the name: one with an
    // extension ("ordo.d", a mktemp directory "tmp.XyZ") is taken for a file and fails to open.
    noSubdir: false,
    mapSize: mapSizeBytes,
    maxDbs: 4,
    ...lmdbSyncOptions(options.durability),
    useWritemap: false, // a stray write into the map must not be able to corrupt the journal
    compression: false,
    cache: false,
  });
  return new LmdbJournalStore(root, options.durability);
}

class LmdbJournalStore implements JournalStore {
  readonly durability: Durability;
  readonly tamper: JournalStoreTamper;
  private readonly root: RootDatabase;
  private readonly journal: Database<Buffer, number>;
  private readonly snapshots: Database<Buffer, number>;
  private readonly meta: Database<MetaConfig | MetaHead | SetAsideGroup, string>;

  constructor(root: RootDatabase, durability: Durability) {
    this.root = root;
    this.durability = durability;
    this.journal = root.openDB<Buffer, number>('journal', { encoding: 'binary', compression: false, cache: false });
    this.snapshots = root.openDB<Buffer, number>('snapshots', { encoding: 'binary', compression: false, cache: false });
    this.meta = root.openDB<MetaConfig | MetaHead | SetAsideGroup, string>('meta', { encoding: 'msgpack', compression: false, cache: false });
    this.tamper = {
      putGroup: (key, value) => void this.journal.putSync(key, asBuffer(value)),
      removeGroup: (key) => void this.journal.removeSync(key),
      putSnapshot: (seq, record) => void this.snapshots.putSync(seq, asBuffer(record)),
    };
  }

  appendGroups(groups: readonly StoreEntry[], head: MetaHead): void {
    assert(groups.length >= 1, 'appendGroups: no groups');
    // `append` (MDB_APPEND): LMDB itself refuses a key that is not above every existing key, so
    // the journal cannot be rewritten even by a bug above. putSync inside transactionSync writes
    // into this transaction; a throw inside the callback aborts it: nothing of it is committed.
    this.root.transactionSync(() => {
      for (const { key, value } of groups) {
        // putSync returns false (lmdb-js's typing says void) when LMDB refuses the append.
        const appended = this.journal.putSync(key, asBuffer(value), { append: true }) as unknown;
        assert(appended === true, `group ${key}: LMDB refused the append (a key >= it exists)`);
      }
      this.meta.putSync(META_KEY_HEAD, { lastSeq: head.lastSeq, hashHex: head.hashHex });
    });
  }

  getGroup(key: number): Uint8Array | undefined {
    return this.journal.getBinary(key);
  }

  getGroupBorrowed(key: number): Uint8Array | undefined {
    const fast = this.journal.getBinaryFast(key);
    if (fast === undefined) return undefined;
    assert(fast.length <= fast.byteLength, 'lmdb-js getBinaryFast returned a length beyond its buffer');
    return new Uint8Array(fast.buffer, fast.byteOffset, fast.length);
  }

  readGroups(fromKey: number, endKeyExclusive: number, limit: number): StoreEntry[] {
    checkReadBounds(fromKey, endKeyExclusive, limit);
    const entries: StoreEntry[] = [];
    for (const { key, value } of this.journal.getRange({ start: fromKey, end: endKeyExclusive, limit })) entries.push({ key, value });
    return entries;
  }

  readGroupKeys(fromKey: number, endKeyExclusive: number, limit: number): number[] {
    checkReadBounds(fromKey, endKeyExclusive, limit);
    const keys: number[] = [];
    for (const key of this.journal.getKeys({ start: fromKey, end: endKeyExclusive, limit })) keys.push(key);
    return keys;
  }

  groupKeyAtOrBelow(key: number): number | null {
    for (const found of this.journal.getKeys({ start: key, reverse: true, limit: 1 })) return found;
    return null;
  }

  firstGroupKey(): number | null {
    for (const key of this.journal.getKeys({ limit: 1 })) return key;
    return null;
  }

  lastGroupKey(): number | null {
    for (const key of this.journal.getKeys({ reverse: true, limit: 1 })) return key;
    return null;
  }

  setAsideGroupsFrom(fromKey: number, limit: number): number {
    checkReadBounds(fromKey, Number.MAX_SAFE_INTEGER, limit);
    return this.root.transactionSync(() => {
      const entries = this.readGroups(fromKey, Number.MAX_SAFE_INTEGER, limit + 1);
      assert(entries.length <= limit, `set aside from ${fromKey}: more than ${limit} groups`);
      let next = this.setAsideCount();
      for (const { key, value } of entries) {
        this.meta.putSync(setAsideKey(next++), { key, value });
        assert(this.journal.removeSync(key), `group ${key} vanished while being set aside`);
      }
      return entries.length;
    });
  }

  listSetAsideGroups(limit: number): StoreEntry[] {
    checkReadBounds(0, Number.MAX_SAFE_INTEGER, limit);
    const entries: StoreEntry[] = [];
    for (const { value } of this.meta.getRange({ start: setAsideKey(0), end: setAsideKey(10 ** SET_ASIDE_DIGITS - 1), limit })) {
      const group = value as SetAsideGroup;
      entries.push({ key: group.key, value: Uint8Array.from(group.value) });
    }
    return entries;
  }

  private setAsideCount(): number {
    for (const key of this.meta.getKeys({ start: setAsideKey(10 ** SET_ASIDE_DIGITS - 1), end: setAsideKey(0), reverse: true, limit: 1 })) {
      return Number(key.slice(META_KEY_SET_ASIDE.length)) + 1;
    }
    return 0;
  }

  metaConfig(): MetaConfig | undefined {
    return this.meta.get(META_KEY_CONFIG) as MetaConfig | undefined;
  }

  putMetaConfig(config: MetaConfig): void {
    this.root.transactionSync(() => this.meta.putSync(META_KEY_CONFIG, { formatVersion: config.formatVersion, commandSize: config.commandSize, fingerprint: config.fingerprint }));
  }

  metaHead(): MetaHead | undefined {
    return this.meta.get(META_KEY_HEAD) as MetaHead | undefined;
  }

  getSnapshot(seq: number): Uint8Array | undefined {
    return this.snapshots.getBinary(seq);
  }

  putSnapshot(seq: number, record: Uint8Array, retainCount: number): boolean {
    return this.root.transactionSync(() => {
      const stored = this.snapshots.putSync(seq, asBuffer(record), { noOverwrite: true }) as unknown;
      if (stored !== true) return false;
      this.pruneInTxn(retainCount);
      return true;
    });
  }

  snapshotAtOrBelow(seq: number): StoreEntry | null {
    for (const { key, value } of this.snapshots.getRange({ start: seq, reverse: true, limit: 1 })) return { key, value };
    return null;
  }

  listSnapshots(limit: number): StoreEntry[] {
    checkReadBounds(0, Number.MAX_SAFE_INTEGER, limit);
    const entries: StoreEntry[] = [];
    for (const { key, value } of this.snapshots.getRange({ limit })) entries.push({ key, value });
    return entries;
  }

  pruneSnapshots(retainCount: number): number {
    return this.root.transactionSync(() => this.pruneInTxn(retainCount));
  }

  private pruneInTxn(retainCount: number): number {
    assert(Number.isInteger(retainCount) && retainCount >= 1, `prune: retention ${retainCount}`);
    const doomed: number[] = [];
    for (const key of this.snapshots.getKeys({ reverse: true, offset: retainCount })) doomed.push(key);
    for (const key of doomed) {
      const removed = this.snapshots.removeSync(key);
      assert(removed, `snapshot ${key} vanished while being pruned`);
    }
    return doomed.length;
  }

  refresh(): void {
    this.root.resetReadTxn();
  }

  async sync(): Promise<void> {
    await this.root.flushed;
  }

  close(): Promise<void> {
    return this.root.close();
  }
}

function setAsideKey(index: number): string {
  assert(Number.isInteger(index) && index >= 0 && index < 10 ** SET_ASIDE_DIGITS, `set-aside index ${index}`);
  return META_KEY_SET_ASIDE + String(index).padStart(SET_ASIDE_DIGITS, '0');
}

/** A Buffer view of the same bytes (no copy): lmdb-js's binary encoding takes Buffers. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
