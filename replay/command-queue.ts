// The bounded queue between the journal-reading thread and the applying thread of a replay
// (replay/threaded-journal-reader.ts): runs of verified, contiguous commands in a fixed number of
// slots of one SharedArrayBuffer. One producer (the reader thread) and one consumer (the thread
// that applies). This file owns the buffer's layout; nothing else computes an offset into it.
//
//  byte 0                  128                    256                       384
//  ┌──────────────────────┬──────────────────────┬─────────────────────────┬──────────────────┐
//  │ producer line        │ consumer line        │ slot headers            │ slot data        │
//  │ i32 published  @0    │ i32 consumed   @128  │ per slot: f64 firstSeq, │ slotCount ×      │
//  │ i32 signal     @4    │ i32 signal     @132  │           f64 count     │ SLOT_BYTES       │
//  │ i32 state      @8    │ i32 cancelled  @136  │ (16 B each, ≤ 8 slots)  │                  │
//  │ i32 ready      @12   │ i32 started    @140  │                         │                  │
//  │                      │ f64 startSeq   @144  │                         │                  │
//  └──────────────────────┴──────────────────────┴─────────────────────────┴──────────────────┘
//   ready: the producer is loaded and waits to be told where to start (the consumer reads on
//          its own until then, so the thread's start-up costs the replay nothing).
//   started/startSeq: the consumer's go, and the sequence to produce from.
//   published/consumed: slots handed over / given back since the start (counts, not indices).
//   signal: bumped after every change on its line; the other side Atomics.wait()s on it, so a
//           change between its check and its sleep makes the wait return at once (no lost wake).
//   state: RUNNING, then DONE (nothing after the published slots) or FAILED (an error follows
//           the published slots; the error itself travels beside the queue, on a MessagePort).
//   cancelled: the consumer stopped early (its own error, an audit limit, or it read everything
//           itself before the producer was ready); the producer quits.
//
// Each line is 128 bytes apart (two cache lines) so that the two threads never write the same
// line. Slot data is written before `published` moves and read after it is seen to move
// (Atomics are sequentially consistent, so the plain writes before the store are visible after
// the load); a slot is reused only after `consumed` passes it. Bounded by construction: at most
// slotCount slots in flight, and a full queue parks the producer (back-pressure).

import { assert, fail } from '../engine/assert.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';

const PRODUCER_LINE_I32 = 0;
const CONSUMER_LINE_I32 = 128 / 4;
const PUBLISHED = PRODUCER_LINE_I32;
const PRODUCER_SIGNAL = PRODUCER_LINE_I32 + 1;
const STATE = PRODUCER_LINE_I32 + 2;
const READY = PRODUCER_LINE_I32 + 3;
const CONSUMED = CONSUMER_LINE_I32;
const CONSUMER_SIGNAL = CONSUMER_LINE_I32 + 1;
const CANCELLED = CONSUMER_LINE_I32 + 2;
const STARTED = CONSUMER_LINE_I32 + 3;
/** Index of startSeq in a Float64Array over the control region (byte 144). */
const START_SEQ_F64 = 144 / 8;

const HEADERS_OFFSET = 256;
const HEADER_BYTES = 16;
/** Bound on slots: their headers fit between HEADERS_OFFSET and DATA_OFFSET. */
export const QUEUE_SLOTS_MAX = 8;
const DATA_OFFSET = HEADERS_OFFSET + QUEUE_SLOTS_MAX * HEADER_BYTES;

/**
 * Commands per slot: 8192 × 128 B = 1 MiB, a journal group's bound, so that a handover (an
 * Atomics store and notify, a futex wake if the other side sleeps) is paid once per ~1 ms of
 * work, not per command.
 */
export const SLOT_COMMANDS = 8192;
export const SLOT_BYTES = SLOT_COMMANDS * COMMAND_SIZE;
/**
 * Eight slots (8 MiB): the reader can run up to seven slots (~57k commands, 8-16 ms of applying)
 * ahead of the applier. On a loaded 2-core machine a parked thread's wake-up can take several
 * milliseconds; with four slots a 10M replay there still waited 0.2-1.1 s in 60-300 empty-queue
 * stalls, with eight 0.01-0.5 s in 3-130 (the same runs, alternating).
 */
