// Open-loop load: commands are due at fixed intended times set by the offered rate, and latency
// is measured from the intended time, not from when the command was actually sent.
//
//   intended:   0     T     2T    3T    4T    5T        (T = 1e9 / rate ns)
//   sent:       0     T     2T  ......stall......  4.6T 4.6T 4.6T  5T
//   latency  =  completion − intended     (the stall is charged to commands 3, 4 and 5)
//
// A closed-loop driver (send, wait for the reply, send the next) stops offering load while the
// system stalls, so a stall is recorded once instead of for every command that should have been
// sent during it: coordinated omission. To avoid it, a user of this module must:
//   1. never move the schedule: after a stall, send every command that is due at once (a burst),
//      never skip commands and never restart the clock from "now";
//   2. take latency as `schedule.latencyNs(index, completionNs)`, i.e. completion − intended,
//      never completion − actual send time;
//   3. not wait for a reply before sending the next due command (the sender only sends; replies
//      are recorded by whatever receives them, as they arrive);
//   4. report the offered rate with the achieved rate: past saturation they differ, and the
//      latency then grows with the run length (queueing), which is the truth at that rate.
//
// Times are ns since `start()` as safe-integer numbers, taken from process.hrtime.bigint().

import { setImmediate as yieldToEventLoop, setTimeout as sleepMs } from 'node:timers/promises';

/** Rates above this would make the exact integer arithmetic below overflow 2^53. */
export const OPEN_LOOP_RATE_PER_SECOND_MAX = 9_000_000;
/** A bound on one schedule: 1e9 commands is hours at any rate these machines sustain. */
export const OPEN_LOOP_COUNT_MAX = 1_000_000_000;
const NS_PER_SECOND = 1_000_000_000;

/**
 * How the driver waits for the next intended time:
 * - `spin`: never yields; only for sends that complete synchronously (in-process benchmarks),
 *   since replies delivered by the event loop would never be seen;
 * - `yield`: gives the event loop a turn (setImmediate) between batches of due sends;
 * - `hybrid`: spins when the next command is due within `spinNs`, sleeps (setTimeout) when it is
 *   further than `sleepNs` away, and yields in between;
 * - a function: awaited whenever everything due has been sent, and expected to resolve at the
 *   next intended time (at once if that has passed), e.g. a thread that ticks along the schedule
 *   (gateway/send-ticker.ts): the main thread sleeps in its event loop between sends, without
 *   spinning and without a timer's lateness. A burst cut at `burstMax` yields a turn instead.
 */
export type OpenLoopWait = 'spin' | 'yield' | 'hybrid' | (() => Promise<unknown>);

export interface OpenLoopScheduleOptions {
  /** Offered rate, commands per second (a whole number). */
  ratePerSecond: number;
  /** How many commands the schedule holds. */
  count: number;
}

export class OpenLoopSchedule {
  readonly ratePerSecond: number;
  readonly count: number;
  private startNs: bigint | null = null;

  constructor(options: OpenLoopScheduleOptions) {
    const { ratePerSecond, count } = options;
    if (!Number.isInteger(ratePerSecond) || ratePerSecond < 1 || ratePerSecond > OPEN_LOOP_RATE_PER_SECOND_MAX) {
      throw new RangeError(`ratePerSecond ${ratePerSecond} outside [1, ${OPEN_LOOP_RATE_PER_SECOND_MAX}]`);
    }
    if (!Number.isInteger(count) || count < 0 || count > OPEN_LOOP_COUNT_MAX) {
      throw new RangeError(`count ${count} outside [0, ${OPEN_LOOP_COUNT_MAX}]`);
    }
    this.ratePerSecond = ratePerSecond;
    this.count = count;
  }

  /** A schedule covering `durationMs` at `ratePerSecond` (at least one command). */
  static forDuration(ratePerSecond: number, durationMs: number): OpenLoopSchedule {
    if (!Number.isInteger(durationMs) || durationMs < 1) throw new RangeError(`durationMs ${durationMs}`);
    const count = Math.max(1, floorDiv(ratePerSecond * durationMs, 1000));
    return new OpenLoopSchedule({ ratePerSecond, count });
  }

  /** Intended send time of command `index`: floor(index · 1e9 / rate) ns after start, exactly. */
  intendedNs(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index > this.count) throw new RangeError(`index ${index}`);
    // index = q·rate + r, so index·1e9/rate = q·1e9 + r·1e9/rate with r·1e9 < 9e15 < 2^53.
    const q = floorDiv(index, this.ratePerSecond);
    const r = index - q * this.ratePerSecond;
    return q * NS_PER_SECOND + floorDiv(r * NS_PER_SECOND, this.ratePerSecond);
  }

  /** Intended duration of the whole schedule, ns (the intended time of a command after the last). */
  get durationNs(): number {
    return this.intendedNs(this.count);
  }

  /**
   * How many commands are due at `elapsedNs`: the number of indices i < count with
   * intendedNs(i) <= elapsedNs, i.e. min(count, ceil((elapsedNs + 1) · rate / 1e9)).
   */
  dueCount(elapsedNs: number): number {
    if (!Number.isSafeInteger(elapsedNs)) throw new RangeError(`elapsedNs ${elapsedNs}`);
    if (elapsedNs < 0) return 0;
    const next = elapsedNs + 1;
    const q = floorDiv(next, NS_PER_SECOND);
    const r = next - q * NS_PER_SECOND;
    const due = q * this.ratePerSecond + ceilDiv(r * this.ratePerSecond, NS_PER_SECOND);
    return Math.min(this.count, due);
  }

  /** Starts the clock: intended times count from here. A schedule runs once. */
  start(): void {
    if (this.startNs !== null) throw new Error('open-loop schedule already started');
    this.startNs = process.hrtime.bigint();
  }

  get started(): boolean {
    return this.startNs !== null;
  }

  /** ns since start(). */
  elapsedNs(): number {
    if (this.startNs === null) throw new Error('open-loop schedule not started');
    return Number(process.hrtime.bigint() - this.startNs);
  }

  /** Latency of command `index` completed at `completionNs` (ns since start): from intended time. */
  latencyNs(index: number, completionNs: number): number {
    const latencyNs = completionNs - this.intendedNs(index);
    // A completion before the intended time means the command was sent early: a driver bug.
    if (latencyNs < 0) throw new Error(`command ${index} completed ${-latencyNs} ns before it was due`);
    return latencyNs;
  }
}

