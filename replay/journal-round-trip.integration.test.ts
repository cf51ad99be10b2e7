import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { decodeSnapshot, encodeSnapshot, takeSnapshot } from '../engine/engine-state.js';
import { Pipeline } from '../runtime/pipeline.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { applyInProcess, collectEvents, publishAll, randomCommands } from '../testkit/pipeline-fixtures.js';
import { propertyTestConfig } from '../testkit/random-commands.js';
import { configFingerprint } from '../journal/config-fingerprint.js';
import type { Durability } from '../journal/journal-env.js';
import { SnapshotStore } from '../journal/snapshot-store.js';
import type { SnapshotPolicy } from './snapshot-follower.js';
import { openJournal, replayJournal, saveSnapshot } from './recovery.js';

/**
 * Round trip through the real pipeline (input ring → journal worker → core worker → output
 * ring) into LMDB and back: the live state hash, a from-scratch replay of the journal, and a
 * snapshot plus the journal's tail must all agree, and equal the core applied in-process.
 */
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-journal-'));
  dirs.push(dir);
  return dir;
}

async function runDurable(config: EngineConfig, path: string, durability: Durability, commands: Uint8Array, seqBase: number, snapshot: Uint8Array | null, snapshots: SnapshotPolicy | null = null): Promise<{ hash: string; lastSeq: number; events: Uint8Array; snapshotsTaken: number }> {
  const pipeline = await Pipeline.start({ config, inputSlots: 256, outputSlots: 512, seqBase, snapshot, journal: { path, durability, fingerprint: configFingerprint(config), snapshots } });
  const events = collectEvents(pipeline);
  await publishAll(pipeline, commands);
  const report = await pipeline.stop();
  expect(report.journal?.lastSeq).toBe(report.lastSeq);
  if (report.snapshots !== null) expect(report.snapshots.lastSnapshotHash).toBe(report.stateHash);
  return { hash: report.stateHash, lastSeq: report.lastSeq, events: events.bytes(), snapshotsTaken: report.snapshots?.snapshots ?? 0 };
}

describe('journal round trip', () => {
  it(`live hash = from-scratch replay = snapshot + tail, across a restart (seed ${SEED}, durability none: test only)`, async () => {
    const config = propertyTestConfig();
    const all = randomCommands(SEED, 2500);
    const expected = applyInProcess(config, all);
    const path = tempDir();
    const half = Math.floor(all.byteLength / COMMAND_SIZE / 2) * COMMAND_SIZE;

    // First run: the first half, from an empty journal.
    const first = await runDurable(config, path, 'none', all.subarray(0, half), 0, null);
    let env = openJournal({ path, config, durability: 'none' });
    const replayed = replayJournal({ env, config, fromScratch: true });
    expect(replayed.lastSeq).toBe(first.lastSeq);
    expect(replayed.stateHash).toBe(first.hash);
    saveSnapshot(env, replayed.engine, 3);
    const snapshot = encodeSnapshot(takeSnapshot(replayed.engine));
    await env.close();

    // Second run: recovered from the snapshot, sequences continue where the journal ends.
    const second = await runDurable(config, path, 'none', all.subarray(half), first.lastSeq + 1, snapshot);
    expect(second.lastSeq).toBe(all.byteLength / COMMAND_SIZE - 1);
    expect(second.hash).toBe(expected.hash);
    const liveEvents = new Uint8Array(first.events.byteLength + second.events.byteLength);
    liveEvents.set(first.events);
    liveEvents.set(second.events, first.events.byteLength);
    expect(Buffer.compare(Buffer.from(liveEvents), Buffer.from(expected.events))).toBe(0);

    env = openJournal({ path, config, durability: 'none' });
    const scratch = replayJournal({ env, config, fromScratch: true });
    const fromSnapshot = replayJournal({ env, config });
    await env.close();
    expect(scratch.stateHash).toBe(expected.hash);
    expect(fromSnapshot.stateHash).toBe(expected.hash);
    expect(fromSnapshot.snapshotSeq).toBe(first.lastSeq);
    expect(fromSnapshot.commandsApplied).toBe(second.lastSeq - first.lastSeq);
    expect(scratch.snapshotsVerified).toBe(1);
    expect(decodeSnapshot(snapshot).seq).toBe(first.lastSeq);
  });

  it('in fsync mode the journal holds every command the core applied', async () => {
    const config = propertyTestConfig();
    const all = randomCommands(SEED + 1, 600);
    const path = tempDir();
    const run = await runDurable(config, path, 'fsync', all, 0, null);
    const env = openJournal({ path, config, durability: 'fsync' });
    const replayed = replayJournal({ env, config });
    await env.close();
    expect(replayed.lastSeq).toBe(all.byteLength / COMMAND_SIZE - 1);
    expect(replayed.stateHash).toBe(run.hash);
  });

  it('a follower thread snapshots by count while the core runs, and at stop; every snapshot replays to its hash', async () => {
    const config = propertyTestConfig();
    const all = randomCommands(SEED + 2, 2000);
    const expected = applyInProcess(config, all);
    const path = tempDir();
    // Half the commands, then wait (bounded) until the follower has taken a periodic snapshot
    // while the pipeline is still running; then the rest, and the snapshot at stop.
    const pipeline = await Pipeline.start({ config, inputSlots: 256, outputSlots: 512, journal: { path, durability: 'none', fingerprint: configFingerprint(config), snapshots: { everyCommands: 400, everyMs: 60_000, retain: 10 } } });
    const events = collectEvents(pipeline);
    const half = Math.floor(all.byteLength / COMMAND_SIZE / 2) * COMMAND_SIZE;
    await publishAll(pipeline, all.subarray(0, half));
    const watcher = openJournal({ path, config, durability: 'none' });
    for (let waitedMs = 0; new SnapshotStore(watcher, 10).list().length === 0; waitedMs += 10) {
      expect(waitedMs).toBeLessThan(90_000);
      watcher.store.refresh();
      await new Promise((r) => setTimeout(r, 10));
    }
    await watcher.close();
    await publishAll(pipeline, all.subarray(half));
    const report = await pipeline.stop();
    await events.done;
    const run = { hash: report.stateHash, lastSeq: report.lastSeq, snapshotsTaken: report.snapshots?.snapshots ?? 0 };
    expect(run.hash).toBe(expected.hash);
    expect(run.snapshotsTaken).toBeGreaterThanOrEqual(2);
    const env = openJournal({ path, config, durability: 'none' });
    const stored = new SnapshotStore(env, 10).list();
    expect(stored.length).toBe(Math.min(10, run.snapshotsTaken));
    expect(stored.at(-1)?.seq).toBe(run.lastSeq);
    const scratch = replayJournal({ env, config, fromScratch: true });
    const recovered = replayJournal({ env, config });
    await env.close();
    // From scratch, every stored snapshot's hash was reproduced on the way.
    expect(scratch.snapshotsVerified).toBe(stored.length);
    expect(recovered.snapshotSeq).toBe(run.lastSeq);
    expect(recovered.commandsApplied).toBe(0);
    expect(recovered.stateHash).toBe(expected.hash);
  });
});
