// The journal store in memory: the semantics of the LMDB adapter (ordered keys, append-only
// groups, atomic group+head appends, bounded reads, meta, snapshots with retention) without a
// disk, for tests and deterministic simulation. Values are copied in and out, so a caller can no
// more change what is stored than it could through LMDB.
//
// Faults are injected through `faults`: the next append fails (nothing stored) or is torn (a prefix
// of its groups stored, perhaps part of the next, the head not), the next sync fails. Each fault
// fires once.

import { assert } from '../engine/assert.js';
import { checkReadBounds, type Durability, type JournalStore, type JournalStoreTamper, type MetaConfig, type MetaHead, type StoreEntry } from './journal-store.js';

/** Bound on the groups or snapshots a memory store holds: it is for tests and simulation. */
export const MEMORY_STORE_ENTRIES_MAX = 1_000_000;

/** What an injected fault throws: `code` is the caller's, like an errno. */
export class StoreFaultError extends Error {
  readonly code: string;

  constructor(code: string, operation: string) {
    super(`injected store fault ${code} in ${operation}`);
    this.name = 'StoreFaultError';
    this.code = code;
  }
}

type AppendFault = { readonly kind: 'fail'; readonly code: string } | { readonly kind: 'tear'; readonly code: string; readonly groupsKept: number; readonly partialBytes: number };

export class MemoryStoreFaults {
  private appendFault: AppendFault | null = null;
  private appendFailuresLeft = 0;
  private appendFailureCode = '';
  private syncFaultCode: string | null = null;

  /** The next appendGroups stores nothing and throws StoreFaultError(code). */
  failNextAppend(code: string): void {
    this.appendFault = { kind: 'fail', code };
  }

  /**
   * The next `count` appendGroups store nothing and throw StoreFaultError(code): a fault that
   * lasts, like a full disk, until it clears by itself (or clearAppendFailures()).
   */
  failAppends(code: string, count: number): void {
    assert(Number.isInteger(count) && count >= 1, `failAppends: ${count} appends`);
    this.appendFailuresLeft = count;
    this.appendFailureCode = code;
  }

  /** Ends a failAppends() fault: the next append succeeds (unless failNextAppend says otherwise). */
  clearAppendFailures(): void {
    this.appendFailuresLeft = 0;
  }

  /**
   * The next appendGroups stores only its first `groupsKept` groups, and of the group after them
   * its first `partialBytes` bytes (0: nothing; fewer than the group has), never the head, then
   * throws StoreFaultError(code): a store that is not atomic, torn by a crash mid-write.
   */
  tearNextAppend(code: string, groupsKept: number, partialBytes = 0): void {
    assert(Number.isInteger(groupsKept) && groupsKept >= 0, `tearNextAppend: ${groupsKept} groups kept`);
    assert(Number.isInteger(partialBytes) && partialBytes >= 0, `tearNextAppend: ${partialBytes} bytes of a partial group`);
    this.appendFault = { kind: 'tear', code, groupsKept, partialBytes };
  }

  /** The next sync rejects with StoreFaultError(code). */
  failNextSync(code: string): void {
    this.syncFaultCode = code;
  }

  /** @internal The pending append fault, cleared. */
  takeAppendFault(): AppendFault | null {
    if (this.appendFault === null && this.appendFailuresLeft > 0) {
      this.appendFailuresLeft--;
      return { kind: 'fail', code: this.appendFailureCode };
    }
    const fault = this.appendFault;
    this.appendFault = null;
    return fault;
  }

  /** @internal The pending sync fault, cleared. */
  takeSyncFault(): string | null {
    const code = this.syncFaultCode;
    this.syncFaultCode = null;
    return code;
  }
}

/**
 * A copy in a fresh Uint8Array. Not `value.slice()`: on a Buffer that is a view of the same
 * memory, and the writer reuses its staging buffer for the next commit.
 */
function copyOf(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}

function copyOrUndefined(value: Uint8Array | undefined): Uint8Array | undefined {
  return value === undefined ? undefined : copyOf(value);
}

/** Keys kept sorted beside their values: lookups by binary search, reads in order. */
class SortedTable {
  private readonly keys: number[] = [];
  private readonly values = new Map<number, Uint8Array>();

