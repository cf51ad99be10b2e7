import { describe, expect, it } from 'vitest';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { configFingerprint } from '../journal/config-fingerprint.js';
import { openJournalEnvOn, type JournalEnv } from '../journal/journal-env.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { MemoryJournalStore } from '../journal/memory-journal-store.js';
import { verifyJournal } from '../journal/verify.js';
import { applyInProcess, randomCommands } from '../testkit/pipeline-fixtures.js';
import { propertyTestConfig } from '../testkit/random-commands.js';
import { replayJournal, saveSnapshot } from './recovery.js';

/**
 * Recovery over the memory store: the same journal, snapshots and replay as on LMDB, with no
 * disk and no second thread (a memory store cannot be opened by one), for tests and simulation.
 */
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);

function journalInMemory(commands: Uint8Array, groupSize: number): JournalEnv {
  const config = propertyTestConfig();
  const env = openJournalEnvOn(new MemoryJournalStore(), configFingerprint(config));
  const writer = JournalWriter.open(env);
  const total = commands.byteLength / COMMAND_SIZE;
  // Bounded: every turn appends at least one command.
  while (writer.seqStagedEnd() < total) {
    const firstSeq = writer.seqStagedEnd();
    const count = Math.min(groupSize, total - firstSeq);
    writer.append(commands.subarray(firstSeq * COMMAND_SIZE, (firstSeq + count) * COMMAND_SIZE), firstSeq, count);
  }
  return env;
}

describe(`replay over the memory store (seed ${SEED})`, () => {
  it('replays to the in-process state hash, from scratch and from a snapshot, in every read mode that can run', () => {
    const config = propertyTestConfig();
    const commands = randomCommands(SEED, 400);
    const expected = applyInProcess(config, commands);
    const env = journalInMemory(commands, 37);
    expect(verifyJournal(env)).toMatchObject({ ok: true, commands: commands.byteLength / COMMAND_SIZE });
    const fromScratch = replayJournal({ env, config, fromScratch: true });
    expect(fromScratch.stateHash).toBe(expected.hash);
    const half = replayJournal({ env, config, toSeq: Math.floor(commands.byteLength / COMMAND_SIZE / 2) });
    saveSnapshot(env, half.engine, 3);
    const fromSnapshot = replayJournal({ env, config, read: 'auto' });
    expect(fromSnapshot.snapshotSeq).toBe(half.lastSeq);
    expect(fromSnapshot.stateHash).toBe(expected.hash);
    expect(() => replayJournal({ env, config, read: 'thread' })).toThrow(/memory store/);
  });
});
