// The bounded queue between the journal-reading thread and the applying thread of a replay
// (replay/threaded-journal-reader.ts), on the project's ring (ring/): one command per slot, one
// producer (the reader thread, a SingleProducerSequencer) and one consumer (the applying thread,
// consumer 0, reading runs of contiguous slots through a SequenceBarrier). Ring sequence s carries
// journal sequence baseSeq + s, where baseSeq is the first sequence pushed.
//
// Beside the ring, a small control buffer carries what a replay adds to a plain ring:
//
//  byte 0                              128
//  ┌──────────────────────────────────┬─────────────────────────────────┐
//  │ producer line                    │ consumer line                   │
//  │ i32 signal   @0                  │ i32 signal     @128             │
//  │ i32 ready    @4                  │ i32 cancelled  @132             │
//  │ i32 failed   @8                  │ i32 started    @136             │
//  │ f64 baseSeq  @16                 │ f64 startSeq   @144             │
//  └──────────────────────────────────┴─────────────────────────────────┘
//   ready: the producer is loaded and waits to be told where to start (the consumer reads on
//          its own until then, so the thread's start-up costs the replay nothing).
//   started/startSeq: the consumer's go, and the sequence to produce from.
//   baseSeq: the journal sequence of ring sequence 0, written before the first publish (the
//          publish's release store orders it for the consumer's acquire load of the cursor).
//   failed: set before the ring is closed when an error follows the published commands (the
//          error itself travels beside the queue, on a MessagePort); a closed ring without it
//          means DONE.
//   cancelled: the consumer stopped early (its own error, an audit limit, or it read everything
//          itself before the producer was ready); the producer quits.
//   signal: bumped after every change on its line (and, on the producer's, every publish); the
//          other side Atomics.wait()s on it, so a change between its check and its sleep makes
//          the wait return at once. The applying thread is often the main thread of a synchronous
//          replay, where the ring's own parking (worker threads only) is not available.
//
// Bounded by construction: at most slotCount commands in flight; a full ring parks the producer
// on the consumer's sequence (back-pressure), and the consumer's release wakes it.

import { assert, fail } from '../engine/assert.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { CLAIM_FULL, SingleProducerSequencer } from '../ring/sequencer.js';
import { SequenceBarrier } from '../ring/sequence-barrier.js';
import { RingBuffer } from '../ring/ring-buffer.js';
import type { RingDescriptor } from '../ring/ring-layout.js';
import { idleStep, type WaitStrategy } from '../ring/wait-strategy.js';

const PRODUCER_SIGNAL = 0;
const READY = 1;
const FAILED = 2;
const BASE_SEQ_F64 = 16 / 8;
const CONSUMER_LINE_I32 = 128 / 4;
const CONSUMER_SIGNAL = CONSUMER_LINE_I32;
const CANCELLED = CONSUMER_LINE_I32 + 1;
const STARTED = CONSUMER_LINE_I32 + 2;
const START_SEQ_F64 = 144 / 8;
const CONTROL_BYTES = 256;

/** The consumer's index on the ring: the applying thread is its only consumer. */
const CONSUMER = 0;

/**
 * Bound on the commands of one run handed to the applier, and of one claim of the producer:
 * 8192 × 128 B = 1 MiB, a journal group's bound, so that a handover (a release store, a wake
 * if the other side sleeps) is paid about once per ~1 ms of work, not per command.
 */
export const RUN_COMMANDS_MAX = 8192;
/** Bounds on the queue's capacity in commands (a power of two: ring slots). */
export const QUEUE_COMMANDS_MIN = 16;
export const QUEUE_COMMANDS_MAX = 1 << 16;
/**
 * 65536 commands (8 MiB): the reader can run ~57k commands (8-16 ms of applying) ahead of the
 * applier. On a loaded 2-core machine a parked thread's wake-up can take several milliseconds;
 * with half of it a 10M replay there still waited 0.2-1.1 s in 60-300 empty-queue stalls, with
 * all of it 0.01-0.5 s in 3-130 (the same runs, alternating).
 */
export const QUEUE_COMMANDS_DEFAULT = QUEUE_COMMANDS_MAX;

export const QUEUE_RUNNING = 0;
export const QUEUE_DONE = 1;
export const QUEUE_FAILED = 2;

/** A re-check interval for parked threads; wakes are explicit, this is only a safety net. */
const PARK_MS = 50;
/** The producer parks at once when the ring is full: the applier frees a run at a time, not a slot. */
const PRODUCER_WAIT: WaitStrategy = { kind: 'blocking' };

if (START_SEQ_F64 * 8 !== STARTED * 4 + 8 || BASE_SEQ_F64 * 8 < FAILED * 4 + 4 || CONSUMER_LINE_I32 * 4 < BASE_SEQ_F64 * 8 + 8 + 64) fail('command queue control layout: lines overlap');
if ((START_SEQ_F64 + 1) * 8 > CONTROL_BYTES) fail('command queue control layout: past its end');

/** What both threads are given: the ring and the control buffer beside it (structured-cloneable). */
export interface CommandQueueDescriptor {
  readonly ring: RingDescriptor;
  readonly control: SharedArrayBuffer;
}

