// Worker entry of the ring benchmarks (ring-throughput.ts, ring-hop-latency.ts): one role per
// worker, chosen by workerData. Every role posts 'ready', waits for the start flag (so thread
// start-up and module loading are not measured), runs, and posts one result.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BatchConsumer } from '../ring/batch-consumer.js';
import { RingBuffer } from '../ring/ring-buffer.js';
import { assert, type RingDescriptor } from '../ring/ring-layout.js';
import { BARRIER_END, BARRIER_TIMEOUT, SequenceBarrier } from '../ring/sequence-barrier.js';
import { CLAIM_CLOSED, createSequencer } from '../ring/sequencer.js';
import type { WaitStrategy } from '../ring/wait-strategy.js';
import { LatencyHistogram } from '../loadgen/histogram.js';
import type { LatencyPercentilesNs } from '../loadgen/histogram.js';

/** Int32 flags of the control buffer every role shares with the main thread. */
export const CONTROL_START = 0;
export const CONTROL_INTS = 1;

export type RingBenchJob =
  | { role: 'throughput-producer'; ring: RingDescriptor; control: SharedArrayBuffer; messages: number; claimSize: number; wait: WaitStrategy }
  | { role: 'throughput-consumer'; ring: RingDescriptor; control: SharedArrayBuffer; messages: number; batchMax: number; wait: WaitStrategy }
  | { role: 'ring-pinger'; ping: RingDescriptor; pong: RingDescriptor; control: SharedArrayBuffer; roundTrips: number; warmupRoundTrips: number; wait: WaitStrategy }
  | { role: 'ring-ponger'; ping: RingDescriptor; pong: RingDescriptor; control: SharedArrayBuffer; wait: WaitStrategy }
  | { role: 'message-pinger'; port: MessagePort; control: SharedArrayBuffer; roundTrips: number; warmupRoundTrips: number }
  | { role: 'message-ponger'; port: MessagePort; control: SharedArrayBuffer };

export type RingBenchResult =
  | { role: 'throughput-producer'; startNs: number; endNs: number }
  | { role: 'throughput-consumer'; endNs: number; consumed: number; checksum: number; batches: number }
  | { role: 'pinger'; oneWayNs: LatencyPercentilesNs; samples: number }
  | { role: 'ponger'; echoed: number };

/** Words of a throughput message written and read: a sequence and a value, like a small command. */
const THROUGHPUT_WORDS = 4;

/** Bound on re-waits for one pong: at ≥ 25 ms each, a minute or more of silence is a hang. */
const PONG_WAIT_RETRIES_MAX = 2_400;

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

function awaitStart(control: Int32Array): void {
  // Bounded: the main thread sets the flag right after every worker reported ready.
  for (let i = 0; i < 600 && Atomics.load(control, CONTROL_START) === 0; i++) {
    Atomics.wait(control, CONTROL_START, 0, 100);
  }
  assert(Atomics.load(control, CONTROL_START) === 1, 'benchmark started within a minute');
}

function throughputProducer(job: Extract<RingBenchJob, { role: 'throughput-producer' }>): RingBenchResult {
  const ring = RingBuffer.attach(job.ring);
  const sequencer = createSequencer(ring, job.wait);
  const i32 = ring.i32;
  awaitStart(new Int32Array(job.control));
  const startNs = nowNs();
  for (let sent = 0; sent < job.messages; ) {
    const n = Math.min(job.claimSize, job.messages - sent);
    const seqHi = sequencer.next(n);
    assert(seqHi !== CLAIM_CLOSED, 'the ring stays open while producing');
    const seqLo = seqHi - n + 1;
    for (let seq = seqLo; seq <= seqHi; seq++) {
      const at = ring.slotOffset(seq) >>> 2;
      i32[at] = seq;
      i32[at + 1] = seq ^ 0x5bd1e995;
      i32[at + 2] = n;
      i32[at + THROUGHPUT_WORDS - 1] = 1;
    }
    sequencer.publish(seqLo, seqHi);
    sent += n;
  }
  return { role: 'throughput-producer', startNs, endNs: nowNs() };
}

function throughputConsumer(job: Extract<RingBenchJob, { role: 'throughput-consumer' }>): RingBenchResult {
  const ring = RingBuffer.attach(job.ring);
  const consumer = new BatchConsumer(ring, 0, new SequenceBarrier(ring, [], job.wait));
  const i32 = ring.i32;
  let checksum = 0;
  let batches = 0;
  const handler = (_view: DataView, offset: number, seq: number, endOfBatch: boolean): void => {
    const at = offset >>> 2;
    // The payload must be this sequence's, whole: a wrong ring would show here.
    if (i32[at] !== (seq | 0) || i32[at + 1] !== ((seq ^ 0x5bd1e995) | 0)) checksum = NaN;
    checksum = (checksum + (i32[at + THROUGHPUT_WORDS - 1] ?? 0)) | 0;
    if (endOfBatch) batches++;
  };
  awaitStart(new Int32Array(job.control));
  let consumed = 0;
  while (consumed < job.messages) {
    const seqNext = consumer.seqProcessed + 1;
    const seqAvailable = consumer.barrier.waitFor(seqNext, seqNext + job.batchMax - 1);
    assert(seqAvailable !== BARRIER_END, 'the ring stays open while consuming');
    if (seqAvailable < seqNext) continue;
    consumed += consumer.poll(handler, job.batchMax);
  }
  return { role: 'throughput-consumer', endNs: nowNs(), consumed, checksum, batches };
}

