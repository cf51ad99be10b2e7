import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssertionError } from '../engine/assert.js';
import { makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import { openJournalEnv, type JournalEnv } from './journal-env.js';
import { JournalCorruptError } from './journal-error.js';
import { SNAPSHOT_CHECKSUM_OFFSET, SNAPSHOT_FORMAT_NO_READ_MODEL, SNAPSHOT_FORMAT_OFFSET, SNAPSHOT_HEADER_BYTES, snapshotChecksum } from './snapshot-layout.js';
import { SnapshotStore, decodeSnapshot, encodeSnapshot, type Snapshot } from './snapshot-store.js';
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
    expect(store.list()).toEqual([{ seq: 40, stateHashHex: snapshotAt(40).stateHashHex, bodyBytes: 64, readModelBytes: 0 }]);
    expect(verifyJournal(env)).toMatchObject({ ok: true, snapshots: 1, lastSeq: -1 });
  });

  it('keeps the read model beside the state, byte for byte, and reads records of the format before it', () => {
    const store = new SnapshotStore(env, 10);
    const readModel = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
    store.put({ ...snapshotAt(50), readModel });
    const back = store.newestAtOrBelow(50);
    expect(Buffer.from(back?.body ?? []).equals(snapshotAt(50).body)).toBe(true);
    expect(Buffer.from(back?.readModel ?? []).equals(readModel)).toBe(true);
    expect(store.list()).toEqual([{ seq: 50, stateHashHex: snapshotAt(50).stateHashHex, bodyBytes: 64, readModelBytes: 1000 }]);
    // None kept: no section bytes beyond the length word, and none read back.
    expect(decodeSnapshot(encodeSnapshot(snapshotAt(60)), 60).readModel).toBeUndefined();
    // A format-1 record (written before the read model was kept): the body alone, no length word.
    const old = encodeSnapshot(snapshotAt(70));
    const v1 = Buffer.from(old.subarray(0, old.byteLength - 4));
    v1.writeUInt16LE(SNAPSHOT_FORMAT_NO_READ_MODEL, SNAPSHOT_FORMAT_OFFSET);
    v1.writeUInt32LE(snapshotChecksum(v1), SNAPSHOT_CHECKSUM_OFFSET);
    const decoded = decodeSnapshot(v1, 70);
    expect(Buffer.from(decoded.body).equals(snapshotAt(70).body)).toBe(true);
    expect(decoded.readModel).toBeUndefined();
    // A read model length that runs past the record is caught.
    const long = Buffer.from(encodeSnapshot({ ...snapshotAt(80), readModel }));
    long.writeUInt32LE(1001, long.byteLength - 1004);
    long.writeUInt32LE(snapshotChecksum(long), SNAPSHOT_CHECKSUM_OFFSET);
    expect(() => decodeSnapshot(long, 80)).toThrow(/does not hold/);
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