export interface OpenLoopRunOptions {
  schedule: OpenLoopSchedule;
  /**
   * Sends command `index`. Must not wait for the reply. For an in-process benchmark whose work
   * completes inside `send`, record `schedule.latencyNs(index, schedule.elapsedNs())` there.
   */
  send: (index: number, intendedNs: number) => void;
  wait?: OpenLoopWait;
  /** hybrid: spin when the next command is due within this many ns. */
  spinNs?: number;
  /** hybrid: sleep on a timer when the next command is further than this many ns away. */
  sleepNs?: number;
  /** yield and hybrid: at most this many due commands are sent between two event-loop turns. */
  burstMax?: number;
  /** Give up (timedOut) when the run exceeds the schedule's duration by this many ns. */
  overrunNsMax?: number;
}

export const OPEN_LOOP_SPIN_NS_DEFAULT = 50_000;
export const OPEN_LOOP_SLEEP_NS_DEFAULT = 2_000_000;
export const OPEN_LOOP_BURST_MAX_DEFAULT = 1_024;
export const OPEN_LOOP_OVERRUN_NS_MAX_DEFAULT = 60_000_000_000;

export interface OpenLoopRunStats {
  sentCount: number;
  /** ns from start to the last send. */
  elapsedNs: number;
  /** How far behind its intended time the latest-sent command went out: the driver's own lag. */
  sendLagNsMax: number;
  timedOut: boolean;
}

/**
 * Drives `send` along the schedule (starting it if needed) and resolves once every command has
 * been sent (not completed: waiting for replies is the caller's, after this resolves).
 */
export async function runOpenLoop(options: OpenLoopRunOptions): Promise<OpenLoopRunStats> {
  const { schedule, send } = options;
  const wait = options.wait ?? 'hybrid';
  const spinNs = options.spinNs ?? OPEN_LOOP_SPIN_NS_DEFAULT;
  const sleepNs = options.sleepNs ?? OPEN_LOOP_SLEEP_NS_DEFAULT;
  const burstMax = options.burstMax ?? OPEN_LOOP_BURST_MAX_DEFAULT;
  const deadlineNs = schedule.durationNs + (options.overrunNsMax ?? OPEN_LOOP_OVERRUN_NS_MAX_DEFAULT);
  if (!(burstMax >= 1 && spinNs >= 0 && sleepNs >= spinNs)) throw new RangeError('open-loop wait options out of range');
  if (!schedule.started) schedule.start();
  let sent = 0;
  let sendLagNsMax = 0;
  let nowNs = schedule.elapsedNs();
  // Bounded by the deadline: every iteration reads the clock and stops past it.
  while (sent < schedule.count) {
    if (nowNs > deadlineNs) return { sentCount: sent, elapsedNs: nowNs, sendLagNsMax, timedOut: true };
    const due = schedule.dueCount(nowNs);
    const burstEnd = wait === 'spin' ? due : Math.min(due, sent + burstMax);
    if (sent < burstEnd) {
      sendLagNsMax = Math.max(sendLagNsMax, nowNs - schedule.intendedNs(sent));
      // Everything due goes out now, in order: the schedule never moves (rule 1 above).
      for (; sent < burstEnd; sent++) send(sent, schedule.intendedNs(sent));
    }
    nowNs = schedule.elapsedNs();
    if (sent >= schedule.count) break;
    const untilNextNs = schedule.intendedNs(sent) - nowNs;
    if (typeof wait === 'function') {
      await (sent < due ? yieldToEventLoop() : wait());
      nowNs = schedule.elapsedNs();
      continue;
    }
    switch (wait) {
      case 'spin':
        break;
      case 'yield':
        await yieldToEventLoop();
        break;
      case 'hybrid':
        if (untilNextNs > sleepNs) await sleepMs(Math.floor((untilNextNs - spinNs) / 1_000_000));
        else if (untilNextNs > spinNs || sent < due) await yieldToEventLoop();
        break;
      default: {
        const unknownWait: never = wait;
        throw new Error(`unknown wait ${String(unknownWait)}`);
      }
    }
    nowNs = schedule.elapsedNs();
  }
  return { sentCount: sent, elapsedNs: nowNs, sendLagNsMax, timedOut: false };
}

/** floor(a / b) for non-negative safe integers, exact even where float division rounds. */
export function floorDiv(a: number, b: number): number {
  if (!Number.isSafeInteger(a) || a < 0 || !Number.isSafeInteger(b) || b < 1) throw new RangeError(`floorDiv(${a}, ${b})`);
  let q = Math.floor(a / b);
  // The float quotient may be one off near an integer; each correction runs at most once or twice.
  while (q * b > a) q--;
  while ((q + 1) * b <= a) q++;
  return q;
}

/** ceil(a / b) for non-negative safe integers, exactly. */
export function ceilDiv(a: number, b: number): number {
  const q = floorDiv(a, b);
  return q * b === a ? q : q + 1;
}
