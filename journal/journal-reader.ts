// Reading the journal back (design §6): groups in sequence order through bounded range reads of
// the store, verified as they pass, and direct reads of one command by its sequence.
//
// Buffer lifetimes: a value from the store's readGroups is a copy the caller owns, so a
// JournalGroup's `commands` stay valid after the iteration moves on; the copy is one memcpy per
// group, ≈0.1 ms per MiB, well under the hash's cost. getGroupBorrowed instead returns a view
// valid only until the next read on the store (LMDB: lmdb-js's reused read buffer): readCommand
// checks and copies out of it before returning.

import { assert } from '../engine/assert.js';
import { bytesEqual, checkGroup, decodeCheckedGroup } from './group-codec.js';
import { JournalCorruptError } from './journal-error.js';
import { readHead, type JournalEnv } from './journal-env.js';
import type { StoreEntry } from './journal-store.js';
import { COMMAND_SIZE_BYTES, HASH_BYTES, SEQ_FIRST, groupCommandOffset } from './record-layout.js';

/**
 * Groups asked of the store per range read: bounds what one read holds (copies of up to 1 MiB
 * each in groups(), keys only in groupsBorrowed()) while keeping the per-read cost negligible.
 */
const READ_BATCH_GROUPS = 64;

/** A verified group, trimmed to the requested range. */
export interface JournalGroup {
  /** Sequence of the first command in `commands`. */
  readonly firstSeq: number;
  /** Commands in `commands`; the one at sequence s starts at (s - firstSeq) × COMMAND_SIZE_BYTES. */
  readonly count: number;
  /** The exact sequenced bytes, count × COMMAND_SIZE_BYTES; owned by the caller. */
  readonly commands: Uint8Array;
  /** The group as stored: its first sequence and chain hash (for audit and snapshots). */
  readonly groupFirstSeq: number;
  readonly groupHash: Uint8Array;
}

export interface JournalCommand {
  readonly seq: number;
  /** COMMAND_SIZE_BYTES bytes, a view into its group's buffer (owned by the caller). */
  readonly bytes: Uint8Array;
}

export class JournalReader {
  private readonly env: JournalEnv;

  constructor(env: JournalEnv) {
    this.env = env;
  }

  /**
   * The commands of the half-open range [fromSeq, toSeqExclusive), group by group, each checked
   * (length, format, CRC, key, sequence continuity, every command's sequence, hash chain) before
   * it is yielded. Reading from SEQ_FIRST verifies the chain from the genesis hash; reading from
   * a later sequence anchors the chain at the stored prevGroupHash of the first group read.
   * Reading to the end also checks the tail against the meta head, so a deleted tail is seen.
   * Any problem throws JournalCorruptError naming the first sequence concerned.
   */
  groups(fromSeq: number = SEQ_FIRST, toSeqExclusive: number = Number.MAX_SAFE_INTEGER): Generator<JournalGroup, void, undefined> {
    return this.checkedGroups(fromSeq, toSeqExclusive, false);
  }

  /**
   * groups(), the same checks in the same order, without the store's copy of each value: every
   * group's `commands` and `groupHash` are borrowed views (LMDB's memory map or lmdb-js's reused
   * read buffer), valid only until the next step of this iteration and only while
   * nothing else reads this store in between. For a consumer that copies or uses each group
   * at once (the replay's reader thread); a group costs one key step and one get, no allocation.
   */
  groupsBorrowed(fromSeq: number = SEQ_FIRST, toSeqExclusive: number = Number.MAX_SAFE_INTEGER): Generator<JournalGroup, void, undefined> {
    return this.checkedGroups(fromSeq, toSeqExclusive, true);
  }

  private *checkedGroups(fromSeq: number, toSeqExclusive: number, borrowed: boolean): Generator<JournalGroup, void, undefined> {
    assert(Number.isSafeInteger(fromSeq) && fromSeq >= SEQ_FIRST, `groups: fromSeq ${fromSeq} below ${SEQ_FIRST}`);
    assert(Number.isSafeInteger(toSeqExclusive) && toSeqExclusive >= fromSeq, `groups: toSeqExclusive ${toSeqExclusive} < fromSeq ${fromSeq}`);
    const env = this.env;
    const head = readHead(env); // before the range: the journal only grows after this
    const anchorKey = env.store.groupKeyAtOrBelow(fromSeq);
    const startKey = anchorKey ?? SEQ_FIRST;
    let seqExpected = startKey;
    let prevHash: Uint8Array | null = startKey === SEQ_FIRST ? env.genesisHash : null;
    // A borrowed hash is overwritten by the next read: keep the chain's link in a buffer of its own.
    const prevHashKept = borrowed ? new Uint8Array(HASH_BYTES) : null;
    // Keys strictly increase and each group holds >= 1 command: a bound on the loop.
    const groupsMax = toSeqExclusive - startKey;
    let groupsRead = 0;
    const entries = borrowed ? borrowedEntries(env, startKey, toSeqExclusive) : ownedEntries(env, startKey, toSeqExclusive);
    for (const { key, value } of entries) {
      groupsRead += 1;
      assert(groupsRead <= groupsMax, `groups: more than ${groupsMax} groups in [${startKey}, ${toSeqExclusive})`);
      const problem = checkGroup(value, { key, firstSeq: seqExpected, prevHash });
      if (problem !== null) throw new JournalCorruptError(problem.kind, problem.seq, problem.detail);
      const group = decodeCheckedGroup(value);
      seqExpected = group.firstSeq + group.count;
      if (prevHashKept === null) prevHash = group.groupHash;
      else prevHash = copyInto(prevHashKept, group.groupHash);
      const indexFrom = Math.max(0, fromSeq - group.firstSeq);
      const indexTo = Math.min(group.count, toSeqExclusive - group.firstSeq);
      if (indexTo <= indexFrom) continue; // the anchor group ends before fromSeq
      yield {
        firstSeq: group.firstSeq + indexFrom,
        count: indexTo - indexFrom,
        commands: value.subarray(groupCommandOffset(indexFrom), groupCommandOffset(indexTo)),
        groupFirstSeq: group.firstSeq,
        groupHash: group.groupHash,
      };
    }
    checkTail(head, Math.min(toSeqExclusive, head.lastSeq + 1), seqExpected, prevHash);
  }

