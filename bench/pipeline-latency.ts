// Whole-pipeline latency without the journal, open loop: a
// producer worker publishes the standard order flow on a fixed schedule at each offered rate,
// and the main thread takes each command's latency when it handles that command's ACCEPTED or
// REJECTED event, from the command's intended send time (never from when it was actually sent,
// see lib/open-loop.ts: a producer that falls behind sends at once and keeps its schedule, and
// a full input ring blocks it, so both are charged to the commands that waited).
//
//   producer worker ──input ring──▶ core worker ──output ring──▶ main thread: now − intended[seq]
//
// Per offered rate, `runs` runs of `runMs` worth of commands (capped at the flow's length), each
// on an empty book (pipeline-bench-harness.ts), after one unrecorded warm-up lap. Percentiles
// come from an HdrHistogram with 3 significant figures; each is the median over runs with its
// min and max. Past saturation the achieved rate falls below the offered one and latency grows
// with the run's length: that is the figure at that rate.
//
//   npx tsx bench/pipeline-latency.ts [--profile quick|full] [--rates 100000,1000000] ...
//   node dist-bench/bench/suite.js --profile quick --only pipeline-latency

import { wholeListParam, wholeParam, type Benchmark } from './lib/benchmark.js';
import { LatencyHistogram } from '../loadgen/histogram.js';
import { figure, latencyAtRate, type BenchParams, type BenchResult, type Figure, type LatencyAtRate, type LatencyRun } from './lib/results.js';
import { runIfMain } from '../platform/run-main.js';
import { describeWaits, PIPELINE_PARAMS_COMMON, PipelineBench, pipelineParams, sharedOrderFlow } from './pipeline-bench-harness.js';
import { standaloneMain } from './ring-bench-harness.js';

const COMMON = {
  ...PIPELINE_PARAMS_COMMON,
  producerSpinNs: 0,
  warmupCommands: 200_000,
};

export const pipelineLatency: Benchmark = {
  name: 'pipeline-latency',
  description: 'Open-loop latency of the standard order flow through producer worker → input ring → core worker → output ring → ' +
    'main thread, no journal: from each command\'s intended send time to its result event handled on the main thread.',
  defaults: {
    quick: { ...COMMON, rates: '100000,1000000', runs: 3, runMs: 300, records: 300_000 },
    full: { ...COMMON, rates: '100000,200000,400000,1000000,2000000', runs: 5, runMs: 500, records: 1_000_000 },
  },
  run: runPipelineLatency,
};

async function runPipelineLatency(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const rates = wholeListParam(params, 'rates', 1, 9_000_000);
  const runs = wholeParam(params, 'runs', 1, 100);
  const runMs = wholeParam(params, 'runMs', 1, 600_000);
  const records = wholeParam(params, 'records', 1, 5_000_000);
  const claimMax = wholeParam(params, 'claimMax', 1, 65_536);
  const spinNs = wholeParam(params, 'producerSpinNs', 0, Number.MAX_SAFE_INTEGER);
  const warmupCommands = Math.min(records, wholeParam(params, 'warmupCommands', 1, 50_000_000));
  rates.forEach((rate, i) => {
    if (i > 0 && rate <= (rates[i - 1] as number)) throw new Error('rates must be ascending');
  });
  const countAt = (rate: number): number => Math.max(1, Math.min(records, Math.floor((rate * runMs) / 1000)));
  const lapCounts = [warmupCommands, ...rates.flatMap((rate) => Array.from({ length: runs }, () => countAt(rate)))];
  const { flow, shared } = sharedOrderFlow(records, wholeParam(params, 'seed', 0, Number.MAX_SAFE_INTEGER));
  const bench = await PipelineBench.start({
    flow,
    shared,
    lapCounts,
    ...pipelineParams(params),
  });
  const latency: LatencyAtRate[] = [];
  const figures: Record<string, Figure> = {};
  try {
    // Warm-up, not recorded: every thread's JIT, as fast as the ring accepts.
    await bench.lap({ type: 'throughput', count: warmupCommands, claimMax, ratePerSecond: 1, spinNs }, null);
    for (const ratePerSecond of rates) {
      const perRun: LatencyRun[] = [];
      const sendLagsNs: number[] = [];
      const fullWaits: number[] = [];
      for (let run = 0; run < runs; run++) {
        const histogram = new LatencyHistogram();
        const count = countAt(ratePerSecond);
        const lap = await bench.lap({ type: 'open-loop', count, claimMax, ratePerSecond, spinNs }, histogram);
        if (histogram.count !== count) throw new Error(`at ${ratePerSecond}/s run ${run}: ${histogram.count} latencies for ${count} commands`);
        // From the schedule's start (in the producer) to the last result handled (main thread).
        const elapsedNs = Math.max(1, lap.lastResultNs - lap.report.startNs);
        perRun.push({ histogram, achievedRatePerSecond: (count * 1e9) / elapsedNs });
        sendLagsNs.push(lap.report.sendLagNsMax);
        fullWaits.push(lap.report.fullWaits);
      }
      latency.push(latencyAtRate(ratePerSecond, perRun));
      figures[`producerSendLagMaxNsAt${ratePerSecond}`] = figure(sendLagsNs, 'ns', 'lower');
      figures[`producerFullWaitsAt${ratePerSecond}`] = figure(fullWaits, 'claims', 'lower');
    }
  } finally {
    await bench.stop();
  }
  return {
    name: pipelineLatency.name,
    description: pipelineLatency.description,
    params,
    durability: 'not-applicable',
    figures,
    latency,
    notes: [
      describeWaits(params),
      `producer pacing: spins on the clock while the next command is due within ${spinNs} ns, sleeps (Atomics.wait) when further; claims at most ${claimMax} due commands at once.`,
      'Clock: process.hrtime.bigint() (CLOCK_MONOTONIC, one clock for all threads) as ns since one epoch; every sample checks that its completion is not before its intended time.',
      'Achieved rate: commands over the time from the producer\'s schedule start to the last result handled on the main thread.',
      'producerSendLagMaxNs: how late the latest-sent command went out (the producer was descheduled, or the ring was full); that delay is in the latencies.',
      'One pipeline for the whole sweep: each run replays the flow\'s first commands on a symbol of its own (an empty book); the core keeps earlier runs\' resting orders.',
    ],
    durationMs: Date.now() - startedMs,
  };
}

runIfMain(import.meta.url, (argv) => standaloneMain(pipelineLatency, argv));