  get size(): number {
    return this.keys.length;
  }

  get(key: number): Uint8Array | undefined {
    return this.values.get(key);
  }

  put(key: number, value: Uint8Array): void {
    assert(Number.isSafeInteger(key), `store key ${key} is not a safe integer`);
    if (!this.values.has(key)) {
      assert(this.keys.length < MEMORY_STORE_ENTRIES_MAX, `memory store holds ${MEMORY_STORE_ENTRIES_MAX} entries already`);
      this.keys.splice(this.indexAtOrAbove(key), 0, key);
    }
    this.values.set(key, copyOf(value));
  }

  remove(key: number): boolean {
    if (!this.values.delete(key)) return false;
    this.keys.splice(this.indexAtOrAbove(key), 1);
    return true;
  }

  first(): number | null {
    return this.keys[0] ?? null;
  }

  last(): number | null {
    return this.keys.at(-1) ?? null;
  }

  atOrBelow(key: number): number | null {
    const index = this.indexAtOrAbove(key);
    if (this.keys[index] === key) return key;
    return index === 0 ? null : (this.keys[index - 1] ?? null);
  }

  /** Up to `limit` keys in [fromKey, endKeyExclusive), ascending. */
  range(fromKey: number, endKeyExclusive: number, limit: number): number[] {
    const found: number[] = [];
    for (let index = this.indexAtOrAbove(fromKey); index < this.keys.length && found.length < limit; index++) {
      const key = this.keys[index] as number;
      if (key >= endKeyExclusive) break;
      found.push(key);
    }
    return found;
  }

  /** Keys from the newest, skipping the newest `skip`. */
  olderThanNewest(skip: number): number[] {
    return this.keys.slice(0, Math.max(0, this.keys.length - skip));
  }

  /** The index of the first key >= `key` (keys.length if none). */
  private indexAtOrAbove(key: number): number {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.keys[middle] as number) < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

export interface MemoryJournalStoreOptions {
  readonly durability?: Durability;
  readonly faults?: MemoryStoreFaults;
}

export class MemoryJournalStore implements JournalStore {
  readonly durability: Durability;
  readonly faults: MemoryStoreFaults;
  readonly tamper: JournalStoreTamper;
  private readonly groups = new SortedTable();
  private readonly snapshots = new SortedTable();
  private readonly setAside: StoreEntry[] = [];
  private config: MetaConfig | undefined;
  private head: MetaHead | undefined;
  private closed = false;

  constructor(options: MemoryJournalStoreOptions = {}) {
    this.durability = options.durability ?? 'fsync';
    this.faults = options.faults ?? new MemoryStoreFaults();
    this.tamper = {
      putGroup: (key, value) => this.groups.put(key, value),
      removeGroup: (key) => void this.groups.remove(key),
      putSnapshot: (seq, record) => this.snapshots.put(seq, record),
    };
  }

  appendGroups(groups: readonly StoreEntry[], head: MetaHead): void {
    this.checkOpen();
    assert(groups.length >= 1, 'appendGroups: no groups');
    let keyAbove = this.groups.last();
    for (const { key } of groups) {
      assert(Number.isSafeInteger(key) && (keyAbove === null || key > keyAbove), `group ${key}: the store refused the append (a key >= it exists)`);
      keyAbove = key;
    }
    const fault = this.faults.takeAppendFault();
    if (fault !== null) {
      if (fault.kind === 'tear') {
        groups.slice(0, fault.groupsKept).forEach(({ key, value }) => this.groups.put(key, value));
        const partial = groups[fault.groupsKept];
        if (partial !== undefined && fault.partialBytes > 0) {
          assert(fault.partialBytes < partial.value.byteLength, `a torn group keeps ${fault.partialBytes} of its ${partial.value.byteLength} bytes`);
          this.groups.put(partial.key, partial.value.subarray(0, fault.partialBytes));
        }
      }
      throw new StoreFaultError(fault.code, 'appendGroups');
    }
    for (const { key, value } of groups) this.groups.put(key, value);
    this.head = { lastSeq: head.lastSeq, hashHex: head.hashHex };
  }

