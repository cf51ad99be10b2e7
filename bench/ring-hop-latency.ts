// Ring hop latency: ping-pong between two threads over two single-producer rings (ping, pong),
// steady traffic (the next ping leaves as soon as the pong arrives). One-way latency = RTT / 2,
// recorded in ns into an HdrHistogram (perf_hooks.createHistogram) by the pinging thread.
// In the same run, the baseline: the same ping-pong with postMessage over a MessagePort.
//
// Modes (worker ↔ worker): spin, hybrid, blocking (the ring with each wait strategy on both
// ends), postMessage. Modes (worker ↔ main thread, the gateway's side of the output ring):
// mainPoll (MainThreadConsumer polling with setImmediate), mainWaitAsync (parking with
// Atomics.waitAsync at once), mainHybrid (MAIN_THREAD_WAIT_DEFAULT: poll, then waitAsync),
// mainPostMessage.
// Targets: hybrid p50 ≥ 100× lower than postMessage; p50 ≤ 0.5 µs one-way.
//
//   npx tsx bench/ring-hop-latency.ts [--profile quick|full] [--modes spin,hybrid] ...
//   node dist-bench/bench/ring-hop-latency.js ...            (after make build-bench)

import { MessageChannel } from 'node:worker_threads';
import { BatchConsumer } from '../ring/batch-consumer.js';
import { MAIN_THREAD_WAIT_DEFAULT, MainThreadConsumer, type MainThreadWait } from '../ring/main-thread-consumer.js';
import { RingBuffer } from '../ring/ring-buffer.js';
import { assert } from '../ring/ring-layout.js';
import { SequenceBarrier } from '../ring/sequence-barrier.js';
import { createSequencer } from '../ring/sequencer.js';
import type { WaitStrategy } from '../ring/wait-strategy.js';
import { stringParam, wholeParam, type Benchmark } from './lib/benchmark.js';
import type { LatencyPercentilesNs } from '../loadgen/histogram.js';
import { figure, percentileLabel, type BenchParams, type BenchResult, type Figure } from './lib/results.js';
import { runIfMain } from '../platform/run-main.js';
import { repeat } from './lib/stats.js';
import { newControl, standaloneMain, startAll, startWorker, waitStrategyParam, type StartedWorker } from './ring-bench-harness.js';

export const HOP_MODES = ['spin', 'hybrid', 'blocking', 'postMessage', 'mainPoll', 'mainWaitAsync', 'mainHybrid', 'mainPostMessage'] as const;
export type HopMode = (typeof HOP_MODES)[number];

/** Modes whose hop is a futex or event-loop wake (tens of µs): they get `slowRoundTrips`. */
const SLOW_MODES: ReadonlySet<HopMode> = new Set(['blocking', 'postMessage', 'mainWaitAsync', 'mainPostMessage']);

export const ringHopLatency: Benchmark = {
  name: 'ring-hop-latency',
  description: 'One-way hop latency (RTT/2) of steady ping-pong between two threads over rings, per wait ' +
    'strategy, worker↔worker and worker↔main thread, against postMessage in the same run.',
  defaults: {
    quick: { modes: HOP_MODES.join(','), runs: 3, roundTrips: 50_000, slowRoundTrips: 5_000, spinIterations: 10_000 },
    full: { modes: HOP_MODES.join(','), runs: 5, roundTrips: 1_000_000, slowRoundTrips: 50_000, spinIterations: 10_000 },
  },
  run: runRingHopLatency,
};

async function runRingHopLatency(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const modes = parseModes(stringParam(params, 'modes'));
  const runs = wholeParam(params, 'runs', 1, 100);
  const roundTrips = wholeParam(params, 'roundTrips', 10, 1e8);
  const slowRoundTrips = wholeParam(params, 'slowRoundTrips', 10, 1e8);
  const spinIterations = wholeParam(params, 'spinIterations', 0, 1e9);
  const figures: Record<string, Figure> = {};
  const p50ByMode = new Map<HopMode, number>();
  for (const mode of modes) {
    const count = SLOW_MODES.has(mode) ? slowRoundTrips : roundTrips;
    const perRun = await repeat(runs, () => runMode(mode, count, spinIterations));
    for (const name of ['p50', 'p99', 'p999', 'max'] as const) {
      figures[`${mode}OneWay${percentileLabel(name)}Ns`] = figure(perRun.map((p) => p[name]), 'ns', 'lower');
    }
    p50ByMode.set(mode, figures[`${mode}OneWayP50Ns`]!.median);
  }
  const ratio = (slow: HopMode, fast: HopMode): void => {
    const slowNs = p50ByMode.get(slow);
    const fastNs = p50ByMode.get(fast);
    if (slowNs !== undefined && fastNs !== undefined) {
      figures[`${slow}Over${fast[0]!.toUpperCase()}${fast.slice(1)}P50`] = figure([slowNs / fastNs], 'ratio', 'higher');
    }
  };
  ratio('postMessage', 'hybrid');
  ratio('postMessage', 'spin');
  ratio('mainPostMessage', 'mainPoll');
  ratio('mainPostMessage', 'mainWaitAsync');
  ratio('mainPostMessage', 'mainHybrid');
  return {
    name: ringHopLatency.name,
    description: ringHopLatency.description,
    params,
    durability: 'not-applicable',
    figures,
    latency: [],
    notes: [
      'One-way = round trip / 2, measured by the pinging worker with performance.now() around each round trip; ' +
        'the first 10% of round trips of every run are warm-up and not recorded.',
      'Ratios are of medians over runs.',
      'main* modes: the pinger is a worker waiting with the hybrid strategy; the main thread answers.',
    ],
    durationMs: Date.now() - startedMs,
  };
}

