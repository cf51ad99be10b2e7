import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { restoreSnapshot, takeSnapshot } from '../engine/engine-state.js';
import { Pipeline } from '../runtime/pipeline.js';
import { collectEvents, publishAll } from '../testkit/pipeline-fixtures.js';
import { propertyTestConfig } from '../testkit/random-commands.js';
import { copyGroups, restoreGroups } from '../testkit/journal-fixtures.js';
import { configFingerprint } from '../journal/config-fingerprint.js';
import type { JournalEnv } from '../journal/journal-env.js';
import { SnapshotStore } from '../journal/snapshot-store.js';
import { EXIT_CORRUPT, EXIT_NO_JOURNAL, EXIT_OK, EXIT_SNAPSHOT, EXIT_USAGE, auditMain, replayMain, verifyMain } from './journal-cli.js';
import { NULL_SINK, openJournal, replayJournal } from '../replay/recovery.js';
import { captureIo, randomCommandsAtLeast, removeTempDirs, tempDir, writeConfigFile, writeJournal, type WrittenJournal } from '../testkit/cli-fixtures.js';

/**
 * `ordo replay` and `ordo verify` over real LMDB journals: the state hash they print is the live
 * run's, and every kind of damage (a flipped byte anywhere in a group, a deleted group, two
 * groups swapped, a deleted tail, a value cut short, a snapshot with a wrong hash) gives a
 * non-zero exit whose message names the sequence.
 */
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const config = propertyTestConfig();

// The tampering suite's journal lives across its tests: directories go when the file is done.
afterAll(() => removeTempDirs());

interface Outcome {
  code: number;
  out: string[];
  err: string[];
  json: Record<string, unknown>;
}

async function cli(main: (args: string[], io: ReturnType<typeof captureIo>['io']) => Promise<number>, args: string[]): Promise<Outcome> {
  const { io, out, err } = captureIo();
  const code = await main(args, io);
  const last = out.at(-1);
  return { code, out, err, json: last === undefined ? {} : (JSON.parse(last) as Record<string, unknown>) };
}

function args(journal: { dataDir: string; configPath: string }, ...rest: string[]): string[] {
  return ['--data', journal.dataDir, '--config', journal.configPath, ...rest];
}

describe('replay and verify print the live run\'s state hash', () => {
  it(`through the real pipeline with a follower taking snapshots (seed ${SEED}, durability none: test only)`, async () => {
    const all = randomCommandsAtLeast(SEED, 1500, 600);
    const dir = tempDir();
    const dataDir = `${dir}/data`;
    const pipeline = await Pipeline.start({ config, inputSlots: 256, outputSlots: 512, journal: { path: dataDir, durability: 'none', fingerprint: configFingerprint(config), snapshots: { everyCommands: 300, everyMs: 60_000, retain: 10 } } });
    const events = collectEvents(pipeline);
    await publishAll(pipeline, all);
    const live = await pipeline.stop();
    await events.done;
    const journal = { dataDir, configPath: writeConfigFile(dir, config) };
    const lastSeq = all.byteLength / COMMAND_SIZE - 1;

    const recovered = await cli(replayMain, args(journal));
    expect(recovered.code).toBe(EXIT_OK);
    expect(recovered.json).toMatchObject({ ok: true, lastSeq, stateHash: live.stateHash, snapshotSeq: lastSeq, commandsApplied: 0 });
    const scratch = await cli(replayMain, args(journal, '--from-scratch'));
    expect(scratch.json).toMatchObject({ ok: true, lastSeq, stateHash: live.stateHash, snapshotSeq: null, commandsApplied: lastSeq + 1 });
    expect(scratch.json.snapshotsVerified).toBeGreaterThanOrEqual(1);
    expect(typeof scratch.json.cmdsPerSec).toBe('number');
    const verified = await cli(verifyMain, args(journal));
    expect(verified.code).toBe(EXIT_OK);
    expect(verified.json).toMatchObject({ ok: true, lastSeq, stateHash: live.stateHash, commands: lastSeq + 1, recoverySnapshotSeq: lastSeq });
    expect(verified.json.snapshotsVerified).toBe(verified.json.snapshots);

    // --to: the state after a prefix equals the prefix applied alone, from a snapshot or not.
    const toSeq = Math.floor(lastSeq / 2);
    const env = openJournal({ path: dataDir, config, durability: 'none' });
    const prefix = replayJournal({ env, config, toSeq, fromScratch: true, sink: NULL_SINK });
    await env.close();
    for (const extra of [[], ['--from-scratch']]) {
      const partial = await cli(replayMain, args(journal, '--to', String(toSeq), ...extra));
      expect(partial.json).toMatchObject({ ok: true, lastSeq: toSeq, stateHash: prefix.stateHash, journalLastSeq: lastSeq });
    }
  });
});

