import { describe, expect, it } from 'vitest';
import { siblingModuleUrl, spawnWorker } from '../platform/worker-spawn.js';
import { BatchConsumer } from './batch-consumer.js';
import { MainThreadConsumer } from './main-thread-consumer.js';
import { RingBuffer } from './ring-buffer.js';
import type { ProducerKind } from './ring-layout.js';
import { PAYLOAD_COUNTER_WORD, payloadIsWhole, writePayload } from '../testkit/ring-stress-payload.js';
import type {
  StressConsumerJob,
  StressConsumerResult,
  StressJob,
  StressProducerJob,
  StressProducerResult,
  StressResult,
} from '../testkit/ring-stress-worker.js';
import { SequenceBarrier } from './sequence-barrier.js';
import { CLAIM_FULL, createSequencer } from './sequencer.js';
import type { WaitStrategy } from './wait-strategy.js';

const workerUrl = siblingModuleUrl(import.meta.url, '../testkit/ring-stress-worker');
// 6 threads on 2 cores: every thread parks soon after it finds nothing to do.
const HYBRID: WaitStrategy = { kind: 'hybrid', spinIterations: 200 };
const SLOT_BYTES = 128;

function runJob(job: StressJob): Promise<StressResult> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(workerUrl, { workerData: job });
    let result: StressResult | undefined;
    worker.once('message', (message: StressResult) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`stress worker exited with ${code} and ${result ? 'a' : 'no'} result`));
    });
  });
}

const runProducer = (job: StressProducerJob) => runJob(job) as Promise<StressProducerResult>;
const runConsumer = (job: StressConsumerJob) => runJob(job) as Promise<StressConsumerResult>;

function makeRing(slotCount: number, consumerCount: number, producerKind: ProducerKind = 'multi'): RingBuffer {
  return RingBuffer.create({ slotCount, slotBytes: SLOT_BYTES, consumerCount, producerKind });
}

function consumerJob(ring: RingBuffer, consumerIndex: number, dependsOn: number[], producers: number): StressConsumerJob {
  return { role: 'consumer', descriptor: ring.descriptor, consumerIndex, dependsOn, producers, batchMax: 256, wait: HYBRID };
}

function producerJob(ring: RingBuffer, producerId: number, messages: number, claim: 'next' | 'tryNext'): StressProducerJob {
  return { role: 'producer', descriptor: ring.descriptor, producerId, messages, claim, claimSizeMax: 8, wait: HYBRID };
}

function expectExactlyOnceInOrder(result: StressConsumerResult, produced: number[]): void {
  expect(result.torn).toBe(0);
  expect(result.outOfOrder).toBe(0);
  expect(result.perProducer).toEqual(produced);
  const total = produced.reduce((a, b) => a + b, 0);
  expect(result.consumed).toBe(total);
  expect(result.seqLast).toBe(total - 1);
}

