import { BATCH_SIZE_MAX_DEFAULT, type BatchConsumer, type SlotHandler } from './batch-consumer.js';
import { assert } from './ring-layout.js';
import { PARK_TIMEOUT_MS } from './wait-strategy.js';

/**
 * How the main thread waits without blocking its event loop:
 * - pollTurns: idle event-loop turns (setImmediate) spent re-polling before it parks. Each
 *   turn lets I/O run, so this spins the loop, not the thread: low latency, but a core stays
 *   busy while idle. Infinity = pure polling.
 * - then it parks with Atomics.waitAsync on the limiting sequence (woken by the producer's
 *   notify, which it pays only while somebody is parked). 0 pollTurns = pure waitAsync.
 */
export interface MainThreadWait {
  readonly pollTurns: number;
}

/**
 * Measured with bench/ring-hop-latency.ts (quick profile, 2-core machine, one-way p50 with a
 * worker pinging the main thread): pure polling (mainPoll) 0.59-0.77 µs, pure Atomics.waitAsync
 * (mainWaitAsync) 2.7-20 µs (an event-loop task per wake), postMessage (mainPostMessage)
 * 9-29 µs. Polling wins on latency but keeps a core busy while idle, which a 2-core machine
 * cannot spare; so the default polls for 256 idle turns (~0.5 µs each, so ~130 µs: longer than
 * a wake, for the same convoy reason as HYBRID_SPIN_ITERATIONS_DEFAULT) and then parks. Steady
 * traffic sees polling latency (mainHybrid 0.59 µs p50), idle costs nothing.
 */
export const MAIN_THREAD_WAIT_DEFAULT: MainThreadWait = { pollTurns: 256 };

/** Bound on batches handled in one event-loop turn before yielding to I/O. */
export const BATCHES_PER_TURN_MAX = 16;

/**
 * Drives a BatchConsumer from the main thread (the gateway reading the output ring): never
 * blocks, yields to the event loop at least every BATCHES_PER_TURN_MAX batches.
 */
export class MainThreadConsumer {
  readonly consumer: BatchConsumer;
  readonly #wait: MainThreadWait;
  readonly #limit: number;

  constructor(consumer: BatchConsumer, wait: MainThreadWait = MAIN_THREAD_WAIT_DEFAULT, limit = BATCH_SIZE_MAX_DEFAULT) {
    assert(wait.pollTurns >= 0, 'pollTurns is a count');
    assert(Number.isInteger(limit) && limit >= 1, 'batch limit is at least 1');
    this.consumer = consumer;
    this.#wait = wait;
    this.#limit = limit;
  }

  /** Consumes until the ring is closed and drained; resolves with how many slots it handled. */
  async run(handler: SlotHandler): Promise<number> {
    let processed = 0;
    let idleTurns = 0;
    // Bounded by the ring's lifetime: ends when the consumer is drained after close().
    for (;;) {
      let batches = 0;
      for (; batches < BATCHES_PER_TURN_MAX; batches++) {
        const n = this.consumer.poll(handler, this.#limit);
        if (n === 0) break;
        processed += n;
      }
      if (batches > 0) {
        idleTurns = 0;
        if (batches === BATCHES_PER_TURN_MAX) await nextTurn();
        continue;
      }
      if (this.consumer.isDrained()) return processed;
      if (idleTurns < this.#wait.pollTurns) {
        idleTurns++;
        await nextTurn();
      } else {
        await this.#park();
      }
    }
  }

  async #park(): Promise<void> {
    const barrier = this.consumer.barrier;
    const seqNext = this.consumer.seqProcessed + 1;
    barrier.available(seqNext, seqNext); // sets the limiting sequence: where to park
    const channel = barrier.limitingSequence();
    const signalSeen = channel.parkBegin();
    try {
      // Re-check after counting ourselves as a waiter (see Sequence.wake).
      if (barrier.isReadyFor(seqNext)) return;
      const woken = channel.parkWaitAsync(signalSeen, PARK_TIMEOUT_MS);
      if (woken !== undefined) await woken;
    } finally {
      channel.parkEnd();
    }
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
