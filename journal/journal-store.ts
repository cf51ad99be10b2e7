// The journal's storage seam (design §5): what the writer, reader, snapshot store, verify and
// recovery need of a store, in plain numbers and bytes. Two adapters stand behind it: LMDB
// (lmdb-journal-store.ts, the only importer of lmdb) and memory (memory-journal-store.ts, for tests
// and deterministic simulation). A replicated journal would be a third.
//
//   groups     key: the group's first sequence   value: a commit group (record-layout.ts)
//   snapshots  key: the snapshot's sequence       value: a snapshot record (snapshot-layout.ts)
//   meta       'config' (MetaConfig) and 'head' (MetaHead, written with the groups it names)
//
// The store knows nothing of what the bytes mean: checksums, the hash chain and the configuration
// check live above it (journal-env.ts, group-codec.ts). It owns only order, atomicity and
// durability: appendGroups is all-or-nothing and, in 'fsync' mode, on disk when it returns.

import { assert } from '../engine/assert.js';

/** 'fsync': durable before acknowledged (production). 'none': TESTS AND BENCHMARKS ONLY. */
export type Durability = 'fsync' | 'none';

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

/** One stored value under its key. */
export interface StoreEntry {
  readonly key: number;
  readonly value: Uint8Array;
}

/** Bound on the entries one bounded read may ask for. */
export const STORE_READ_LIMIT_MAX = 65_536;

export interface JournalStore {
  readonly durability: Durability;

  /**
   * Appends groups and records the head, atomically: all of it is stored or none. Every key must
   * be above every stored key and the keys ascending (append-only); a violation throws and stores
   * nothing. In 'fsync' mode it returns only once everything is on disk.
   */
  appendGroups(groups: readonly StoreEntry[], head: MetaHead): void;
  /** The group under `key` as a copy the caller owns, or undefined. */
  getGroup(key: number): Uint8Array | undefined;
  /**
   * The group under `key` without a copy where the store can: valid only until the next read on
   * this store (copy out what must outlive it). The replay's reader thread reads through this.
   */
  getGroupBorrowed(key: number): Uint8Array | undefined;
  /** Up to `limit` groups with fromKey <= key < endKeyExclusive, ascending; values owned by the caller. */
  readGroups(fromKey: number, endKeyExclusive: number, limit: number): StoreEntry[];
  /** Up to `limit` group keys with fromKey <= key < endKeyExclusive, ascending. */
  readGroupKeys(fromKey: number, endKeyExclusive: number, limit: number): number[];
  /** The greatest group key <= `key`, or null. */
  groupKeyAtOrBelow(key: number): number | null;
  /** The smallest group key, or null for an empty journal. */
  firstGroupKey(): number | null;
  /** The greatest group key, or null for an empty journal. */
  lastGroupKey(): number | null;
  /**
   * Moves every group keyed >= `fromKey` (at most `limit` of them, else it throws and moves
   * nothing) out of the journal into the store's set-aside area, atomically, and returns how many
   * it moved. For the journal writer's open only: groups past the meta head are a torn append,
   * never committed, kept for audit and never read again by the journal.
   */
  setAsideGroupsFrom(fromKey: number, limit: number): number;
  /** Up to `limit` set-aside groups, in the order they were set aside: the group's key and bytes. */
  listSetAsideGroups(limit: number): StoreEntry[];

  metaConfig(): MetaConfig | undefined;
  /** Records the configuration, durably per the mode. */
  putMetaConfig(config: MetaConfig): void;
  metaHead(): MetaHead | undefined;

  /** The snapshot record under `seq`, a copy, or undefined. */
  getSnapshot(seq: number): Uint8Array | undefined;
  /**
   * Stores a snapshot record under a new `seq` and keeps only the newest `retainCount` in the same
   * transaction; returns false (storing nothing) when `seq` is taken.
   */
  putSnapshot(seq: number, record: Uint8Array, retainCount: number): boolean;
  /** The snapshot with the greatest seq <= `seq`, a copy, or null. */
  snapshotAtOrBelow(seq: number): StoreEntry | null;
  /** Up to `limit` snapshots, oldest first, copies. */
  listSnapshots(limit: number): StoreEntry[];
  /** Deletes all but the newest `retainCount` snapshots; returns how many it deleted. */
  pruneSnapshots(retainCount: number): number;

  /**
   * Lets later reads see what other handles (threads) committed since. A store that pins a read
   * view (LMDB renews it only on event-loop turns) needs this in a thread that never yields.
   */
  refresh(): void;
  /** Resolves once everything written so far is on disk, whatever the mode. */
  sync(): Promise<void>;
  close(): Promise<void>;

  /** Writes that bypass the append-only rule: for tamper tests and repair tools, never production paths. */
  readonly tamper: JournalStoreTamper;
}

export interface JournalStoreTamper {
  putGroup(key: number, value: Uint8Array): void;
  removeGroup(key: number): void;
  putSnapshot(seq: number, record: Uint8Array): void;
}

/** Asserts the arguments of a bounded range read, the same for every adapter. */
export function checkReadBounds(fromKey: number, endKeyExclusive: number, limit: number): void {
  assert(Number.isSafeInteger(fromKey) && Number.isSafeInteger(endKeyExclusive), `store read: keys ${fromKey}..${endKeyExclusive} are not safe integers`);
  assert(Number.isInteger(limit) && limit >= 1 && limit <= STORE_READ_LIMIT_MAX, `store read: limit ${limit} outside [1, ${STORE_READ_LIMIT_MAX}]`);
}
