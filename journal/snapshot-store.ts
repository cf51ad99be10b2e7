// Snapshots in the journal's store (design §5, §6): the engine's state (opaque msgpack bytes) at
// a sequence, with its state hash, in the store's snapshots keyed by that sequence. Recovery
// loads the newest snapshot at or below its target and replays the journal after it. Writes are
// durable per the store's mode exactly as journal groups are (journal-store.ts). Old snapshots
// are pruned in the same transaction that adds a new one.

import { assert } from '../engine/assert.js';
import { readI64, writeI64 } from '../engine/int64.js';
import { JournalCorruptError } from './journal-error.js';
import type { JournalEnv } from './journal-env.js';
import {
  SNAPSHOT_BODY_BYTES_MAX,
  SNAPSHOT_BODY_LENGTH_OFFSET,
  SNAPSHOT_CHECKSUM_OFFSET,
  SNAPSHOT_FORMAT_NO_READ_MODEL,
  SNAPSHOT_FORMAT_OFFSET,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_READ_MODEL_LENGTH_BYTES,
  SNAPSHOT_HASH_LENGTH_MAX,
  SNAPSHOT_HASH_LENGTH_OFFSET,
  SNAPSHOT_HEADER_BYTES,
  SNAPSHOT_MAGIC,
  SNAPSHOT_MAGIC_OFFSET,
  SNAPSHOT_SEQ_OFFSET,
  snapshotBodyOffset,
  snapshotChecksum,
} from './snapshot-layout.js';
import { SEQ_FIRST } from './record-layout.js';

/** Snapshots kept by default: the newest and two fallbacks should one turn out bad. */
export const SNAPSHOT_RETAIN_DEFAULT = 3;
/** Bound on retention, and so on how many entries list() and prune() walk. */
export const SNAPSHOT_RETAIN_MAX = 1000;

export interface Snapshot {
  /** The last command sequence applied in this state. */
  readonly seq: number;
  /** The engine's state hash at `seq`, lowercase hex. */
  readonly stateHashHex: string;
  /** The engine's encoded state; opaque here. */
  readonly body: Uint8Array;
  /** The read model at the same sequence (read-model-codec.ts), opaque here; absent when none was kept. */
  readonly readModel?: Uint8Array;
}

export interface SnapshotInfo {
  readonly seq: number;
  readonly stateHashHex: string;
  readonly bodyBytes: number;
  /** 0 when the snapshot keeps no read model. */
  readonly readModelBytes: number;
}

const HEX_PATTERN = /^[0-9a-f]+$/;
const EMPTY = new Uint8Array(0);

export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const hashLength = snapshot.stateHashHex.length;
  assert(Number.isSafeInteger(snapshot.seq) && snapshot.seq >= SEQ_FIRST, `snapshot seq ${snapshot.seq} below ${SEQ_FIRST}`);
  assert(hashLength >= 1 && hashLength <= SNAPSHOT_HASH_LENGTH_MAX && HEX_PATTERN.test(snapshot.stateHashHex), 'snapshot state hash must be 1..128 lowercase hex characters');
  assert(snapshot.body.byteLength <= SNAPSHOT_BODY_BYTES_MAX, `snapshot body of ${snapshot.body.byteLength} bytes is over the bound`);
  const readModel = snapshot.readModel ?? EMPTY;
  assert(readModel.byteLength <= SNAPSHOT_BODY_BYTES_MAX, `snapshot read model of ${readModel.byteLength} bytes is over the bound`);
  const bodyEnd = snapshotBodyOffset(hashLength) + snapshot.body.byteLength;
  const record = Buffer.alloc(bodyEnd + SNAPSHOT_READ_MODEL_LENGTH_BYTES + readModel.byteLength);
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  view.setUint32(SNAPSHOT_MAGIC_OFFSET, SNAPSHOT_MAGIC, true);
  view.setUint16(SNAPSHOT_FORMAT_OFFSET, SNAPSHOT_FORMAT_VERSION, true);
  view.setUint16(SNAPSHOT_HASH_LENGTH_OFFSET, hashLength, true);
  writeI64(view, SNAPSHOT_SEQ_OFFSET, snapshot.seq);
  view.setUint32(SNAPSHOT_BODY_LENGTH_OFFSET, snapshot.body.byteLength, true);
  record.write(snapshot.stateHashHex, SNAPSHOT_HEADER_BYTES, 'latin1');
  record.set(snapshot.body, snapshotBodyOffset(hashLength));
  view.setUint32(bodyEnd, readModel.byteLength, true);
  record.set(readModel, bodyEnd + SNAPSHOT_READ_MODEL_LENGTH_BYTES);
  view.setUint32(SNAPSHOT_CHECKSUM_OFFSET, snapshotChecksum(record), true);
  return record;
}

