import type { Sequence } from './sequence.js';

/**
 * How a thread waits for a sequence to advance. Plain data, so it travels in workerData.
 *
 * - busy-spin: re-check in a tight loop. Lowest hop latency (well under a microsecond), but it
 *   burns a core: on these 2-core machines, use it for at most one thread.
 * - hybrid: spin `spinIterations` re-checks, then park with Atomics.wait until the advancing
 *   thread wakes it. Latency of a spin while traffic flows, no CPU when idle; the default.
 * - blocking: park at once. A futex wake costs tens of microseconds, so this is for threads
 *   whose latency does not matter (or for tests that oversubscribe cores on purpose).
 *
 * Parking uses Atomics.wait, which the main thread must never call: the main thread consumes
 * with MainThreadConsumer (Atomics.waitAsync or setImmediate polling) instead.
 */
export type WaitStrategy =
  | { readonly kind: 'busy-spin' }
  | { readonly kind: 'hybrid'; readonly spinIterations: number }
  | { readonly kind: 'blocking' };

/**
 * Hybrid default: 10 000 re-checks ≈ 250 µs (an idle step of SequenceBarrier.waitFor measured
 * at ~25 ns on the 2-core development machine). The window must exceed a futex wake (~30 µs
 * p50, > 100 µs p99 there) with margin: if one side of a steady exchange parks and its wake
 * takes longer than the other side's spin window, that side parks too, and every later hop
 * pays a wake (a convoy that never recovers). Measured with bench/ring-hop-latency.ts: with
 * 1000 re-checks (25 µs) hybrid one-way p50 was 29-31 µs in 2 of 3 runs under load; with
 * 10 000 it is 225 ns, the same as busy-spin. The cost is at most 250 µs of spinning each time
 * a thread goes idle.
 */
export const HYBRID_SPIN_ITERATIONS_DEFAULT = 10_000;

export const WAIT_HYBRID_DEFAULT: WaitStrategy = {
  kind: 'hybrid',
  spinIterations: HYBRID_SPIN_ITERATIONS_DEFAULT,
};

/**
 * A park sleeps at most this long before re-checking. Wakes are explicit (see Sequence.wake),
 * so this is only a safety net: a missed wake would show as a 50 ms stall, not a hang.
 */
export const PARK_TIMEOUT_MS = 50;

/** What a waiter re-checks between registering as a waiter and sleeping. */
export interface WaitCondition {
  /** True when the waiter need not sleep (its sequence advanced, or the ring closed). */
  ready(): boolean;
}

/**
 * One idle step of a wait loop, after a check found nothing: spins (returns at once) or parks
 * on `channel` (the sequence whose advance the waiter needs) until woken. `attempt` counts the
 * consecutive idle steps of this wait, from 0.
 */
export function idleStep(
  strategy: WaitStrategy,
  attempt: number,
  channel: Sequence,
  condition: WaitCondition,
): void {
  switch (strategy.kind) {
    case 'busy-spin':
      return;
    case 'hybrid':
      if (attempt < strategy.spinIterations) return;
      park(channel, condition);
      return;
    case 'blocking':
      park(channel, condition);
      return;
    default: {
      const unreachable: never = strategy;
      throw new Error(`unknown wait strategy ${JSON.stringify(unreachable)}`);
    }
  }
}

function park(channel: Sequence, condition: WaitCondition): void {
  const signalSeen = channel.parkBegin();
  try {
    // Re-check after counting ourselves as a waiter: an advance from now on either changes
    // the signal (so the wait returns at once) or notifies us.
    if (!condition.ready()) channel.parkWait(signalSeen, PARK_TIMEOUT_MS);
  } finally {
    channel.parkEnd();
  }
}

export function assertWaitStrategy(strategy: WaitStrategy): void {
  if (strategy.kind === 'hybrid') {
    const n = strategy.spinIterations;
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`spinIterations ${n} is a count`);
  }
}
