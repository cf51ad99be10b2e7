import type { RingBuffer } from './ring-buffer.js';
import { assert,
  fail } from './ring-layout.js';
import { BARRIER_END, BARRIER_TIMEOUT, type SequenceBarrier } from './sequence-barrier.js';
import type { Sequence } from './sequence.js';

/**
 * Called once per slot, in sequence order. `view` spans the whole ring buffer and `offset` is
 * the slot's absolute byte offset in it (zero copy: codecs read the slot in place). The slot
 * belongs to the handler only during the call. `endOfBatch` is true for the last slot of a
 * batch: the place for slow work done once per batch (group commit, a flush).
 */
export type SlotHandler = (view: DataView, offset: number, sequence: number, endOfBatch: boolean) => void;

/** Default bound on one batch: enough to amortise the per-batch atomics, small enough that
 * the sequence released to producers and downstream consumers advances often. */
export const BATCH_SIZE_MAX_DEFAULT = 256;

/**
 * A consumer with its own sequence record in the ring (consumer index), reading through a
 * barrier. It releases a batch by storing its sequence after the batch's last handler call,
 * which is when producers may overwrite those slots and dependent consumers may read them.
 */
export class BatchConsumer {
  readonly ring: RingBuffer;
  readonly consumerIndex: number;
  readonly barrier: SequenceBarrier;
  /** This consumer's record: seqProcessed, as producers and dependents see it. */
  readonly sequence: Sequence;
  #seqProcessed: number;

  constructor(ring: RingBuffer, consumerIndex: number, barrier: SequenceBarrier) {
    assert(barrier.ring === ring, 'barrier of the same ring');
    assert(!barrier.dependsOn.includes(consumerIndex), 'a consumer does not depend on itself');
    this.ring = ring;
    this.consumerIndex = consumerIndex;
    this.barrier = barrier;
    this.sequence = ring.consumerSequence(consumerIndex);
    this.#seqProcessed = this.sequence.get();
  }

  /** The highest sequence this consumer has released (local copy of its record). */
  get seqProcessed(): number {
    return this.#seqProcessed;
  }

  /**
   * Agrona doWork(): processes what is available now, at most `limit` slots, without waiting.
   * Returns how many it processed; 0 drives the caller's idle strategy.
   */
  poll(handler: SlotHandler, limit: number = BATCH_SIZE_MAX_DEFAULT): number {
    const seqNext = this.#seqProcessed + 1;
    const seqAvailable = this.barrier.available(seqNext, seqNext + this.#batchBound(limit) - 1);
    if (seqAvailable < seqNext) return 0;
    return this.#process(handler, seqNext, seqAvailable);
  }

  /** True once the ring is closed and this consumer has processed everything up to seqEnd. */
  isDrained(): boolean {
    return this.barrier.isEnd(this.#seqProcessed + 1);
  }

  /**
   * Processes batches of at most `limit`, waiting with the barrier's strategy in between, until
   * the ring is closed and drained. Returns how many slots it processed. Worker threads only.
   */
  run(handler: SlotHandler, limit: number = BATCH_SIZE_MAX_DEFAULT): number {
    const bound = this.#batchBound(limit);
    let processed = 0;
    // Bounded by the ring's lifetime: ends when close() has fixed seqEnd and we passed it.
    for (;;) {
      const seqNext = this.#seqProcessed + 1;
      const seqAvailable = this.barrier.waitFor(seqNext, seqNext + bound - 1);
      if (seqAvailable === BARRIER_END) break;
      if (seqAvailable === BARRIER_TIMEOUT) continue;
      processed += this.#process(handler, seqNext, seqAvailable);
    }
    assert(this.isDrained(), 'run ends drained');
    return processed;
  }

  #batchBound(limit: number): number {
    if (!(Number.isInteger(limit) && limit >= 1)) fail(`batch limit ${limit} is at least 1`);
    return Math.min(limit, this.ring.slotCount);
  }

  /** Hands [seqLo, seqHi] (both inclusive) to the handler, then releases them. */
  #process(handler: SlotHandler, seqLo: number, seqHi: number): number {
    assert(seqLo === this.#seqProcessed + 1, 'batches are contiguous');
    assert(seqHi >= seqLo && seqHi - seqLo < this.ring.slotCount, 'a batch is within one lap');
    const view = this.ring.view;
    for (let seq = seqLo; seq <= seqHi; seq++) {
      handler(view, this.ring.slotOffset(seq), seq, seq === seqHi);
    }
    // Release fence: the handler's reads of these slots happen-before a producer that sees
    // this value overwrites them; a dependent consumer that sees it may read them.
    this.sequence.set(seqHi);
    this.#seqProcessed = seqHi;
    return seqHi - seqLo + 1;
  }
}
