// The standard order-flow file (design §9) through the core in-process: the headline figure
// (commands/s, median of several timed passes on fresh books, file loading not timed).

import { hrtime } from 'node:process';
import { compileOrderFlow, runOrderFlow } from '../engine/order-flow-runner.js';
import { wholeParam, type Benchmark } from './lib/benchmark.js';
import { figure, type BenchParams, type BenchResult } from './lib/results.js';
import { generateOrderFlow } from '../loadgen/order-flow-gen.js';

export const coreOrderFlow: Benchmark = {
  name: 'core-order-flow',
  description: 'Standard order-flow file (60% limits, 6% markets, 34% cancels) applied to the core in-process; commands/s per timed pass on a fresh book. Since 2026-11-21 (late): after two untimed warm-up passes, and each pass\'s engine is kept until the next is built, so that a garbage collection between passes no longer discards the optimized code (engine/order-flow-runner.ts, runOrderFlow); before, the first pass was timed and some passes re-optimized.',
  defaults: {
    quick: { records: 1_000_000, seed: 1, passes: 5 },
    full: { records: 1_000_000, seed: 1, passes: 9 },
  },
  run: async (params: BenchParams): Promise<BenchResult> => {
    const startedMs = Date.now();
    const records = wholeParam(params, 'records', 1, 50_000_000);
    const seed = wholeParam(params, 'seed', 0, Number.MAX_SAFE_INTEGER);
    const passes = wholeParam(params, 'passes', 1, 100);
    const bytes = generateOrderFlow({ count: records, seed });
    const flow = compileOrderFlow(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    // One run of `passes` timed passes after the untimed warm-up; runOrderFlow checks that
    // every pass gives the same summary (the core is deterministic).
    const run = runOrderFlow(flow, passes, hrtime.bigint);
    const rates = run.rates;
    const { trades, tradedQty, resting, bestBid, bestAsk, checksum } = run;
    const summary = JSON.stringify({ trades, tradedQty, resting, bestBid, bestAsk, checksum });
    return {
      name: coreOrderFlow.name,
      description: coreOrderFlow.description,
      params,
      durability: 'not-applicable',
      figures: { commandsPerSecond: figure(rates, 'commands/s', 'higher') },
      latency: [],
      notes: [`summary ${summary}`],
      durationMs: Date.now() - startedMs,
    };
  },
};
