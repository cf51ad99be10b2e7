import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { OpenLoopSchedule } from './open-loop.js';
import { siblingModuleUrl, spawnWorker } from '../platform/worker-spawn.js';

/**
 * A wake-up source for an open-loop sender on the main thread that must send at sub-millisecond
 * intended times without spinning and without leaving replies unread.
 *
 *   ticker thread: sleep (Atomics.wait, timed) ─▶ short spin to the intended time ─▶ tick++ + notify
 *   main thread:   await Atomics.waitAsync(tick) ─▶ send what is due ─▶ wait again (replies are read
 *                  by the event loop in between, as they arrive)
 *
 * Why a thread: the main thread's own timers have ~1 ms granularity (a 10K/s schedule would go out
 * in bursts of ten, each order late by up to a millisecond), and yielding between sends
 * (setImmediate) keeps a core busy polling, which on a 2-core machine is taken from the server
 * being measured. A timed Atomics.wait here returns ~85 µs after its timeout (and a sleep of any
 * length costs ~20 µs of CPU with the wake it causes on the main thread); the ticker learns the
 * overshoot, sleeps that much less, up to TICKER_SPIN_NS_MAX, and spins the rest. Measured at
 * 10K ticks/s alone on the loaded 2-core VM: the two threads together 44% of a core and ticks
 * 85 µs late (p50) without spinning; 46% and 38 µs with 50 µs; 122-129% and 25 µs with 150 µs,
 * where the overshoot exceeds the 100 µs gap and the ticker never sleeps.
 */
export interface SendTickerData {
  kind: 'ordo-send-ticker';
  /** Int32 [TICK]: ticks so far; [STOP]: 1 ends the thread; [GO]: 1 once START_NS is set. */
  control: SharedArrayBuffer;
  /** BigInt64 [0]: process.hrtime.bigint() of the schedule's start (one clock for all threads). */
  start: SharedArrayBuffer;
  ratePerSecond: number;
  count: number;
}

export const TICK = 0;
export const STOP = 1;
export const GO = 2;
/** How long the ticker waits for its schedule to start before it gives up. */
const GO_TIMEOUT_MS = 60_000;
/** The ticker never spins longer than this before a tick: the rest of the wait is a sleep. */
export const TICKER_SPIN_NS_MAX = 50_000;
/** Starting estimate of how late a timed Atomics.wait returns (capped at TICKER_SPIN_NS_MAX). */
const OVERSHOOT_NS_INITIAL = TICKER_SPIN_NS_MAX;

export class SendTicker {
  private seen = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly startNs: BigInt64Array,
  ) {}

  /**
   * Spawns the ticker thread for a schedule of `count` commands at `ratePerSecond`; it waits for
   * begin(), so the thread's start-up (tens of ms) is not charged to the first commands.
   */
  static spawn(ratePerSecond: number, count: number): Promise<SendTicker> {
    const control = new Int32Array(new SharedArrayBuffer(3 * 4));
    const startNs = new BigInt64Array(new SharedArrayBuffer(8));
    const data: SendTickerData = { kind: 'ordo-send-ticker', control: control.buffer as SharedArrayBuffer, start: startNs.buffer as SharedArrayBuffer, ratePerSecond, count };
    const worker = spawnWorker(siblingModuleUrl(import.meta.url, './send-ticker'), { workerData: data });
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', () => resolve(new SendTicker(worker, control, startNs)));
    });
  }

  /**
   * Starts ticking along `schedule`, which must have been started just now. The ticker's start
   * is read after the schedule's, so it is never earlier: a tick never comes before its time.
   */
  begin(schedule: OpenLoopSchedule): void {
    Atomics.store(this.startNs, 0, process.hrtime.bigint() - BigInt(schedule.elapsedNs()));
    Atomics.store(this.control, GO, 1);
    Atomics.notify(this.control, GO);
  }

  /** Ticks seen by next() so far. */
  get ticks(): number {
    return this.seen;
  }

  /** Resolves at the next tick (at once if one came since the last call), or after `timeoutMs`. */
  async next(timeoutMs: number): Promise<void> {
    // Typed in lib ES2024 only (the project compiles against ES2022); present in Node 20.
    const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: unknown } }).waitAsync;
    const r = waitAsync(this.control, TICK, this.seen, timeoutMs);
    if (r.async) await r.value;
    this.seen = Atomics.load(this.control, TICK);
  }

  async stop(): Promise<void> {
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, STOP);
    Atomics.store(this.control, GO, 1);
    Atomics.notify(this.control, GO);
    await this.worker.terminate();
  }
}

function runTicker(data: SendTickerData): void {
  const control = new Int32Array(data.control);
  const schedule = new OpenLoopSchedule({ ratePerSecond: data.ratePerSecond, count: data.count });
  if (Atomics.wait(control, GO, 0, GO_TIMEOUT_MS) === 'timed-out') return;
  const startNs = Atomics.load(new BigInt64Array(data.start), 0);
  let overshootNs = OVERSHOOT_NS_INITIAL;
  const sinceStartNs = (): number => Number(process.hrtime.bigint() - startNs);
  // Bounded by the schedule: one tick per command, each after at most one sleep and one spin.
  for (let i = 0; i < schedule.count && Atomics.load(control, STOP) === 0; i++) {
    const targetNs = schedule.intendedNs(i);
    let nowNs = sinceStartNs();
    const sleepNs = targetNs - nowNs - overshootNs;
    if (sleepNs > 0) {
      Atomics.wait(control, STOP, 0, sleepNs / 1e6);
      const wokeNs = sinceStartNs();
      // How late the sleep returned, smoothed (1/8 weight): the next sleep ends that much early.
      const lateNs = wokeNs - (nowNs + sleepNs);
      overshootNs = Math.min(TICKER_SPIN_NS_MAX, Math.max(0, overshootNs + (lateNs - overshootNs) / 8));
      nowNs = wokeNs;
    }
    // The rest, at most TICKER_SPIN_NS_MAX (plus a late sleep's excess, when it ends early).
    while (nowNs < targetNs && targetNs - nowNs <= TICKER_SPIN_NS_MAX) nowNs = sinceStartNs();
    if (nowNs < targetNs) {
      i--; // woke far too early (a spurious wake): sleep again for the same tick
      continue;
    }
    // Ticks that fell behind collapse into one: the sender sends everything due anyway.
    if (i + 1 < schedule.count && schedule.intendedNs(i + 1) <= nowNs) i = Math.max(i, schedule.dueCount(nowNs) - 1);
    Atomics.add(control, TICK, 1);
    Atomics.notify(control, TICK);
  }
}

if (!isMainThread && parentPort !== null && (workerData as { kind?: string } | null)?.kind === 'ordo-send-ticker') {
  parentPort.postMessage('ready');
  runTicker(workerData as SendTickerData);
}