export const QUEUE_SLOTS_DEFAULT = 8;

export const QUEUE_RUNNING = 0;
export const QUEUE_DONE = 1;
export const QUEUE_FAILED = 2;

/** A re-check interval for parked threads; wakes are explicit, this is only a safety net. */
const PARK_MS = 50;

if (DATA_OFFSET % 128 !== 0 || HEADER_BYTES * QUEUE_SLOTS_MAX !== DATA_OFFSET - HEADERS_OFFSET) fail('command queue layout: misaligned regions');
if (CONSUMER_LINE_I32 * 4 - (READY * 4 + 4) < 64 || START_SEQ_F64 * 8 !== STARTED * 4 + 4 || HEADERS_OFFSET < START_SEQ_F64 * 8 + 8) fail('command queue layout: lines overlap');

export function commandQueueBytes(slotCount: number): number {
  assert(Number.isInteger(slotCount) && slotCount >= 2 && slotCount <= QUEUE_SLOTS_MAX, `command queue: ${slotCount} slots outside [2, ${QUEUE_SLOTS_MAX}]`);
  return DATA_OFFSET + slotCount * SLOT_BYTES;
}

export function createCommandQueue(slotCount: number = QUEUE_SLOTS_DEFAULT): SharedArrayBuffer {
  return new SharedArrayBuffer(commandQueueBytes(slotCount));
}

function slotCountOf(buffer: SharedArrayBuffer): number {
  const slotCount = (buffer.byteLength - DATA_OFFSET) / SLOT_BYTES;
  assert(buffer.byteLength === commandQueueBytes(slotCount), `command queue of ${buffer.byteLength} bytes is not a whole number of slots`);
  return slotCount;
}

/** A run of commands handed over: `count` commands from `firstSeq`, the first at `offset` of `view`. */
export interface CommandRun {
  readonly firstSeq: number;
  readonly count: number;
  readonly view: DataView;
  readonly offset: number;
}

/** What both ends see of the buffer: its slot count and the views over its control and header regions. */
abstract class CommandQueueEnd {
  protected readonly control: Int32Array;
  /** The same control region as f64 (startSeq); plain reads and writes, ordered by `started`. */
  protected readonly controlF64: Float64Array;
  protected readonly headers: Float64Array;
  protected readonly slotCount: number;

  constructor(buffer: SharedArrayBuffer) {
    this.slotCount = slotCountOf(buffer);
    this.control = new Int32Array(buffer, 0, DATA_OFFSET / 4);
    this.controlF64 = new Float64Array(buffer, 0, DATA_OFFSET / 8);
    this.headers = new Float64Array(buffer, HEADERS_OFFSET, QUEUE_SLOTS_MAX * 2);
  }
}

