// The journal store's contract, run against both adapters: what one promises the other must, so
// that a test or a simulation on the memory store says something about the LMDB journal.

import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCommands, makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import { openJournalEnvOn, type JournalEnv } from './journal-env.js';
import { JournalReader } from './journal-reader.js';
import type { JournalStore, MetaHead } from './journal-store.js';
import { openJournalStore } from './journal-store-factory.js';
import { JournalWriter } from './journal-writer.js';
import { MemoryJournalStore, MemoryStoreFaults, StoreFaultError } from './memory-journal-store.js';
import { verifyJournal } from './verify.js';

interface Adapter {
  readonly name: string;
  open(): JournalStore;
  /** The same store opened again after close (for LMDB, the same directory); null if it cannot be. */
  reopen(): JournalStore | null;
}

let dir = '';
let opened: JournalStore[] = [];

function track(store: JournalStore): JournalStore {
  opened.push(store);
  return store;
}

const ADAPTERS: readonly Adapter[] = [
  {
    name: 'lmdb',
    // durability 'none' is for tests only: these journals are thrown away.
    open: () => track(openJournalStore({ kind: 'lmdb', path: path.join(dir, 'journal'), durability: 'none', mapSizeBytes: 2 ** 30 })),
    reopen: () => track(openJournalStore({ kind: 'lmdb', path: path.join(dir, 'journal'), durability: 'none', mapSizeBytes: 2 ** 30 })),
  },
  { name: 'memory', open: () => track(new MemoryJournalStore()), reopen: () => null },
];

beforeEach(() => {
  dir = makeTempDir('ordo-store-');
});

afterEach(async () => {
  for (const store of opened) await store.close();
  opened = [];
  removeDir(dir);
});

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function head(lastSeq: number): MetaHead {
  return { lastSeq, hashHex: lastSeq.toString(16).padStart(64, '0') };
}

/** The bytes of a whole group of `count` commands from `firstSeq`, as a torn append would have stored them. */
function makeTornGroup(env: JournalEnv, firstSeq: number, count: number): Uint8Array {
  const scratch = openJournalEnvOn(new MemoryJournalStore(), env.fingerprint);
  const writer = JournalWriter.open(scratch);
  if (firstSeq > 0) writer.append(makeCommands(0, firstSeq), 0, firstSeq);
  writer.append(makeCommands(firstSeq, count), firstSeq, count);
  return scratch.store.getGroup(firstSeq) as Uint8Array;
}

/** Appends one-byte groups under `keys`, one append each, the head naming the last. */
function appendKeys(store: JournalStore, keys: readonly number[]): void {
  for (const key of keys) store.appendGroups([{ key, value: bytes(key & 0xff) }], head(key));
}