function ringPinger(job: Extract<RingBenchJob, { role: 'ring-pinger' }>): RingBenchResult {
  const ping = RingBuffer.attach(job.ping);
  const pong = RingBuffer.attach(job.pong);
  const sequencer = createSequencer(ping, job.wait);
  const barrier = new SequenceBarrier(pong, [], job.wait);
  const pongConsumer = pong.consumerSequence(0);
  const histogram = new LatencyHistogram();
  awaitStart(new Int32Array(job.control));
  const total = job.warmupRoundTrips + job.roundTrips;
  for (let i = 0; i < total; i++) {
    const t0 = performance.now();
    const seq = sequencer.next(1);
    ping.i32[ping.slotOffset(seq) >>> 2] = i;
    sequencer.publish(seq, seq);
    // Steady traffic: the next ping leaves as soon as this pong arrives.
    let seqPong = barrier.waitFor(seq, seq);
    // A busy-spinning waitFor gives up after ~25 ms (WAIT_IDLE_STEPS_MAX idle steps); on a
    // loaded machine the ponger can be descheduled longer than that, so wait again (bounded).
    for (let retries = 0; seqPong === BARRIER_TIMEOUT && retries < PONG_WAIT_RETRIES_MAX; retries++) {
      seqPong = barrier.waitFor(seq, seq);
    }
    assert(seqPong === seq, 'every ping is answered');
    assert(pong.i32[pong.slotOffset(seq) >>> 2] === i, 'the pong echoes its ping');
    pongConsumer.set(seq);
    const oneWayNs = Math.round(((performance.now() - t0) * 1e6) / 2);
    if (i >= job.warmupRoundTrips) histogram.record(oneWayNs);
  }
  ping.close();
  return { role: 'pinger', oneWayNs: histogram.percentiles(), samples: histogram.count };
}

function ringPonger(job: Extract<RingBenchJob, { role: 'ring-ponger' }>): RingBenchResult {
  const ping = RingBuffer.attach(job.ping);
  const pong = RingBuffer.attach(job.pong);
  const sequencer = createSequencer(pong, job.wait);
  const consumer = new BatchConsumer(ping, 0, new SequenceBarrier(ping, [], job.wait));
  awaitStart(new Int32Array(job.control));
  const echoed = consumer.run((_view, offset, seqPing) => {
    const seq = sequencer.next(1);
    assert(seq === seqPing, 'pong sequences follow ping sequences');
    pong.i32[pong.slotOffset(seq) >>> 2] = ping.i32[offset >>> 2] ?? -1;
    sequencer.publish(seq, seq);
  }, 1);
  return { role: 'ponger', echoed };
}

async function messagePinger(job: Extract<RingBenchJob, { role: 'message-pinger' }>): Promise<RingBenchResult> {
  const histogram = new LatencyHistogram();
  awaitStart(new Int32Array(job.control));
  const total = job.warmupRoundTrips + job.roundTrips;
  for (let i = 0; i < total; i++) {
    const t0 = performance.now();
    const echoed = await new Promise<unknown>((resolve) => {
      job.port.once('message', resolve);
      job.port.postMessage(i);
    });
    assert(echoed === i, 'the reply echoes its message');
    const oneWayNs = Math.round(((performance.now() - t0) * 1e6) / 2);
    if (i >= job.warmupRoundTrips) histogram.record(oneWayNs);
  }
  job.port.postMessage(-1);
  job.port.close();
  return { role: 'pinger', oneWayNs: histogram.percentiles(), samples: histogram.count };
}

function messagePonger(job: Extract<RingBenchJob, { role: 'message-ponger' }>): Promise<RingBenchResult> {
  let echoed = 0;
  return new Promise((resolve) => {
    job.port.on('message', (value: number) => {
      if (value === -1) {
        job.port.close();
        resolve({ role: 'ponger', echoed });
        return;
      }
      echoed++;
      job.port.postMessage(value);
    });
  });
}

async function run(job: RingBenchJob): Promise<RingBenchResult> {
  switch (job.role) {
    case 'throughput-producer':
      return throughputProducer(job);
    case 'throughput-consumer':
      return throughputConsumer(job);
    case 'ring-pinger':
      return ringPinger(job);
    case 'ring-ponger':
      return ringPonger(job);
    case 'message-pinger':
      return messagePinger(job);
    case 'message-ponger':
      return messagePonger(job);
    default: {
      const unreachable: never = job;
      throw new Error(`unknown role ${JSON.stringify(unreachable)}`);
    }
  }
}

if (parentPort !== null && (workerData as RingBenchJob | undefined)?.role !== undefined) {
  const port = parentPort;
  port.postMessage('ready');
  port.postMessage(await run(workerData as RingBenchJob));
}
