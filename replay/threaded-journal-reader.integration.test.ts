import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { captureState, takeSnapshot } from '../engine/engine-state.js';
import { differingStateParts } from '../engine/state-parts.js';
import { propertyTestConfig } from '../testkit/random-commands.js';
import { copyGroups, makeCommands, makeTempDir, removeDir, restoreGroups } from '../testkit/journal-fixtures.js';
import { openJournalEnv, type JournalEnv } from '../journal/journal-env.js';
import { JournalCorruptError } from '../journal/journal-error.js';
import { JournalReader } from '../journal/journal-reader.js';
import { groupChecksum, groupHashOf } from '../journal/group-codec.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { GROUP_CHECKSUM_OFFSET, GROUP_HASH_OFFSET, GROUP_PREV_HASH_OFFSET } from '../journal/record-layout.js';
import { SnapshotStore } from '../journal/snapshot-store.js';
import { RUN_COMMANDS_MAX } from './command-queue.js';
import { openJournal, replayJournal, SnapshotMismatchError, type ReplayOptions, type ReplayResult } from './recovery.js';
import { randomCommandsAtLeast, removeTempDirs, writeJournal } from '../testkit/cli-fixtures.js';
import { ThreadedJournalReader } from './threaded-journal-reader.js';

/**
 * The threaded read (a second thread verifies, this one consumes) against the inline one: the
 * same commands in the same order for any range, and for any damage the same error (class,
 * kind, sequence, message) after the same commands.
 */
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);

// Group sizes around the queue's run bound (8192 commands): groups split across claims and runs,
// and the ~37k commands pass through a queue of 16384 more than twice (it wraps, the reader waits for room).
const QUEUE_COMMANDS = 2 * RUN_COMMANDS_MAX;
const GROUP_SIZES = [3, RUN_COMMANDS_MAX, 5000, 1, RUN_COMMANDS_MAX, 7000, 100, RUN_COMMANDS_MAX - 1];
const TOTAL = GROUP_SIZES.reduce((a, b) => a + b, 0);

let dir = '';
let env: JournalEnv;
let keys: number[] = [];
let originals: Map<number, Buffer>;

beforeAll(() => {
  dir = makeTempDir('ordo-threaded-read-');
  // durability 'none': tests only.
  env = openJournalEnv({ path: path.join(dir, 'journal'), durability: 'none', fingerprint: 'threaded-read-test', mapSizeBytes: 2 ** 30 });
  const writer = JournalWriter.open(env);
  for (const size of GROUP_SIZES) {
    const firstSeq = writer.seqStagedEnd();
    keys.push(firstSeq);
    writer.append(makeCommands(firstSeq, size), firstSeq, size);
  }
  originals = copyGroups(env, keys);
});

afterAll(async () => {
  await env.close();
  removeDir(dir);
  removeTempDirs();
});

function restore(): void {
  restoreGroups(env, originals);
}

interface ReadOutcome {
  bytes: Buffer;
  error: unknown;
  handoverSeq?: number | null;
}

