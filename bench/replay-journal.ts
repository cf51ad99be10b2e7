// Replay of a journal: the standard order flow of
// `records` commands (plus the account creation at sequence 0) is compiled and written once to a
// fresh journal with JournalWriter, durability 'none' (NO FSYNC: the journal is only built here,
// and thrown away), then per run, on the main thread:
//
//   replay      replayJournal({ fromScratch: true }) (replay/recovery.ts): what start-up recovery
//               and `ordo replay` do: read every group (CRC-32, SHA-256 chain, sequences), apply
//               every command to a fresh core, state hash at the end. At these sizes the reading
//               and verifying runs on a second thread, overlapped with the applying (read 'auto').
//   replayInline  the same with read 'inline': reading, verifying and applying on one thread.
//   verify      verifyJournal (journal/verify.ts): the same reads and checks, nothing applied.
//   apply       the same commands applied to a fresh core from memory (no journal): the core's
//               share of a replay.
//   applyWithReadModel  the same, every event also into a read model (replay/read-model.ts):
//               the snapshot follower's work per command; then the read model's saved form
//               (read-model-codec.ts) as each snapshot writes it: its size and time.
//
//   journal (LMDB, page cache) ──groups, checked (reader thread)──▶ queue ──▶ MatchingEngine.apply ──▶ stateHash
//
// Every run's replay must reach the state hash of the direct apply: the paired check that the
// journal holds the flow, byte for byte, in order.
//
//   npx tsx bench/replay-journal.ts [--profile quick|full] [--records 10000000] [--runs 3] ...
//   node dist-bench/bench/suite.js --profile quick --only replay