/** The reader's end: copies verified commands into slots, in sequence order, and publishes them. */
export class CommandQueueWriter extends CommandQueueEnd {
  private readonly data: Uint8Array;
  private published = 0;
  /** Commands already in the slot being filled, and the sequence of its first. */
  private filled = 0;
  private firstSeq = 0;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.data = new Uint8Array(buffer, DATA_OFFSET);
    assert(Atomics.load(this.control, PUBLISHED) === 0 && Atomics.load(this.control, STATE) === QUEUE_RUNNING, 'command queue: one writer, from the start');
  }

  /** Says that the producer is ready to be started (idempotent). */
  announceReady(): void {
    if (Atomics.load(this.control, READY) !== 0) return;
    Atomics.store(this.control, READY, 1);
    this.signal();
  }

  /** Where the consumer said to start, or null while it has not (it may also have cancelled). */
  startSeq(): number | null {
    if (Atomics.load(this.control, STARTED) === 0) return null;
    return this.controlF64[START_SEQ_F64] as number;
  }

  /** Says that the producer is ready to start, and waits for where: null when cancelled instead. */
  awaitStart(): number | null {
    this.announceReady();
    // Ends when the consumer starts or cancels; it does one or the other before it returns.
    for (;;) {
      const signal = Atomics.load(this.control, CONSUMER_SIGNAL);
      if (Atomics.load(this.control, CANCELLED) !== 0) return null;
      const startSeq = this.startSeq();
      if (startSeq !== null) return startSeq;
      Atomics.wait(this.control, CONSUMER_SIGNAL, signal, PARK_MS);
    }
  }

  /**
   * True when push() of `count` commands would not wait for the consumer: the slot being filled
   * and the free ones hold them. A producer with other work (verifying ahead) does it instead.
   */
  canPush(count: number): boolean {
    const room = this.filled === 0 ? 0 : SLOT_COMMANDS - this.filled;
    const slotsNeeded = Math.ceil(Math.max(0, count - room) / SLOT_COMMANDS);
    const slotsHeld = this.published - Atomics.load(this.control, CONSUMED) + (this.filled === 0 ? 0 : 1);
    return slotsNeeded <= this.slotCount - slotsHeld;
  }

  /**
   * Appends `count` commands (the bytes of `commands`, sequences firstSeq, firstSeq+1, ...: the
   * caller has checked them), publishing each slot it fills. Waits while the queue is full.
   * Returns false when the consumer cancelled: stop reading.
   */
  push(commands: Uint8Array, firstSeq: number, count: number): boolean {
    assert(commands.byteLength === count * COMMAND_SIZE, `push: ${commands.byteLength} bytes for ${count} commands`);
    assert(this.filled === 0 || firstSeq === this.firstSeq + this.filled, `push: sequence ${firstSeq} does not follow ${this.firstSeq + this.filled - 1}`);
    let done = 0;
    // Bounded: every turn copies at least one command, or returns.
    while (done < count) {
      if (this.filled === 0) {
        if (!this.waitForFreeSlot()) return false;
        this.firstSeq = firstSeq + done;
      }
      const n = Math.min(count - done, SLOT_COMMANDS - this.filled);
      const slotBase = (this.published % this.slotCount) * SLOT_BYTES;
      this.data.set(commands.subarray(done * COMMAND_SIZE, (done + n) * COMMAND_SIZE), slotBase + this.filled * COMMAND_SIZE);
      this.filled += n;
      done += n;
      if (this.filled === SLOT_COMMANDS) this.publish();
    }
    return true;
  }

  /** Publishes what is left and marks the end: the consumer sees DONE after the last slot. */
  end(): void {
    this.finish(QUEUE_DONE);
  }

  /** Publishes what was read before the problem and marks FAILED: the error comes next. */
  fail(): void {
    this.finish(QUEUE_FAILED);
  }

  get cancelled(): boolean {
    return Atomics.load(this.control, CANCELLED) !== 0;
  }

  private finish(state: number): void {
    assert(Atomics.load(this.control, STATE) === QUEUE_RUNNING, 'command queue: finished twice');
    if (this.filled > 0) this.publish();
    Atomics.store(this.control, STATE, state);
    this.signal();
  }

  private publish(): void {
    const slot = this.published % this.slotCount;
    this.headers[slot * 2] = this.firstSeq;
    this.headers[slot * 2 + 1] = this.filled;
    this.published += 1;
    this.filled = 0;
    Atomics.store(this.control, PUBLISHED, this.published);
    this.signal();
  }

  private signal(): void {
    Atomics.add(this.control, PRODUCER_SIGNAL, 1);
    Atomics.notify(this.control, PRODUCER_SIGNAL);
  }

  /** Waits until the slot to fill next is free; false when cancelled. Ends when the consumer moves or cancels. */
  private waitForFreeSlot(): boolean {
    for (;;) {
      const signal = Atomics.load(this.control, CONSUMER_SIGNAL);
      if (Atomics.load(this.control, CANCELLED) !== 0) return false;
      if (this.published - Atomics.load(this.control, CONSUMED) < this.slotCount) return true;
      Atomics.wait(this.control, CONSUMER_SIGNAL, signal, PARK_MS);
    }
  }
}

