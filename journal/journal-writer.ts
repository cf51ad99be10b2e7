// Group commit (DESIGN §1, §5): the journal worker stages what the ring has published, commits it
// as one group in one LMDB transaction, and only then advances seqJournaled.
//
//   ring batch ──stage()──▶ staging buffer ──commit()──▶ seal (hash chain, crc) ──▶ transactionSync
//   (1 or 2 views,          [header|commands]            prevHash = head            put group + meta head
//    split at the wrap)                                                              ──▶ durable ──▶ return
//
// The worker loop this is built for is thin:
//
//   for (;;) {
//     const available = min(seqPublished - writer.seqStagedEnd() + 1, writer.stageRoomCommands());
//     stage the slots [next, next + available) (two stage() calls when they wrap the ring);
//     const seqJournaled = writer.commit();   // returns after fdatasync in 'fsync' mode
//     publish seqJournaled;                   // the core may now apply up to it
//   }
//
// Synchronous commit is deliberate: the worker is a dedicated thread that may block, and with
// transactionSync "returned" and "durable" are the same event (journal-env.ts). Measured against
// async puts + `db.flushed` in bench/journal-write.ts.

import { assert } from '../engine/assert.js';
import { bytesEqual, checkGroup, decodeCheckedGroup, sealGroup } from './group-codec.js';
import { JournalCorruptError } from './journal-error.js';
import { getGroupTransient, lastJournalKey, readHead, writeHeadInTxn, type JournalEnv } from './journal-env.js';
import {
  COMMAND_SIZE_BYTES,
  GROUP_BYTES_MAX,
  GROUP_COMMANDS_MAX,
  SEQ_FIRST,
  SEQ_NONE,
  commandSeqAt,
  groupBytes,
  groupCommandOffset,
} from './record-layout.js';

export class JournalWriter {
  private readonly env: JournalEnv;
  /** One group's worth of bytes, reused for every commit: no allocation per batch. */
  private readonly staging: Buffer;
  private readonly stagingView: DataView;
  private stagedCount = 0;
  private seqCommittedLast: number;
  private headHash: Buffer;

  private constructor(env: JournalEnv, seqCommittedLast: number, headHash: Buffer) {
    this.env = env;
    this.staging = Buffer.alloc(GROUP_BYTES_MAX);
    this.stagingView = new DataView(this.staging.buffer, this.staging.byteOffset, this.staging.byteLength);
    this.seqCommittedLast = seqCommittedLast;
    this.headHash = headHash;
  }

  /**
   * Opens a writer that continues the journal: its sequence and hash chain go on from the last
   * group, which is checked (length, CRC, sequences, hash) and must match the head meta recorded
   * in the same transaction. Only one writer may exist per journal (the journal worker).
   */
  static open(env: JournalEnv): JournalWriter {
    const head = readHead(env);
    const lastKey = lastJournalKey(env);
    if (lastKey === null) {
      if (head.lastSeq !== SEQ_NONE) throw new JournalCorruptError('truncated', SEQ_FIRST, `meta head names sequence ${head.lastSeq} but the journal is empty`);
      return new JournalWriter(env, SEQ_NONE, env.genesisHash);
    }
    const value = env.journal.getBinary(lastKey);
    assert(value !== undefined, `group ${lastKey} vanished while opening`);
    const problem = checkGroup(value, { key: lastKey, firstSeq: null, prevHash: null });
    if (problem !== null) throw new JournalCorruptError(problem.kind, problem.seq, `last group: ${problem.detail}`);
    const group = decodeCheckedGroup(value);
    const lastSeq = group.firstSeq + group.count - 1;
    if (lastSeq < head.lastSeq) throw new JournalCorruptError('truncated', lastSeq + 1, `journal ends at ${lastSeq}, meta head says ${head.lastSeq}`);
    if (lastSeq !== head.lastSeq || !bytesEqual(group.groupHash, head.hash)) {
      throw new JournalCorruptError('chain', group.firstSeq, `last group (ends at ${lastSeq}) does not match the meta head (ends at ${head.lastSeq})`);
    }
    return new JournalWriter(env, lastSeq, Buffer.from(group.groupHash));
  }