describe('ring with real threads', () => {
  for (const topology of ['chained', 'parallel'] as const) {
    it(`4 producers × 1M messages through 1024 slots reach 2 ${topology} consumers exactly once, in order, whole`, async () => {
      const producers = 4;
      const messages = 1_000_000;
      const ring = makeRing(1024, 2);
      // chained: consumer 1 reads only what consumer 0 released (journal → core);
      // parallel: both follow the producers.
      const consumers = [
        runConsumer(consumerJob(ring, 0, [], producers)),
        runConsumer(consumerJob(ring, 1, topology === 'chained' ? [0] : [], producers)),
      ];
      const claims = ['next', 'tryNext', 'next', 'tryNext'] as const;
      const results = await Promise.all(
        claims.map((claim, producerId) => runProducer(producerJob(ring, producerId, messages, claim))),
      );
      const produced = results.map((r) => r.produced);
      expect(produced).toEqual([messages, messages, messages, messages]);
      expect(ring.close()).toBe(producers * messages - 1);
      for (const result of await Promise.all(consumers)) {
        expectExactlyOnceInOrder(result, produced);
        expect(result.batches).toBeLessThan(result.consumed); // it did batch
      }
      // The ring wrapped thousands of times, and the slowest consumer ended at seqEnd.
      expect(ring.minConsumerSequence()).toBe(ring.seqEnd());
    });
  }

  it('parked threads are woken by the thread that advances, not by the park timeout (no lost wake-ups)', async () => {
    // Two slots and blocking waits on both sides: nearly every message parks the producer (ring
    // full) or the consumer (ring empty). A lost wake-up costs PARK_TIMEOUT_MS (50 ms), so
    // 5000 messages would take minutes; with working wakes they take well under a second.
    const ring = makeRing(2, 1, 'single');
    const blocking: WaitStrategy = { kind: 'blocking' };
    const messages = 5_000;
    const startedMs = Date.now();
    const consumer = runConsumer({ ...consumerJob(ring, 0, [], 1), wait: blocking, batchMax: 1 });
    const { produced } = await runProducer({ ...producerJob(ring, 0, messages, 'next'), wait: blocking, claimSizeMax: 1 });
    ring.close();
    expectExactlyOnceInOrder(await consumer, [produced]);
    expect(produced).toBe(messages);
    expect(Date.now() - startedMs).toBeLessThan(15_000);
    expect(ring.cursor.waiters()).toBe(0);
    expect(ring.consumerSequence(0).waiters()).toBe(0);
  });

  it('a stalled consumer makes tryNext return CLAIM_FULL without overwriting, and traffic resumes when it moves', async () => {
    const slotCount = 64;
    const stallAfter = 10;
    const ring = makeRing(slotCount, 1, 'single');
    const gate = new SharedArrayBuffer(4);
    const consumer = runConsumer({ ...consumerJob(ring, 0, [], 1), stallAfter, gate });
    const sequencer = createSequencer(ring);
    const words = SLOT_BYTES / 4;
    let counter = 0;
    const produceOne = (): boolean => {
      const seq = sequencer.tryNext(1);
      if (seq === CLAIM_FULL) return false;
      expect(seq).toBe(counter);
      writePayload(ring.i32, ring.slotOffset(seq) >>> 2, words, 0, counter++);
      sequencer.publish(seq, seq);
      return true;
    };
    // Fill until full: the consumer stalls after `stallAfter`, so exactly slotCount + stallAfter fit.
    for (let attempts = 0; attempts < 10_000 && counter < slotCount + stallAfter; attempts++) {
      if (!produceOne()) await new Promise((r) => setTimeout(r, 1));
    }
    expect(counter).toBe(slotCount + stallAfter);
    for (let i = 0; i < 100; i++) expect(sequencer.tryNext(1)).toBe(CLAIM_FULL);
    expect(ring.consumerSequence(0).get()).toBe(stallAfter - 1);
    // Nothing was overwritten: the unconsumed slots still hold their own messages.
    for (let seq = stallAfter; seq < counter; seq++) {
      const at = ring.slotOffset(seq) >>> 2;
      expect(payloadIsWhole(ring.i32, at, words)).toBe(true);
      expect(ring.i32[at + PAYLOAD_COUNTER_WORD]).toBe(seq);
    }
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    const total = 20_000;
    for (let attempts = 0; attempts < 1_000_000 && counter < total; attempts++) {
      if (!produceOne()) await new Promise((r) => setImmediate(r));
    }
    expect(counter).toBe(total);
    ring.close();
    expectExactlyOnceInOrder(await consumer, [total]);
  });

  it('shutdown under load loses nothing: producers stop mid-stream, consumers drain to the last published sequence', async () => {
    const producers = 4;
    const ring = makeRing(256, 2);
    const stop = new SharedArrayBuffer(4);
    const consumers = [runConsumer(consumerJob(ring, 0, [], producers)), runConsumer(consumerJob(ring, 1, [0], producers))];
    const running = Array.from({ length: producers }, (_, producerId) =>
      runProducer({ ...producerJob(ring, producerId, Number.MAX_SAFE_INTEGER, producerId % 2 ? 'tryNext' : 'next'), stop }),
    );
    // Stop while traffic flows: wait until messages are moving, then raise the flag.
    for (let i = 0; i < 2_000 && ring.cursor.get() < 100_000; i++) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(new Int32Array(stop), 0, 1);
    const produced = (await Promise.all(running)).map((r) => r.produced);
    expect(Math.min(...produced)).toBeGreaterThan(0);
    const seqEnd = ring.close();
    expect(seqEnd).toBe(produced.reduce((a, b) => a + b, 0) - 1);
    for (const result of await Promise.all(consumers)) expectExactlyOnceInOrder(result, produced);
  });

  for (const pollTurns of [0, Infinity]) {
    it(`a main-thread consumer (pollTurns ${pollTurns}) drains a worker producer without blocking the event loop`, async () => {
      const ring = makeRing(1024, 1);
      const barrier = new SequenceBarrier(ring, [], HYBRID);
      const consumer = new MainThreadConsumer(new BatchConsumer(ring, 0, barrier), { pollTurns });
      const words = SLOT_BYTES / 4;
      const perProducer = [0];
      let torn = 0;
      let timerTicks = 0;
      const timer = setInterval(() => timerTicks++, 1);
      const consumed = consumer.run((_view, offset) => {
        const at = offset >>> 2;
        if (!payloadIsWhole(ring.i32, at, words)) torn++;
        if (ring.i32[at + PAYLOAD_COUNTER_WORD] === perProducer[0]) perProducer[0]! += 1;
      });
      const messages = 200_000;
      const [result] = await Promise.all([runProducer(producerJob(ring, 0, messages, 'next'))]);
      expect(result.produced).toBe(messages);
      ring.close();
      expect(await consumed).toBe(messages);
      clearInterval(timer);
      expect(torn).toBe(0);
      expect(perProducer).toEqual([messages]);
      expect(timerTicks).toBeGreaterThan(0); // the event loop kept turning
    });
  }
});