/** What the consumer found when it asked for the next run. */
export type QueueNext = CommandRun | typeof QUEUE_DONE | typeof QUEUE_FAILED;

/** The applier's end: takes runs in order; each run stays valid until the next call to next(). */
export class CommandQueueReader extends CommandQueueEnd {
  private readonly view: DataView;
  private consumed = 0;
  private holding = false;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.view = new DataView(buffer, DATA_OFFSET);
  }

  /**
   * Gives back the run returned last (if any) and returns the next one, or the queue's end
   * state. Parks while the producer is behind; throws once `stallMs` pass with no sign of it
   * (a thread that died without a word must not hang recovery).
   */
  next(stallMs: number): QueueNext {
    this.release();
    const control = this.control;
    let signalSeen = Atomics.load(control, PRODUCER_SIGNAL);
    let stalledMs = 0;
    for (;;) {
      if (this.consumed < Atomics.load(control, PUBLISHED)) return this.take();
      const state = Atomics.load(control, STATE);
      if (state !== QUEUE_RUNNING) {
        // The state is stored after the last publish: re-check so a final slot is never skipped.
        if (this.consumed < Atomics.load(control, PUBLISHED)) return this.take();
        return state === QUEUE_DONE ? QUEUE_DONE : QUEUE_FAILED;
      }
      const woke = Atomics.wait(control, PRODUCER_SIGNAL, signalSeen, PARK_MS);
      const signal = Atomics.load(control, PRODUCER_SIGNAL);
      if (signal !== signalSeen) {
        signalSeen = signal;
        stalledMs = 0;
      } else if (woke === 'timed-out') {
        stalledMs += PARK_MS;
        if (stalledMs >= stallMs) fail(`command queue: the reader thread made no progress for ${stalledMs} ms`);
      }
    }
  }

  /** True once the producer waits to be started. */
  producerReady(): boolean {
    return Atomics.load(this.control, READY) !== 0;
  }

  /** Waits until the producer is ready; throws once `stallMs` pass without it. */
  awaitProducerReady(stallMs: number): void {
    const deadlineMs = Date.now() + stallMs;
    // Bounded by the deadline.
    while (!this.producerReady()) {
      const signal = Atomics.load(this.control, PRODUCER_SIGNAL);
      if (this.producerReady()) return;
      if (Date.now() > deadlineMs) fail(`command queue: the reader thread was not ready after ${stallMs} ms`);
      Atomics.wait(this.control, PRODUCER_SIGNAL, signal, PARK_MS);
    }
  }

  /** Tells the ready producer to start producing at `startSeq`. */
  start(startSeq: number): void {
    assert(this.producerReady() && Atomics.load(this.control, STARTED) === 0, 'command queue: start once, after ready');
    assert(Number.isSafeInteger(startSeq), `command queue: start at ${startSeq}`);
    this.controlF64[START_SEQ_F64] = startSeq;
    Atomics.store(this.control, STARTED, 1);
    this.signal();
  }

  /** Stops the producer (idempotent): it sees the flag at its next slot or wait. */
  cancel(): void {
    this.release();
    Atomics.store(this.control, CANCELLED, 1);
    this.signal();
  }

  private signal(): void {
    Atomics.add(this.control, CONSUMER_SIGNAL, 1);
    Atomics.notify(this.control, CONSUMER_SIGNAL);
  }

  private take(): CommandRun {
    const slot = this.consumed % this.slotCount;
    const firstSeq = this.headers[slot * 2] as number;
    const count = this.headers[slot * 2 + 1] as number;
    assert(Number.isSafeInteger(firstSeq) && count >= 1 && count <= SLOT_COMMANDS, `command queue: slot ${slot} holds ${count} commands from ${firstSeq}`);
    this.holding = true;
    return { firstSeq, count, view: this.view, offset: slot * SLOT_BYTES };
  }

  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.consumed += 1;
    Atomics.store(this.control, CONSUMED, this.consumed);
    this.signal();
  }
}
