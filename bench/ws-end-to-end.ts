// End to end over WebSocket on one machine, client included : the
// gateway server in a worker thread (bench/ws-server-worker.ts) over the threaded pipeline, the
// load generator (gateway/load-generator.ts, runLoad) on the main thread with N connections.
//
//   batched       orders in `batch` frames of `batchSize`, offered at `batchedRate`/s (150 000,
//                 beyond what the machine can take: BUSY refusals show what overload costs): acked/s
//   sustained     the same frames offered at `sustainedRate`/s (100 000): acked/s,
//                 its refusals and p99, i.e. whether that rate is carried without refusing orders
//   single        one order per frame, offered at `singleRate`/s: acked/s
//   latency       one order per frame at `latencyRate`/s (10 000): RTT percentiles from the
//                 intended send time (open loop), p50, p99, p99.9 and max; sends go out on the
//                 ticks of a ticker thread (gateway/send-ticker.ts), and each round trip is
//                 split at the gateway's stamp (to the gateway, back to the client)
//   latency, none the same on a second server whose journal does not fdatasync (durability
//                 'none', a labelled comparison: what the disk's commit adds to a round trip)
//   floor         what a round trip cannot go under: (a) the same latency measurement against a
//                 trivial echo server in the same kind of worker thread (bench/ws-echo-worker.ts:
//                 client library, ws, loopback TCP, two event-loop wake-ups, no pipeline), and
//                 (b) one small durable commit in the journal's own settings (JournalWriter.append
//                 of one command, durability 'fsync': LMDB's data flush and meta flush)
//
// Each latency run first sends `latencyWarmupMs` of unmeasured orders on the same connections at
// the same rate, so it measures the steady state and not the recompiling that new sockets cause.
//
// Each order is an IOC limit far from any price (load-generator's defaultOrder): it travels the
// whole pipeline (accepted, unfilled remainder cancelled, balances) and leaves the book empty.
// An ack is sent from the core's ACCEPTED event, and the core reads only what the journal has
// committed (gateway/journal-host.ts), so the headline figures are durability 'fsync'. Each
// server journals into a fresh temporary directory, removed when it stops.
//
//   npx tsx bench/ws-end-to-end.ts [--profile quick|full] [--connections 4] [--batchSize 64] ...
//   node dist-bench/bench/suite.js --profile quick --only ws-end-to-end

