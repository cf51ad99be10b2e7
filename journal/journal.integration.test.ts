import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssertionError } from '../engine/assert.js';
import { makeCommands, makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import { openJournalEnv, type Durability, type JournalEnv } from './journal-env.js';
import { JournalCorruptError, JournalMetaMismatchError } from './journal-error.js';
import { JournalReader } from './journal-reader.js';
import { JournalWriter, TXN_COMMANDS_MAX, TXN_GROUPS_MAX } from './journal-writer.js';
import { COMMAND_SIZE_BYTES, GROUP_COMMANDS_MAX, SEQ_NONE } from './record-layout.js';
import { verifyJournal } from './verify.js';

const FINGERPRINT = 'symbols:v1:test';
let dir = '';
let openEnvs: JournalEnv[] = [];

function openEnv(durability: Durability = 'none', fingerprint = FINGERPRINT): JournalEnv {
  // durability 'none' is for tests only: these journals are thrown away.
  const env = openJournalEnv({ path: path.join(dir, 'journal'), durability, fingerprint, mapSizeBytes: 2 ** 30 });
  openEnvs.push(env);
  return env;
}

async function closeEnv(env: JournalEnv): Promise<void> {
  openEnvs = openEnvs.filter((open) => open !== env);
  await env.close();
}

beforeEach(() => {
  dir = makeTempDir('ordo-journal-');
});

afterEach(async () => {
  for (const env of openEnvs) await env.close();
  openEnvs = [];
  removeDir(dir);
});

/** Appends groups of the given sizes from sequence 0; returns the writer. */
function appendGroups(env: JournalEnv, sizes: readonly number[]): JournalWriter {
  const writer = JournalWriter.open(env);
  for (const size of sizes) {
    const firstSeq = writer.seqStagedEnd();
    expect(writer.append(makeCommands(firstSeq, size), firstSeq, size)).toBe(firstSeq + size - 1);
  }
  return writer;
}

describe('journal directory', () => {
  it('opens, writes and reopens in a directory whose name has a dot (an extension to lmdb-js), existing and empty or not yet made', async () => {
    for (const name of ['ordo.d', 'tmp.Ab12Cd', 'not-yet.made']) {
      const where = path.join(dir, name);
      if (name !== 'not-yet.made') mkdirSync(where);
      const env = openJournalEnv({ path: where, durability: 'none', fingerprint: FINGERPRINT, mapSizeBytes: 2 ** 24 });
      expect(JournalWriter.open(env).append(makeCommands(0, 3), 0, 3)).toBe(2);
      await env.close();
      const again = openJournalEnv({ path: where, durability: 'none', fingerprint: FINGERPRINT, mapSizeBytes: 2 ** 24 });
      expect(verifyJournal(again)).toMatchObject({ ok: true, commands: 3, lastSeq: 2 });
      await again.close();
    }
  });
});

describe('journal round trip', () => {
  it.each<Durability>(['fsync', 'none'])('returns the exact command bytes in sequence order (%s)', (durability) => {
    const env = openEnv(durability);
    const writer = appendGroups(env, [1, 7, 300, 2]);
    expect(writer.seqCommitted()).toBe(309);
    const commands = [...new JournalReader(env).commands()];
    expect(commands.map((command) => command.seq)).toEqual(Array.from({ length: 310 }, (_, seq) => seq));
    for (const command of commands) expect(Buffer.from(command.bytes).equals(makeCommands(command.seq, 1))).toBe(true);
    const verified = verifyJournal(env);
    expect(verified).toMatchObject({ ok: true, groups: 4, commands: 310, lastSeq: 309 });
    if (verified.ok) expect(verified.chainHeadHex).toBe(writer.chainHead().toString('hex'));
  });

  it('yields group buffers the caller owns after the iteration moves on', () => {
    const env = openEnv();
    appendGroups(env, [5, 5, 5]);
    const groups = [...new JournalReader(env).groups()];
    expect(groups.map((group) => [group.firstSeq, group.count])).toEqual([[0, 5], [5, 5], [10, 5]]);
    for (const group of groups) expect(Buffer.from(group.commands).equals(makeCommands(group.firstSeq, group.count))).toBe(true);
  });

  it('trims the first and last group to a half-open range', () => {
    const env = openEnv();
    appendGroups(env, [10, 10, 10]);
    const groups = [...new JournalReader(env).groups(7, 23)];
    expect(groups.map((group) => [group.firstSeq, group.count, group.groupFirstSeq])).toEqual([[7, 3, 0], [10, 10, 10], [20, 3, 20]]);
    const seqs = [...new JournalReader(env).commands(7, 23)].map((command) => command.seq);
    expect(seqs).toEqual(Array.from({ length: 16 }, (_, index) => 7 + index));
  });

  it('borrowed reads yield the same groups, small and full-size, each valid until the next step', () => {
    const env = openEnv();
    const writer = appendGroups(env, [3, 100, 1]);
    writer.stage(makeCommands(104, GROUP_COMMANDS_MAX + 7), 104, GROUP_COMMANDS_MAX + 7);
    writer.commit();
    for (const [from, to] of [[0, Number.MAX_SAFE_INTEGER], [2, 104], [50, GROUP_COMMANDS_MAX + 100]] as const) {
      const owned = [...new JournalReader(env).groups(from, to)];
      const borrowed: Array<[number, number, number, Buffer, Buffer]> = [];
      for (const group of new JournalReader(env).groupsBorrowed(from, to)) {
        borrowed.push([group.firstSeq, group.count, group.groupFirstSeq, Buffer.from(group.commands), Buffer.from(group.groupHash)]);
      }
      expect(borrowed).toEqual(owned.map((group) => [group.firstSeq, group.count, group.groupFirstSeq, Buffer.from(group.commands), Buffer.from(group.groupHash)]));
    }
  });

  it('reads one command directly by sequence, and null past the end', () => {
    const env = openEnv();
    appendGroups(env, [3, 100, 1]);
    const reader = new JournalReader(env);
    for (const seq of [0, 2, 3, 50, 102, 103]) expect(Buffer.from(reader.readCommand(seq) ?? []).equals(makeCommands(seq, 1))).toBe(true);
    expect(reader.readCommand(104)).toBeNull();
    expect(reader.readCommand(10_000)).toBeNull();
  });

  it('stages a batch in two parts (a ring wrap) and commits it as one group', () => {
    const env = openEnv();
    const writer = JournalWriter.open(env);
    writer.stage(makeCommands(0, 4), 0, 4);
    writer.stage(makeCommands(4, 6), 4, 6);
    expect(writer.commit()).toBe(9);
    expect([...new JournalReader(env).groups()].map((group) => [group.firstSeq, group.count])).toEqual([[0, 10]]);
  });

  it('splits a transaction of TXN_COMMANDS_MAX commands into full groups and refuses one more', () => {
    const env = openEnv();
    const writer = appendGroups(env, [3]);
    writer.stage(makeCommands(3, TXN_COMMANDS_MAX - 5), 3, TXN_COMMANDS_MAX - 5);
    writer.stage(makeCommands(TXN_COMMANDS_MAX - 2, 5), TXN_COMMANDS_MAX - 2, 5);
    expect(() => writer.stage(makeCommands(TXN_COMMANDS_MAX + 3, 1), TXN_COMMANDS_MAX + 3, 1)).toThrow(AssertionError);
    expect(writer.commit()).toBe(TXN_COMMANDS_MAX + 2);
    const groups = [...new JournalReader(env).groups()].map((group) => [group.firstSeq, group.count]);
    const full = Array.from({ length: TXN_GROUPS_MAX }, (_, index) => [3 + index * GROUP_COMMANDS_MAX, GROUP_COMMANDS_MAX]);
    expect(groups).toEqual([[0, 3], ...full]);
    expect(verifyJournal(env)).toMatchObject({ ok: true, groups: TXN_GROUPS_MAX + 1, lastSeq: TXN_COMMANDS_MAX + 2 });
    expect(Buffer.from(new JournalReader(env).readCommand(GROUP_COMMANDS_MAX + 3) ?? []).equals(makeCommands(GROUP_COMMANDS_MAX + 3, 1))).toBe(true);
  });
});

describe('journal sequence continuity', () => {
  it('refuses a batch that does not continue the journal, a mislabelled slot, or a wrong length', () => {
    const env = openEnv();
    const writer = appendGroups(env, [5]);
    expect(() => writer.append(makeCommands(6, 2), 6, 2)).toThrow(/continuity: batch starts at 6, expected 5/);
    expect(() => writer.append(makeCommands(4, 2), 4, 2)).toThrow(/continuity/);
    expect(() => writer.append(makeCommands(5, 2), 5, 3)).toThrow(AssertionError);
    const mislabelled = makeCommands(5, 2);
    mislabelled.set(makeCommands(9, 1), COMMAND_SIZE_BYTES);
    expect(() => writer.append(mislabelled, 5, 2)).toThrow(/sequence 6 carries sequence 9/);
  });

  it('refuses the first batch unless it starts at sequence 0', () => {
    const env = openEnv();
    const writer = JournalWriter.open(env);
    expect(writer.seqCommitted()).toBe(SEQ_NONE);
    expect(() => writer.append(makeCommands(1, 1), 1, 1)).toThrow(/expected 0/);
  });

  it('cannot overwrite a group even through the store directly (MDB_APPEND)', () => {
    const env = openEnv();
    appendGroups(env, [5, 5]);
    expect(() => env.store.appendGroups([{ key: 0, value: Buffer.alloc(200) }], { lastSeq: 0, hashHex: '00'.repeat(32) })).toThrow(/refused the append/);
    expect(verifyJournal(env)).toMatchObject({ ok: true, commands: 10 });
  });
});

describe('journal reopen', () => {
  it('continues the sequence and the hash chain from the last group', async () => {
    const first = openEnv('fsync');
    const writer = appendGroups(first, [10, 20]);
    const head = writer.chainHead();
    await closeEnv(first);
    const second = openEnv('fsync');
    const reopened = JournalWriter.open(second);
    expect(reopened.seqCommitted()).toBe(29);
    expect(reopened.chainHead().equals(head)).toBe(true);
    expect(reopened.append(makeCommands(30, 5), 30, 5)).toBe(34);
    expect(verifyJournal(second)).toMatchObject({ ok: true, groups: 3, commands: 35, lastSeq: 34 });
  });

  it('refuses a journal written under another configuration fingerprint, naming both', async () => {
    const first = openEnv('none', 'symbols:v1:BTC-USD');
    appendGroups(first, [3]);
    await closeEnv(first);
    let error: unknown;
    try {
      openEnv('none', 'symbols:v2:BTC-USD,ETH-USD');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JournalMetaMismatchError);
    expect((error as JournalMetaMismatchError).message).toMatch(/configuration fingerprint "symbols:v1:BTC-USD".*"symbols:v2:BTC-USD,ETH-USD"/);
  });

  it('refuses a journal whose meta names another format version', async () => {
    const first = openEnv();
    appendGroups(first, [3]);
    first.store.putMetaConfig({ formatVersion: 99, commandSize: COMMAND_SIZE_BYTES, fingerprint: FINGERPRINT });
    await closeEnv(first);
    expect(() => openEnv()).toThrow(/format version "99".*"1"/);
  });

  it('refuses to continue a journal whose tail group was deleted', async () => {
    const env = openEnv();
    appendGroups(env, [4, 4, 4]);
    env.store.tamper.removeGroup(8);
    expect(() => JournalWriter.open(env)).toThrow(JournalCorruptError);
    try {
      JournalWriter.open(env);
    } catch (error) {
      expect(error).toMatchObject({ kind: 'truncated', seq: 8 });
    }
  });
});
