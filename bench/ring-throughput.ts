// Ring throughput, 1 producer → 1 consumer, batched: two worker threads, a single-producer ring
// of 128-byte slots; the producer claims `claimSize` slots at a time and writes a 16-byte
// message into each, the consumer drains batches of up to `batchMax` and checks every message.
// The rate is messages over the time from the producer's first claim to the consumer's last
// message. Target: ≥ 20M messages/s.
//
//   npx tsx bench/ring-throughput.ts [--profile quick|full] [--messages N] [--wait hybrid] ...
//   node dist-bench/bench/ring-throughput.js ...             (after npx tsc -p tsconfig.build.json)

import { RingBuffer } from '../ring/ring-buffer.js';
import { stringParam, wholeParam, type Benchmark } from './lib/benchmark.js';
import { figure, type BenchParams, type BenchResult } from './lib/results.js';
import { runIfMain } from '../platform/run-main.js';
import { repeat } from './lib/stats.js';
import { newControl, standaloneMain, startAll, startWorker, waitStrategyParam } from './ring-bench-harness.js';

const SLOT_BYTES = 128;

export const ringThroughput: Benchmark = {
  name: 'ring-throughput',
  description: 'Ring 1 producer → 1 consumer (two worker threads), 128-byte slots, batched claims and drains; ' +
    'messages/s from first claim to last message consumed.',
  defaults: {
    quick: { messages: 10_000_000, runs: 5, slotCount: 65_536, claimSize: 64, batchMax: 1024, wait: 'hybrid', spinIterations: 10_000 },
    full: { messages: 50_000_000, runs: 7, slotCount: 65_536, claimSize: 64, batchMax: 1024, wait: 'hybrid', spinIterations: 10_000 },
  },
  run: runRingThroughput,
};

interface ThroughputRun {
  messagesPerSecond: number;
  meanBatch: number;
}

async function runRingThroughput(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const messages = wholeParam(params, 'messages', 1, 2 ** 40);
  const runs = wholeParam(params, 'runs', 1, 100);
  const slotCount = wholeParam(params, 'slotCount', 2, 1 << 22);
  const claimSize = wholeParam(params, 'claimSize', 1, slotCount);
  const batchMax = wholeParam(params, 'batchMax', 1, slotCount);
  const wait = waitStrategyParam(stringParam(params, 'wait'), wholeParam(params, 'spinIterations', 0, 1e9));
  // One unrecorded run first: the workers' JIT warms up on a tenth of the messages.
  await runOnce(Math.max(1, Math.floor(messages / 10)));
  const measured = await repeat(runs, () => runOnce(messages));
  return {
    name: ringThroughput.name,
    description: ringThroughput.description,
    params,
    durability: 'not-applicable',
    figures: {
      messagesPerSecond: figure(measured.map((r) => r.messagesPerSecond), 'messages/s', 'higher'),
      meanBatchMessages: figure(measured.map((r) => r.meanBatch), 'messages', 'higher'),
    },
    latency: [],
    notes: [
      'Default wait is hybrid: on a shared 2-core machine two busy-spinning threads lose whenever a third process runs (measured 8.9 vs 31 M/s under load).',
      `wait strategy ${JSON.stringify(wait)} on both threads; the main thread only waits for results.`,
      'Each run starts fresh workers; the clock runs from the producer\'s first claim to the consumer\'s last message.',
    ],
    durationMs: Date.now() - startedMs,
  };

  async function runOnce(count: number): Promise<ThroughputRun> {
    const ring = RingBuffer.create({ slotCount, slotBytes: SLOT_BYTES, consumerCount: 1, producerKind: 'single' });
    const control = newControl();
    const consumer = startWorker({ role: 'throughput-consumer', ring: ring.descriptor, control, messages: count, batchMax, wait });
    const producer = startWorker({ role: 'throughput-producer', ring: ring.descriptor, control, messages: count, claimSize, wait });
    await startAll(control, [consumer, producer]);
    const [produced, consumed] = await Promise.all([producer.result, consumer.result]);
    if (produced.role !== 'throughput-producer' || consumed.role !== 'throughput-consumer') throw new Error('roles mixed up');
    if (consumed.consumed !== count || consumed.checksum !== (count | 0)) {
      throw new Error(`consumer saw ${consumed.consumed} messages, checksum ${consumed.checksum}, for ${count}`);
    }
    const elapsedNs = consumed.endNs - produced.startNs;
    if (!(elapsedNs > 0)) throw new Error('consumer finished before the producer started');
    return { messagesPerSecond: (count * 1e9) / elapsedNs, meanBatch: count / consumed.batches };
  }
}

runIfMain(import.meta.url, (argv) => standaloneMain(ringThroughput, argv));