import { makeCommands, makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import { openJournalEnv } from '../journal/journal-env.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { defaultOrder, type LoadOptions, type LoadResult, type RoundTripSplit, runLoad } from '../loadgen/load-generator.js';
import type { FrameFormat } from '../protocol/wire-codec.js';
import { stringParam, wholeParam, type Benchmark } from './lib/benchmark.js';
import { LatencyHistogram } from '../loadgen/histogram.js';
import { median } from './lib/stats.js';
import { figure, latencyAtRate, percentileLabel, type BenchParams, type BenchResult, type Figure, type LatencyRun } from './lib/results.js';
import { runIfMain } from '../platform/run-main.js';
import { standaloneMain } from './ring-bench-harness.js';
import { benchApiKey, type WsServerWorkerMessage } from './ws-server-worker.js';
import { CpuShares } from './cpu-shares.js';
import { ServerThread } from './ws-server-thread.js';

const COMMON = { connections: 4, batchSize: 64, batchedRate: 150_000, sustainedRate: 100_000, singleRate: 80_000, latencyRate: 10_000, format: 'json' };

export const wsEndToEnd: Benchmark = {
  name: 'ws-end-to-end',
  description: 'Orders over WebSocket through the gateway server and the threaded pipeline, client on the same machine: acked orders/s with batched frames (offered beyond capacity, and at the 100K/s target: carried without refusals?) and single-order frames, RTT percentiles at 10K orders/s offered (from each intended send time; since 2026-11-21 the latency runs send on the ticks of a ticker thread instead of yielding between sends, which kept a core busy), each round trip also split at the gateway, and per-thread CPU. Since 2026-11-21 (later) the client library splits a JSON bundle without parsing the execution reports and balances nobody listens to (throughput runs: all of them); it still parses every ack and reject and matches each to its request by id, so the same replies are counted.',
  defaults: {
    quick: { ...COMMON, runs: 1, throughputMs: 2_000, latencyMs: 3_000, latencyWarmupMs: 1_000, commits: 1_000 },
    full: { ...COMMON, runs: 3, throughputMs: 8_000, latencyMs: 15_000, latencyWarmupMs: 2_000, commits: 5_000 },
  },
  run: runWsEndToEnd,
};

async function runWsEndToEnd(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const connections = wholeParam(params, 'connections', 1, 64);
  const batchSize = wholeParam(params, 'batchSize', 2, 64);
  const batchedRate = wholeParam(params, 'batchedRate', 1, 2_000_000);
  const sustainedRate = wholeParam(params, 'sustainedRate', 1, 2_000_000);
  const singleRate = wholeParam(params, 'singleRate', 1, 2_000_000);
  const latencyRate = wholeParam(params, 'latencyRate', 1, 1_000_000);
  const runs = wholeParam(params, 'runs', 1, 20);
  const throughputMs = wholeParam(params, 'throughputMs', 100, 600_000);
  const latencyMs = wholeParam(params, 'latencyMs', 100, 600_000);
  const latencyWarmupMs = wholeParam(params, 'latencyWarmupMs', 0, 600_000);
  const commits = wholeParam(params, 'commits', 10, 1_000_000);
  const format = stringParam(params, 'format') as FrameFormat;
  if (format !== 'json' && format !== 'msgpack') throw new Error(`format ${format}: json or msgpack`);
  // One account per connection, so the per-account state (and its throttle) is not shared.
  const accounts = Array.from({ length: connections }, (_, i) => i + 1);
  // How the driver paces its sends. Throughput runs: it wakes on a timer (about every ms) and
  // sends everything due, so it does not spin on a core the server needs. Latency runs: a
  // ticker thread (gateway/send-ticker.ts) wakes it at each intended time, so each order leaves
  // on time and each reply is read when it arrives, while the main thread sleeps in its event
  // loop in between (yielding between sends instead kept a core polling: 55-75% of one at 10K/s).
  const THROUGHPUT_PACING: Partial<LoadOptions> = { spinNs: 0, sleepNs: 0 };
  const LATENCY_PACING: Partial<LoadOptions> = { wait: 'ticker', warmupMs: latencyWarmupMs };
  type Pacing = Partial<LoadOptions>;
  const cpu = new CpuShares();
  const load = (server: ServerThread, ratePerSecond: number, durationMs: number, size: number, pacing: Pacing, histogram?: LatencyHistogram, split?: RoundTripSplit): Promise<LoadResult> =>
    runLoad({
      ...pacing,
      url: server.url,
      connections,
      ratePerSecond,
      durationMs,
      format,
      batchSize: size,
      order: defaultOrder,
      credentials: (c) => ({ account: c + 1, apiKey: benchApiKey(c + 1) }),
      drainTimeoutMs: 60_000,
      ...(histogram === undefined ? {} : { histogram }),
      ...(split === undefined ? {} : { split }),
    });
  const batched: LoadResult[] = [];
  const sustained: LoadResult[] = [];
  const single: LoadResult[] = [];
  const latencyRuns: LatencyRun[] = [];
  const noneLatencyRuns: LatencyRun[] = [];
  // Where the latency runs' round trips go, split at the gateway's stamp (load-generator.ts).
  const split = { toGateway: new LatencyHistogram(), fromGateway: new LatencyHistogram() };
  const noneSplit = { toGateway: new LatencyHistogram(), fromGateway: new LatencyHistogram() };
  const echoLatencyRuns: LatencyRun[] = [];
  let stopReport: WsServerWorkerMessage | null = null;
  const server = await ServerThread.start(accounts, 'fsync');
  try {
    await load(server, latencyRate, 1_000, 1, LATENCY_PACING); // warm-up of every path, unrecorded
    await load(server, batchedRate, 1_000, batchSize, THROUGHPUT_PACING);
    for (let run = 0; run < runs; run++) {
      // Runs alternate between the three measurements, so drift hits each alike.
      batched.push(await cpu.measure('batched', server, () => load(server, batchedRate, throughputMs, batchSize, THROUGHPUT_PACING)));
      sustained.push(await cpu.measure('sustained', server, () => load(server, sustainedRate, throughputMs, batchSize, THROUGHPUT_PACING)));
      single.push(await cpu.measure('single', server, () => load(server, singleRate, throughputMs, 1, THROUGHPUT_PACING)));
      const histogram = new LatencyHistogram();
      const r = await cpu.measure('latency', server, () => load(server, latencyRate, latencyMs, 1, LATENCY_PACING, histogram, split));
      latencyRuns.push({ histogram, achievedRatePerSecond: r.achievedRatePerSecond });
    }
  } finally {
    stopReport = (await server.stop()) as WsServerWorkerMessage;
  }
  // The same latency measurement over a journal without fdatasync: what the disk's commit adds
  // to the round trip. A comparison only, labelled 'none'; the headline stays the durable one.
  const noneServer = await ServerThread.start(accounts, 'none');
  try {
    await load(noneServer, latencyRate, 1_000, 1, LATENCY_PACING);
    for (let run = 0; run < runs; run++) {
      const histogram = new LatencyHistogram();
      const r = await cpu.measure('latency none', noneServer, () => load(noneServer, latencyRate, latencyMs, 1, LATENCY_PACING, histogram, noneSplit));
      noneLatencyRuns.push({ histogram, achievedRatePerSecond: r.achievedRatePerSecond });
    }
  } finally {
    await noneServer.stop();
  }
  // The floor: the same latency measurement against an echo server (no pipeline), then the
  // commit latency of the journal's own durable path, with no server running.
  const echoServer = await ServerThread.startEcho();
  try {
    await load(echoServer, latencyRate, 1_000, 1, LATENCY_PACING);
    for (let run = 0; run < runs; run++) {
      const histogram = new LatencyHistogram();
      const r = await cpu.measure('echo', echoServer, () => load(echoServer, latencyRate, latencyMs, 1, LATENCY_PACING, histogram));
      echoLatencyRuns.push({ histogram, achievedRatePerSecond: r.achievedRatePerSecond });
    }
  } finally {
    await echoServer.stop();
  }
  const commitNs = await journalCommitLatency(commits);
  const all = [...batched, ...sustained, ...single];
  const failed = all.reduce((n, r) => n + r.failed, 0);
  const refusals = (results: LoadResult[]): string => {
    const byName = new Map<string, number>();
    for (const r of results) for (const [name, n] of Object.entries(r.rejectsByName)) byName.set(name, (byName.get(name) ?? 0) + n);
    return byName.size === 0 ? 'none' : [...byName].map(([k, v]) => `${k}=${v}`).join(' ');
  };
  const figures: Record<string, Figure> = {
    batchedAckedOrdersPerSecond: figure(batched.map((r) => r.ackedRatePerSecond), 'orders/s', 'higher'),
    singleAckedOrdersPerSecond: figure(single.map((r) => r.ackedRatePerSecond), 'orders/s', 'higher'),
    batchedLatencyP99Ns: figure(batched.map((r) => r.latencyNs.p99), 'ns', 'lower'),
    sustainedBatchedAckedOrdersPerSecond: figure(sustained.map((r) => r.ackedRatePerSecond), 'orders/s', 'higher'),
    sustainedBatchedRefusals: figure(sustained.map((r) => Object.values(r.rejectsByName).reduce((a, b) => a + b, 0)), 'orders', 'lower'),
    sustainedBatchedLatencyP99Ns: figure(sustained.map((r) => r.latencyNs.p99), 'ns', 'lower'),
    singleLatencyP99Ns: figure(single.map((r) => r.latencyNs.p99), 'ns', 'lower'),
  };
  const noneLatency = noneLatencyRuns.map((r) => r.histogram.percentiles());
  const echoLatency = echoLatencyRuns.map((r) => r.histogram.percentiles());
  for (const name of ['p50', 'p99', 'p999', 'max'] as const) {
    figures[`durabilityNoneLatency${percentileLabel(name)}Ns`] = figure(noneLatency.map((p) => p[name]), 'ns', 'lower');
    figures[`floorEchoLatency${percentileLabel(name)}Ns`] = figure(echoLatency.map((p) => p[name]), 'ns', 'lower');
  }
  const commitPercentiles = commitNs.percentiles();
  figures.floorJournalCommitP50Ns = figure([commitPercentiles.p50], 'ns', 'lower');
  figures.floorJournalCommitP99Ns = figure([commitPercentiles.p99], 'ns', 'lower');
  return {
    name: wsEndToEnd.name,
    description: wsEndToEnd.description,
    params,
    durability: server.durability === 'fsync' ? 'fsync' : 'none',
    figures,
    latency: [latencyAtRate(latencyRate, latencyRuns)],
    notes: [
      `durability '${server.durability}': acks are of journaled commands (the core reads only what the journal worker has committed).`,
      `${connections} connections, ${format} frames (json is the default: measured 2026-11-21 at 40K/s batched on this machine, msgpack cost more CPU per acked order, client ~8 µs against ~5 and gateway thread ~9.6 against ~8, since JSON replies are written field by field and the client library skips unheard reports only in JSON bundles); throughput runs are open loop at the offered rate for ${throughputMs} ms, acked/s counted to the last reply; their driver wakes on a timer (~1 ms) and sends all that is due (latency runs: a ticker thread wakes it at each intended time, no spinning).`,
      `Offered: batched ${batchedRate}/s in frames of ${batchSize} (overload), sustained: the same frames at ${sustainedRate}/s, single ${singleRate}/s; latency at ${latencyRate}/s, from each order's intended send time to its ack.`,
      `Server and client share the machine: client main thread on ${connections} sockets (+ its send ticker thread in latency runs) + gateway worker + journal worker + core worker + snapshot follower threads.`,
      `durabilityNoneLatency*: the latency measurement at ${latencyRate}/s again, on a second server whose journal commits without fdatasync (durability 'none', NOT durable, comparison only): the gap to the table's durable figures is what the disk's commit (LMDB: data flush + meta flush) adds to a round trip.`,
      `Round trip at ${latencyRate}/s split at the gateway's stamp (the execution report's command timestamp, taken as the gateway publishes the order): intended send → gateway ${splitText(split.toGateway)}; gateway → ack received ${splitText(split.fromGateway)} (durability 'none': ${splitText(noneSplit.toGateway)}; ${splitText(noneSplit.fromGateway)}). The first part is the client's pacing, its socket write, the server's wake and intake; the second the ring, the journal's commit, the core, the output ring, the reply and the client's read.`,
      `Floor (what the round trip cannot go under, measured in this run): a round trip at ${latencyRate}/s to a trivial echo server in the same kind of worker thread (bench/ws-echo-worker.ts: the same client library, ws and ticker pacing, the gateway's frame intake, an ack at once; no ring, journal or core) p50 ${msText(echoLatency, 'p50')}, p99 ${msText(echoLatency, 'p99')}, p99.9 ${msText(echoLatency, 'p999')}, max ${msText(echoLatency, 'max')}; one durable commit of one command in the journal's own settings (JournalWriter.append, durability 'fsync', ${commits} back to back: LMDB's data flush + meta flush) p50 ${(commitPercentiles.p50 / 1e6).toFixed(3)} ms, p99 ${(commitPercentiles.p99 / 1e6).toFixed(3)} ms. A durable round trip pays at least both.`,
      `Latency runs send ${latencyWarmupMs} ms of unmeasured orders first, on the same connections and at the same rate (the schedule runs on into the measured part): measured from the steady state, not from new sockets.`,
      `CPU, % of one core (median over runs): ${cpu.summary()}. "others" are the core, journal and snapshot-follower workers, the latency runs' send ticker and the runtime's helper threads (GC, libuv); 200% is the whole 2-core machine.`,
      `Refusals: batched at ${batchedRate}/s ${refusals(batched)}; sustained at ${sustainedRate}/s ${refusals(sustained)}; single at ${singleRate}/s ${refusals(single)}; failed without a reply: ${failed}. ` +
        `An acked rate a little under the offered one with no refusals is the offered load carried whole: acked/s is counted from the first send to the last reply, so the last replies' latency is in the denominator.`,
      `Last sequence ${stopReport?.type === 'stopped' ? stopReport.lastSeq : '?'}.`,
    ],
    durationMs: Date.now() - startedMs,
  };
}

/** The median over runs of one percentile, in ms. */
function msText(runs: ReadonlyArray<Record<'p50' | 'p99' | 'p999' | 'max', number>>, name: 'p50' | 'p99' | 'p999' | 'max'): string {
  return `${(median(runs.map((p) => p[name])) / 1e6).toFixed(2)} ms`;
}

/**
 * The commit latency of one small durable commit in the journal's own settings: `count` appends
 * of one command each, back to back, through JournalWriter (seal, LMDB transactionSync with its
 * data flush and meta flush, read back) on a fresh journal in durability 'fsync'.
 */
async function journalCommitLatency(count: number): Promise<LatencyHistogram> {
  const dir = makeTempDir('ordo-bench-ws-commit-');
  const env = openJournalEnv({ path: dir, durability: 'fsync', fingerprint: 'ws-end-to-end-commit-floor' });
  try {
    const writer = JournalWriter.open(env);
    const histogram = new LatencyHistogram();
    // Commands made before the clock runs: building them is the ring producer's part.
    const first = writer.seqStagedEnd();
    const commands = makeCommands(first, count);
    const size = commands.byteLength / count;
    for (let k = 0; k < count; k++) {
      const t0 = process.hrtime.bigint();
      writer.append(commands.subarray(k * size, (k + 1) * size), first + k, 1);
      histogram.record(Number(process.hrtime.bigint() - t0));
    }
    return histogram;
  } finally {
    await env.close();
    removeDir(dir);
  }
}

function splitText(h: LatencyHistogram): string {
  const p = h.percentiles();
  const ms = (ns: number): string => (ns / 1e6).toFixed(2);
  return `p50 ${ms(p.p50)} ms, p99 ${ms(p.p99)} ms`;
}

runIfMain(import.meta.url, (argv) => standaloneMain(wsEndToEnd, argv));
