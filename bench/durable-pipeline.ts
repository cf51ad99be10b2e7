// The durable pipeline: the standard order flow
// through the whole threaded pipeline with the journal ahead of the core, so a command's result
// event is its durable acknowledgement in 'fsync' mode (the core applies only what is committed):
//
//   producer worker ──input ring──▶ journal worker ──seqJournaled──▶ core worker ──output ring──▶ main thread
//        │                          group commit, fdatasync                                    ▲
//        └──── intended send time by position (SharedArrayBuffer) ──────────────────────────────┘
//
// Throughput: the flow published as fast as the input ring accepts, commands/s from the first
// claim to the last result event on the main thread. Per run, one lap through each of three
// pipelines alive side by side, so noise hits them alike:
//
//   fsync        the journal in 'fsync' mode: the durable figure.
//   none         the journal in 'none' mode: NO FSYNC, BENCHMARK ONLY; the journal thread's CPU
//                and LMDB cost without the disk.
//   noJournal    the same pipeline without a journal (pipeline-throughput.ts): the ceiling a
//                durable pipeline cannot beat on the same machine in the same run.
//
// and, on the main thread, the core in-process (no rings) and the disk's own limit: the same
// number of 128-byte records appended to a plain file with one write + fdatasync per batch
// (journal-write.ts runRawFdatasync), at the fsync lap's mean commit size and at the largest
// transaction the journal commits (TXN_COMMANDS_MAX).
//
// Latency, open loop (lib/open-loop.ts): at each offered rate, from each command's intended send
// time to its durable result event handled on the main thread; percentiles from the bench/lib
// HdrHistogram, each the median over runs with min and max. The no-journal pipeline at the
// `compareRates` gives what the journal adds.
//
//   npx tsx bench/durable-pipeline.ts [--profile quick|full] [--runs 3] [--rates 10000,100000] ...
//   node dist-bench/bench/suite.js --profile quick --only durable-pipeline