describe('usage and missing journals', () => {
  it('bad arguments exit 2 with the usage; a missing journal or another configuration exits 5', async () => {
    const journal = await writeJournal(config, randomCommandsAtLeast(SEED, 50, 25), [20]);
    for (const bad of [['--nope'], ['--to', 'x'], ['--to', '-1'], ['--to', '999999'], ['extra']]) {
      const outcome = await cli(replayMain, args(journal, ...bad));
      expect(outcome.code, bad.join(' ')).toBe(EXIT_USAGE);
      expect(outcome.err.at(-1)).toMatch(/^usage: ordo replay/);
    }
    expect((await cli(replayMain, ['--data', journal.dataDir, '--config', '/nonexistent.json'])).code).toBe(EXIT_USAGE);
    for (const [main, name] of [[verifyMain, 'verify'], [auditMain, 'audit']] as const) {
      const unknown = await cli(main, args(journal, '--nope'));
      expect(unknown.code, name).toBe(EXIT_USAGE);
      expect(unknown.err[0], name).toMatch(new RegExp(`^ordo ${name}: Unknown option '--nope'`));
      expect(unknown.err.at(-1)).toMatch(new RegExp(`^usage: ordo ${name}`));
    }
    const badLimit = await cli(auditMain, args(journal, '--account', '1', '--limit', 'many'));
    expect(badLimit.code).toBe(EXIT_USAGE);
    expect(badLimit.err[0]).toMatch(/--limit: "many" is not a non-negative integer/);
    const empty = await cli(verifyMain, ['--data', tempDir(), '--config', journal.configPath]);
    expect(empty.code).toBe(EXIT_NO_JOURNAL);
    expect(empty.err[0]).toContain('no journal');
    // The default configuration is not the one this journal was written under.
    const other = await cli(replayMain, ['--data', journal.dataDir]);
    expect(other.code).toBe(EXIT_NO_JOURNAL);
    expect(other.err[0]).toContain('configuration fingerprint');
  });
});