/** Decodes and checks a record read under `key`; corruption throws naming the key. */
export function decodeSnapshot(record: Uint8Array, key: number): Snapshot {
  const fail = (kind: 'checksum' | 'format' | 'truncated', detail: string): never => {
    throw new JournalCorruptError(kind, key, `snapshot: ${detail}`);
  };
  if (record.byteLength < SNAPSHOT_HEADER_BYTES) fail('truncated', `record of ${record.byteLength} bytes is shorter than its header`);
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  if (view.getUint32(SNAPSHOT_MAGIC_OFFSET, true) !== SNAPSHOT_MAGIC) fail('format', 'bad magic');
  const format = view.getUint16(SNAPSHOT_FORMAT_OFFSET, true);
  if (format !== SNAPSHOT_FORMAT_VERSION && format !== SNAPSHOT_FORMAT_NO_READ_MODEL) fail('format', `format ${format}`);
  const hashLength = view.getUint16(SNAPSHOT_HASH_LENGTH_OFFSET, true);
  const bodyLength = view.getUint32(SNAPSHOT_BODY_LENGTH_OFFSET, true);
  const bodyEnd = snapshotBodyOffset(hashLength) + bodyLength;
  let readModelLength = 0;
  if (format === SNAPSHOT_FORMAT_VERSION) {
    if (record.byteLength < bodyEnd + SNAPSHOT_READ_MODEL_LENGTH_BYTES) fail('truncated', `record of ${record.byteLength} bytes does not hold its declared hash and body`);
    readModelLength = view.getUint32(bodyEnd, true);
  }
  const expectedLength = format === SNAPSHOT_FORMAT_VERSION ? bodyEnd + SNAPSHOT_READ_MODEL_LENGTH_BYTES + readModelLength : bodyEnd;
  if (record.byteLength !== expectedLength) fail('truncated', `record of ${record.byteLength} bytes does not hold its declared hash and body`);
  if (view.getUint32(SNAPSHOT_CHECKSUM_OFFSET, true) !== snapshotChecksum(record)) fail('checksum', 'crc32 mismatch');
  const seq = readI64(view, SNAPSHOT_SEQ_OFFSET);
  if (seq !== key) fail('format', `record for sequence ${seq} stored under key ${key}`);
  const stateHashHex = Buffer.from(record.buffer, record.byteOffset + SNAPSHOT_HEADER_BYTES, hashLength).toString('latin1');
  if (hashLength < 1 || hashLength > SNAPSHOT_HASH_LENGTH_MAX || !HEX_PATTERN.test(stateHashHex)) fail('format', 'state hash is not hex');
  const body = record.subarray(snapshotBodyOffset(hashLength), bodyEnd);
  if (readModelLength === 0) return { seq, stateHashHex, body };
  return { seq, stateHashHex, body, readModel: record.subarray(bodyEnd + SNAPSHOT_READ_MODEL_LENGTH_BYTES) };
}

export class SnapshotStore {
  private readonly env: JournalEnv;
  private readonly retainCount: number;

  constructor(env: JournalEnv, retainCount: number = SNAPSHOT_RETAIN_DEFAULT) {
    assert(Number.isInteger(retainCount) && retainCount >= 1 && retainCount <= SNAPSHOT_RETAIN_MAX, `snapshot retention ${retainCount} outside [1, ${SNAPSHOT_RETAIN_MAX}]`);
    this.env = env;
    this.retainCount = retainCount;
  }

  /**
   * Stores a snapshot and prunes beyond the retention count, in one transaction, durable per the
   * mode when this returns. Storing the same sequence twice must give the same state hash: a
   * different one means replay is not deterministic, which is a bug, so it throws.
   */
  put(snapshot: Snapshot): void {
    const record = encodeSnapshot(snapshot);
    assert(decodeSnapshot(record, snapshot.seq).stateHashHex === snapshot.stateHashHex, 'snapshot encoding does not round-trip');
    const existing = this.env.store.getSnapshot(snapshot.seq);
    if (existing !== undefined) {
      const stored = decodeSnapshot(existing, snapshot.seq);
      assert(stored.stateHashHex === snapshot.stateHashHex, `snapshot at ${snapshot.seq}: state hash ${snapshot.stateHashHex} differs from the stored ${stored.stateHashHex}`);
      return;
    }
    const stored = this.env.store.putSnapshot(snapshot.seq, record, this.retainCount);
    assert(stored, `snapshot ${snapshot.seq} appeared while being stored`);
    const readBack = this.env.store.getSnapshot(snapshot.seq);
    assert(readBack !== undefined && decodeSnapshot(readBack, snapshot.seq).stateHashHex === snapshot.stateHashHex, `snapshot ${snapshot.seq} did not read back`);
  }

  /** The newest snapshot with seq <= `seq`, checked, or null. Its body is a copy the caller owns. */
  newestAtOrBelow(seq: number): Snapshot | null {
    assert(Number.isSafeInteger(seq), `newestAtOrBelow: ${seq} is not a safe integer`);
    const entry = this.env.store.snapshotAtOrBelow(seq);
    return entry === null ? null : decodeSnapshot(entry.value, entry.key);
  }

  /** Every stored snapshot, oldest first, each checked. */
  list(): SnapshotInfo[] {
    const infos: SnapshotInfo[] = [];
    const entries = this.env.store.listSnapshots(SNAPSHOT_RETAIN_MAX + 2);
    assert(entries.length <= SNAPSHOT_RETAIN_MAX + 1, `more than ${SNAPSHOT_RETAIN_MAX + 1} snapshots stored`);
    for (const { key, value } of entries) {
      const snapshot = decodeSnapshot(value, key);
      infos.push({ seq: snapshot.seq, stateHashHex: snapshot.stateHashHex, bodyBytes: snapshot.body.byteLength, readModelBytes: snapshot.readModel?.byteLength ?? 0 });
    }
    return infos;
  }

  /** Deletes all but the newest `retainCount` snapshots; returns how many it deleted. */
  prune(retainCount: number): number {
    assert(Number.isInteger(retainCount) && retainCount >= 1 && retainCount <= SNAPSHOT_RETAIN_MAX, `prune: retention ${retainCount}`);
    return this.env.store.pruneSnapshots(retainCount);
  }
}