  /** The last sequence committed (durable in 'fsync' mode); SEQ_NONE for an empty journal. */
  seqCommitted(): number {
    return this.seqCommittedLast;
  }

  /** The sequence the next stage() must start at. */
  seqStagedEnd(): number {
    return this.seqCommittedLast + 1 + this.stagedCount;
  }

  /** How many more commands fit in the pending group. */
  stageRoomCommands(): number {
    return GROUP_COMMANDS_MAX - this.stagedCount;
  }

  /** The hash of the last committed group (the genesis hash when empty); a copy. */
  chainHead(): Buffer {
    return Buffer.from(this.headHash);
  }

  /**
   * Copies `count` command slots (exactly count × COMMAND_SIZE_BYTES bytes, e.g. a view of the
   * ring) into the pending group. `firstSeq` must continue the journal without a gap, and every
   * slot must carry its own sequence: a violation is a bug upstream, so it throws.
   */
  stage(commands: Uint8Array, firstSeq: number, count: number): void {
    assert(Number.isInteger(count) && count >= 1 && count <= this.stageRoomCommands(), `stage of ${count} commands, room for ${this.stageRoomCommands()}`);
    assert(commands.byteLength === count * COMMAND_SIZE_BYTES, `stage: ${commands.byteLength} bytes for ${count} commands of ${COMMAND_SIZE_BYTES}`);
    const seqExpected = this.seqStagedEnd();
    assert(firstSeq === seqExpected, `journal sequence continuity: batch starts at ${firstSeq}, expected ${seqExpected}`);
    const offsetStart = groupCommandOffset(this.stagedCount);
    this.staging.set(commands, offsetStart);
    // Check the copy, not the source: the ring slot may be reused once we return.
    for (let index = 0; index < count; index++) {
      const seq = commandSeqAt(this.stagingView, offsetStart + index * COMMAND_SIZE_BYTES);
      assert(seq === firstSeq + index, `command at sequence ${firstSeq + index} carries sequence ${seq}`);
    }
    this.stagedCount += count;
  }

  /**
   * Writes the pending group in one transaction and returns the last sequence it holds. In
   * 'fsync' mode it returns only once the group and the meta head are on disk (transactionSync:
   * writev, fdatasync, O_DSYNC meta write; see journal-env.ts), so the caller may advance
   * seqJournaled to the returned value. In 'none' mode (tests and benchmarks only) nothing is
   * flushed.
   */
  commit(): number {
    assert(this.stagedCount >= 1, 'commit with nothing staged');
    const firstSeq = this.seqCommittedLast + 1;
    const count = this.stagedCount;
    const lastSeq = firstSeq + count - 1;
    const value = this.staging.subarray(0, groupBytes(count));
    const hash = sealGroup(value, firstSeq, count, this.headHash);
    const env = this.env;
    // `append` (MDB_APPEND): LMDB itself refuses a key that is not above every existing key, so
    // the journal cannot be rewritten even by a bug here. putSync inside transactionSync writes
    // into this transaction (lmdb-js runs it in the open write txn, not a new one).
    // A throw inside the callback aborts the transaction: nothing of the group is committed.
    env.root.transactionSync(() => {
      // putSync returns false (lmdb-js's typing says void) when LMDB refuses the append.
      const appended = env.journal.putSync(firstSeq, value, { append: true }) as unknown;
      assert(appended === true, `group ${firstSeq}: LMDB refused the append (a key >= ${firstSeq} exists)`);
      writeHeadInTxn(env, lastSeq, hash);
    });
    // Durable here in 'fsync' mode. Read the group back from LMDB: the pair of the seal above.
    const stored = getGroupTransient(env, firstSeq);
    assert(stored !== undefined && stored.byteLength === value.byteLength, `group ${firstSeq} did not read back`);
    assert(bytesEqual(decodeCheckedGroup(stored).groupHash, hash), `group ${firstSeq} read back with another hash`);
    this.seqCommittedLast = lastSeq;
    this.headHash = hash;
    this.stagedCount = 0;
    return lastSeq;
  }

  /** stage() + commit(): one batch, one group, one transaction. */
  append(commands: Uint8Array, firstSeq: number, count: number): number {
    this.stage(commands, firstSeq, count);
    return this.commit();
  }
}
