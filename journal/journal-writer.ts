// Group commit (design §1, §5): the journal worker stages what the ring has published, commits it
// as one to TXN_GROUPS_MAX groups in one store transaction, and only then advances seqJournaled.
//
//   ring batch ──stage()──▶ staging: up to 4 group slots ──commit()──▶ seal each group ──▶ appendGroups
//   (1 or 2 views,          [header|commands] × groups                   (chain, crc)      put groups + meta head
//    split at the wrap)                                                                    ──▶ durable ──▶ return
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
// LMDB's transactionSync "returned" and "durable" are the same event (lmdb-journal-store.ts). Measured against
// async puts + `db.flushed` in bench/journal-write.ts.

import { assert } from '../engine/assert.js';
import { bytesEqual, checkGroup, decodeCheckedGroup, sealGroup } from './group-codec.js';
import { JournalCorruptError } from './journal-error.js';
import { readHead, type JournalEnv, type JournalHead } from './journal-env.js';
import type { StoreEntry } from './journal-store.js';
import {
  COMMAND_SIZE_BYTES,
  GROUP_BYTES_MAX,
  GROUP_COMMANDS_MAX,
  HASH_BYTES,
  SEQ_FIRST,
  SEQ_NONE,
  commandSeqAt,
  groupBytes,
  groupCommandOffset,
} from './record-layout.js';

/**
 * Groups one transaction may carry. A group is bounded (GROUP_COMMANDS_MAX, so that a direct
 * read copies and hashes at most 1 MiB), but a commit's fixed cost is two flushes (fdatasync of
 * the data, the O_DSYNC meta write: ~5 ms here), so a transaction may carry several groups:
 * 4 × 8192 commands = 4 MiB per commit. Measured (bench/journal-write.ts): 1 group of 8192 per
 * commit tops out near 0.6-0.8M commands/s in 'fsync' mode, 4 groups per commit above 1M/s.
 */
export const TXN_GROUPS_MAX = 4;
export const TXN_COMMANDS_MAX = TXN_GROUPS_MAX * GROUP_COMMANDS_MAX;

export class JournalWriter {
  private readonly env: JournalEnv;
  /**
   * Group slots of GROUP_BYTES_MAX each, reused for every commit: no allocation per batch.
   * Staged commands fill slot 0, then slot 1, ...; each slot's header is written at commit, in
   * front of its commands, so a group is sealed and stored without another copy. One slot at
   * first, all TXN_GROUPS_MAX from the first batch that needs a second (once, for good): a
   * writer opened for a few commits (a restart, a test) zeroes 1 MiB, not 4.
   */
  private staging: Buffer;
  private stagingView: DataView;
  private stagedCount = 0;
  /** Groups of a torn append that open() set aside (0 for a journal that ended at its head). */
  tornGroupsSetAside = 0;
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
   * in the same transaction. A torn tail is set aside first (setAsideTornTail). Only one writer
   * may exist per journal (the journal worker).
   */
  static open(env: JournalEnv): JournalWriter {
    const head = readHead(env);
    const torn = setAsideTornTail(env, head.lastSeq);
    const writer = JournalWriter.continuing(env, head);
    writer.tornGroupsSetAside = torn;
    return writer;
  }

