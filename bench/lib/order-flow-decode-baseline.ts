// In-run baseline for the core order-flow benchmark: the cost of only decoding the standard
// order-flow file (design §9) through the layout's readers, with no matching. Whatever the core
// benchmark reports, this is its floor on the same machine in the same run. It also exercises
// the whole harness (tinybench figures, an open-loop latency sweep, plots) before the engine
// benchmarks exist.

import {
  newOrderFlowRecord,
  orderFlowRecordCount,
  readOrderFlowRecord,
  type OrderFlowRecord,
} from '../../engine/order-flow-layout.js';
import { generateOrderFlow } from '../../loadgen/order-flow-gen.js';
import { latencySweep, wholeListParam, wholeParam, type Benchmark } from './benchmark.js';
import { runOpenLoop } from '../../loadgen/open-loop.js';
import { figure, type BenchParams, type BenchResult } from './results.js';
import { repeat } from './stats.js';
import { tinybenchFigures } from './tinybench-figures.js';

const RATE_PER_SECOND_MAX = 9_000_000;

export const orderFlowDecodeBaseline: Benchmark = {
  name: 'order-flow-decode',
  description: 'Baseline: decode the standard order-flow file through the layout readers, no matching ' +
    '(the floor under the core order-flow benchmark). Latency: one record decoded per command, in-process, open loop.',
  defaults: {
    quick: { records: 200_000, seed: 1, runs: 3, tinybenchMs: 200, rates: '200000,1000000,4000000', latencyMs: 200 },
    full: { records: 2_000_000, seed: 1, runs: 5, tinybenchMs: 1_000, rates: '100000,500000,1000000,2000000,4000000,8000000', latencyMs: 1_000 },
  },
  run: runOrderFlowDecode,
};

async function runOrderFlowDecode(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const records = wholeParam(params, 'records', 1, 50_000_000);
  const seed = wholeParam(params, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const runs = wholeParam(params, 'runs', 1, 100);
  const tinybenchMs = wholeParam(params, 'tinybenchMs', 10, 60_000);
  const latencyMs = wholeParam(params, 'latencyMs', 10, 600_000);
  const rates = wholeListParam(params, 'rates', 1, RATE_PER_SECOND_MAX);
  const bytes = generateOrderFlow({ count: records, seed });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (orderFlowRecordCount(view) !== records) throw new Error('generated file has the wrong record count');
  const scratch = newOrderFlowRecord();

  const decodeSeconds = await repeat(runs, () => {
    const startNs = process.hrtime.bigint();
    const checksum = decodeAll(view, records, scratch);
    const elapsedNs = Number(process.hrtime.bigint() - startNs);
    if (checksum <= 0) throw new Error('decode checksum is not positive');
    return elapsedNs / 1e9;
  });
  let cursor = 0;
  const micro = await tinybenchFigures({
    runs,
    timeMs: tinybenchMs,
    addTasks: (bench) => {
      bench.add('decodeRecord', () => {
        readOrderFlowRecord(view, cursor, scratch);
        cursor = cursor + 1 === records ? 0 : cursor + 1;
      });
    },
  });
  const latency = await latencySweep({
    ratesPerSecond: rates,
    runs,
    countPerRun: (rate) => Math.max(1, Math.floor((rate * latencyMs) / 1000)),
    runOnce: async (schedule, histogram) => {
      await runOpenLoop({
        schedule,
        wait: 'spin',
        send: (index) => {
          readOrderFlowRecord(view, index % records, scratch);
          histogram.record(schedule.latencyNs(index, schedule.elapsedNs()));
        },
      });
    },
  });
  return {
    name: orderFlowDecodeBaseline.name,
    description: orderFlowDecodeBaseline.description,
    params,
    durability: 'not-applicable',
    figures: {
      decodeRecordsPerSecond: figure(decodeSeconds.map((s) => records / s), 'records/s', 'higher'),
      ...micro,
    },
    latency,
    notes: [`${records} records generated with seed ${seed}; a full pass decodes every record once.`],
    durationMs: Date.now() - startedMs,
  };
}

/** Decodes every record; the returned sum keeps the work observable so it is not optimised out. */
function decodeAll(view: DataView, records: number, scratch: OrderFlowRecord): number {
  let checksum = 0;
  for (let i = 0; i < records; i++) {
    readOrderFlowRecord(view, i, scratch);
    checksum = (checksum + scratch.op + scratch.qty) % 1_000_000_007;
  }
  return checksum + 1;
}