function inlineRead(fromSeq: number, toSeqExclusive: number): ReadOutcome {
  const parts: Buffer[] = [];
  try {
    for (const group of new JournalReader(env).groups(fromSeq, toSeqExclusive)) parts.push(Buffer.from(group.commands));
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
  return { bytes: Buffer.concat(parts), error: null };
}

/**
 * Reads through a ThreadedJournalReader. `handoverAfterRuns`: 'thread' lets the thread read all;
 * a number n reads n runs on this thread, then waits until the thread is ready, so that the
 * handover is at the boundary after the n-th group (when the range has more). `verifyAhead`
 * false makes the thread verify only what it hands over next; `napMs` waits that long once the
 * thread is ready before the handover, so that it verifies ahead (a small journal: all of it).
 */
async function threadedRead(fromSeq: number, toSeqExclusive: number, handoverAfterRuns: number | 'thread' = 'thread', options: { verifyAhead?: boolean; napMs?: number } = {}): Promise<ReadOutcome> {
  const reader = new ThreadedJournalReader({ env, fromSeq, toSeqExclusive, waitForThread: handoverAfterRuns === 'thread', verifyAhead: options.verifyAhead ?? true, queueCommands: QUEUE_COMMANDS });
  const parts: Buffer[] = [];
  let error: unknown = null;
  const waitUntilReady = (): void => {
    // Bounded: 60 s of 10 ms naps.
    for (let nap = 0; nap < 6000 && !reader.threadReady(); nap++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    if (options.napMs !== undefined) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, options.napMs);
  };
  try {
    if (handoverAfterRuns === 0) waitUntilReady();
    // A copy: the run's slots are reused once the next run is taken.
    for (const run of reader.runs()) {
      parts.push(Buffer.from(new Uint8Array(run.view.buffer, run.view.byteOffset + run.offset, run.count * COMMAND_SIZE)));
      if (parts.length === handoverAfterRuns) waitUntilReady();
    }
  } catch (thrown) {
    error = thrown;
  }
  await reader.exited();
  return { bytes: Buffer.concat(parts), error, handoverSeq: reader.handoverSeq };
}

/** The group under `key` with its prevGroupHash changed and its own hash and CRC recomputed: only the link is wrong. */
function relinkedGroup(key: number): [number, Buffer] {
  const value = Buffer.from(originals.get(key) ?? []);
  value.writeUInt8(value.readUInt8(GROUP_PREV_HASH_OFFSET) ^ 0x01, GROUP_PREV_HASH_OFFSET);
  groupHashOf(value).copy(value, GROUP_HASH_OFFSET);
  value.writeUInt32LE(groupChecksum(value), GROUP_CHECKSUM_OFFSET);
  return [key, value];
}

function expectSameOutcome(threaded: ReadOutcome, inline: ReadOutcome): void {
  expect(threaded.bytes.byteLength).toBe(inline.bytes.byteLength);
  expect(threaded.bytes.equals(inline.bytes)).toBe(true);
  if (inline.error === null) {
    expect(threaded.error).toBeNull();
    return;
  }
  expect(threaded.error).toBeInstanceOf(JournalCorruptError);
  const { kind, seq, message } = inline.error as JournalCorruptError;
  expect(threaded.error).toMatchObject({ kind, seq, message });
}

describe('threaded journal read', () => {
  it('delivers the inline read\'s commands for the whole journal and for ranges inside and across groups', async () => {
    for (const [from, to] of [
      [0, TOTAL],
      [0, Number.MAX_SAFE_INTEGER],
      [10, 20_000],
      [RUN_COMMANDS_MAX + 3, RUN_COMMANDS_MAX + 4],
      [TOTAL - 1, TOTAL],
    ] as const) {
      const inline = inlineRead(from, to);
      expect(inline.error).toBeNull();
      expectSameOutcome(await threadedRead(from, to), inline);
    }
  });

  it('hands over from this thread to the reader thread at a group boundary, the link across checked', async () => {
    const inline = inlineRead(0, TOTAL);
    for (const [runs, handoverSeq] of [
      [0, 0],
      [1, 3],
      [2, 3 + RUN_COMMANDS_MAX],
      [GROUP_SIZES.length - 1, TOTAL - (GROUP_SIZES.at(-1) ?? 0)],
    ] as const) {
      // The thread starts over at the handover, or has verified past it already and goes on.
      for (const options of [{ verifyAhead: false }, { napMs: 100 }]) {
        const threaded = await threadedRead(0, TOTAL, runs, options);
        expect(threaded.handoverSeq, JSON.stringify(options)).toBe(handoverSeq);
        expectSameOutcome(threaded, inline);
      }
    }
    // A range that ends with the last group read here needs no thread at all.
    const whole = await threadedRead(0, TOTAL, GROUP_SIZES.length);
    expect(whole.handoverSeq).toBeNull();
    expectSameOutcome(whole, inline);
    // The group after the handover no longer links to the one before it: the thread sees it.
    const key = keys[2] ?? -1;
    const [, relinked] = relinkedGroup(key);
    env.store.tamper.putGroup(key, relinked);
    try {
      const damaged = inlineRead(0, TOTAL);
      expect(damaged.error).toMatchObject({ kind: 'chain', seq: key });
      for (const options of [{ verifyAhead: false }, { napMs: 100 }]) {
        const threaded = await threadedRead(0, TOTAL, 2, options);
        expect(threaded.handoverSeq).toBe(key);
        expectSameOutcome(threaded, damaged);
      }
    } finally {
      restore();
    }
  });

  it('reports any flipped byte of any group as the inline read does, after the same commands', async () => {
    const arbitrary = fc
      .nat({ max: keys.length - 1 })
      .chain((index) => fc.tuple(fc.constant(index), fc.nat({ max: (originals.get(keys[index] ?? 0)?.byteLength ?? 1) - 1 }), fc.integer({ min: 1, max: 255 }), fc.constantFrom<number | 'thread'>('thread', 0, 1, 3), fc.boolean()));
    // fast-check prints the seed and the shrunk case on failure, so a failure can be replayed.
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([index, position, mask, handover, ahead]) => {
        const key = keys[index] ?? 0;
        const value = Buffer.from(originals.get(key) ?? []);
        value.writeUInt8(value.readUInt8(position) ^ mask, position);
        env.store.tamper.putGroup(key, value);
        try {
          const inline = inlineRead(0, TOTAL);
          expect(inline.error).toMatchObject({ seq: key });
          // ahead: the thread found the damage before the handover; it reports it after the commands before it all the same.
          expectSameOutcome(await threadedRead(0, TOTAL, handover, ahead ? { napMs: 50 } : { verifyAhead: false }), inline);
        } finally {
          restore();
        }
      }),
      { numRuns: 8, seed: SEED },
    );
  });

  it('reports a missing group, a missing tail and a value cut short with their sequences', async () => {
    const cases: Array<[string, () => void]> = [
      ['gap', () => env.store.tamper.removeGroup(keys[3] ?? -1)],
      ['truncated tail', () => env.store.tamper.removeGroup(keys.at(-1) ?? -1)],
      ['cut short', () => env.store.tamper.putGroup(keys[5] ?? -1, (originals.get(keys[5] ?? -1) ?? Buffer.alloc(0)).subarray(0, 1000))],
    ];
    for (const [name, damage] of cases) {
      damage();
      try {
        const inline = inlineRead(0, TOTAL);
        expect(inline.error, name).toBeInstanceOf(JournalCorruptError);
        expectSameOutcome(await threadedRead(0, TOTAL), inline);
        expectSameOutcome(await threadedRead(0, TOTAL, 0, { napMs: 50 }), inline);
      } finally {
        restore();
      }
    }
  });

  it('stops the reader thread when the consumer stops early', async () => {
    const reader = new ThreadedJournalReader({ env, fromSeq: 0, toSeqExclusive: TOTAL, queueCommands: QUEUE_COMMANDS });
    let runs = 0;
    for (const run of reader.runs()) {
      expect(run.count).toBeGreaterThan(0);
      if (++runs === 1) break;
    }
    await reader.exited();
    // A closed reader left nothing behind: the journal still reads in full.
    expect(inlineRead(0, TOTAL).bytes.byteLength).toBe(TOTAL * COMMAND_SIZE);
  });
});