  /**
   * The whole group stored under `key`, read again without any check, as a borrowed view (the
   * lifetime of groupsBorrowed's groups): for a reader that verified it with groupsBorrowed and
   * copies it later in the same read transaction, where the store returns the very bytes it checked
   * (the replay's reader thread, which verifies ahead of what it hands over). Only the header is
   * asserted to be this group's.
   */
  rereadBorrowed(key: number): JournalGroup {
    const value = this.env.store.getGroupBorrowed(key);
    assert(value !== undefined, `group ${key} vanished between two reads`);
    const group = decodeCheckedGroup(value);
    assert(group.firstSeq === key, `group ${key} reads back as the group of ${group.firstSeq}`);
    return { firstSeq: key, count: group.count, commands: value.subarray(groupCommandOffset(0), groupCommandOffset(group.count)), groupFirstSeq: key, groupHash: group.groupHash };
  }

  /** Every command of [fromSeq, toSeqExclusive), one at a time (convenient; groups() is faster). */
  *commands(fromSeq: number = SEQ_FIRST, toSeqExclusive: number = Number.MAX_SAFE_INTEGER): Generator<JournalCommand, void, undefined> {
    for (const group of this.groups(fromSeq, toSeqExclusive)) {
      for (let index = 0; index < group.count; index++) {
        const offset = index * COMMAND_SIZE_BYTES;
        yield { seq: group.firstSeq + index, bytes: group.commands.subarray(offset, offset + COMMAND_SIZE_BYTES) };
      }
    }
  }

  /**
   * The command at `seq` as a fresh copy, or null when no group holds it (not journaled yet). One
   * reverse key lookup and one get; the group is checked (length, CRC, its commands' sequences,
   * its own hash) but not chained to its neighbours: verify.ts does that for the whole journal.
   */
  readCommand(seq: number): Uint8Array | null {
    assert(Number.isSafeInteger(seq) && seq >= SEQ_FIRST, `readCommand: sequence ${seq} below ${SEQ_FIRST}`);
    const key = this.env.store.groupKeyAtOrBelow(seq);
    if (key === null) return null;
    const value = this.env.store.getGroupBorrowed(key); // borrowed: copy out below
    assert(value !== undefined, `group ${key} vanished between two reads`);
    const problem = checkGroup(value, { key, firstSeq: null, prevHash: null });
    if (problem !== null) throw new JournalCorruptError(problem.kind, problem.seq, problem.detail);
    const group = decodeCheckedGroup(value);
    if (seq >= group.firstSeq + group.count) return null;
    const offset = groupCommandOffset(seq - group.firstSeq);
    return value.slice(offset, offset + COMMAND_SIZE_BYTES);
  }
}

/** The groups of [fromKey, endKeyExclusive) as copies, read from the store in bounded batches. */
function* ownedEntries(env: JournalEnv, fromKey: number, endKeyExclusive: number): Generator<StoreEntry, void, undefined> {
  let next = fromKey;
  // Each batch but the last holds READ_BATCH_GROUPS keys, each above the last: the loop ends.
  for (;;) {
    const batch = env.store.readGroups(next, endKeyExclusive, READ_BATCH_GROUPS);
    yield* batch;
    const last = batch.at(-1);
    if (batch.length < READ_BATCH_GROUPS || last === undefined) return;
    assert(last.key >= next, `store read from ${next} returned key ${last.key}`);
    next = last.key + 1;
  }
}

/** The groups of [fromKey, endKeyExclusive) as borrowed views (getGroupBorrowed): keys in bounded batches, then one get each. */
function* borrowedEntries(env: JournalEnv, fromKey: number, endKeyExclusive: number): Generator<StoreEntry, void, undefined> {
  let next = fromKey;
  for (;;) {
    const keys = env.store.readGroupKeys(next, endKeyExclusive, READ_BATCH_GROUPS);
    for (const key of keys) {
      const value = env.store.getGroupBorrowed(key);
      assert(value !== undefined, `group ${key} vanished between two reads`);
      yield { key, value };
    }
    const last = keys.at(-1);
    if (keys.length < READ_BATCH_GROUPS || last === undefined) return;
    assert(last >= next, `store read from ${next} returned key ${last}`);
    next = last + 1;
  }
}

function copyInto(target: Uint8Array, source: Uint8Array): Uint8Array {
  target.set(source);
  return target;
}

/**
 * After a range read: everything the meta head promised up to `seqRequiredEnd` (exclusive) was
 * read, and if the read reached the head's last group, that group is the head's.
 */
function checkTail(head: { lastSeq: number; hash: Uint8Array }, seqRequiredEnd: number, seqReadEnd: number, lastHash: Uint8Array | null): void {
  if (seqReadEnd < seqRequiredEnd) {
    throw new JournalCorruptError('truncated', seqReadEnd, `the journal ends at ${seqReadEnd - 1} but meta head records ${head.lastSeq}`);
  }
  if (seqReadEnd === head.lastSeq + 1 && lastHash !== null && !bytesEqual(lastHash, head.hash)) {
    throw new JournalCorruptError('chain', head.lastSeq, 'the last group\'s hash differs from the meta head');
  }
}
