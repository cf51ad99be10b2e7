import { describe, expect, it } from 'vitest';
import { makeCommands } from '../testkit/journal-fixtures.js';
import { COMMIT_ATTEMPTS_AFTER_GIVE_UP, COMMIT_BACKOFF_MS_MAX, commitBackoffMs, commitWithRetry, storageFaultOf, type CommitRetryHooks } from './commit-retry.js';
import { AssertionError } from '../engine/assert.js';
import { openJournalEnvOn } from './journal-env.js';
import { JournalCorruptError } from './journal-error.js';
import { JournalReader } from './journal-reader.js';
import { JournalWriter } from './journal-writer.js';
import { MemoryJournalStore, MemoryStoreFaults, StoreFaultError } from './memory-journal-store.js';

/** Hooks that record what happened instead of sleeping: the retry is deterministic. */
function recordingHooks(giveUp = (): boolean => false): CommitRetryHooks & { log: string[]; slept: number[] } {
  const log: string[] = [];
  const slept: number[] = [];
  return {
    log,
    slept,
    sleepMs: (ms) => void slept.push(ms),
    onFault: (fault, attempt) => void log.push(`fault ${attempt} ${fault.code}`),
    onRecovered: (faults) => void log.push(`recovered after ${faults}`),
    shouldGiveUp: giveUp,
  };
}

function journal(): { writer: JournalWriter; faults: MemoryStoreFaults; store: MemoryJournalStore } {
  const faults = new MemoryStoreFaults();
  const store = new MemoryJournalStore({ faults });
  return { writer: JournalWriter.open(openJournalEnvOn(store, 'symbols:v1:commit-retry')), faults, store };
}

describe('a commit that fails with a storage fault', () => {
  it('is retried, the same group, until it commits; nothing is skipped, nothing reordered', () => {
    const { writer, faults, store } = journal();
    writer.append(makeCommands(0, 3), 0, 3);
    faults.failAppends('ENOSPC', 5);
    writer.stage(makeCommands(3, 4), 3, 4);
    const hooks = recordingHooks();
    expect(commitWithRetry(writer, hooks)).toBe(6);
    expect(hooks.log).toEqual(['fault 1 ENOSPC', 'fault 2 ENOSPC', 'fault 3 ENOSPC', 'fault 4 ENOSPC', 'fault 5 ENOSPC', 'recovered after 5']);
    expect(hooks.slept).toEqual([1, 2, 4, 8, 16]);
    // The journal after it is whole: the groups in order, gapless, the chain verified.
    expect(store.readGroupKeys(0, 100, 10)).toEqual([0, 3]);
    writer.append(makeCommands(7, 1), 7, 1);
    expect(JournalWriter.open(openJournalEnvOn(store, 'symbols:v1:commit-retry')).seqCommitted()).toBe(7);
    const reader = new JournalReader(openJournalEnvOn(store, 'symbols:v1:commit-retry'));
    let seqExpected = 0;
    for (const batch of reader.groups(0)) {
      expect(batch.firstSeq).toBe(seqExpected);
      seqExpected += batch.count;
    }
    expect(seqExpected).toBe(8);
  });

  it('is never acknowledged while it fails: the writer stays where it was', () => {
    const { writer, faults } = journal();
    faults.failAppends('EIO', 1_000);
    writer.stage(makeCommands(0, 2), 0, 2);
    let attempts = 0;
    const hooks = recordingHooks(() => ++attempts > 4);
    expect(() => commitWithRetry(writer, hooks)).toThrow(StoreFaultError);
    expect(writer.seqCommitted()).toBe(-1);
    expect(writer.seqStagedEnd()).toBe(2);
    // Once the owner gives up, a bounded number of attempts more.
    expect(hooks.log.length).toBe(4 + 1 + COMMIT_ATTEMPTS_AFTER_GIVE_UP);
    // The fault clears: the same staged group commits.
    faults.clearAppendFailures();
    expect(commitWithRetry(writer, recordingHooks())).toBe(1);
  });

  it('is told apart from bugs and corruption, which are rethrown at once', () => {
    expect(storageFaultOf(new AssertionError('x'))).toBeNull();
    expect(storageFaultOf(new JournalCorruptError('gap', 3, 'x'))).toBeNull();
    expect(storageFaultOf(new StoreFaultError('ENOSPC', 'appendGroups'))).toEqual({ code: 'ENOSPC', reason: 'storage: injected store fault ENOSPC in appendGroups' });
    expect(storageFaultOf(new Error('MDB_MAP_FULL: Environment mapsize limit reached'))?.code).toBe('MDB_MAP_FULL');
    expect(storageFaultOf(new Error('write failed'))).toEqual({ code: 'STORAGE', reason: 'storage: STORAGE: write failed' });
    // LMDB's errors carry a strerror text and no code.
    expect(storageFaultOf(new Error('Input/output error'))).toEqual({ code: 'EIO', reason: 'storage: EIO: Input/output error' });
    expect(storageFaultOf(Object.assign(new Error('write'), { errno: -28 }))?.code).toBe('ENOSPC');
    const { writer, faults } = journal();
    faults.tearNextAppend('ENOSPC', 0);
    writer.stage(makeCommands(0, 1), 0, 1);
    // A torn append (the memory store's non-atomic fault) is retried like any fault; an atomic store never tears.
    expect(commitWithRetry(writer, recordingHooks())).toBe(0);
  });

  it('backs off doubling up to a bound', () => {
    expect([1, 2, 3, 10, 11, 40].map(commitBackoffMs)).toEqual([1, 2, 4, 512, COMMIT_BACKOFF_MS_MAX, COMMIT_BACKOFF_MS_MAX]);
  });
});
