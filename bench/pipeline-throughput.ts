// Whole-pipeline throughput without the journal: the compiled standard
// order flow published by a producer worker as fast as the input ring accepts (claims of
// `claimMax`), applied by the core worker, its events consumed on the main thread. The rate is
// the flow's commands over the time from the producer's first claim to the main thread handling
// the last command's result. In the same run, on the main thread, the core applied in-process
// (runOrderFlowPass, no rings) gives the ceiling, so their ratio is what the threads cost.
//
//   npx tsx bench/pipeline-throughput.ts [--profile quick|full] [--runs 3] [--coreWait hybrid] ...
//   node dist-bench/bench/suite.js --profile quick --only pipeline-throughput

import { hrtime } from 'node:process';
import { assert } from '../engine/assert.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { BinaryEventWriter, type EventOutput } from '../engine/event-codec.js';
import { EVENT_SIZE } from '../engine/event-layout.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import { runOrderFlowPass, type CompiledOrderFlow } from '../engine/order-flow-runner.js';
import { wholeParam, type Benchmark } from './lib/benchmark.js';
import { figure, type BenchParams, type BenchResult } from './lib/results.js';
import { runIfMain } from '../platform/run-main.js';
import { describeWaits, PIPELINE_PARAMS_COMMON, PipelineBench, pipelineParams, sharedOrderFlow } from './pipeline-bench-harness.js';
import { standaloneMain } from './ring-bench-harness.js';

export const pipelineThroughput: Benchmark = {
  name: 'pipeline-throughput',
  description: 'Standard order flow through producer worker → input ring → core worker → output ring → main thread, no journal; ' +
    'commands/s from the first claim to the last result event, against the core in-process in the same run.',
  defaults: {
    quick: { ...PIPELINE_PARAMS_COMMON, records: 500_000, runs: 3 },
    full: { ...PIPELINE_PARAMS_COMMON, records: 1_000_000, runs: 5 },
  },
  run: runPipelineThroughput,
};

interface ThroughputRun {
  pipelineCommandsPerSecond: number;
  coreCommandsPerSecond: number;
  coreEncodedCommandsPerSecond: number;
  fullWaits: number;
}

