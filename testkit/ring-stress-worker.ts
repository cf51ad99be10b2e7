// Worker entry of the ring's integration tests: a producer or a consumer of a shared ring,
// driven by workerData, reporting what it did in one message. Runs from source under vitest
// (started with `--import tsx` by spawnWorker) and from dist/.
import { parentPort, workerData } from 'node:worker_threads';
import { BatchConsumer } from '../ring/batch-consumer.js';
import { RingBuffer } from '../ring/ring-buffer.js';
import { assert, type RingDescriptor } from '../ring/ring-layout.js';
import { PAYLOAD_COUNTER_WORD, PAYLOAD_PRODUCER_WORD, payloadIsWhole, writePayload } from './ring-stress-payload.js';
import { SequenceBarrier } from '../ring/sequence-barrier.js';
import { CLAIM_CLOSED, CLAIM_FULL, createSequencer } from '../ring/sequencer.js';
import type { WaitStrategy } from '../ring/wait-strategy.js';

export interface StressProducerJob {
  readonly role: 'producer';
  readonly descriptor: RingDescriptor;
  readonly producerId: number;
  /** Bound on messages; the producer may stop earlier when `stop` is set. */
  readonly messages: number;
  readonly claim: 'next' | 'tryNext';
  readonly claimSizeMax: number;
  readonly wait: WaitStrategy;
  /** Int32 flag at index 0: 1 asks the producer to stop after its current batch. */
  readonly stop?: SharedArrayBuffer;
}

export interface StressConsumerJob {
  readonly role: 'consumer';
  readonly descriptor: RingDescriptor;
  readonly consumerIndex: number;
  readonly dependsOn: readonly number[];
  readonly producers: number;
  readonly batchMax: number;
  readonly wait: WaitStrategy;
  /** Stall after this many messages until the Int32 flag at index 0 of `gate` is 1. */
  readonly stallAfter?: number;
  readonly gate?: SharedArrayBuffer;
}

export type StressJob = StressProducerJob | StressConsumerJob;

export interface StressProducerResult {
  readonly role: 'producer';
  readonly produced: number;
  readonly claimsFull: number;
}

export interface StressConsumerResult {
  readonly role: 'consumer';
  readonly consumed: number;
  /** Messages seen per producer; with in-order checks this is also the next expected counter. */
  readonly perProducer: number[];
  readonly torn: number;
  readonly outOfOrder: number;
  readonly seqLast: number;
  readonly batches: number;
}

export type StressResult = StressProducerResult | StressConsumerResult;

/** Bound on the sleep of a tryNext producer that found the ring full. */
const FULL_BACKOFF_MS = 0.05;

function runProducer(job: StressProducerJob): StressProducerResult {
  const ring = RingBuffer.attach(job.descriptor);
  const sequencer = createSequencer(ring, job.wait);
  const stop = job.stop === undefined ? undefined : new Int32Array(job.stop);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const words = ring.slotBytes >>> 2;
  let counter = 0;
  let claimsFull = 0;
  let claimSize = 1;
  while (counter < job.messages && (stop === undefined || Atomics.load(stop, 0) === 0)) {
    const n = Math.min(claimSize, job.messages - counter);
    claimSize = (claimSize % job.claimSizeMax) + 1;
    const seqHi = job.claim === 'next' ? sequencer.next(n) : sequencer.tryNext(n);
    if (seqHi === CLAIM_FULL) {
      claimsFull++;
      Atomics.wait(sleeper, 0, 0, FULL_BACKOFF_MS);
      continue;
    }
    assert(seqHi !== CLAIM_CLOSED, 'producers stop before the ring closes');
    const seqLo = seqHi - n + 1;
    for (let seq = seqLo; seq <= seqHi; seq++) {
      writePayload(ring.i32, ring.slotOffset(seq) >>> 2, words, job.producerId, counter++);
    }
    sequencer.publish(seqLo, seqHi);
  }
  return { role: 'producer', produced: counter, claimsFull };
}

function runConsumer(job: StressConsumerJob): StressConsumerResult {
  const ring = RingBuffer.attach(job.descriptor);
  const barrier = new SequenceBarrier(ring, job.dependsOn, job.wait);
  const consumer = new BatchConsumer(ring, job.consumerIndex, barrier);
  const words = ring.slotBytes >>> 2;
  const perProducer = new Array<number>(job.producers).fill(0);
  const i32 = ring.i32;
  let torn = 0;
  let outOfOrder = 0;
  let consumed = 0;
  let batches = 0;
  let seqLast = -1;
  const handler = (_view: DataView, offset: number, seq: number, endOfBatch: boolean): void => {
    const at = offset >>> 2;
    if (seq !== seqLast + 1) outOfOrder++;
    seqLast = seq;
    if (!payloadIsWhole(i32, at, words)) torn++;
    const producerId = i32[at + PAYLOAD_PRODUCER_WORD] ?? -1;
    const counter = i32[at + PAYLOAD_COUNTER_WORD] ?? -1;
    const expected = perProducer[producerId];
    if (expected === undefined || counter !== expected) outOfOrder++;
    else perProducer[producerId] = expected + 1;
    consumed++;
    if (endOfBatch) batches++;
  };
  if (job.gate === undefined) {
    consumer.run(handler, job.batchMax);
  } else {
    runGatedConsumer(consumer, handler, job, new Int32Array(job.gate), () => consumed);
  }
  return { role: 'consumer', consumed, perProducer, torn, outOfOrder, seqLast, batches };
}

/** A consumer that stalls after `stallAfter` messages until the gate opens (back-pressure). */
function runGatedConsumer(
  consumer: BatchConsumer,
  handler: (view: DataView, offset: number, seq: number, endOfBatch: boolean) => void,
  job: StressConsumerJob,
  gate: Int32Array,
  consumed: () => number,
): void {
  const stallAfter = job.stallAfter ?? 0;
  // Bounded by the ring's lifetime: ends when drained after close().
  for (;;) {
    if (consumed() >= stallAfter && Atomics.load(gate, 0) === 0) {
      Atomics.wait(gate, 0, 0, 50);
      continue;
    }
    const limit = consumed() < stallAfter ? Math.min(job.batchMax, stallAfter - consumed()) : job.batchMax;
    if (consumer.poll(handler, limit) > 0) continue;
    if (consumer.isDrained()) return;
    const seqNext = consumer.seqProcessed + 1;
    consumer.barrier.waitFor(seqNext, seqNext);
  }
}

function run(job: StressJob): StressResult {
  switch (job.role) {
    case 'producer':
      return runProducer(job);
    case 'consumer':
      return runConsumer(job);
    default: {
      const unreachable: never = job;
      throw new Error(`unknown job ${JSON.stringify(unreachable)}`);
    }
  }
}

assert(parentPort !== null, 'ring-stress-worker runs as a worker thread');
parentPort.postMessage(run(workerData as StressJob));