export function createCommandQueue(capacityCommands: number = QUEUE_COMMANDS_DEFAULT): CommandQueueDescriptor {
  assert(
    Number.isInteger(capacityCommands) && capacityCommands >= QUEUE_COMMANDS_MIN && capacityCommands <= QUEUE_COMMANDS_MAX && (capacityCommands & (capacityCommands - 1)) === 0,
    `command queue: ${capacityCommands} commands is not a power of two in [${QUEUE_COMMANDS_MIN}, ${QUEUE_COMMANDS_MAX}]`,
  );
  const ring = RingBuffer.create({ slotCount: capacityCommands, slotBytes: COMMAND_SIZE, consumerCount: 1, producerKind: 'single' });
  return { ring: ring.descriptor, control: new SharedArrayBuffer(CONTROL_BYTES) };
}

/** A run of commands handed over: `count` commands from `firstSeq`, the first at `offset` of `view`. */
export interface CommandRun {
  readonly firstSeq: number;
  readonly count: number;
  readonly view: DataView;
  readonly offset: number;
}

/** What both ends see: the ring and the control words. */
abstract class CommandQueueEnd {
  protected readonly ring: RingBuffer;
  protected readonly control: Int32Array;
  /** The same control buffer as f64 (baseSeq, startSeq); plain reads and writes, ordered by Atomics around them. */
  protected readonly controlF64: Float64Array;

  constructor(descriptor: CommandQueueDescriptor) {
    assert(descriptor.control.byteLength === CONTROL_BYTES, `command queue control of ${descriptor.control.byteLength} bytes`);
    this.ring = RingBuffer.attach(descriptor.ring);
    assert(this.ring.slotBytes === COMMAND_SIZE && this.ring.consumerCount === 1 && this.ring.producerKind === 'single', 'command queue: a single-producer ring of commands with one consumer');
    this.control = new Int32Array(descriptor.control);
    this.controlF64 = new Float64Array(descriptor.control);
  }

  protected signal(index: typeof PRODUCER_SIGNAL | typeof CONSUMER_SIGNAL): void {
    Atomics.add(this.control, index, 1);
    Atomics.notify(this.control, index);
  }
}

/** The reader's end: copies verified commands into the ring, in sequence order, and publishes them. */
export class CommandQueueWriter extends CommandQueueEnd {
  private readonly sequencer: SingleProducerSequencer;
  /** The last ring sequence published (claims are published before push returns). */
  private seqPublished = -1;
  private seqWanted = -1;
  private readonly capacity = { ready: (): boolean => this.cancelled || this.ring.minConsumerSequence() >= this.seqWanted - this.ring.slotCount };

  constructor(descriptor: CommandQueueDescriptor) {
    super(descriptor);
    assert(this.ring.cursor.get() === -1 && !this.ring.isClosed(), 'command queue: one writer, from the start');
    this.sequencer = new SingleProducerSequencer(this.ring, PRODUCER_WAIT);
  }

