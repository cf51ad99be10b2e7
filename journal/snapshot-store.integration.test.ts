import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssertionError } from '../engine/assert.js';
import { makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import { openJournalEnv, type JournalEnv } from './journal-env.js';
import { JournalCorruptError } from './journal-error.js';
import { SNAPSHOT_HEADER_BYTES } from './snapshot-layout.js';
import { SnapshotStore, encodeSnapshot, type Snapshot } from './snapshot-store.js';
import { verifyJournal } from './verify.js';

let dir = '';
let env: JournalEnv;

beforeEach(() => {
  dir = makeTempDir('ordo-snapshots-');
  // durability 'fsync': snapshots are written the way production writes them.
  env = openJournalEnv({ path: path.join(dir, 'journal'), durability: 'fsync', fingerprint: 'snapshot-test', mapSizeBytes: 2 ** 30 });
});

afterEach(async () => {
  await env.close();
  removeDir(dir);
});

function snapshotAt(seq: number, bodyBytes = 64): Snapshot {
  const body = new Uint8Array(bodyBytes).map((_, index) => (seq * 31 + index) & 0xff);
  return { seq, stateHashHex: (seq + 0xabc).toString(16).padStart(64, '0'), body };
}

describe('snapshot store', () => {
  it('returns the newest snapshot at or below a sequence, byte for byte', () => {
    const store = new SnapshotStore(env, 10);
    for (const seq of [100, 2000, 35_000]) store.put(snapshotAt(seq));
    expect(store.newestAtOrBelow(99)).toBeNull();
    expect(store.newestAtOrBelow(100)?.seq).toBe(100);
    expect(store.newestAtOrBelow(1999)?.seq).toBe(100);
    expect(store.newestAtOrBelow(2000)?.seq).toBe(2000);
    const newest = store.newestAtOrBelow(Number.MAX_SAFE_INTEGER);
    expect(newest).toMatchObject({ seq: 35_000, stateHashHex: snapshotAt(35_000).stateHashHex });
    expect(Buffer.from(newest?.body ?? []).equals(snapshotAt(35_000).body)).toBe(true);
  });

  it('keeps only the newest `retainCount` snapshots, pruning in the same transaction as a put', () => {
    const store = new SnapshotStore(env, 2);
    for (const seq of [10, 20, 30, 40]) store.put(snapshotAt(seq));
    expect(store.list().map((info) => info.seq)).toEqual([30, 40]);
    expect(store.newestAtOrBelow(25)).toBeNull();
    expect(store.prune(1)).toBe(1);
    expect(store.list()).toEqual([{ seq: 40, stateHashHex: snapshotAt(40).stateHashHex, bodyBytes: 64 }]);
    expect(verifyJournal(env)).toMatchObject({ ok: true, snapshots: 1, lastSeq: -1 });
  });

  it('stores a large body (an engine state of several MiB)', () => {
    const store = new SnapshotStore(env);
    store.put(snapshotAt(5, 5 * 2 ** 20));
    expect(store.newestAtOrBelow(5)?.body.byteLength).toBe(5 * 2 ** 20);
  });

  it('accepts the same snapshot twice but refuses another state hash at the same sequence', () => {
    const store = new SnapshotStore(env);
    store.put(snapshotAt(7));
    store.put(snapshotAt(7));
    expect(() => store.put({ ...snapshotAt(7), stateHashHex: 'ff' })).toThrow(AssertionError);
    expect(store.list()).toHaveLength(1);
  });

  it('detects a damaged snapshot, naming its sequence', () => {
    const store = new SnapshotStore(env);
    store.put(snapshotAt(42));
    const record = encodeSnapshot(snapshotAt(42));
    record.writeUInt8(record.readUInt8(SNAPSHOT_HEADER_BYTES + 70) ^ 0x10, SNAPSHOT_HEADER_BYTES + 70);
    env.store.tamper.putSnapshot(42, record);
    expect(() => store.newestAtOrBelow(100)).toThrow(JournalCorruptError);
    expect(() => store.newestAtOrBelow(100)).toThrow(/checksum\) at sequence 42/);
    const verified = verifyJournal(env);
    expect(verified.ok ? null : verified.error.seq).toBe(42);
    env.store.tamper.putSnapshot(42, record.subarray(0, 30));
    expect(() => store.newestAtOrBelow(100)).toThrow(/truncated\) at sequence 42/);
  });
});
