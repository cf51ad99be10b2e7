import { isMainThread } from 'node:worker_threads';
import {
  RECORD_PENDING_OFFSET,
  RECORD_SIGNAL_OFFSET,
  RECORD_VALUE_OFFSET,
  RECORD_WAITERS_OFFSET,
  assert,
  fail,
  i32Index,
  i64Index,
} from './ring-layout.js';

/**
 * A view of one sequence record in a ring's shared memory (see ring-layout.ts): a 64-bit
 * sequence value plus the wait channel (signal, waiters) of whoever waits for it to advance.
 *
 * Every access is an Atomics operation, and JS Atomics are sequentially consistent: a store
 * here is a release fence for the plain slot writes before it, a load here is an acquire fence
 * for the plain slot reads after it. Call sites say which of the two they rely on.
 *
 * Values are BigInt in memory and safe-integer numbers in code; each get() allocates a BigInt,
 * so callers read once per batch and cache (see ring-layout.ts for the measured cost).
 */
export class Sequence {
  readonly #i64: BigInt64Array;
  readonly #i32: Int32Array;
  readonly #valueIndex: number;
  readonly #signalIndex: number;
  readonly #waitersIndex: number;
  readonly #pendingIndex: number;

  constructor(i64: BigInt64Array, i32: Int32Array, recordOffset: number) {
    assert(i64.buffer === i32.buffer, 'both views are over the same buffer');
    this.#i64 = i64;
    this.#i32 = i32;
    this.#valueIndex = i64Index(recordOffset + RECORD_VALUE_OFFSET);
    this.#signalIndex = i32Index(recordOffset + RECORD_SIGNAL_OFFSET);
    this.#waitersIndex = i32Index(recordOffset + RECORD_WAITERS_OFFSET);
    this.#pendingIndex = i32Index(recordOffset + RECORD_PENDING_OFFSET);
  }

  /** Acquire load of the value. */
  get(): number {
    return Number(Atomics.load(this.#i64, this.#valueIndex));
  }

  /** Release store of the value, then a wake only if somebody parked since the last one. */
  set(value: number): void {
    if (!(Number.isSafeInteger(value) && value >= -1)) fail(`sequence ${value} is a safe integer`);
    Atomics.store(this.#i64, this.#valueIndex, BigInt(value));
    this.wake();
  }

  /** Store without a wake: initialisation only, before the ring is shared. */
  init(value: number): void {
    Atomics.store(this.#i64, this.#valueIndex, BigInt(value));
  }

  /** Full-fence compare-and-set; true when the value was `expected` and is now `next`. */
  compareAndSet(expected: number, next: number): boolean {
    if (!(Number.isSafeInteger(next))) fail(`sequence ${next} is a safe integer`);
    const witnessed = Atomics.compareExchange(
      this.#i64,
      this.#valueIndex,
      BigInt(expected),
      BigInt(next),
    );
    return Number(witnessed) === expected;
  }

  /** Full-fence fetch-and-add; returns the value before the add. */
  getAndAdd(delta: number): number {
    const before = Number(Atomics.add(this.#i64, this.#valueIndex, BigInt(delta)));
    assert(Number.isSafeInteger(before + delta), 'sequence stays a safe integer');
    return before;
  }

  /**
   * Wakes parked waiters, paying Atomics.notify only when somebody parked since the last wake:
   * it takes the `pending` flag (exchange to 0) and notifies once for all of them. A woken
   * waiter stays counted in `waiters` until it runs, which on a loaded 2-core machine is
   * milliseconds later; gating on `waiters` instead made every advance in that window pay a
   * notify (12% of the core worker's time in bench/pipeline-throughput.ts, measured).
   *
   * No lost wake, because all of it is sequentially consistent: a waiter sets `pending` before
   * it reads the signal and re-checks the value. If this load (or the exchange) does not see
   * that store, the store comes later in the total order than the value stored before this
   * call, so the waiter's re-check sees the value and it does not sleep. If the exchange takes
   * it, the signal is bumped and notified after it: the waiter either reads the new signal
   * (its wait returns at once) or sleeps on the old one and is notified.
   */
  wake(): void {
    if (Atomics.load(this.#i32, this.#pendingIndex) === 0) return;
    if (Atomics.exchange(this.#i32, this.#pendingIndex, 0) === 0) return;
    Atomics.add(this.#i32, this.#signalIndex, 1);
    Atomics.notify(this.#i32, this.#signalIndex);
  }

  /** Wakes unconditionally (shutdown): bumps the signal so a waiter about to park won't. */
  wakeAlways(): void {
    Atomics.store(this.#i32, this.#pendingIndex, 0);
    Atomics.add(this.#i32, this.#signalIndex, 1);
    Atomics.notify(this.#i32, this.#signalIndex);
  }

  /**
   * Park protocol, step 1: count this thread as a waiter, ask for a wake (`pending`), and read
   * the signal. The caller then re-checks its condition and only then calls parkWait with the
   * signal it read here: if the value advanced in between, the signal changed too (see wake)
   * and the wait returns at once.
   */
  parkBegin(): number {
    Atomics.add(this.#i32, this.#waitersIndex, 1);
    // Order: `pending` is stored before the signal is read (see wake).
    Atomics.store(this.#i32, this.#pendingIndex, 1);
    return Atomics.load(this.#i32, this.#signalIndex);
  }

  /** Park protocol, step 2: sleep until woken, the signal differs, or the timeout passes. */
  parkWait(signalSeen: number, timeoutMs: number): void {
    // Atomics.wait on the main thread would freeze the event loop: the main thread waits with
    // parkWaitAsync (or polls) instead. This is a programmer error, so it throws.
    assert(!isMainThread, 'Atomics.wait is never called on the main thread');
    Atomics.wait(this.#i32, this.#signalIndex, signalSeen, timeoutMs);
  }

  /** Park protocol, step 2 for the main thread: resolves when woken or timed out. */
  parkWaitAsync(signalSeen: number, timeoutMs: number): Promise<unknown> | undefined {
    const result = atomicsWaitAsync(this.#i32, this.#signalIndex, signalSeen, timeoutMs);
    return result.async ? (result.value as Promise<unknown>) : undefined;
  }

  /**
   * Park protocol, step 3: no longer a waiter. `pending` is left as it is: clearing it here
   * could erase another waiter's request; a stale flag costs one spare notify, once.
   */
  parkEnd(): void {
    const before = Atomics.sub(this.#i32, this.#waitersIndex, 1);
    assert(before >= 1, 'waiter count stays non-negative');
  }

  /** Number of parked waiters (tests and diagnostics). */
  waiters(): number {
    return Atomics.load(this.#i32, this.#waitersIndex);
  }
}

/**
 * Atomics.waitAsync exists in Node 20 (V8 ≥ 8.7) but is typed only in lib ES2024, and this
 * project compiles against ES2022: declare just what is used.
 */
interface WaitAsyncResult {
  readonly async: boolean;
  readonly value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out';
}
type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs: number) => WaitAsyncResult;

const atomicsWaitAsync: WaitAsync = (() => {
  const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  assert(typeof waitAsync === 'function', 'Atomics.waitAsync exists (Node >= 16)');
  return waitAsync;
})();
