// Whole-journal verification (design §5, §6): the hash chain from the genesis hash to the meta
// head, every group's checksum, format and sequences, and every snapshot's checksum. The first
// problem comes back as a value, with its sequence, so the caller (replay, the CLI) can report it
// and exit non-zero; programmer errors still throw.

import { JournalCorruptError } from './journal-error.js';
import type { JournalEnv } from './journal-env.js';
import { JournalReader } from './journal-reader.js';
import { HASH_BYTES, SEQ_FIRST, SEQ_NONE } from './record-layout.js';
import { SnapshotStore } from './snapshot-store.js';

export interface JournalVerified {
  readonly ok: true;
  readonly groups: number;
  readonly commands: number;
  /** SEQ_NONE for an empty journal. */
  readonly lastSeq: number;
  /** The last group's hash, or the genesis hash for an empty journal; hex. */
  readonly chainHeadHex: string;
  readonly snapshots: number;
}

export interface JournalProblem {
  readonly ok: false;
  readonly error: JournalCorruptError;
}

export function verifyJournal(env: JournalEnv): JournalVerified | JournalProblem {
  let groups = 0;
  let commands = 0;
  let lastSeq = SEQ_NONE;
  let chainHead: Uint8Array = env.genesisHash;
  // Borrowed reads (no copy of each group out of lmdb-js); the last hash is kept in a buffer of its own.
  const lastHash = new Uint8Array(HASH_BYTES);
  try {
    for (const group of new JournalReader(env).groupsBorrowed(SEQ_FIRST)) {
      groups += 1;
      commands += group.count;
      lastSeq = group.firstSeq + group.count - 1;
      lastHash.set(group.groupHash);
      chainHead = lastHash;
    }
    const snapshots = new SnapshotStore(env).list().length;
    const chainHeadHex = Buffer.from(chainHead.buffer, chainHead.byteOffset, chainHead.byteLength).toString('hex');
    return { ok: true, groups, commands, lastSeq, chainHeadHex, snapshots };
  } catch (error) {
    if (error instanceof JournalCorruptError) return { ok: false, error };
    throw error;
  }
}
