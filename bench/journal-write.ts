// Journal group-commit throughput: JournalWriter.append of batches of 128-byte
// commands, one transaction per batch (of up to 4 groups of 8192), in both durability modes, with the disk's own limit
// measured in the same run:
//
//   fsync            JournalWriter in 'fsync' mode: transactionSync, returns after fdatasync +
//                    the O_DSYNC meta write (journal/lmdb-journal-store.ts).
//   rawFdatasync     fs.writeSync of the same bytes (header + commands) to a plain file, then
//                    fs.fdatasyncSync: one flush per batch, the floor any durable journal pays.
//   asyncFlushed     lmdb-js's idiomatic path, for comparison: async put of the sealed group
//                    (lmdb-js default overlappingSync), then `await db.flushed`.
//   none             JournalWriter in 'none' mode: NO FSYNC, TESTS AND BENCHMARKS ONLY; the CPU
//                    and LMDB cost without the disk.
//
// The clock runs only around the append (or write+flush) calls: filling the next batch's
// sequence numbers stands for the ring producer and is not the journal's cost.
//
//   npx tsx bench/journal-write.ts [--profile quick|full] [--durability fsync|none] [--batchSizes 256,1024,4096] ...

import fs from 'node:fs';
import path from 'node:path';
import { writeI64 } from '../engine/int64.js';
import { fillCommands, makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import { sealGroup } from '../journal/group-codec.js';
import { openJournalEnv, type Durability } from '../journal/journal-env.js';
import { openLmdbAsyncProbe } from '../journal/lmdb-async-probe.js';
import { JournalWriter, TXN_COMMANDS_MAX } from '../journal/journal-writer.js';
import { COMMAND_SEQ_OFFSET, COMMAND_SIZE_BYTES, GROUP_COMMANDS_MAX, GROUP_COMMANDS_OFFSET, groupBytes } from '../journal/record-layout.js';
import { stringParam, wholeListParam, wholeParam, type Benchmark } from './lib/benchmark.js';
import { figure, type BenchParams, type BenchResult, type Figure } from './lib/results.js';
import { runIfMain } from '../platform/run-main.js';
import { repeat } from './lib/stats.js';
import { standaloneMain } from './ring-bench-harness.js';

/** A batch buffer whose sequence fields are rewritten for each batch, like ring slots reused. */
class BatchSource {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(batchSize: number) {
    this.bytes = new Uint8Array(batchSize * COMMAND_SIZE_BYTES);
    this.view = new DataView(this.bytes.buffer);
    fillCommands(this.bytes, 0, batchSize);
  }

  /** Relabels the slots as sequences firstSeq.. (≈5 ns a command, outside the clock). */
  label(firstSeq: number, count: number): Uint8Array {
    for (let index = 0; index < count; index++) writeI64(this.view, index * COMMAND_SIZE_BYTES + COMMAND_SEQ_OFFSET, firstSeq + index);
    return this.bytes.subarray(0, count * COMMAND_SIZE_BYTES);
  }
}

export interface RunFigures {
  commandsPerSecond: number;
  commitMsMean: number;
}

function runFigures(commands: number, batches: number, elapsedNs: number): RunFigures {
  return { commandsPerSecond: (commands * 1e9) / elapsedNs, commitMsMean: elapsedNs / 1e6 / batches };
}

/** JournalWriter.append of `commands` in batches of `batchSize`, in a fresh journal. */
function runWriter(durability: Durability, commands: number, batchSize: number): RunFigures {
  const dir = makeTempDir('ordo-bench-journal-');
  // durability 'none' (when given) is the benchmark's no-fsync mode, reported as such.
  const env = openJournalEnv({ path: path.join(dir, 'journal'), durability, fingerprint: 'bench' });
  try {
    const writer = JournalWriter.open(env);
    const source = new BatchSource(batchSize);
    let elapsedNs = 0;
    let batches = 0;
    for (let seq = 0; seq < commands; seq += batchSize) {
      const count = Math.min(batchSize, commands - seq);
      const batch = source.label(seq, count);
      const startNs = process.hrtime.bigint();
      writer.append(batch, seq, count);
      elapsedNs += Number(process.hrtime.bigint() - startNs);
      batches += 1;
    }
    if (writer.seqCommitted() !== commands - 1) throw new Error(`journal ends at ${writer.seqCommitted()}, expected ${commands - 1}`);
    return runFigures(commands, batches, elapsedNs);
  } finally {
    void env.close();
    removeDir(dir);
  }
}

/**
 * The same bytes per batch appended to a plain file, each batch followed by fdatasync (also the
 * disk's limit in bench/durable-pipeline.ts).
 */
export function runRawFdatasync(commands: number, batchSize: number): RunFigures {
  const dir = makeTempDir('ordo-bench-raw-');
  const fd = fs.openSync(path.join(dir, 'raw.bin'), 'w');
  try {
    const source = new BatchSource(batchSize);
    const record = Buffer.alloc(groupBytes(batchSize));
    let elapsedNs = 0;
    let batches = 0;
    for (let seq = 0; seq < commands; seq += batchSize) {
      const count = Math.min(batchSize, commands - seq);
      record.set(source.label(seq, count), GROUP_COMMANDS_OFFSET);
      const startNs = process.hrtime.bigint();
      fs.writeSync(fd, record, 0, groupBytes(count));
      fs.fdatasyncSync(fd);
      elapsedNs += Number(process.hrtime.bigint() - startNs);
      batches += 1;
    }
    return runFigures(commands, batches, elapsedNs);
  } finally {
    fs.closeSync(fd);
    removeDir(dir);
  }
}

/** lmdb-js's async path: put the sealed group, then await `flushed` (durable) before the next. */
async function runAsyncFlushed(commands: number, batchSize: number): Promise<RunFigures> {
  const dir = makeTempDir('ordo-bench-async-');
  const probe = openLmdbAsyncProbe(path.join(dir, 'journal')); // lmdb-js defaults: overlappingSync on
  try {
    const source = new BatchSource(batchSize);
    let prevHash: Uint8Array = Buffer.alloc(32);
    let elapsedNs = 0;
    let batches = 0;
    for (let seq = 0; seq < commands; seq += batchSize) {
      const count = Math.min(batchSize, commands - seq);
      const batch = source.label(seq, count);
      const startNs = process.hrtime.bigint();
      const value = Buffer.alloc(groupBytes(count)); // the async put reads it later: a fresh buffer
      value.set(batch, GROUP_COMMANDS_OFFSET);
      prevHash = sealGroup(value, seq, count, prevHash);
      probe.put(seq, value);
      await probe.flushed(); // the put's own promise resolves on commit, before the flush
      elapsedNs += Number(process.hrtime.bigint() - startNs);
      batches += 1;
    }
    return runFigures(commands, batches, elapsedNs);
  } finally {
    await probe.close();
    removeDir(dir);
  }
}

function suffixed(figures: Record<string, Figure>, prefix: string, batchSize: number, runs: readonly RunFigures[]): void {
  figures[`${prefix}CommandsPerSecondB${batchSize}`] = figure(runs.map((run) => run.commandsPerSecond), 'commands/s', 'higher');
  figures[`${prefix}CommitMsMeanB${batchSize}`] = figure(runs.map((run) => run.commitMsMean), 'ms', 'lower');
}

function makeRun(durability: Durability) {
  return async function run(params: BenchParams): Promise<BenchResult> {
    const startedMs = Date.now();
    const runs = wholeParam(params, 'runs', 1, 50);
    const batchSizes = wholeListParam(params, 'batchSizes', 1, TXN_COMMANDS_MAX);
    const commandsPerRun = wholeParam(params, 'commandsPerRun', 1, 100_000_000);
    const variants = stringParam(params, 'variants').split(',');
    const figures: Record<string, Figure> = {};
    runWriter(durability, Math.min(commandsPerRun, 100_000), batchSizes[0] ?? 1024); // warm-up, unrecorded
    for (const batchSize of batchSizes) {
      // Runs alternate between variants, so a noisy neighbour hits each of them alike.
      const writer: RunFigures[] = [];
      const raw: RunFigures[] = [];
      const asyncFlushed: RunFigures[] = [];
      await repeat(runs, async () => {
        writer.push(runWriter(durability, commandsPerRun, batchSize));
        if (variants.includes('raw')) raw.push(runRawFdatasync(commandsPerRun, batchSize));
        // One sealed group per async put: only batches that fit one group.
        if (variants.includes('async') && batchSize <= GROUP_COMMANDS_MAX) asyncFlushed.push(await runAsyncFlushed(commandsPerRun, batchSize));
      });
      suffixed(figures, durability, batchSize, writer);
      if (raw.length > 0) suffixed(figures, 'rawFdatasync', batchSize, raw);
      if (asyncFlushed.length > 0) suffixed(figures, 'asyncFlushed', batchSize, asyncFlushed);
    }
    const bench = durability === 'fsync' ? journalWriteFsync : journalWriteNone;
    return {
      name: bench.name,
      description: bench.description,
      params,
      durability,
      figures,
      latency: [],
      notes: [
        durability === 'none'
          ? "durability 'none': NO FSYNC (benchmarks and tests only); measures CPU + LMDB without the disk."
          : "durability 'fsync': each append returns after fdatasync of the data file and the O_DSYNC meta-page write.",
        `One transaction per batch, split into groups of up to ${GROUP_COMMANDS_MAX} commands; the clock covers only append (stage copy, CRC + SHA-256 seal, commit, read-back check).`,
        'rawFdatasync: the same bytes per batch appended to a plain file with one fdatasync each: the disk\'s floor.',
        'asyncFlushed: lmdb-js async put (overlappingSync) + await db.flushed, one batch in flight.',
      ],
      durationMs: Date.now() - startedMs,
    };
  };
}

export const journalWriteFsync: Benchmark = {
  name: 'journal-write-fsync',
  description: 'Journal group commit, durability fsync: JournalWriter.append commands/s by batch size, with a raw write+fdatasync baseline and lmdb-js async put + flushed.',
  defaults: {
    quick: { runs: 3, batchSizes: '1024,8192,32768', commandsPerRun: 300_000, variants: 'raw' },
    full: { runs: 5, batchSizes: '256,1024,4096,8192,16384,32768', commandsPerRun: 1_000_000, variants: 'raw,async' },
  },
  run: makeRun('fsync'),
};

export const journalWriteNone: Benchmark = {
  name: 'journal-write-none',
  description: "Journal group commit, durability none (NO FSYNC, benchmark only): JournalWriter.append commands/s by batch size.",
  defaults: {
    quick: { runs: 3, batchSizes: '1024,32768', commandsPerRun: 500_000, variants: '' },
    full: { runs: 5, batchSizes: '256,1024,4096,8192,32768', commandsPerRun: 4_000_000, variants: '' },
  },
  run: makeRun('none'),
};

runIfMain(import.meta.url, (argv) => {
  // --durability picks which of the two benchmarks runs alone; the rest goes to standaloneMain.
  const index = argv.indexOf('--durability');
  const durability = index >= 0 ? argv[index + 1] : 'fsync';
  const rest = index >= 0 ? [...argv.slice(0, index), ...argv.slice(index + 2)] : argv;
  if (durability !== 'fsync' && durability !== 'none') throw new Error(`--durability fsync|none, got ${String(durability)}`);
  return standaloneMain(durability === 'fsync' ? journalWriteFsync : journalWriteNone, rest);
});