function parseModes(text: string): HopMode[] {
  const modes = text.split(',').filter((m) => m !== '');
  for (const mode of modes) {
    if (!HOP_MODES.includes(mode as HopMode)) throw new Error(`unknown mode ${mode} (have: ${HOP_MODES.join(', ')})`);
  }
  return modes as HopMode[];
}

async function runMode(mode: HopMode, roundTrips: number, spinIterations: number): Promise<LatencyPercentilesNs> {
  const warmupRoundTrips = Math.ceil(roundTrips / 10);
  const control = newControl();
  const hybrid = waitStrategyParam('hybrid', spinIterations);
  switch (mode) {
    case 'spin':
    case 'hybrid':
    case 'blocking': {
      const wait = waitStrategyParam(mode === 'spin' ? 'busy-spin' : mode, spinIterations);
      const { ping, pong } = newRings();
      const ponger = startWorker({ role: 'ring-ponger', ping: ping.descriptor, pong: pong.descriptor, control, wait });
      const pinger = startWorker({ role: 'ring-pinger', ping: ping.descriptor, pong: pong.descriptor, control, roundTrips, warmupRoundTrips, wait });
      return finish(control, pinger, [ponger]);
    }
    case 'postMessage': {
      const channel = new MessageChannel();
      const ponger = startWorker({ role: 'message-ponger', port: channel.port1, control }, [channel.port1]);
      const pinger = startWorker({ role: 'message-pinger', port: channel.port2, control, roundTrips, warmupRoundTrips }, [channel.port2]);
      return finish(control, pinger, [ponger]);
    }
    case 'mainPoll':
      return mainThreadRing(control, { pollTurns: Infinity }, roundTrips, warmupRoundTrips, hybrid);
    case 'mainWaitAsync':
      return mainThreadRing(control, { pollTurns: 0 }, roundTrips, warmupRoundTrips, hybrid);
    case 'mainHybrid':
      return mainThreadRing(control, MAIN_THREAD_WAIT_DEFAULT, roundTrips, warmupRoundTrips, hybrid);
    case 'mainPostMessage': {
      const channel = new MessageChannel();
      channel.port1.on('message', (value: number) => {
        if (value === -1) channel.port1.close();
        else channel.port1.postMessage(value);
      });
      const pinger = startWorker({ role: 'message-pinger', port: channel.port2, control, roundTrips, warmupRoundTrips }, [channel.port2]);
      return finish(control, pinger, []);
    }
    default: {
      const unreachable: never = mode;
      throw new Error(`unknown mode ${String(unreachable)}`);
    }
  }
}

function newRings(): { ping: RingBuffer; pong: RingBuffer } {
  // 1024 slots: a ping-pong has one message in flight, so size matters only for the layout.
  const geometry = { slotCount: 1024, slotBytes: 128, consumerCount: 1, producerKind: 'single' } as const;
  return { ping: RingBuffer.create(geometry), pong: RingBuffer.create(geometry) };
}

async function finish(control: SharedArrayBuffer, pinger: StartedWorker, others: StartedWorker[]): Promise<LatencyPercentilesNs> {
  await startAll(control, [pinger, ...others]);
  const [pinged] = await Promise.all([pinger.result, ...others.map((o) => o.result)]);
  if (pinged?.role !== 'pinger') throw new Error('the pinger did not report latencies');
  return pinged.oneWayNs;
}

/** The main thread answers pings from a MainThreadConsumer; the pinger is a worker. */
async function mainThreadRing(
  control: SharedArrayBuffer,
  mainWait: MainThreadWait,
  roundTrips: number,
  warmupRoundTrips: number,
  workerWait: WaitStrategy,
): Promise<LatencyPercentilesNs> {
  const { ping, pong } = newRings();
  const pinger = startWorker({ role: 'ring-pinger', ping: ping.descriptor, pong: pong.descriptor, control, roundTrips, warmupRoundTrips, wait: workerWait });
  // The main thread never waits in a sequencer: it answers with tryNext, which cannot find the
  // pong ring full because the pinger consumes every pong before it pings again.
  const sequencer = createSequencer(pong, { kind: 'busy-spin' });
  const consumer = new MainThreadConsumer(new BatchConsumer(ping, 0, new SequenceBarrier(ping, [], workerWait)), mainWait, 1);
  await startAll(control, [pinger]);
  const echoed = await consumer.run((_view, offset, seqPing) => {
    const seq = sequencer.tryNext(1);
    assert(seq === seqPing, 'pong sequences follow ping sequences');
    pong.i32[pong.slotOffset(seq) >>> 2] = ping.i32[offset >>> 2] ?? -1;
    sequencer.publish(seq, seq);
  });
  assert(echoed === roundTrips + warmupRoundTrips, 'every ping was answered');
  const pinged = await pinger.result;
  if (pinged.role !== 'pinger') throw new Error('the pinger did not report latencies');
  return pinged.oneWayNs;
}

runIfMain(import.meta.url, (argv) => standaloneMain(ringHopLatency, argv));
