// What the journal worker does when a commit fails (design §1, §5): a storage fault (ENOSPC, EIO,
// any error of a write or a sync) is not a bug, so the process does not stop; the commit is not
// acknowledged either. The same staged group is committed again after a bounded backoff, never
// skipped and never reordered, until it succeeds:
//
//   commit ──ok──▶ return seqCommitted (release: the core may apply, clients are acknowledged)
//     │ storage fault
//     ▼
//   onFault (degraded: the gateway refuses new orders) ──sleep 1, 2, 4 … BACKOFF_MS_MAX──▶ commit again
//     │ ok after faults                                  │ shouldGiveUp() (the ring closed: shutdown)
//     ▼                                                  ▼
//   onRecovered (degraded cleared)                       throw: nothing of the group is applied
//
// A failed commit stores nothing (appendGroups is all-or-nothing) and leaves the writer's staged
// commands, sequence and chain head as they were, so the retry writes the very same bytes.
// Assertion failures and corruption are bugs, not faults: they are rethrown at once.

import { constants } from 'node:os';
import { AssertionError } from '../engine/assert.js';
import { JournalCorruptError } from './journal-error.js';
import type { JournalWriter } from './journal-writer.js';

export const COMMIT_BACKOFF_MS_MIN = 1;
export const COMMIT_BACKOFF_MS_MAX = 1_000;
/** Attempts after shouldGiveUp() first says so: a fault that clears within them still commits. */
export const COMMIT_ATTEMPTS_AFTER_GIVE_UP = 3;

export interface StorageFault {
  /** An errno-like name: ENOSPC, EIO, MDB_MAP_FULL, … or STORAGE when the error names none. */
  readonly code: string;
  /** One line: what failed and why, e.g. "storage: ENOSPC: No space left on device". */
  readonly reason: string;
}

export interface CommitRetryHooks {
  /** Blocks the (worker) thread for `ms`. */
  sleepMs(ms: number): void;
  /** A commit failed with a storage fault; `attempt` counts from 1 for this group. */
  onFault(fault: StorageFault, attempt: number): void;
  /** The group committed after `faults` failed attempts. */
  onRecovered(faults: number): void;
  /** True once waiting for the fault to clear is pointless (the owner is shutting down). */
  shouldGiveUp(): boolean;
}

const REASON_LENGTH_MAX = 200;
const ERRNO_NAME = /\b(E[A-Z]{2,}|MDB_[A-Z_]+)\b/;
/** strerror texts of the faults a store meets, for errors that carry no code (LMDB's). */
const STRERROR_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['No space left on device', 'ENOSPC'],
  ['Input/output error', 'EIO'],
  ['Disk quota exceeded', 'EDQUOT'],
  ['Read-only file system', 'EROFS'],
  ['File too large', 'EFBIG'],
];

/** The errno name of an error: its own string code, a numeric errno, a name or a strerror text in its message. */
function errnoNameOf(error: Error): string {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string' && own.length > 0) return own;
  const errno = typeof own === 'number' ? own : (error as { errno?: unknown }).errno;
  if (typeof errno === 'number') {
    const named = Object.entries(constants.errno).find(([, value]) => value === Math.abs(errno));
    if (named !== undefined) return named[0];
  }
  const inMessage = ERRNO_NAME.exec(error.message)?.[1];
  if (inMessage !== undefined) return inMessage;
  return STRERROR_NAMES.find(([text]) => error.message.includes(text))?.[1] ?? 'STORAGE';
}

/** The storage fault an error is, or null when it is a bug or corruption (to be rethrown). */
export function storageFaultOf(error: unknown): StorageFault | null {
  if (error instanceof AssertionError || error instanceof JournalCorruptError) return null;
  if (!(error instanceof Error)) return { code: 'STORAGE', reason: `storage: ${String(error)}`.slice(0, REASON_LENGTH_MAX) };
  const named = errnoNameOf(error);
  const message = error.message.includes(named) ? error.message : `${named}: ${error.message}`;
  return { code: named, reason: `storage: ${message}`.replace(/\s+/g, ' ').slice(0, REASON_LENGTH_MAX) };
}

/** The backoff before attempt `attempt + 1`: doubling from the minimum, capped. */
export function commitBackoffMs(attempt: number): number {
  return Math.min(COMMIT_BACKOFF_MS_MAX, COMMIT_BACKOFF_MS_MIN * 2 ** Math.min(attempt - 1, 20));
}

/**
 * writer.commit(), retried through storage faults as the diagram says. Returns the last sequence
 * committed; throws a bug at once, and the last fault once the owner gives up.
 */
export function commitWithRetry(writer: JournalWriter, hooks: CommitRetryHooks): number {
  const seqStagedEnd = writer.seqStagedEnd();
  const seqCommittedBefore = writer.seqCommitted();
  let giveUpAttempts = 0;
  // Bounded by the fault's life, and once the owner gives up, by COMMIT_ATTEMPTS_AFTER_GIVE_UP.
  for (let attempt = 1; ; attempt++) {
    try {
      const seqCommitted = writer.commit();
      if (attempt > 1) hooks.onRecovered(attempt - 1);
      return seqCommitted;
    } catch (error) {
      const fault = storageFaultOf(error);
      if (fault === null) throw error;
      // The pair of the retry's premise: a failed commit changed nothing in the writer.
      if (writer.seqCommitted() !== seqCommittedBefore || writer.seqStagedEnd() !== seqStagedEnd) {
        throw new AssertionError(`a failed commit moved the writer: committed ${writer.seqCommitted()}, staged to ${writer.seqStagedEnd()}`);
      }
      hooks.onFault(fault, attempt);
      if (hooks.shouldGiveUp() && ++giveUpAttempts > COMMIT_ATTEMPTS_AFTER_GIVE_UP) throw error;
      hooks.sleepMs(commitBackoffMs(attempt));
    }
  }
}