  getGroup(key: number): Uint8Array | undefined {
    return copyOrUndefined(this.groups.get(key));
  }

  getGroupBorrowed(key: number): Uint8Array | undefined {
    return this.groups.get(key);
  }

  readGroups(fromKey: number, endKeyExclusive: number, limit: number): StoreEntry[] {
    checkReadBounds(fromKey, endKeyExclusive, limit);
    return this.groups.range(fromKey, endKeyExclusive, limit).map((key) => ({ key, value: copyOf(this.groups.get(key) as Uint8Array) }));
  }

  readGroupKeys(fromKey: number, endKeyExclusive: number, limit: number): number[] {
    checkReadBounds(fromKey, endKeyExclusive, limit);
    return this.groups.range(fromKey, endKeyExclusive, limit);
  }

  groupKeyAtOrBelow(key: number): number | null {
    return this.groups.atOrBelow(key);
  }

  firstGroupKey(): number | null {
    return this.groups.first();
  }

  lastGroupKey(): number | null {
    return this.groups.last();
  }

  setAsideGroupsFrom(fromKey: number, limit: number): number {
    this.checkOpen();
    checkReadBounds(fromKey, Number.MAX_SAFE_INTEGER, limit);
    const keys = this.groups.range(fromKey, Number.MAX_SAFE_INTEGER, limit + 1);
    assert(keys.length <= limit, `set aside from ${fromKey}: more than ${limit} groups`);
    assert(this.setAside.length + keys.length <= MEMORY_STORE_ENTRIES_MAX, `memory store holds ${MEMORY_STORE_ENTRIES_MAX} set-aside groups already`);
    for (const key of keys) {
      this.setAside.push({ key, value: this.groups.get(key) as Uint8Array });
      this.groups.remove(key);
    }
    return keys.length;
  }

  listSetAsideGroups(limit: number): StoreEntry[] {
    checkReadBounds(0, Number.MAX_SAFE_INTEGER, limit);
    return this.setAside.slice(0, limit).map(({ key, value }) => ({ key, value: copyOf(value) }));
  }

  metaConfig(): MetaConfig | undefined {
    return this.config;
  }

  putMetaConfig(config: MetaConfig): void {
    this.checkOpen();
    this.config = { formatVersion: config.formatVersion, commandSize: config.commandSize, fingerprint: config.fingerprint };
  }

  metaHead(): MetaHead | undefined {
    return this.head;
  }

  getSnapshot(seq: number): Uint8Array | undefined {
    return copyOrUndefined(this.snapshots.get(seq));
  }

  putSnapshot(seq: number, record: Uint8Array, retainCount: number): boolean {
    this.checkOpen();
    if (this.snapshots.get(seq) !== undefined) return false;
    this.snapshots.put(seq, record);
    this.pruneSnapshots(retainCount);
    return true;
  }

  snapshotAtOrBelow(seq: number): StoreEntry | null {
    const key = this.snapshots.atOrBelow(seq);
    if (key === null) return null;
    return { key, value: copyOf(this.snapshots.get(key) as Uint8Array) };
  }

  listSnapshots(limit: number): StoreEntry[] {
    checkReadBounds(0, Number.MAX_SAFE_INTEGER, limit);
    return this.snapshots.range(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, limit).map((key) => ({ key, value: copyOf(this.snapshots.get(key) as Uint8Array) }));
  }

  pruneSnapshots(retainCount: number): number {
    assert(Number.isInteger(retainCount) && retainCount >= 1, `prune: retention ${retainCount}`);
    const doomed = this.snapshots.olderThanNewest(retainCount);
    for (const key of doomed) assert(this.snapshots.remove(key), `snapshot ${key} vanished while being pruned`);
    return doomed.length;
  }

  refresh(): void {
    // One handle, no pinned read view: every read already sees every write.
  }

  sync(): Promise<void> {
    const code = this.faults.takeSyncFault();
    return code === null ? Promise.resolve() : Promise.reject(new StoreFaultError(code, 'sync'));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private checkOpen(): void {
    assert(!this.closed, 'the memory journal store is closed');
  }
}