  private static continuing(env: JournalEnv, head: JournalHead): JournalWriter {
    const lastKey = env.store.lastGroupKey();
    if (lastKey === null) {
      if (head.lastSeq !== SEQ_NONE) throw new JournalCorruptError('truncated', SEQ_FIRST, `meta head names sequence ${head.lastSeq} but the journal is empty`);
      return new JournalWriter(env, SEQ_NONE, env.genesisHash);
    }
    const value = env.store.getGroup(lastKey);
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

  /** How many more commands fit in the pending transaction. */
  stageRoomCommands(): number {
    return TXN_COMMANDS_MAX - this.stagedCount;
  }

  /** The hash of the last committed group (the genesis hash when empty); a copy. */
  chainHead(): Buffer {
    return Buffer.from(this.headHash);
  }

  /**
   * Copies `count` command slots (exactly count × COMMAND_SIZE_BYTES bytes, e.g. a view of the
   * ring) into the pending transaction. `firstSeq` must continue the journal without a gap, and
   * every slot must carry its own sequence: a violation is a bug upstream, so it throws.
   */
  stage(commands: Uint8Array, firstSeq: number, count: number): void {
    assert(Number.isInteger(count) && count >= 1 && count <= this.stageRoomCommands(), `stage of ${count} commands, room for ${this.stageRoomCommands()}`);
    assert(commands.byteLength === count * COMMAND_SIZE_BYTES, `stage: ${commands.byteLength} bytes for ${count} commands of ${COMMAND_SIZE_BYTES}`);
    const seqExpected = this.seqStagedEnd();
    assert(firstSeq === seqExpected, `journal sequence continuity: batch starts at ${firstSeq}, expected ${seqExpected}`);
    if (this.stagedCount + count > GROUP_COMMANDS_MAX && this.staging.byteLength < TXN_GROUPS_MAX * GROUP_BYTES_MAX) this.growStaging();
    // Copy in runs that end at group slot boundaries; at most TXN_GROUPS_MAX + 1 runs.
    let copied = 0;
    for (let run = 0; copied < count; run++) {
      assert(run <= TXN_GROUPS_MAX, 'stage: more runs than group slots');
      const staged = this.stagedCount + copied;
      const inGroup = staged % GROUP_COMMANDS_MAX;
      const runCount = Math.min(count - copied, GROUP_COMMANDS_MAX - inGroup);
      const offset = this.slotOffset(staged);
      this.staging.set(commands.subarray(copied * COMMAND_SIZE_BYTES, (copied + runCount) * COMMAND_SIZE_BYTES), offset);
      // Check the copy, not the source: the ring slot may be reused once we return.
      for (let index = 0; index < runCount; index++) {
        const seq = commandSeqAt(this.stagingView, offset + index * COMMAND_SIZE_BYTES);
        assert(seq === firstSeq + copied + index, `command at sequence ${firstSeq + copied + index} carries sequence ${seq}`);
      }
      copied += runCount;
    }
    this.stagedCount += count;
  }

  /** All TXN_GROUPS_MAX slots, keeping what slot 0 holds. */
  private growStaging(): void {
    const grown = Buffer.alloc(TXN_GROUPS_MAX * GROUP_BYTES_MAX);
    grown.set(this.staging);
    this.staging = grown;
    this.stagingView = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /** Byte offset in `staging` of the staged command with index `staged` (0-based in the txn). */
  private slotOffset(staged: number): number {
    const group = Math.floor(staged / GROUP_COMMANDS_MAX);
    return group * GROUP_BYTES_MAX + groupCommandOffset(staged - group * GROUP_COMMANDS_MAX);
  }

  /**
   * Writes the pending commands as groups of up to GROUP_COMMANDS_MAX in one transaction and
   * returns the last sequence written. In 'fsync' mode it returns only once the groups and the
   * meta head are on disk (transactionSync: writev/pwrite, fdatasync, O_DSYNC meta write; see
   * lmdb-journal-store.ts), so the caller may advance seqJournaled to the returned value. In 'none'
   * mode (tests and benchmarks only) nothing is flushed.
   */
  commit(): number {
    assert(this.stagedCount >= 1 && this.stagedCount <= TXN_COMMANDS_MAX, `commit of ${this.stagedCount} staged commands`);
    const groupCount = Math.ceil(this.stagedCount / GROUP_COMMANDS_MAX);
    const values: Buffer[] = [];
    const hashes: Buffer[] = [];
    let prevHash: Buffer = this.headHash;
    for (let group = 0; group < groupCount; group++) {
      const count = Math.min(GROUP_COMMANDS_MAX, this.stagedCount - group * GROUP_COMMANDS_MAX);
      const start = group * GROUP_BYTES_MAX;
      const value = this.staging.subarray(start, start + groupBytes(count));
      prevHash = sealGroup(value, this.seqCommittedLast + 1 + group * GROUP_COMMANDS_MAX, count, prevHash);
      values.push(value);
      hashes.push(prevHash);
    }
    const lastSeq = this.seqCommittedLast + this.stagedCount;
    const env = this.env;
    const firstSeqOf = (group: number): number => this.seqCommittedLast + 1 + group * GROUP_COMMANDS_MAX;
    // The store refuses a key that is not above every stored key (LMDB: MDB_APPEND), so the
    // journal cannot be rewritten even by a bug here, and stores the groups and the head
    // atomically: a throw means nothing of this commit is stored.
    assert(prevHash.byteLength === HASH_BYTES, 'head hash must be 32 bytes');
    const entries: StoreEntry[] = values.map((value, group) => ({ key: firstSeqOf(group), value }));
    env.store.appendGroups(entries, { lastSeq, hashHex: prevHash.toString('hex') });
    // Durable here in 'fsync' mode. Read each group back from the store: the pair of the seal above.
    hashes.forEach((hash, group) => {
      const stored = env.store.getGroupBorrowed(firstSeqOf(group));
      assert(stored !== undefined && stored.byteLength === values[group]?.byteLength, `group ${firstSeqOf(group)} did not read back`);
      assert(bytesEqual(decodeCheckedGroup(stored).groupHash, hash), `group ${firstSeqOf(group)} read back with another hash`);
    });
    this.seqCommittedLast = lastSeq;
    this.headHash = prevHash;
    this.stagedCount = 0;
    return lastSeq;
  }

  /** stage() + commit(): one batch, one transaction (of up to TXN_GROUPS_MAX groups). */
  append(commands: Uint8Array, firstSeq: number, count: number): number {
    this.stage(commands, firstSeq, count);
    return this.commit();
  }
}

/**
 * A torn tail: groups keyed past the meta head. The head is written in the same transaction as
 * the groups it names, so such a group (whole or cut short) belongs to an append that never
 * completed: never committed, never acknowledged. A store that is not atomic, torn by a crash
 * mid-write, leaves one; LMDB's commits cannot (lmdb-journal-store.ts). The groups are set aside
 * in the store (out of the journal, kept for audit), so that the journal ends at its head again;
 * returns how many. More groups past the head than one append writes is not a torn append but a
 * head that went back: that is corruption, and nothing is moved.
 */
export function setAsideTornTail(env: JournalEnv, headSeq: number): number {
  const lastKey = env.store.lastGroupKey();
  if (lastKey === null || lastKey <= headSeq) return 0;
  const past = env.store.readGroupKeys(headSeq + 1, Number.MAX_SAFE_INTEGER, TXN_GROUPS_MAX + 1);
  if (past.length > TXN_GROUPS_MAX) {
    throw new JournalCorruptError('chain', headSeq + 1, `more than ${TXN_GROUPS_MAX} groups past the meta head (${headSeq}): not a torn append`);
  }
  return env.store.setAsideGroupsFrom(headSeq + 1, TXN_GROUPS_MAX);
}