import { hrtime } from 'node:process';
import path from 'node:path';
import { assert } from '../engine/assert.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { runOrderFlowPass } from '../engine/order-flow-runner.js';
import { makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import type { Durability } from '../journal/journal-env.js';
import { JOURNAL_STATS_BUCKETS, JOURNAL_STATS_COMMANDS, JOURNAL_STATS_COMMITS } from '../runtime/journal-worker.js';
import { TXN_COMMANDS_MAX } from '../journal/journal-writer.js';
import { runRawFdatasync } from './journal-write.js';
import { stringParam, wholeListParam, wholeParam, type Benchmark } from './lib/benchmark.js';
import { LATENCY_PERCENTILE_NAMES, LatencyHistogram } from '../loadgen/histogram.js';
import { figure, latencyAtRate, percentileLabel, type BenchParams, type BenchResult, type Figure, type LatencyAtRate, type LatencyRun } from './lib/results.js';
import { runIfMain } from '../platform/run-main.js';
import { describeWaits, PIPELINE_PARAMS_COMMON, PipelineBench, pipelineParams, sharedOrderFlow, type PipelineBenchOptions } from './pipeline-bench-harness.js';
import { assertDiskRoom } from './replay-journal.js';
import { standaloneMain, waitStrategyParam } from './ring-bench-harness.js';

/**
 * The pipeline benchmarks' parameters (waits chosen there), but an input ring of 2 ×
 * TXN_COMMANDS_MAX slots: the journal drains at most the ring, and while one batch commits the
 * producer can only fill what the core has passed, so a 4096-slot ring caps commits near 2K
 * commands and fsync throughput with them. Measured on the loaded 2-core machine (3 runs, median
 * [min-max]): 4096 slots 155K/s [133-246K] at ~1.8K commands per commit; 16384 453K/s
 * [304-460K]; 65536 369K/s [323-457K] at ~7K per commit, with the noJournal ceiling at
 * 394K-626K/s in the same runs: from 16K slots on, fsync comes within the noise of 'none'.
 */
const COMMON = {
  ...PIPELINE_PARAMS_COMMON,
  inputSlots: 2 * TXN_COMMANDS_MAX,
  producerSpinNs: 0,
  // engine/pipeline.ts JOURNAL_GATE_WAIT_DEFAULT; 'hybrid' spins `spinIterations` first.
  journalGateWait: 'blocking',
};

export const durablePipeline: Benchmark = {
  name: 'durable-pipeline',
  description: 'Standard order flow through producer worker → input ring → journal worker (group commit, fdatasync) → core worker → ' +
    'output ring → main thread: commands/s (fsync; none and no journal as comparisons; raw write+fdatasync as the disk\'s limit) and ' +
    'open-loop latency from intended send time to the durable result event.',
  defaults: {
    quick: { ...COMMON, records: 300_000, runs: 3, rates: '10000,100000', latencyRuns: 3, runMs: 1000, compareRates: '100000' },
    full: { ...COMMON, records: 500_000, runs: 5, rates: '10000,100000,200000,400000,1000000', latencyRuns: 5, runMs: 1000, compareRates: '10000,100000' },
  },
  run: runDurablePipeline,
};

/** The raw baseline at a latency rate's commit size: this many commits at most. */
const RAW_LATENCY_COMMITS_MAX = 500;

/** Commits of one lap, from the journal worker's live statistics (journal-worker.ts JOURNAL_STATS_*). */
interface Commits {
  commits: number;
  commands: number;
  /** Commits of at most 2^index commands (and more than 2^(index − 1)). */
  buckets: number[];
}

function readCommits(stats: Float64Array): Commits {
  return {
    commits: stats[JOURNAL_STATS_COMMITS] ?? 0,
    commands: stats[JOURNAL_STATS_COMMANDS] ?? 0,
    buckets: Array.from({ length: JOURNAL_STATS_BUCKETS }, (_, i) => stats[i] ?? 0),
  };
}

function commitsSince(before: Commits, after: Commits): Commits {
  return {
    commits: after.commits - before.commits,
    commands: after.commands - before.commands,
    buckets: after.buckets.map((n, i) => n - (before.buckets[i] ?? 0)),
  };
}

function addCommits(total: Commits, lap: Commits): void {
  total.commits += lap.commits;
  total.commands += lap.commands;
  lap.buckets.forEach((n, i) => (total.buckets[i] = (total.buckets[i] ?? 0) + n));
}

function noCommits(): Commits {
  return { commits: 0, commands: 0, buckets: new Array<number>(JOURNAL_STATS_BUCKETS).fill(0) };
}

/** "1: 12, 2: 30, 3-4: 81, ..." (commands per commit: commits), empty buckets left out. */
function formatBuckets(commits: Commits): string {
  const parts: string[] = [];
  commits.buckets.forEach((n, i) => {
    if (n === 0) return;
    const hi = 2 ** i;
    const lo = i === 0 ? 1 : 2 ** (i - 1) + 1;
    parts.push(`${lo === hi ? hi : `${lo}-${i === JOURNAL_STATS_BUCKETS - 1 ? '' : hi}`}: ${n}`);
  });
  return `${parts.join(', ')} (${commits.commits} commits, ${(commits.commands / Math.max(1, commits.commits)).toFixed(1)} commands each on average)`;
}

/** One pipeline of the benchmark and how its laps' commits are read. */
interface Variant {
  bench: PipelineBench;
  durability: Durability | null;
}

async function startVariant(base: Omit<PipelineBenchOptions, 'lapCounts'>, lapCounts: number[], dir: string, durability: Durability | null): Promise<Variant> {
  // durability 'none' (when given) is the comparison without fdatasync, reported as such.
  const journal = durability === null ? null : { path: path.join(dir, `journal-${durability}`), durability };
  return { bench: await PipelineBench.start({ ...base, lapCounts, journal }), durability };
}

interface LapFigures {
  commandsPerSecond: number;
  commits: Commits;
  fullWaits: number;
  symbolId: number;
}

/** One lap of `count` commands, as fast as the ring accepts (or open loop, into `histogram`). */
async function runLap(variant: Variant, count: number, params: LapParams, ratePerSecond: number | null, histogram: LatencyHistogram | null): Promise<LapFigures> {
  const stats = variant.bench.pipeline.journalStats;
  const before = readCommits(stats);
  const type = ratePerSecond === null ? 'throughput' : 'open-loop';
  const lap = await variant.bench.lap({ type, count, claimMax: params.claimMax, ratePerSecond: ratePerSecond ?? 1, spinNs: params.spinNs }, histogram);
  // The last result was handled: the core applied it, so the journal had committed it, and its
  // statistics (stored before the release the core waited on) are this lap's, complete.
  const commits = commitsSince(before, readCommits(stats));
  assert(variant.durability === null || commits.commands === count, `journal committed ${commits.commands} of the lap's ${count} commands`);
  if (histogram !== null) assert(histogram.count === count, `${histogram.count} latencies for ${count} commands`);
  const elapsedNs = lap.lastResultNs - lap.report.startNs;
  assert(elapsedNs > 0, 'the last result comes after the lap starts');
  return { commandsPerSecond: (count * 1e9) / elapsedNs, commits, fullWaits: lap.report.fullWaits, symbolId: lap.symbolId };
}

interface LapParams {
  claimMax: number;
  spinNs: number;
}

interface Plan {
  records: number;
  runs: number;
  rates: number[];
  latencyRuns: number;
  compareRates: number[];
  countAt: (rate: number) => number;
  lap: LapParams;
}

function planOf(params: BenchParams): Plan {
  const records = wholeParam(params, 'records', 1, 5_000_000);
  const runMs = wholeParam(params, 'runMs', 1, 600_000);
  const rates = wholeListParam(params, 'rates', 1, 9_000_000);
  const compareRates = wholeListParam(params, 'compareRates', 1, 9_000_000);
  for (const list of [rates, compareRates]) {
    list.forEach((rate, i) => {
      if (i > 0 && rate <= (list[i - 1] as number)) throw new Error('rates must be ascending');
    });
  }
  return {
    records,
    runs: wholeParam(params, 'runs', 1, 100),
    rates,
    latencyRuns: wholeParam(params, 'latencyRuns', 1, 100),
    compareRates,
    countAt: (rate) => Math.max(1, Math.min(records, Math.floor((rate * runMs) / 1000))),
    lap: { claimMax: wholeParam(params, 'claimMax', 1, 65_536), spinNs: wholeParam(params, 'producerSpinNs', 0, Number.MAX_SAFE_INTEGER) },
  };
}

async function runDurablePipeline(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const plan = planOf(params);
  const { flow, shared } = sharedOrderFlow(plan.records, wholeParam(params, 'seed', 0, Number.MAX_SAFE_INTEGER));
  const throughputLaps = Array.from({ length: plan.runs + 1 }, () => plan.records);
  const latencyLaps = (rates: number[]): number[] => rates.flatMap((rate) => Array.from({ length: plan.latencyRuns }, () => plan.countAt(rate)));
  const fsyncLaps = [...throughputLaps, ...latencyLaps(plan.rates)];
  const dir = makeTempDir('ordo-bench-durable-');
  const variants: Variant[] = [];
  try {
    assertDiskRoom(dir, fsyncLaps.reduce((a, b) => a + b, 0) + throughputLaps.reduce((a, b) => a + b, 0));
    const journalGateWait = waitStrategyParam(stringParam(params, 'journalGateWait'), wholeParam(params, 'spinIterations', 0, 1e9));
    const base = { flow, shared, ...pipelineParams(params), journalGateWait };
    const fsync = await startVariant(base, fsyncLaps, dir, 'fsync');
    variants.push(fsync);
    const none = await startVariant(base, throughputLaps, dir, 'none');
    variants.push(none);
    const bare = await startVariant(base, [...throughputLaps, ...latencyLaps(plan.compareRates)], dir, null);
    variants.push(bare);
    const throughput = await measureThroughput(plan, { fsync, none, bare }, flow);
    const latency = await measureLatency(plan, fsync, bare);
    // One by one: if a stop fails, the pipelines not yet stopped are left to the finally below.
    for (let variant = variants.shift(); variant !== undefined; variant = variants.shift()) await variant.bench.stop();
    // Once stopped every event is handled: every full-length lap traded as the flow does in-process.
    for (const { bench, symbolId } of throughput.laps) {
      const trades = bench.tally.tradesBySymbol[symbolId];
      assert(trades === throughput.trades, `lap on symbol ${symbolId} traded ${String(trades)} times, in-process ${throughput.trades}`);
    }
    return {
      name: durablePipeline.name,
      description: durablePipeline.description,
      params,
      durability: 'fsync',
      figures: { ...throughput.figures, ...latency.figures },
      latency: latency.fsync,
      notes: [...notesOf(params, plan), ...throughput.notes, ...latency.notes],
      durationMs: Date.now() - startedMs,
    };
  } finally {
    for (const variant of variants) await variant.bench.stop().catch(() => {});
    removeDir(dir);
  }
}

interface Throughput {
  figures: Record<string, Figure>;
  notes: string[];
  laps: Array<{ bench: PipelineBench; symbolId: number }>;
  trades: number;
}

/** Per run: a lap through each pipeline, the core in-process, and the raw disk baseline. */
async function measureThroughput(plan: Plan, v: { fsync: Variant; none: Variant; bare: Variant }, flow: PipelineBenchOptions['flow']): Promise<Throughput> {
  const count = plan.records;
  const order = [v.fsync, v.none, v.bare];
  // Warm-up, not recorded: every thread's JIT, and LMDB's files.
  for (const variant of order) await runLap(variant, count, plan.lap, null, null);
  const reference = runOrderFlowPass(flow, hrtime.bigint).summary;
  const laps: Throughput['laps'] = [];
  const rows: Record<string, number[]> = {};
  const push = (name: string, value: number): void => void (rows[name] ??= []).push(value);
  const fsyncCommits = noCommits();
  const noneCommits = noCommits();
  for (let run = 0; run < plan.runs; run++) {
    const [fsync, none, bare] = [await runLap(v.fsync, count, plan.lap, null, null), await runLap(v.none, count, plan.lap, null, null), await runLap(v.bare, count, plan.lap, null, null)];
    laps.push({ bench: v.fsync.bench, symbolId: fsync.symbolId }, { bench: v.none.bench, symbolId: none.symbolId }, { bench: v.bare.bench, symbolId: bare.symbolId });
    addCommits(fsyncCommits, fsync.commits);
    addCommits(noneCommits, none.commits);
    const pass = runOrderFlowPass(flow, hrtime.bigint);
    assert(pass.summary.trades === reference.trades && pass.summary.checksum === reference.checksum, 'in-process passes agree');
    const batchMean = fsync.commits.commands / fsync.commits.commits;
    const rawSame = runRawFdatasync(count, Math.max(1, Math.min(TXN_COMMANDS_MAX, Math.round(batchMean))));
    const rawLargest = runRawFdatasync(count, TXN_COMMANDS_MAX);
    push('fsyncCommandsPerSecond', fsync.commandsPerSecond);
    push('noneNoFsyncCommandsPerSecond', none.commandsPerSecond);
    push('noJournalCommandsPerSecond', bare.commandsPerSecond);
    push('coreInProcessCommandsPerSecond', (count * 1e9) / Math.max(1, pass.elapsedNs));
    push('rawFdatasyncSameBatchesCommandsPerSecond', rawSame.commandsPerSecond);
    push(`rawFdatasyncB${TXN_COMMANDS_MAX}CommandsPerSecond`, rawLargest.commandsPerSecond);
    push('fsyncOverNoJournalRatio', fsync.commandsPerSecond / bare.commandsPerSecond);
    push('fsyncCommandsPerCommit', batchMean);
    push('fsyncCommitMsMean', (count * 1e3) / fsync.commandsPerSecond / fsync.commits.commits);
    push('rawFdatasyncSameBatchesCommitMsMean', rawSame.commitMsMean);
    push('noneCommandsPerCommit', none.commits.commands / none.commits.commits);
    push('fsyncProducerFullWaits', fsync.fullWaits);
    push('noJournalProducerFullWaits', bare.fullWaits);
  }
  const figures: Record<string, Figure> = {};
  for (const [name, values] of Object.entries(rows)) figures[name] = figure(values, unitOf(name), /FullWaits|Ms/.test(name) ? 'lower' : 'higher');
  return {
    figures,
    laps,
    trades: reference.trades,
    notes: [
      `fsync commit sizes over the throughput runs (commands per commit: commits): ${formatBuckets(fsyncCommits)}.`,
      `none (NO FSYNC) commit sizes over the throughput runs: ${formatBuckets(noneCommits)}.`,
    ],
  };
}

function unitOf(name: string): string {
  if (name.endsWith('CommandsPerSecond')) return 'commands/s';
  if (name.endsWith('Ratio')) return 'ratio';
  if (name.endsWith('PerCommit')) return 'commands';
  if (name.endsWith('MsMean')) return 'ms';
  if (name.endsWith('FullWaits')) return 'claims';
  throw new Error(`no unit for figure ${name}`);
}

interface Latency {
  fsync: LatencyAtRate[];
  figures: Record<string, Figure>;
  notes: string[];
}

/** Open loop at each rate through the durable pipeline, then the no-journal one at `compareRates`. */
async function measureLatency(plan: Plan, fsync: Variant, bare: Variant): Promise<Latency> {
  const result: Latency = { fsync: [], figures: {}, notes: [] };
  for (const rate of plan.rates) {
    const runs: LatencyRun[] = [];
    const commits = noCommits();
    const perCommit: number[] = [];
    const rawCommitMs: number[] = [];
    for (let run = 0; run < plan.latencyRuns; run++) {
      const histogram = new LatencyHistogram();
      const lap = await runLap(fsync, plan.countAt(rate), plan.lap, rate, histogram);
      runs.push({ histogram, achievedRatePerSecond: lap.commandsPerSecond });
      addCommits(commits, lap.commits);
      const batchMean = lap.commits.commands / lap.commits.commits;
      perCommit.push(batchMean);
      // The disk's floor at this rate: the same commit size as one write + fdatasync.
      const batch = Math.max(1, Math.min(TXN_COMMANDS_MAX, Math.round(batchMean)));
      rawCommitMs.push(runRawFdatasync(Math.min(plan.countAt(rate), batch * RAW_LATENCY_COMMITS_MAX), batch).commitMsMean);
    }
    result.fsync.push(latencyAtRate(rate, runs));
    result.figures[`fsyncCommandsPerCommitAt${rate}`] = figure(perCommit, 'commands', 'higher');
    result.figures[`rawFdatasyncCommitMsMeanAt${rate}`] = figure(rawCommitMs, 'ms', 'lower');
    result.notes.push(`fsync commit sizes at ${rate}/s offered: ${formatBuckets(commits)}.`);
  }
  for (const rate of plan.compareRates) {
    const perRun: Array<Record<string, number>> = [];
    for (let run = 0; run < plan.latencyRuns; run++) {
      const histogram = new LatencyHistogram();
      await runLap(bare, plan.countAt(rate), plan.lap, rate, histogram);
      perRun.push({ ...histogram.percentiles() });
    }
    for (const name of LATENCY_PERCENTILE_NAMES) {
      result.figures[`noJournal${percentileLabel(name)}NsAt${rate}`] = figure(perRun.map((p) => p[name] as number), 'ns', 'lower');
    }
  }
  return result;
}

function notesOf(params: BenchParams, plan: Plan): string[] {
  return [
    "durability: the headline figures and the latency sweep are 'fsync' (a result event is sent only after its command's commit " +
      "returned from fdatasync + LMDB's O_DSYNC meta write). 'none' figures are NO FSYNC, benchmark only.",
    `${describeWaits(params)}; the core waits for seqJournaled ${String(params['journalGateWait'])} (the no-journal pipeline: as the core worker above).`,
    `The journal worker commits what it drains, up to min(${TXN_COMMANDS_MAX}, inputSlots = ${String(params['inputSlots'])}) commands per transaction; ` +
      'commit sizes are the journal worker\'s own statistics per lap.',
    'Four threads with the journal (producer, journal, core, main) on the machine\'s cores; three without. Each pipeline runs each lap on a symbol of its own ' +
      '(an empty book), its core keeps earlier laps\' resting orders. Runs alternate fsync, none, noJournal, in-process core, raw baselines.',
    `rawFdatasync: ${plan.records} records of ${COMMAND_SIZE} bytes (plus one group header per batch) appended to a plain file in the same temp directory, ` +
      'one write + fdatasync per batch, timed around those calls only (journal-write.ts); SameBatches uses the fsync lap\'s mean commit size; ' +
      `B${TXN_COMMANDS_MAX} the largest transaction the journal commits. LMDB pays two flushes per commit (data, then meta), the raw file one.`,
    `Latency: open loop, ${plan.latencyRuns} runs per rate, intended send time (producer schedule) to the result event handled on the main thread; ` +
      'achieved rate = commands over schedule start to last result. rawFdatasyncCommitMsMeanAt<rate>: write + fdatasync of the mean commit size seen at that rate. ' +
      'noJournal<P>NsAt<rate>: the same open loop through the pipeline without a journal.',
  ];
}

runIfMain(import.meta.url, (argv) => standaloneMain(durablePipeline, argv));