import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../engine/assert.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { stateHash } from '../engine/engine-state.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import { compileOrderFlow, type CompiledOrderFlow } from '../engine/order-flow-runner.js';
import { makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import type { JournalEnv } from '../journal/journal-env.js';
import { JournalWriter, TXN_COMMANDS_MAX } from '../journal/journal-writer.js';
import { verifyJournal } from '../journal/verify.js';
import { NULL_SINK, openJournal, replayJournal, THREADED_READ_COMMANDS_MIN } from '../replay/recovery.js';
import { wholeParam, type Benchmark } from './lib/benchmark.js';
import { figure, type BenchParams, type BenchResult } from './lib/results.js';
import { runIfMain } from '../platform/run-main.js';
import { repeat } from './lib/stats.js';
import { generateOrderFlow } from '../loadgen/order-flow-gen.js';
import { BinaryEventWriter, ForwardingEventOutput } from '../engine/event-codec.js';
import { ReadModel } from '../replay/read-model.js';
import { encodeReadModel } from '../replay/read-model-codec.js';
import { standaloneMain } from './ring-bench-harness.js';

export const replay: Benchmark = {
  name: 'replay',
  description: 'Replay (read + verify + apply, replayJournal from scratch: reading and verifying on a second thread) of a journal of the standard order flow, commands/s; ' +
    'the same replay on one thread, read-only verification and the core applying the same commands from memory for comparison.',
  defaults: {
    quick: { records: 1_000_000, runs: 3, batchSize: TXN_COMMANDS_MAX, seed: 1 },
    full: { records: 10_000_000, runs: 3, batchSize: TXN_COMMANDS_MAX, seed: 1 },
  },
  run: runReplay,
};

/** LMDB pages, group headers (and a raw baseline file beside): generous, it is only a check. */
const DISK_BYTES_PER_COMMAND = 2 * COMMAND_SIZE;
const DISK_SLACK_BYTES = 1 << 30;

function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/** Free space where journals go (statfs, as df) must cover `commands` journaled commands. */
export function assertDiskRoom(dir: string, commands: number): void {
  const stat = fs.statfsSync(dir);
  const freeBytes = stat.bavail * stat.bsize;
  const neededBytes = commands * DISK_BYTES_PER_COMMAND + DISK_SLACK_BYTES;
  if (freeBytes < neededBytes) throw new Error(`${dir}: ${(freeBytes / 2 ** 30).toFixed(1)} GiB free, journals of ${commands} commands need ${(neededBytes / 2 ** 30).toFixed(1)} GiB`);
}

/** Appends every compiled command (sequence 0 first) in transactions of `batchSize`. */
function writeJournal(env: JournalEnv, flow: CompiledOrderFlow, batchSize: number): void {
  const writer = JournalWriter.open(env);
  const commands = flow.records + 1;
  const bytes = new Uint8Array(flow.commands.buffer, flow.commands.byteOffset, commands * COMMAND_SIZE);
  // Bounded: every turn appends at least one command.
  for (let seq = 0; seq < commands; seq += batchSize) {
    const count = Math.min(batchSize, commands - seq);
    writer.append(bytes.subarray(seq * COMMAND_SIZE, (seq + count) * COMMAND_SIZE), seq, count);
  }
  assert(writer.seqCommitted() === flow.records, `journal ends at ${writer.seqCommitted()}, the flow at ${flow.records}`);
}

/**
 * The flow's commands applied to a fresh core from memory: seconds of the applying alone, and
 * apart from it the two steps a replay also takes, building the core and its final state hash.
 */
function applyDirect(flow: CompiledOrderFlow): { seconds: number; buildSeconds: number; hashSeconds: number; hash: string } {
  let startNs = process.hrtime.bigint();
  const engine = new MatchingEngine(flow.config, NULL_SINK);
  const buildSeconds = secondsSince(startNs);
  const v = flow.commands;
  const end = (flow.records + 1) * COMMAND_SIZE;
  startNs = process.hrtime.bigint();
  for (let offset = 0; offset < end; offset += COMMAND_SIZE) engine.apply(v, offset);
  const seconds = secondsSince(startNs);
  assert(engine.lastSeq === flow.records, `direct apply ended at ${engine.lastSeq}`);
  startNs = process.hrtime.bigint();
  const hash = stateHash(engine);
  return { seconds, buildSeconds, hashSeconds: secondsSince(startNs), hash };
}

/** The flow applied with every event into a read model, as the snapshot follower does; then its saved form. */
function applyWithReadModel(flow: CompiledOrderFlow): { seconds: number; encodeSeconds: number; savedBytes: number; hash: string } {
  const model = new ReadModel();
  const engine = new MatchingEngine(flow.config, new BinaryEventWriter(new ForwardingEventOutput((ev) => model.apply(ev))));
  const v = flow.commands;
  const end = (flow.records + 1) * COMMAND_SIZE;
  let startNs = process.hrtime.bigint();
  for (let offset = 0; offset < end; offset += COMMAND_SIZE) engine.apply(v, offset);
  const seconds = secondsSince(startNs);
  startNs = process.hrtime.bigint();
  const saved = encodeReadModel(model.exportState());
  return { seconds, encodeSeconds: secondsSince(startNs), savedBytes: saved.byteLength, hash: stateHash(engine) };
}

async function runReplay(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const records = wholeParam(params, 'records', 1, 20_000_000);
  const runs = wholeParam(params, 'runs', 1, 50);
  const batchSize = wholeParam(params, 'batchSize', 1, TXN_COMMANDS_MAX);
  const commands = records + 1;
  const dir = makeTempDir('ordo-bench-replay-');
  try {
    assertDiskRoom(dir, commands);
    let startNs = process.hrtime.bigint();
    const file = generateOrderFlow({ count: records, seed: wholeParam(params, 'seed', 0, Number.MAX_SAFE_INTEGER) });
    const flow = compileOrderFlow(new DataView(file.buffer, file.byteOffset, file.byteLength));
    const compileSeconds = secondsSince(startNs);
    const journalPath = path.join(dir, 'journal');
    // durability 'none': NO FSYNC, benchmark only; the journal is read back from the page cache.
    const writeEnv = openJournal({ path: journalPath, config: flow.config, durability: 'none' });
    startNs = process.hrtime.bigint();
    try {
      writeJournal(writeEnv, flow, batchSize);
    } finally {
      await writeEnv.close();
    }
    const writeSeconds = secondsSince(startNs);
    const env = openJournal({ path: journalPath, config: flow.config, durability: 'none' });
    try {
      const reference = applyDirect(flow); // also the core's warm-up
      const replayed: number[] = [];
      const replayedInline: number[] = [];
      const verified: number[] = [];
      const applied: number[] = [];
      const withReadModel: number[] = [];
      const encodeMs: number[] = [];
      let savedBytes = 0;
      const buildMs: number[] = [];
      const hashMs: number[] = [];
      await repeat(runs, () => {
        let runStartNs = process.hrtime.bigint();
        const result = replayJournal({ env, config: flow.config, fromScratch: true });
        replayed.push(commands / secondsSince(runStartNs));
        assert(result.commandsApplied === commands && result.lastSeq === records, `replay applied ${result.commandsApplied} commands up to ${result.lastSeq}`);
        assert(result.stateHash === reference.hash, `replay reached ${result.stateHash}, the direct apply ${reference.hash}`);
        runStartNs = process.hrtime.bigint();
        const inline = replayJournal({ env, config: flow.config, fromScratch: true, read: 'inline' });
        replayedInline.push(commands / secondsSince(runStartNs));
        assert(inline.stateHash === reference.hash, `inline replay reached ${inline.stateHash}, the direct apply ${reference.hash}`);
        runStartNs = process.hrtime.bigint();
        const verify = verifyJournal(env);
        verified.push(commands / secondsSince(runStartNs));
        if (!verify.ok) throw verify.error;
        assert(verify.commands === commands, `verify read ${verify.commands} of ${commands} commands`);
        const direct = applyDirect(flow);
        applied.push(commands / direct.seconds);
        buildMs.push(direct.buildSeconds * 1000);
        hashMs.push(direct.hashSeconds * 1000);
        assert(direct.hash === reference.hash, 'direct applies agree');
        const modelled = applyWithReadModel(flow);
        withReadModel.push(commands / modelled.seconds);
        encodeMs.push(modelled.encodeSeconds * 1000);
        savedBytes = modelled.savedBytes;
        assert(modelled.hash === reference.hash, 'the apply with a read model agrees');
      });
      return {
        name: replay.name,
        description: replay.description,
        params,
        durability: 'none',
        figures: {
          replayCommandsPerSecond: figure(replayed, 'commands/s', 'higher'),
          replayInlineCommandsPerSecond: figure(replayedInline, 'commands/s', 'higher'),
          verifyOnlyCommandsPerSecond: figure(verified, 'commands/s', 'higher'),
          applyFromMemoryCommandsPerSecond: figure(applied, 'commands/s', 'higher'),
          replayOverApplyRatio: figure(replayed.map((r, i) => r / (applied[i] as number)), 'ratio', 'higher'),
          applyWithReadModelCommandsPerSecond: figure(withReadModel, 'commands/s', 'higher'),
          readModelOverApplyRatio: figure(withReadModel.map((r, i) => r / (applied[i] as number)), 'ratio', 'higher'),
          readModelSaveMs: figure(encodeMs, 'ms', 'lower'),
          coreBuildMs: figure(buildMs, 'ms', 'lower'),
          stateHashMs: figure(hashMs, 'ms', 'lower'),
          setupWriteNoneCommandsPerSecond: figure([commands / writeSeconds], 'commands/s', 'higher'),
        },
        latency: [],
        notes: [
          `A journal of ${commands} commands (the flow's ${records} and the account creation), ${(commands * COMMAND_SIZE / 2 ** 20).toFixed(0)} MiB of commands, ` +
            `written once with durability 'none' (NO FSYNC, benchmark only; replay only reads, from the page cache) in transactions of ${batchSize}.`,
          'replay: replayJournal from scratch (snapshots ignored; none exist): verified group reads (CRC-32, SHA-256 chain, sequences) ' +
            `on a reader thread (from ${THREADED_READ_COMMANDS_MIN} commands on; its start is inside the timing), handed over through a bounded queue, ` +
            'and MatchingEngine.apply of every command on the main thread, events discarded, state hash at the end; every run equals the direct apply\'s hash ' +
            `${reference.hash}. replayInline: the same on the main thread alone.`,
          'verifyOnly: verifyJournal, the same reads (borrowed from lmdb-js, no copy per group, as the replay\'s) and checks without applying. applyFromMemory: the compiled commands applied to a fresh core, no journal.',
          'coreBuildMs and stateHashMs: building the core (new MatchingEngine for this configuration) and its state hash after the flow, timed apart in the direct apply: ' +
            'a replay takes both inside its timing, applyFromMemory neither, so they bound replayOverApplyRatio below 1 whatever the reading costs.',
          `applyWithReadModel: the direct apply with every event encoded, decoded and applied to a read model (default windows: 100,000 finished orders and 200,000 fills in all, 10,000 of each per account): the snapshot follower's work per command. readModelSaveMs: its saved form at the end (${(savedBytes / 2 ** 20).toFixed(1)} MiB), which every snapshot writes beside the state.`,
          `Setup (not timed in the figures): generate + compile ${compileSeconds.toFixed(1)} s, journal write ${writeSeconds.toFixed(1)} s.`,
        ],
        durationMs: Date.now() - startedMs,
      };
    } finally {
      await env.close();
    }
  } finally {
    removeDir(dir);
  }
}

runIfMain(import.meta.url, (argv) => standaloneMain(replay, argv));
