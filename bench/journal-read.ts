// Journal replay-read throughput: a journal of `commands`
// commands is written once with durability 'none' (NO FSYNC: this benchmark measures reads, and
// the file is thrown away), then read back by:
//
//   verified   JournalReader.groups(): one getRange over the group keys, each group checked
//              (length, format, CRC-32, key and sequences, SHA-256 chain) before it is yielded,
//              and the tail checked against the meta head: what replay does.
//   borrowed   JournalReader.groupsBorrowed(): the same checks on views of LMDB's map instead of
//              lmdb-js's copies (what the replay's reader thread reads).
//   raw        the store's bounded range reads with no checks: LMDB + lmdb-js's copy of each value, the floor.
//   direct     JournalReader.readCommand of random sequences: one reverse key lookup + one get
//              + a check of the whole group, per command (audit's access path).
//
//   npx tsx bench/journal-read.ts [--profile quick|full] [--commands 10000000] [--runs 3] ...

import path from 'node:path';
import { fillCommands, makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import { openJournalEnv } from '../journal/journal-env.js';
import { JournalReader } from '../journal/journal-reader.js';
import { JournalWriter, TXN_COMMANDS_MAX } from '../journal/journal-writer.js';
import { COMMAND_SIZE_BYTES, SEQ_FIRST } from '../journal/record-layout.js';
import { wholeParam, type Benchmark } from './lib/benchmark.js';
import { figure, type BenchParams, type BenchResult } from './lib/results.js';
import { runIfMain } from '../platform/run-main.js';
import { repeat } from './lib/stats.js';
import { standaloneMain } from './ring-bench-harness.js';

/** Groups per raw range read: the reader's own batch size, so raw is its floor. */
const RAW_READ_BATCH_GROUPS = 64;

function elapsedSecondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/** A deterministic sequence of sequence numbers in [0, bound) (xorshift32; no Math.random). */
function* randomSeqs(count: number, bound: number): Generator<number> {
  let state = 0x9e3779b9;
  for (let index = 0; index < count; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    yield (state >>> 0) % bound;
  }
}

async function runJournalRead(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const commands = wholeParam(params, 'commands', 1, 100_000_000);
  const runs = wholeParam(params, 'runs', 1, 50);
  const batchSize = wholeParam(params, 'batchSize', 1, TXN_COMMANDS_MAX);
  const directReads = wholeParam(params, 'directReads', 1, 1_000_000);
  const dir = makeTempDir('ordo-bench-journal-read-');
  // durability 'none': NO FSYNC, benchmark only; the reads do not depend on it.
  const env = openJournalEnv({ path: path.join(dir, 'journal'), durability: 'none', fingerprint: 'bench-read' });
  try {
    const writeStartNs = process.hrtime.bigint();
    const writer = JournalWriter.open(env);
    const batch = new Uint8Array(batchSize * COMMAND_SIZE_BYTES);
    for (let seq = 0; seq < commands; seq += batchSize) {
      const count = Math.min(batchSize, commands - seq);
      fillCommands(batch.subarray(0, count * COMMAND_SIZE_BYTES), seq, count);
      writer.append(batch.subarray(0, count * COMMAND_SIZE_BYTES), seq, count);
    }
    const writeSeconds = elapsedSecondsSince(writeStartNs);
    const reader = new JournalReader(env);
    const verified: number[] = [];
    const borrowed: number[] = [];
    const raw: number[] = [];
    const direct: number[] = [];
    await repeat(runs, () => {
      let startNs = process.hrtime.bigint();
      let read = 0;
      for (const group of reader.groups(SEQ_FIRST)) read += group.count;
      if (read !== commands) throw new Error(`verified read ${read} of ${commands} commands`);
      verified.push(commands / elapsedSecondsSince(startNs));
      startNs = process.hrtime.bigint();
      read = 0;
      for (const group of reader.groupsBorrowed(SEQ_FIRST)) read += group.count;
      if (read !== commands) throw new Error(`borrowed read ${read} of ${commands} commands`);
      borrowed.push(commands / elapsedSecondsSince(startNs));
      startNs = process.hrtime.bigint();
      let bytes = 0;
      for (let key: number | null = SEQ_FIRST, batches = 0; key !== null; batches++) {
        if (batches > commands) throw new Error('raw read: more batches than commands');
        const batch = env.store.readGroups(key, Number.MAX_SAFE_INTEGER, RAW_READ_BATCH_GROUPS);
        for (const { value } of batch) bytes += value.byteLength;
        key = batch.length < RAW_READ_BATCH_GROUPS ? null : (batch.at(-1)?.key ?? SEQ_FIRST) + 1;
      }
      raw.push(commands / elapsedSecondsSince(startNs));
      if (bytes < commands * COMMAND_SIZE_BYTES) throw new Error(`raw read ${bytes} bytes for ${commands} commands`);
      startNs = process.hrtime.bigint();
      for (const seq of randomSeqs(directReads, commands)) {
        if (reader.readCommand(seq) === null) throw new Error(`direct read of ${seq} found nothing`);
      }
      direct.push(directReads / elapsedSecondsSince(startNs));
    });
    return {
      name: journalRead.name,
      description: journalRead.description,
      params,
      durability: 'none',
      figures: {
        verifiedCommandsPerSecond: figure(verified, 'commands/s', 'higher'),
        verifiedBorrowedCommandsPerSecond: figure(borrowed, 'commands/s', 'higher'),
        rawRangeCommandsPerSecond: figure(raw, 'commands/s', 'higher'),
        directReadsPerSecond: figure(direct, 'reads/s', 'higher'),
        setupWriteNoneCommandsPerSecond: figure([commands / writeSeconds], 'commands/s', 'higher'),
      },
      latency: [],
      notes: [
        "The journal is written once with durability 'none' (NO FSYNC, benchmark only), then read from the page cache.",
        `Batches of ${batchSize} commands per transaction, groups of up to 8192 commands (1 MiB) per LMDB value.`,
        'verified: CRC-32 + SHA-256 chain + sequence checks on every group, as an inline replay reads; verifiedBorrowed: the same checks on views of ' +
          "LMDB's map (no per-group copy), as the replay's reader thread reads; raw: the store's range reads alone.",
      ],
      durationMs: Date.now() - startedMs,
    };
  } finally {
    await env.close();
    removeDir(dir);
  }
}

export const journalRead: Benchmark = {
  name: 'journal-read',
  description: 'Journal replay read: verified group reads (CRC + hash chain), copied and borrowed, raw range reads, and direct reads by sequence, of a journal written once.',
  defaults: {
    quick: { commands: 2_000_000, runs: 3, batchSize: 32_768, directReads: 500 },
    full: { commands: 10_000_000, runs: 5, batchSize: 32_768, directReads: 10_000 },
  },
  run: runJournalRead,
};

runIfMain(import.meta.url, (argv) => standaloneMain(journalRead, argv));