async function runPipelineThroughput(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const records = wholeParam(params, 'records', 1, 5_000_000);
  const seed = wholeParam(params, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const runs = wholeParam(params, 'runs', 1, 100);
  const claimMax = wholeParam(params, 'claimMax', 1, 65_536);
  const { flow, shared } = sharedOrderFlow(records, seed);
  const bench = await PipelineBench.start({
    flow,
    shared,
    lapCounts: Array.from({ length: runs + 1 }, () => records),
    ...pipelineParams(params),
  });
  const measured: ThroughputRun[] = [];
  const warm = runOrderFlowPass(flow, hrtime.bigint);
  const summary = JSON.stringify(warm.summary);
  const symbols: number[] = [];
  try {
    // Warm-up, not recorded: the three threads' JIT, and the in-process core's.
    symbols.push((await bench.lap({ type: 'throughput', count: records, claimMax, ratePerSecond: 1, spinNs: 0 }, null)).symbolId);
    encodedPassNs(flow);
    for (let run = 0; run < runs; run++) {
      const pass = runOrderFlowPass(flow, hrtime.bigint);
      assert(JSON.stringify(pass.summary) === summary, 'in-process passes agree');
      const encodedNs = encodedPassNs(flow);
      const lap = await bench.lap({ type: 'throughput', count: records, claimMax, ratePerSecond: 1, spinNs: 0 }, null);
      symbols.push(lap.symbolId);
      const elapsedNs = lap.lastResultNs - lap.report.startNs;
      assert(elapsedNs > 0, 'the last result comes after the first claim');
      measured.push({
        pipelineCommandsPerSecond: (records * 1e9) / elapsedNs,
        coreCommandsPerSecond: (records * 1e9) / Math.max(1, pass.elapsedNs),
        coreEncodedCommandsPerSecond: (records * 1e9) / Math.max(1, encodedNs),
        fullWaits: lap.report.fullWaits,
      });
    }
  } finally {
    await bench.stop();
  }
  // Once stopped every event is handled: the same flow on an empty book trades the same,
  // through the rings or not.
  for (const symbolId of symbols) {
    const trades = bench.tally.tradesBySymbol[symbolId];
    assert(trades === warm.summary.trades, `pipeline lap on symbol ${symbolId} traded ${String(trades)} times, in-process ${warm.summary.trades}`);
  }
  const eventsPerCommand = bench.tally.events / bench.commands;
  return {
    name: pipelineThroughput.name,
    description: pipelineThroughput.description,
    params,
    durability: 'not-applicable',
    figures: {
      commandsPerSecond: figure(measured.map((r) => r.pipelineCommandsPerSecond), 'commands/s', 'higher'),
      coreInProcessCommandsPerSecond: figure(measured.map((r) => r.coreCommandsPerSecond), 'commands/s', 'higher'),
      coreEncodedInProcessCommandsPerSecond: figure(measured.map((r) => r.coreEncodedCommandsPerSecond), 'commands/s', 'higher'),
      pipelineOverCoreRatio: figure(measured.map((r) => r.pipelineCommandsPerSecond / r.coreCommandsPerSecond), 'ratio', 'higher'),
      pipelineOverCoreEncodedRatio: figure(measured.map((r) => r.pipelineCommandsPerSecond / r.coreEncodedCommandsPerSecond), 'ratio', 'higher'),
      producerFullWaits: figure(measured.map((r) => r.fullWaits), 'claims', 'lower'),
    },
    latency: [],
    notes: [
      describeWaits(params),
      'One pipeline for the whole benchmark: each run replays the flow on a symbol of its own (an empty book) with order ids moved by the run\'s first sequence; ' +
        'the core worker therefore holds earlier runs\' resting orders, which the in-process pass (a fresh engine) does not.',
      'Per run: the in-process passes (main thread, nothing else of ours running), then one pipeline lap; ratios are taken per run. One unrecorded warm-up of each first.',
      'coreInProcess: runOrderFlowPass, the core with a sink that only counts trades (the ceiling). coreEncodedInProcess: the same core writing every ' +
        'event record with BinaryEventWriter into a reused buffer, i.e. the core worker\'s own work without rings or threads.',
      `events per command on the output ring: ${eventsPerCommand.toFixed(2)}.`,
      'producerFullWaits: claims that found the input ring full (the core is the bottleneck when this is high).',
      `summary ${summary}`,
    ],
    durationMs: Date.now() - startedMs,
  };
}

/** Events go to a fixed buffer of this many records, reused: only the encoding is measured. */
const ENCODED_BUFFER_EVENTS = 16_384;

/** The core writing its events as records, as in the core worker, but to memory. */
class ReusedEventBuffer implements EventOutput {
  readonly view = new DataView(new ArrayBuffer(ENCODED_BUFFER_EVENTS * EVENT_SIZE));
  private readonly bytes = new Uint8Array(this.view.buffer);
  private next = 0;
  events = 0;

  claim(): number {
    const offset = this.next * EVENT_SIZE;
    this.next = (this.next + 1) % ENCODED_BUFFER_EVENTS;
    this.events++;
    // Claims are zeroed, as RingEventOutput zeroes them.
    this.bytes.fill(0, offset, offset + EVENT_SIZE);
    return offset;
  }

  commandDone(): void {}
}

/** One timed pass of the flow through a fresh core that encodes every event. */
function encodedPassNs(flow: CompiledOrderFlow): number {
  const out = new ReusedEventBuffer();
  const engine = new MatchingEngine(flow.config, new BinaryEventWriter(out));
  const v = flow.commands;
  engine.apply(v, 0);
  const end = (flow.records + 1) * COMMAND_SIZE;
  const start = hrtime.bigint();
  for (let offset = COMMAND_SIZE; offset < end; offset += COMMAND_SIZE) engine.apply(v, offset);
  const elapsedNs = Number(hrtime.bigint() - start);
  assert(engine.lastSeq === flow.records && out.events > flow.records, 'every command applied, with its events');
  return elapsedNs;
}

runIfMain(import.meta.url, (argv) => standaloneMain(pipelineThroughput, argv));
