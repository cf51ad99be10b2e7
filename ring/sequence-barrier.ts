import type { RingBuffer } from './ring-buffer.js';
import { assert } from './ring-layout.js';
import type { Sequence } from './sequence.js';
import { assertWaitStrategy, idleStep, type WaitCondition, type WaitStrategy } from './wait-strategy.js';

/** waitFor results below -1 are codes, not sequences. */
/** The ring is closed and the consumer has passed seqEnd: nothing more will come. */
export const BARRIER_END = -2;
/** waitFor reached its bound on idle steps with nothing available; call again. */
export const BARRIER_TIMEOUT = -3;
export type BarrierCode = typeof BARRIER_END | typeof BARRIER_TIMEOUT;

/**
 * Bound on the idle steps of one waitFor: with hybrid waiting that is about a million spins
 * or parks of at most PARK_TIMEOUT_MS each, after which the caller regains control (to check
 * its own stop conditions) and calls again.
 */
export const WAIT_IDLE_STEPS_MAX = 1 << 20;

/**
 * What a consumer may read: everything its dependencies have passed. With no dependencies it
 * follows the producers (the cursor, plus the availability buffer for multi-producer rings);
 * with dependencies it follows the slowest of those consumers. The core consumer is the same
 * code either way: `dependsOn: []` until the journal exists, `dependsOn: [JOURNAL]` after.
 */
export class SequenceBarrier implements WaitCondition {
  readonly ring: RingBuffer;
  readonly dependsOn: readonly number[];
  readonly #dependencies: readonly Sequence[];
  readonly #wait: WaitStrategy;
  /** The sequence whose advance the last available() call was limited by: where to park. */
  #limiting: Sequence;
  /** The sequence waitFor is waiting for (read by ready()). */
  #seqWanted = 0;

  constructor(ring: RingBuffer, dependsOn: readonly number[], wait: WaitStrategy) {
    assertWaitStrategy(wait);
    assert(new Set(dependsOn).size === dependsOn.length, 'dependencies are distinct');
    this.ring = ring;
    this.dependsOn = [...dependsOn];
    this.#dependencies = dependsOn.map((i) => ring.consumerSequence(i));
    this.#wait = wait;
    this.#limiting = this.#dependencies[0] ?? ring.cursor;
  }

  /**
   * Non-blocking: the highest sequence that may be read, at most seqHiMax, given the consumer
   * next wants seqNext. Below seqNext means nothing is available. Acquire: slots up to the
   * returned sequence are fully written and visible.
   */
  available(seqNext: number, seqHiMax: number): number {
    assert(seqHiMax >= seqNext, 'the bound admits at least one sequence');
    if (this.#dependencies.length === 0) {
      this.#limiting = this.ring.cursor;
      const seqCursor = this.ring.cursor.get();
      if (seqCursor < seqNext) return seqCursor;
      return this.ring.highestPublished(seqNext, Math.min(seqCursor, seqHiMax));
    }
    let seqMin = Number.MAX_SAFE_INTEGER;
    for (const dependency of this.#dependencies) {
      const seq = dependency.get();
      if (seq < seqMin) {
        seqMin = seq;
        this.#limiting = dependency;
      }
    }
    return Math.min(seqMin, seqHiMax);
  }

  /** True when the ring is closed and seqNext lies past its last sequence. */
  isEnd(seqNext: number): boolean {
    // Fence order: `closed` is loaded before seqEnd (close() stores them the other way round).
    return this.ring.isClosed() && seqNext > this.ring.seqEnd();
  }

  /**
   * Waits with the wait strategy until seqNext is available; returns the highest available
   * sequence (≥ seqNext, ≤ seqHiMax), BARRIER_END, or BARRIER_TIMEOUT after
   * idleStepsMax idle steps. Parks with Atomics.wait: never on the main thread.
   */
  waitFor(seqNext: number, seqHiMax: number, idleStepsMax: number = WAIT_IDLE_STEPS_MAX): number {
    this.#seqWanted = seqNext;
    for (let attempt = 0; attempt < idleStepsMax; attempt++) {
      const seqAvailable = this.available(seqNext, seqHiMax);
      if (seqAvailable >= seqNext) return seqAvailable;
      if (this.isEnd(seqNext)) return BARRIER_END;
      idleStep(this.#wait, attempt, this.#limiting, this);
    }
    return BARRIER_TIMEOUT;
  }

  /** WaitCondition: re-checked after registering as a waiter, before sleeping. */
  ready(): boolean {
    return this.isReadyFor(this.#seqWanted);
  }

  isReadyFor(seqNext: number): boolean {
    return this.available(seqNext, seqNext) >= seqNext || this.isEnd(seqNext);
  }

  /** Where a waiter for seqNext parks: the sequence that limited the last available(). */
  limitingSequence(): Sequence {
    return this.#limiting;
  }
}
