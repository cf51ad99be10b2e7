import type { RingBuffer } from './ring-buffer.js';
import { assert,
  fail } from './ring-layout.js';
import type { Sequence } from './sequence.js';
import { WAIT_HYBRID_DEFAULT, assertWaitStrategy, idleStep, type WaitStrategy } from './wait-strategy.js';

/**
 * Claim results below -1 are codes, not sequences (claims are always ≥ 0):
 * - CLAIM_FULL: the slowest consumer has not released enough slots; the caller turns this into
 *   back-pressure (the gateway answers BUSY) and retries later. Nothing was claimed.
 * - CLAIM_CLOSED: the ring is shut down; nothing was claimed, nothing will be.
 */
export const CLAIM_FULL = -2;
export const CLAIM_CLOSED = -3;
export type ClaimCode = typeof CLAIM_FULL | typeof CLAIM_CLOSED;

export function isClaimCode(result: number): result is ClaimCode {
  return result === CLAIM_FULL || result === CLAIM_CLOSED;
}

/**
 * Bound on compare-and-set retries of one multi-producer claim. Each failed CAS means another
 * producer claimed, so lock-freedom makes this unreachable in practice; reaching it is a bug.
 */
export const CLAIM_CAS_ATTEMPTS_MAX = 1 << 20;

/**
 * Claims and publishes sequences. Producer protocol, for a batch of n slots:
 *
 *   const seqHi = sequencer.tryNext(n);       // or next(n) in a worker that may wait
 *   if (seqHi < 0) return seqHi;              // CLAIM_FULL → BUSY; CLAIM_CLOSED
 *   const seqLo = seqHi - n + 1;              // claimed: [seqLo, seqHi], both inclusive
 *   for (let s = seqLo; s <= seqHi; s++) write the slot at ring.slotOffset(s);
 *   sequencer.publish(seqLo, seqHi);
 *
 * A claimed sequence must be published (even as a no-op), or consumers stop at it.
 */
export interface Sequencer {
  readonly ring: RingBuffer;
  /** Claims n slots without waiting; returns the highest claimed sequence or a ClaimCode. */
  tryNext(n: number): number;
  /**
   * Claims n slots, waiting with the wait strategy while the ring is full. Returns the highest
   * claimed sequence, or CLAIM_CLOSED. Parks with Atomics.wait: never on the main thread.
   */
  next(n: number): number;
  /** Publishes the claimed range [seqLo, seqHi], both inclusive. Release fence for the slots. */
  publish(seqLo: number, seqHi: number): void;
}

export function createSequencer(ring: RingBuffer, wait: WaitStrategy = WAIT_HYBRID_DEFAULT): Sequencer {
  switch (ring.producerKind) {
    case 'single':
      return new SingleProducerSequencer(ring, wait);
    case 'multi':
      return new MultiProducerSequencer(ring, wait);
    default: {
      const unreachable: never = ring.producerKind;
      throw new Error(`unknown producer kind ${String(unreachable)}`);
    }
  }
}

/** Shared by both sequencers: the gating check and the wait for capacity. */
abstract class GatedSequencer implements Sequencer {
  readonly ring: RingBuffer;
  readonly #wait: WaitStrategy;
  /** The slowest consumer's sequence when last read; only ever lower than the truth. */
  protected seqGatingCached = -1;
  /** The wrap point a blocked next() waits for (read by ready()). */
  #seqWrapWanted = -1;

  constructor(ring: RingBuffer, wait: WaitStrategy) {
    assertWaitStrategy(wait);
    this.ring = ring;
    this.#wait = wait;
  }

  abstract tryNext(n: number): number;
  abstract next(n: number): number;
  abstract publish(seqLo: number, seqHi: number): void;

  protected assertClaimSize(n: number): void {
    if (!(Number.isInteger(n) && n >= 1)) fail(`claim of ${n} slots is at least 1`);
    if (!(n <= this.ring.slotCount)) fail(`claim of ${n} slots fits the ring`);
  }

  /**
   * True when the claim whose highest sequence is seqHi would not overwrite a slot the slowest
   * consumer still holds: seqHi − slotCount must be released. Reads the consumers' sequences
   * (acquire) only when the cached value is not enough, i.e. about once per lap.
   */
  protected hasCapacity(seqHi: number): boolean {
    const seqWrap = seqHi - this.ring.slotCount;
    if (seqWrap <= this.seqGatingCached) return true;
    this.seqGatingCached = this.ring.minConsumerSequence();
    return seqWrap <= this.seqGatingCached;
  }

  /** Waits until hasCapacity(seqHi) or the ring closes; bounded by the ring's lifetime. */
  protected waitForCapacity(seqHi: number): void {
    this.#seqWrapWanted = seqHi - this.ring.slotCount;
    for (let attempt = 0; !this.hasCapacity(seqHi); attempt++) {
      if (this.ring.isClosed()) return;
      idleStep(this.#wait, attempt, this.#slowestConsumer(), this);
    }
  }

  /** WaitCondition of waitForCapacity. */
  ready(): boolean {
    return this.ring.minConsumerSequence() >= this.#seqWrapWanted || this.ring.isClosed();
  }

  #slowestConsumer(): Sequence {
    let slowest = this.ring.consumerSequence(0);
    let seqMin = slowest.get();
    for (let i = 1; i < this.ring.consumerCount; i++) {
      const consumer = this.ring.consumerSequence(i);
      const seq = consumer.get();
      if (seq < seqMin) {
        seqMin = seq;
        slowest = consumer;
      }
    }
    return slowest;
  }