describe.each(ADAPTERS)('the journal store contract: $name', (adapter) => {
  it('starts empty', () => {
    const store = adapter.open();
    expect([store.firstGroupKey(), store.lastGroupKey(), store.groupKeyAtOrBelow(100)]).toEqual([null, null, null]);
    expect([store.metaConfig(), store.metaHead()]).toEqual([undefined, undefined]);
    expect(store.readGroups(0, 100, 10)).toEqual([]);
    expect(store.listSnapshots(10)).toEqual([]);
  });

  it('appends groups and the head atomically, and reads them back in key order', () => {
    const store = adapter.open();
    store.appendGroups([{ key: 0, value: bytes(1, 2) }, { key: 2, value: bytes(3) }], head(2));
    store.appendGroups([{ key: 3, value: bytes(4, 5, 6) }], head(5));
    expect(store.metaHead()).toEqual(head(5));
    expect([store.firstGroupKey(), store.lastGroupKey()]).toEqual([0, 3]);
    expect(store.readGroups(0, Number.MAX_SAFE_INTEGER, 10).map(({ key, value }) => [key, [...value]])).toEqual([[0, [1, 2]], [2, [3]], [3, [4, 5, 6]]]);
    expect([...(store.getGroup(2) ?? [])]).toEqual([3]);
    expect([...(store.getGroupBorrowed(3) ?? [])]).toEqual([4, 5, 6]);
    expect(store.getGroup(1)).toBeUndefined();
  });

  it('refuses a key at or below a stored one, storing nothing of that append', () => {
    const store = adapter.open();
    appendKeys(store, [0, 5]);
    expect(() => store.appendGroups([{ key: 9, value: bytes(9) }, { key: 5, value: bytes(0) }], head(9))).toThrow(/refused the append/);
    expect(() => store.appendGroups([{ key: 3, value: bytes(0) }], head(3))).toThrow(/refused the append/);
    expect(store.readGroupKeys(0, 100, 10)).toEqual([0, 5]);
    expect(store.metaHead()).toEqual(head(5));
    expect([...(store.getGroup(5) ?? [])]).toEqual([5]);
  });

  it('reads within the key range and the limit', () => {
    const store = adapter.open();
    appendKeys(store, [0, 4, 8, 12, 16, 20]);
    expect(store.readGroupKeys(0, 100, 3)).toEqual([0, 4, 8]);
    expect(store.readGroupKeys(5, 16, 100)).toEqual([8, 12]);
    expect(store.readGroups(8, 9, 100).map(({ key }) => key)).toEqual([8]);
    expect(store.readGroupKeys(21, 100, 10)).toEqual([]);
    expect([store.groupKeyAtOrBelow(11), store.groupKeyAtOrBelow(12), store.groupKeyAtOrBelow(1000)]).toEqual([8, 12, 20]);
    expect(() => store.readGroupKeys(0, 100, 0)).toThrow(/limit/);
  });

  it('a value read is the caller\'s: changing it changes nothing stored', () => {
    const store = adapter.open();
    const value = bytes(7, 7);
    store.appendGroups([{ key: 0, value }], head(1));
    value[0] = 0;
    const read = store.getGroup(0) ?? new Uint8Array(0);
    read[1] = 0;
    expect([...(store.readGroups(0, 10, 1)[0]?.value ?? [])]).toEqual([7, 7]);
  });

  it('keeps meta config', () => {
    const store = adapter.open();
    store.putMetaConfig({ formatVersion: 1, commandSize: 128, fingerprint: 'symbols:v1' });
    expect(store.metaConfig()).toEqual({ formatVersion: 1, commandSize: 128, fingerprint: 'symbols:v1' });
  });

  it('stores snapshots once per sequence, finds the newest at or below, lists and prunes by retention', () => {
    const store = adapter.open();
    expect(store.putSnapshot(10, bytes(10), 3)).toBe(true);
    expect(store.putSnapshot(10, bytes(99), 3)).toBe(false);
    expect([...(store.getSnapshot(10) ?? [])]).toEqual([10]);
    for (const seq of [20, 30, 40]) expect(store.putSnapshot(seq, bytes(seq), 3)).toBe(true);
    expect(store.listSnapshots(10).map(({ key }) => key)).toEqual([20, 30, 40]);
    expect(store.snapshotAtOrBelow(35)?.key).toBe(30);
    expect(store.snapshotAtOrBelow(19)).toBeNull();
    expect(store.pruneSnapshots(1)).toBe(2);
    expect(store.listSnapshots(10).map(({ key }) => key)).toEqual([40]);
  });

  it('carries a whole journal: written, verified and read back through the writer and reader', () => {
    const env = openJournalEnvOn(adapter.open(), 'symbols:v1:contract');
    const writer = JournalWriter.open(env);
    for (const [firstSeq, count] of [[0, 5], [5, 1], [6, 20]] as const) writer.append(makeCommands(firstSeq, count), firstSeq, count);
    expect(verifyJournal(env)).toMatchObject({ ok: true, groups: 3, commands: 26, lastSeq: 25 });
    expect([...new JournalReader(env).commands(4, 7)].map(({ seq }) => seq)).toEqual([4, 5, 6]);
    expect(JournalWriter.open(env).seqCommitted()).toBe(25);
  });

  it('sets aside groups past the head for audit, atomically and bounded, and the writer opens over what is left', async () => {
    const env = openJournalEnvOn(adapter.open(), 'symbols:v1:contract');
    const writer = JournalWriter.open(env);
    writer.append(makeCommands(0, 5), 0, 5);
    expect(JournalWriter.open(env).tornGroupsSetAside).toBe(0);
    // What a torn append leaves (LMDB's atomic commit cannot; a repair or a bug could): whole
    // groups, and one cut short, keyed past the head.
    const whole = makeTornGroup(env, 5, 3);
    env.store.tamper.putGroup(5, whole);
    env.store.tamper.putGroup(8, whole.subarray(0, 40));
    expect(() => env.store.setAsideGroupsFrom(5, 1)).toThrow(/more than 1 groups/);
    expect(env.store.readGroupKeys(0, 100, 10)).toEqual([0, 5, 8]);
    const reopened = JournalWriter.open(env);
    expect([reopened.tornGroupsSetAside, reopened.seqCommitted()]).toEqual([2, 4]);
    expect(env.store.readGroupKeys(0, 100, 10)).toEqual([0]);
    expect(env.store.listSetAsideGroups(10).map(({ key, value }) => [key, value.byteLength])).toEqual([[5, whole.byteLength], [8, 40]]);
    reopened.append(makeCommands(5, 2), 5, 2);
    expect(verifyJournal(env)).toMatchObject({ ok: true, groups: 2, commands: 7, lastSeq: 6 });
    // A second tear is kept beside the first, in order.
    env.store.tamper.putGroup(7, whole);
    expect(JournalWriter.open(env).tornGroupsSetAside).toBe(1);
    expect(env.store.listSetAsideGroups(10).map(({ key }) => key)).toEqual([5, 8, 7]);
  });

  it('refuses to set aside more groups past the head than one append writes: a head that went back is corruption', () => {
    const env = openJournalEnvOn(adapter.open(), 'symbols:v1:contract');
    JournalWriter.open(env).append(makeCommands(0, 1), 0, 1);
    const group = makeTornGroup(env, 1, 1);
    for (const key of [1, 2, 3, 4, 5]) env.store.tamper.putGroup(key, group);
    expect(() => JournalWriter.open(env)).toThrow(/groups past the meta head/);
    expect(env.store.readGroupKeys(0, 100, 10)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps everything across a reopen, where the store lives beyond its handle', async () => {
    const store = adapter.open();
    appendKeys(store, [0, 3]);
    store.putMetaConfig({ formatVersion: 1, commandSize: 128, fingerprint: 'f' });
    store.putSnapshot(3, bytes(3), 2);
    await store.close();
    opened = opened.filter((open) => open !== store);
    const again = adapter.reopen();
    if (again === null) return;
    expect(again.readGroupKeys(0, 100, 10)).toEqual([0, 3]);
    expect(again.metaHead()).toEqual(head(3));
    expect(again.metaConfig()?.fingerprint).toBe('f');
    expect(again.snapshotAtOrBelow(100)?.key).toBe(3);
  });
});

describe('the memory store injects faults', () => {
  it('a failed append stores nothing and throws the given code, once', () => {
    const faults = new MemoryStoreFaults();
    const store = new MemoryJournalStore({ faults });
    appendKeys(store, [0]);
    faults.failNextAppend('EIO');
    expect(() => appendKeys(store, [1])).toThrow(StoreFaultError);
    expect([store.readGroupKeys(0, 10, 10), store.metaHead()]).toEqual([[0], head(0)]);
    appendKeys(store, [1]);
    expect(store.readGroupKeys(0, 10, 10)).toEqual([0, 1]);
  });

  it('a torn append keeps a prefix of its groups and not the head, which the journal reads as truncated', () => {
    const faults = new MemoryStoreFaults();
    const env = openJournalEnvOn(new MemoryJournalStore({ faults }), 'symbols:v1:faults');
    const writer = JournalWriter.open(env);
    writer.append(makeCommands(0, 4), 0, 4);
    faults.tearNextAppend('ENOSPC', 1);
    let caught: unknown;
    try {
      writer.append(makeCommands(4, 8192 + 3), 4, 8192 + 3);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ name: 'StoreFaultError', code: 'ENOSPC' });
    expect(env.store.readGroupKeys(0, 100_000, 10)).toEqual([0, 4]);
    expect(env.store.metaHead()?.lastSeq).toBe(3);
    // The torn group was never committed: the next writer sets it aside and continues at the head.
    const next = JournalWriter.open(env);
    expect([next.tornGroupsSetAside, next.seqCommitted()]).toEqual([1, 3]);
    expect(env.store.readGroupKeys(0, 100_000, 10)).toEqual([0]);
    expect(env.store.listSetAsideGroups(10).map(({ key }) => key)).toEqual([4]);
    next.append(makeCommands(4, 2), 4, 2);
    expect(verifyJournal(env)).toMatchObject({ ok: true, commands: 6, lastSeq: 5 });
  });

  it('a group cut short past the head (a tear inside a group) is set aside too, and the journal goes on', () => {
    const faults = new MemoryStoreFaults();
    const env = openJournalEnvOn(new MemoryJournalStore({ faults }), 'symbols:v1:faults');
    faults.tearNextAppend('EIO', 0, 100);
    expect(() => JournalWriter.open(env).append(makeCommands(0, 4), 0, 4)).toThrow(StoreFaultError);
    expect(env.store.getGroup(0)?.byteLength).toBe(100);
    const writer = JournalWriter.open(env);
    expect([writer.tornGroupsSetAside, writer.seqCommitted()]).toEqual([1, -1]);
    expect(env.store.listSetAsideGroups(10).map(({ key, value }) => [key, value.byteLength])).toEqual([[0, 100]]);
    writer.append(makeCommands(0, 4), 0, 4);
    expect(verifyJournal(env)).toMatchObject({ ok: true, commands: 4, lastSeq: 3 });
  });

  it('a failed sync rejects with the given code, once', async () => {
    const faults = new MemoryStoreFaults();
    const store = new MemoryJournalStore({ faults });
    faults.failNextSync('EIO');
    await expect(store.sync()).rejects.toMatchObject({ code: 'EIO' });
    await expect(store.sync()).resolves.toBeUndefined();
  });
});
