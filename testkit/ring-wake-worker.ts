// Worker entry of ring-wake.integration.test.ts: one side of a wake-latency probe. Every
// message or release carries the time (process.hrtime.bigint(), one monotonic clock for all
// threads, as a number of ns) at which the other side advanced; this side records how long
// after that it was running again, and reports the samples in one message.
import { hrtime } from 'node:process';
import { parentPort, workerData } from 'node:worker_threads';
import { BatchConsumer } from '../ring/batch-consumer.js';
import { RingBuffer } from '../ring/ring-buffer.js';
import { assert, type RingDescriptor } from '../ring/ring-layout.js';
import { SequenceBarrier } from '../ring/sequence-barrier.js';
import { createSequencer } from '../ring/sequencer.js';
import type { WaitStrategy } from '../ring/wait-strategy.js';

export interface WakeWorkerJob {
  readonly descriptor: RingDescriptor;
  readonly wait: WaitStrategy;
  /**
   * - consumer: consumes slots (each stamped by the publisher) with BatchConsumer.run until
   *   the ring closes; a sample is now − the slot's stamp.
   * - producer: claims `count` slots one by one with next() on a ring the main thread releases
   *   one slot at a time; a sample is now − the stamp of the release the claim waited for.
   * - publisher: publishes `count` stamped slots, `gapMs` apart, for a main-thread consumer.
   */
  readonly role: 'consumer' | 'producer' | 'publisher';
  readonly consumerIndex: number;
  readonly dependsOn: readonly number[];
  readonly count: number;
  readonly gapMs: number;
  /** producer: Float64 at index k, the time of the main thread's k-th release (from 0). */
  readonly released: SharedArrayBuffer | null;
}

export function nowNs(): number {
  return Number(hrtime.bigint());
}

function consume(ring: RingBuffer, job: WakeWorkerJob): number[] {
  const samples: number[] = [];
  const barrier = new SequenceBarrier(ring, job.dependsOn, job.wait);
  const consumer = new BatchConsumer(ring, job.consumerIndex, barrier);
  consumer.run((view, offset) => {
    samples.push(nowNs() - view.getFloat64(offset, true));
  }, 1);
  return samples;
}

function produce(ring: RingBuffer, job: WakeWorkerJob): number[] {
  assert(job.released !== null, 'producer probe has a release stamp');
  const released = new Float64Array(job.released);
  const sequencer = createSequencer(ring, job.wait);
  const samples: number[] = [];
  for (let i = 0; i < job.count; i++) {
    const seq = sequencer.next(1);
    // The first slotCount claims fit at once; claim i waited for release i − slotCount.
    if (i >= ring.slotCount) samples.push(nowNs() - (released[i - ring.slotCount] as number));
    sequencer.publish(seq, seq);
  }
  return samples;
}

function publish(ring: RingBuffer, job: WakeWorkerJob): number[] {
  const sequencer = createSequencer(ring, job.wait);
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < job.count; i++) {
    // Nobody notifies this word: a sleep, so the main thread's consumer goes idle and parks.
    Atomics.wait(sleep, 0, 0, job.gapMs);
    const seq = sequencer.next(1);
    ring.view.setFloat64(ring.slotOffset(seq), nowNs(), true);
    sequencer.publish(seq, seq);
  }
  ring.close();
  return [];
}

if (parentPort !== null && (workerData as { role?: string } | null)?.role !== undefined) {
  const job = workerData as WakeWorkerJob;
  const ring = RingBuffer.attach(job.descriptor);
  parentPort.postMessage('ready');
  const samples = job.role === 'consumer' ? consume(ring, job) : job.role === 'producer' ? produce(ring, job) : publish(ring, job);
  parentPort.postMessage(samples);
}