  protected assertPublishable(seqLo: number, seqHi: number): void {
    if (!(Number.isSafeInteger(seqLo) && seqLo >= 0)) fail(`publish from ${seqLo}`);
    if (!(seqHi >= seqLo && seqHi - seqLo < this.ring.slotCount)) fail(`publish [${seqLo}, ${seqHi}]`);
    // A producer that claimed after close() would publish sequences past seqEnd: lost. Loud.
    assert(!this.ring.isClosed() || seqHi <= this.ring.seqEnd(), 'no publish after shutdown');
  }
}

/**
 * One producer thread per ring. The cursor in shared memory is seqPublished; what is claimed
 * but not yet published lives only in this object.
 */
export class SingleProducerSequencer extends GatedSequencer {
  #seqClaimed: number;
  /** Local copy of the cursor: only this producer writes it, so no atomic read is needed. */
  #seqPublished: number;

  constructor(ring: RingBuffer, wait: WaitStrategy = WAIT_HYBRID_DEFAULT) {
    super(ring, wait);
    assert(ring.producerKind === 'single', 'single-producer sequencer on a single-producer ring');
    this.#seqClaimed = ring.cursor.get();
    this.#seqPublished = this.#seqClaimed;
    this.seqGatingCached = ring.minConsumerSequence();
  }

  tryNext(n: number): number {
    this.assertClaimSize(n);
    if (this.ring.isClosed()) return CLAIM_CLOSED;
    const seqHi = this.#seqClaimed + n;
    if (!this.hasCapacity(seqHi)) return CLAIM_FULL;
    this.#seqClaimed = seqHi;
    return seqHi;
  }

  next(n: number): number {
    this.assertClaimSize(n);
    if (this.ring.isClosed()) return CLAIM_CLOSED;
    const seqHi = this.#seqClaimed + n;
    this.waitForCapacity(seqHi);
    if (!this.hasCapacity(seqHi)) return CLAIM_CLOSED;
    this.#seqClaimed = seqHi;
    return seqHi;
  }

  publish(seqLo: number, seqHi: number): void {
    this.assertPublishable(seqLo, seqHi);
    assert(seqHi <= this.#seqClaimed, 'publish only what was claimed');
    assert(seqLo === this.#seqPublished + 1, 'single producer publishes in order');
    // Release fence: the slot writes above happen-before this store for any consumer that
    // loads the cursor and sees seqHi.
    this.ring.cursor.set(seqHi);
    this.#seqPublished = seqHi;
  }
}

/**
 * Any number of producer threads. The cursor is the highest claimed sequence (claimed by CAS
 * so a full ring claims nothing); publication is per slot in the availability buffer, so a
 * consumer never reads a slot that is claimed but not yet written.
 */
export class MultiProducerSequencer extends GatedSequencer {
  constructor(ring: RingBuffer, wait: WaitStrategy = WAIT_HYBRID_DEFAULT) {
    super(ring, wait);
    assert(ring.producerKind === 'multi', 'multi-producer sequencer on a multi-producer ring');
    this.seqGatingCached = ring.minConsumerSequence();
  }

  tryNext(n: number): number {
    this.assertClaimSize(n);
    for (let attempt = 0; attempt < CLAIM_CAS_ATTEMPTS_MAX; attempt++) {
      if (this.ring.isClosed()) return CLAIM_CLOSED;
      const seqCurrent = this.ring.cursor.get();
      const seqHi = seqCurrent + n;
      if (!this.hasCapacity(seqHi)) return CLAIM_FULL;
      // Full fence; fails only when another producer claimed in between.
      if (this.ring.cursor.compareAndSet(seqCurrent, seqHi)) return seqHi;
    }
    throw new Error(`ring invariant violated: claim lost ${CLAIM_CAS_ATTEMPTS_MAX} CAS races`);
  }

  next(n: number): number {
    this.assertClaimSize(n);
    if (this.ring.isClosed()) return CLAIM_CLOSED;
    // Claim first (fetch-and-add, no retry), then wait until the claim fits: the slots are
    // ours, and nobody else can be handed them meanwhile.
    const seqHi = this.ring.cursor.getAndAdd(n) + n;
    this.waitForCapacity(seqHi);
    // Closed while we waited: the claim stays unpublished, which close() reports loudly,
    // because shutdown requires producers to have stopped first.
    assert(this.hasCapacity(seqHi), 'capacity for a claim made before shutdown');
    return seqHi;
  }

  publish(seqLo: number, seqHi: number): void {
    this.assertPublishable(seqLo, seqHi);
    assert(seqHi <= this.ring.cursor.get(), 'publish only what was claimed');
    for (let seq = seqLo; seq <= seqHi; seq++) {
      // Release fence per slot: the slot's writes happen-before its flag.
      this.ring.markAvailable(seq);
    }
    this.ring.cursor.wake();
  }
}