describe('replayJournal reading on a thread', () => {
  const config = propertyTestConfig();

  function replayBoth(options: Omit<ReplayOptions, 'read'>): [ReplayResult, ReplayResult] {
    return [replayJournal({ ...options, read: 'inline' }), replayJournal({ ...options, read: 'thread' })];
  }

  it(`reaches the inline replay's state, from scratch, to a target and from a snapshot (seed ${SEED})`, async () => {
    const commands = randomCommandsAtLeast(SEED, 1500, 600);
    const total = commands.byteLength / COMMAND_SIZE;
    const journal = await writeJournal(config, commands, [100, 1, 250, 37]);
    const journalEnv = openJournal({ path: journal.dataDir, config, durability: 'none' });
    try {
      const snapshotSeq = 300;
      const at = replayJournal({ env: journalEnv, config, toSeq: snapshotSeq, fromScratch: true, read: 'inline' });
      new SnapshotStore(journalEnv).put({ seq: snapshotSeq, stateHashHex: at.stateHash.slice(2), body: takeSnapshot(at.engine).state });
      for (const options of [{ fromScratch: true }, { fromScratch: true, toSeq: 450 }, {}]) {
        const [inline, threaded] = replayBoth({ env: journalEnv, config, ...options });
        const { engine: _inlineEngine, ...inlineSummary } = inline;
        const { engine: _threadedEngine, ...threadedSummary } = threaded;
        expect(threadedSummary, JSON.stringify(options)).toEqual(inlineSummary);
      }
      expect(replayJournal({ env: journalEnv, config, fromScratch: true, read: 'thread' })).toMatchObject({ stateHash: journal.expected.hash, lastSeq: total - 1, snapshotsVerified: 1 });
    } finally {
      await journalEnv.close();
    }
  });

  it('names the parts of the state in which a stored snapshot differs from the replay', async () => {
    const commands = randomCommandsAtLeast(SEED + 2, 400, 200);
    const journal = await writeJournal(config, commands, [30, 30]);
    const journalEnv = openJournal({ path: journal.dataDir, config, durability: 'none' });
    try {
      // A snapshot of the state at 20, stored (with its own hash) as if it were the state at 45.
      const early = replayJournal({ env: journalEnv, config, toSeq: 20, fromScratch: true, read: 'inline' });
      const late = replayJournal({ env: journalEnv, config, toSeq: 45, fromScratch: true, read: 'inline' });
      const parts = differingStateParts(captureState(early.engine), captureState(late.engine));
      expect(parts.length).toBeGreaterThan(0);
      const taken = takeSnapshot(early.engine);
      new SnapshotStore(journalEnv).put({ seq: 45, stateHashHex: taken.hash.slice(2), body: taken.state });
      for (const read of ['inline', 'thread'] as const) {
        let thrown: unknown;
        try {
          replayJournal({ env: journalEnv, config, fromScratch: true, read });
        } catch (error) {
          thrown = error;
        }
        expect(thrown, read).toBeInstanceOf(SnapshotMismatchError);
        expect((thrown as SnapshotMismatchError).parts, read).toEqual(parts);
        expect((thrown as Error).message, read).toContain(`the parts that differ: ${parts.join(', ')}`);
      }
    } finally {
      await journalEnv.close();
    }
  });

  it('reports a snapshot that disagrees at its sequence, and an error of the caller stops the replay', async () => {
    const commands = randomCommandsAtLeast(SEED + 1, 400, 200);
    const journal = await writeJournal(config, commands, [30, 30]);
    const journalEnv = openJournal({ path: journal.dataDir, config, durability: 'none' });
    try {
      const at = replayJournal({ env: journalEnv, config, toSeq: 45, fromScratch: true, read: 'inline' });
      const wrongHash = at.stateHash.slice(2, -1) + (at.stateHash.endsWith('0') ? '1' : '0');
      new SnapshotStore(journalEnv).put({ seq: 45, stateHashHex: wrongHash, body: takeSnapshot(at.engine).state });
      expect(() => replayJournal({ env: journalEnv, config, fromScratch: true, read: 'thread' })).toThrow(SnapshotMismatchError);
      expect(() => replayJournal({ env: journalEnv, config, fromScratch: true, read: 'thread' })).toThrow(/snapshot at sequence 45/);
      // The stored body is the replayed state: only its hash is wrong, and the error says so.
      expect(() => replayJournal({ env: journalEnv, config, fromScratch: true, read: 'inline' })).toThrow(/the stored state equals the replayed one/);
      let seen = 0;
      const stop = (): void => {
        if (++seen === 10) throw new Error('caller stops');
      };
      expect(() => replayJournal({ env: journalEnv, config, toSeq: 44, fromScratch: true, read: 'thread', onCommand: stop })).toThrow('caller stops');
      expect(seen).toBe(10);
    } finally {
      await journalEnv.close();
    }
  });
});