  /** Says that the producer is ready to be started (idempotent). */
  announceReady(): void {
    if (Atomics.load(this.control, READY) !== 0) return;
    Atomics.store(this.control, READY, 1);
    this.signal(PRODUCER_SIGNAL);
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
      if (this.cancelled) return null;
      const startSeq = this.startSeq();
      if (startSeq !== null) return startSeq;
      Atomics.wait(this.control, CONSUMER_SIGNAL, signal, PARK_MS);
    }
  }

  /**
   * True when push() of `count` commands would not wait for the consumer: the ring's free slots
   * hold them. A producer with other work (verifying ahead) does it instead.
   */
  canPush(count: number): boolean {
    return count <= this.ring.slotCount && this.seqPublished + count - this.ring.slotCount <= this.ring.minConsumerSequence();
  }

  /**
   * Appends `count` commands (the bytes of `commands`, sequences firstSeq, firstSeq+1, ...: the
   * caller has checked them), publishing each claim it fills. Waits while the ring is full.
   * Returns false when the consumer cancelled: stop reading.
   */
  push(commands: Uint8Array, firstSeq: number, count: number): boolean {
    assert(commands.byteLength === count * COMMAND_SIZE, `push: ${commands.byteLength} bytes for ${count} commands`);
    if (this.seqPublished === -1) this.controlF64[BASE_SEQ_F64] = firstSeq; // published by the first publish below
    const seqExpected = (this.controlF64[BASE_SEQ_F64] as number) + this.seqPublished + 1;
    assert(firstSeq === seqExpected, `push: sequence ${firstSeq} does not follow ${seqExpected - 1}`);
    const claimMax = Math.min(RUN_COMMANDS_MAX, this.ring.slotCount / 2);
    let done = 0;
    // Bounded: every turn publishes at least one command, or returns.
    while (done < count) {
      const n = Math.min(count - done, claimMax);
      const seqHi = this.claim(n);
      if (seqHi === null) return false;
      this.copyIn(commands.subarray(done * COMMAND_SIZE, (done + n) * COMMAND_SIZE), seqHi - n + 1);
      this.sequencer.publish(seqHi - n + 1, seqHi);
      this.seqPublished = seqHi;
      this.signal(PRODUCER_SIGNAL);
      done += n;
    }
    return true;
  }

  /** Marks the end after what was published: the consumer sees DONE after the last command. */
  end(): void {
    this.finish(false);
  }

  /** Marks FAILED after what was read before the problem: the error comes next. */
  fail(): void {
    this.finish(true);
  }

  get cancelled(): boolean {
    return Atomics.load(this.control, CANCELLED) !== 0;
  }

  private finish(failed: boolean): void {
    assert(!this.ring.isClosed(), 'command queue: finished twice');
    // Fence order: `failed` is stored before close() stores `closed`, which the consumer loads first.
    if (failed) Atomics.store(this.control, FAILED, 1);
    this.ring.close();
    this.signal(PRODUCER_SIGNAL);
  }

  /** Claims n slots, parking on the consumer's sequence while the ring is full; null when cancelled. */
  private claim(n: number): number | null {
    this.seqWanted = this.seqPublished + n;
    // Ends when the consumer releases enough or cancels (cancel() wakes this park).
    for (let attempt = 0; ; attempt++) {
      if (this.cancelled) return null;
      const seqHi = this.sequencer.tryNext(n);
      if (seqHi >= 0) return seqHi;
      assert(seqHi === CLAIM_FULL, `command queue: claim answered ${seqHi}`);
      idleStep(PRODUCER_WAIT, attempt, this.ring.consumerSequence(CONSUMER), this.capacity);
    }
  }

  /** Copies `bytes` into the slots from `seqLo` on, in two parts where they wrap the ring. */
  private copyIn(bytes: Uint8Array, seqLo: number): void {
    const count = bytes.byteLength / COMMAND_SIZE;
    const first = Math.min(count, this.ring.slotCount - (seqLo & this.ring.mask));
    this.ring.bytes.set(bytes.subarray(0, first * COMMAND_SIZE), this.ring.slotOffset(seqLo));
    if (first < count) this.ring.bytes.set(bytes.subarray(first * COMMAND_SIZE), this.ring.slotOffset(seqLo + first));
  }
}

/** What the consumer found when it asked for the next run. */
export type QueueNext = CommandRun | typeof QUEUE_DONE | typeof QUEUE_FAILED;

/** The applier's end: takes runs in order; each run stays valid until the next call to next(). */
export class CommandQueueReader extends CommandQueueEnd {
  private readonly barrier: SequenceBarrier;
  /** The last ring sequence taken (held until the next call), and the last given back. */
  private seqTaken = -1;
  private seqReleased = -1;

  constructor(descriptor: CommandQueueDescriptor) {
    super(descriptor);
    // The barrier follows the producer's cursor; its wait strategy is unused (next() waits on the control signal).
    this.barrier = new SequenceBarrier(this.ring, [], PRODUCER_WAIT);
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
    const seqNext = this.seqTaken + 1;
    // One run at most RUN_COMMANDS_MAX long, and contiguous in memory: it ends where the ring wraps.
    const seqHiMax = seqNext + Math.min(RUN_COMMANDS_MAX, this.ring.slotCount - (seqNext & this.ring.mask)) - 1;
    for (;;) {
      const seqAvailable = this.barrier.available(seqNext, seqHiMax);
      if (seqAvailable >= seqNext) return this.take(seqNext, seqAvailable);
      // The ring is closed after the last publish: isEnd is true only once everything is taken.
      if (this.barrier.isEnd(seqNext)) return Atomics.load(control, FAILED) === 0 ? QUEUE_DONE : QUEUE_FAILED;
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
    this.signal(CONSUMER_SIGNAL);
  }

  /** Stops the producer (idempotent): it sees the flag at its next claim or wait. */
  cancel(): void {
    this.release();
    Atomics.store(this.control, CANCELLED, 1);
    this.signal(CONSUMER_SIGNAL);
    // A producer parked on a full ring waits on this consumer's sequence: wake it to see the flag.
    this.ring.consumerSequence(CONSUMER).wakeAlways();
  }

  private take(seqLo: number, seqHi: number): CommandRun {
    const count = seqHi - seqLo + 1;
    assert(count >= 1 && count <= RUN_COMMANDS_MAX && (seqLo & this.ring.mask) + count <= this.ring.slotCount, `command queue: run of ${count} from ring sequence ${seqLo}`);
    // Acquire: the cursor load in available() orders the producer's baseSeq write before this read.
    const baseSeq = this.controlF64[BASE_SEQ_F64] as number;
    assert(Number.isSafeInteger(baseSeq), `command queue: base sequence ${baseSeq}`);
    this.seqTaken = seqHi;
    return { firstSeq: baseSeq + seqLo, count, view: this.ring.view, offset: this.ring.slotOffset(seqLo) };
  }

  /** Gives the slots of the run taken last back to the producer (a release store; wakes it if parked). */
  private release(): void {
    if (this.seqReleased === this.seqTaken) return;
    this.ring.consumerSequence(CONSUMER).set(this.seqTaken);
    this.seqReleased = this.seqTaken;
  }
}