describe('tampering is detected and names the sequence', () => {
  // Five groups; keys are their first sequences.
  let journal: WrittenJournal;
  let env: JournalEnv;
  let originals: Map<number, Buffer>;

  beforeAll(async () => {
    const commands = randomCommandsAtLeast(SEED + 1, 200, 100);
    const total = commands.byteLength / COMMAND_SIZE;
    journal = await writeJournal(config, commands, [Math.floor(total / 4), 17, Math.floor(total / 3), 1]);
    expect(journal.groupKeys.length).toBe(5);
    env = openJournal({ path: journal.dataDir, config, durability: 'none' });
    originals = copyGroups(env, journal.groupKeys);
  });

  afterAll(async () => {
    await env.close();
  });

  function restore(): void {
    restoreGroups(env, originals);
  }

  function original(index: number): [number, Buffer] {
    const key = journal.groupKeys[index] ?? -1;
    const value = originals.get(key);
    if (value === undefined) throw new Error(`no group ${index}`);
    return [key, Buffer.from(value)];
  }

  /** Both commands fail with exit 3, the kind, and the sequence in the message and the JSON. */
  async function expectCorrupt(kinds: readonly string[], seq: number): Promise<void> {
    for (const [main, extra] of [
      [replayMain, ['--from-scratch']],
      [replayMain, []],
      [verifyMain, []],
    ] as const) {
      const outcome = await cli(main, args(journal, ...extra));
      expect(outcome.code, outcome.err.join('\n')).toBe(EXIT_CORRUPT);
      expect(outcome.err).toHaveLength(1);
      expect(outcome.err[0]).toContain(`at sequence ${seq}`);
      expect(kinds).toContain(outcome.json.kind);
      expect(outcome.json).toMatchObject({ ok: false, seq });
    }
  }

  it('the untouched journal verifies', async () => {
    const verified = await cli(verifyMain, args(journal));
    expect(verified.json).toMatchObject({ ok: true, stateHash: journal.expected.hash, groups: 5 });
  });

  it('a flipped byte at any position of any group', async () => {
    const arbitrary = fc.nat({ max: 4 }).chain((index) => fc.tuple(fc.constant(index), fc.nat({ max: original(index)[1].byteLength - 1 }), fc.integer({ min: 1, max: 255 })));
    // fast-check prints the seed and the shrunk case on failure, so a failure can be replayed.
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([index, position, mask]) => {
        const [key, value] = original(index);
        value.writeUInt8(value.readUInt8(position) ^ mask, position);
        env.store.tamper.putGroup(key, value);
        try {
          await expectCorrupt(['checksum', 'format', 'truncated'], key);
        } finally {
          restore();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a deleted group', async () => {
    const [key] = original(2);
    env.store.tamper.removeGroup(key);
    await expectCorrupt(['gap'], key);
    restore();
  });

  it('two groups swapped', async () => {
    const [keyA, a] = original(1);
    const [keyB, b] = original(2);
    env.store.tamper.putGroup(keyA, b);
    env.store.tamper.putGroup(keyB, a);
    await expectCorrupt(['chain'], keyA);
    restore();
  });

  it('truncation: the tail group deleted, or a value cut short', async () => {
    const [tailKey] = original(4);
    env.store.tamper.removeGroup(tailKey);
    await expectCorrupt(['truncated'], tailKey);
    restore();
    const [key, value] = original(3);
    env.store.tamper.putGroup(key, value.subarray(0, value.byteLength - 7));
    await expectCorrupt(['truncated'], key);
    restore();
  });
});

describe('snapshots that disagree with the journal', () => {
  it('a snapshot with a wrong state hash: verify names its sequence; replay from it fails too; from scratch names it', async () => {
    const commands = randomCommandsAtLeast(SEED + 2, 120, 61);
    const journal = await writeJournal(config, commands, [30, 30]);
    const env = openJournal({ path: journal.dataDir, config, durability: 'none' });
    const at = replayJournal({ env, config, toSeq: 45, fromScratch: true });
    const body = takeSnapshot(at.engine).state;
    // The true state under a hash that is one hex digit off.
    const wrongHash = at.stateHash.slice(2, -1) + (at.stateHash.endsWith('0') ? '1' : '0');
    new SnapshotStore(env).put({ seq: 45, stateHashHex: wrongHash, body });
    await env.close();
    expect(() => restoreSnapshot(config, { seq: 45, hash: at.stateHash, state: body }, NULL_SINK)).not.toThrow();

    const verified = await cli(verifyMain, args(journal));
    expect(verified.code).toBe(EXIT_SNAPSHOT);
    expect(verified.err[0]).toContain('sequence 45');
    expect(verified.json).toMatchObject({ ok: false, kind: 'snapshot', seq: 45 });
    const scratch = await cli(replayMain, args(journal, '--from-scratch'));
    expect(scratch.json).toMatchObject({ ok: false, kind: 'snapshot', seq: 45 });
    const recovered = await cli(replayMain, args(journal));
    expect(recovered.code).toBe(EXIT_SNAPSHOT);
    expect(recovered.json).toMatchObject({ ok: false, kind: 'snapshot', seq: 45 });
    // Before the snapshot, nothing is wrong.
    expect((await cli(replayMain, args(journal, '--to', '44'))).json).toMatchObject({ ok: true, lastSeq: 44 });
  });

  it('a damaged snapshot record is reported as damage (exit 3) at its sequence', async () => {
    const journal = await writeJournal(config, randomCommandsAtLeast(SEED + 4, 120, 61), [30, 30]);
    let env = openJournal({ path: journal.dataDir, config, durability: 'none' });
    const at = replayJournal({ env, config, toSeq: 50, fromScratch: true });
    new SnapshotStore(env).put({ seq: 50, stateHashHex: at.stateHash.slice(2), body: takeSnapshot(at.engine).state });
    await env.close();
    expect((await cli(verifyMain, args(journal))).json).toMatchObject({ ok: true, snapshots: 1, snapshotsVerified: 1, recoverySnapshotSeq: 50 });
    env = openJournal({ path: journal.dataDir, config, durability: 'none' });
    const record = Buffer.from(env.store.getSnapshot(50) ?? []);
    // A byte of the engine's state (the record ends with the read model's 4-byte length, 0 here).
    record.writeUInt8(record.readUInt8(record.byteLength - 7) ^ 0x10, record.byteLength - 7);
    env.store.tamper.putSnapshot(50, record);
    await env.close();
    for (const [main, extra] of [
      [verifyMain, []],
      [replayMain, []],
    ] as const) {
      const outcome = await cli(main, args(journal, ...extra));
      expect(outcome.code).toBe(EXIT_CORRUPT);
      expect(outcome.json).toMatchObject({ ok: false, kind: 'checksum', seq: 50 });
      expect(outcome.err[0]).toContain('snapshot');
    }
  });
});

describe('the ordo binary', () => {
  it('dispatches replay and verify and exits with their codes', async () => {
    const journal = await writeJournal(config, randomCommandsAtLeast(SEED + 3, 120, 60), [40]);
    expect(journal.groupKeys).toEqual([0, 40]);
    const run = promisify(execFile);
    const ok = await run('npx', ['tsx', 'bin/ordo.ts', 'replay', ...args(journal)], { cwd: process.cwd() });
    expect(JSON.parse(ok.stdout.trim())).toMatchObject({ ok: true, stateHash: journal.expected.hash });
    const env = openJournal({ path: journal.dataDir, config, durability: 'none' });
    env.store.tamper.removeGroup(journal.groupKeys[1] ?? -1);
    await env.close();
    const failed = await run('npx', ['tsx', 'bin/ordo.ts', 'verify', ...args(journal)], { cwd: process.cwd() }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(EXIT_CORRUPT);
    expect(failed?.stderr).toContain(`journal corrupt (truncated) at sequence ${journal.groupKeys[1]}`);
  }, 30_000);
});
