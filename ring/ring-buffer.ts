import {
  AVAILABILITY_INITIAL,
  CONTROL_CLOSED_OFFSET,
  CONTROL_CONSUMER_COUNT_OFFSET,
  CONTROL_MAGIC_OFFSET,
  CONTROL_PRODUCER_KIND_OFFSET,
  CONTROL_SEQ_END_OFFSET,
  CONTROL_SLOT_BYTES_OFFSET,
  CONTROL_SLOT_COUNT_OFFSET,
  CONTROL_VERSION_OFFSET,
  CURSOR_RECORD_OFFSET,
  RING_LAYOUT_VERSION,
  RING_MAGIC,
  SEQUENCE_INITIAL,
  assert,
  fail,
  assertGeometry,
  availabilityOffset,
  consumerRecordOffset,
  i32Index,
  i64Index,
  producerKindCode,
  ringBytes,
  slotsOffset,
  type ProducerKind,
  type RingDescriptor,
  type RingGeometry,
} from './ring-layout.js';
import { Sequence } from './sequence.js';

/**
 * The ring: typed views over one SharedArrayBuffer laid out by ring-layout.ts. Create it once
 * (`RingBuffer.create`), send `ring.descriptor` in workerData, and `RingBuffer.attach` it in
 * the worker: both sides then see the same memory.
 */
export class RingBuffer {
  readonly descriptor: RingDescriptor;
  readonly slotCount: number;
  readonly slotBytes: number;
  readonly consumerCount: number;
  readonly producerKind: ProducerKind;
  /** slotCount − 1: the slot index of sequence s is `s & mask` (s ≥ 0, any safe integer). */
  readonly mask: number;
  /** Whole-buffer views; slot offsets from slotOffset() are absolute byte offsets into them. */
  readonly view: DataView;
  readonly bytes: Uint8Array;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  /** Single producer: seqPublished. Multi producer: the highest claimed sequence. */
  readonly cursor: Sequence;
  readonly #consumers: readonly Sequence[];
  readonly #slotsOffset: number;
  readonly #availabilityIndex: number;
  readonly #lapPerSeq: number;

  private constructor(descriptor: RingDescriptor) {
    assertGeometry(descriptor);
    assert(descriptor.sab.byteLength === ringBytes(descriptor), 'buffer size matches geometry');
    this.descriptor = descriptor;
    this.slotCount = descriptor.slotCount;
    this.slotBytes = descriptor.slotBytes;
    this.consumerCount = descriptor.consumerCount;
    this.producerKind = descriptor.producerKind;
    this.mask = descriptor.slotCount - 1;
    this.view = new DataView(descriptor.sab);
    this.bytes = new Uint8Array(descriptor.sab);
    this.i32 = new Int32Array(descriptor.sab);
    this.i64 = new BigInt64Array(descriptor.sab);
    this.cursor = new Sequence(this.i64, this.i32, CURSOR_RECORD_OFFSET);
    const consumers: Sequence[] = [];
    for (let i = 0; i < descriptor.consumerCount; i++) {
      consumers.push(new Sequence(this.i64, this.i32, consumerRecordOffset(i)));
    }
    this.#consumers = consumers;
    this.#slotsOffset = slotsOffset(descriptor);
    this.#availabilityIndex = i32Index(availabilityOffset(descriptor.consumerCount));
    // Exact: slotCount is a power of two, so s · 2^-k loses nothing for any safe integer s.
    this.#lapPerSeq = 1 / descriptor.slotCount;
    assert(this.lap(descriptor.slotCount * 3 + 1) === 3, 'lap arithmetic is exact');
  }

  /** Allocates and initialises a ring; only the creating thread calls this. */
  static create(geometry: RingGeometry): RingBuffer {
    const { slotCount, slotBytes, consumerCount, producerKind } = geometry;
    const sab = new SharedArrayBuffer(ringBytes(geometry));
    const ring = new RingBuffer({ sab, slotCount, slotBytes, consumerCount, producerKind });
    ring.#initialise();
    return ring;
  }

  /** Reconstructs a ring from a descriptor received in another thread (e.g. workerData). */
  static attach(descriptor: RingDescriptor): RingBuffer {
    const ring = new RingBuffer(descriptor);
    ring.#assertHeader();
    return ring;
  }

  #initialise(): void {
    const v = this.view;
    v.setInt32(CONTROL_VERSION_OFFSET, RING_LAYOUT_VERSION, true);
    v.setInt32(CONTROL_SLOT_COUNT_OFFSET, this.slotCount, true);
    v.setInt32(CONTROL_SLOT_BYTES_OFFSET, this.slotBytes, true);
    v.setInt32(CONTROL_CONSUMER_COUNT_OFFSET, this.consumerCount, true);
    v.setInt32(CONTROL_PRODUCER_KIND_OFFSET, producerKindCode(this.producerKind), true);
    this.cursor.init(SEQUENCE_INITIAL);
    for (const consumer of this.#consumers) consumer.init(SEQUENCE_INITIAL);
    this.i32.fill(AVAILABILITY_INITIAL, this.#availabilityIndex, this.#availabilityIndex + this.slotCount);
    Atomics.store(this.i64, i64Index(CONTROL_SEQ_END_OFFSET), BigInt(SEQUENCE_INITIAL));
    Atomics.store(this.i32, i32Index(CONTROL_CLOSED_OFFSET), 0);
    // Fence: the magic is stored last, so a reader that sees it sees the initialised header.
    Atomics.store(this.i32, i32Index(CONTROL_MAGIC_OFFSET), RING_MAGIC);
    this.#assertHeader();
  }

  #assertHeader(): void {
    const v = this.view;
    assert(Atomics.load(this.i32, i32Index(CONTROL_MAGIC_OFFSET)) === RING_MAGIC, 'ring magic');
    assert(v.getInt32(CONTROL_VERSION_OFFSET, true) === RING_LAYOUT_VERSION, 'layout version');
    assert(v.getInt32(CONTROL_SLOT_COUNT_OFFSET, true) === this.slotCount, 'slot count');
    assert(v.getInt32(CONTROL_SLOT_BYTES_OFFSET, true) === this.slotBytes, 'slot bytes');
    assert(v.getInt32(CONTROL_CONSUMER_COUNT_OFFSET, true) === this.consumerCount, 'consumers');
    const kind = v.getInt32(CONTROL_PRODUCER_KIND_OFFSET, true);
    assert(kind === producerKindCode(this.producerKind), 'producer kind');
  }

  /** Absolute byte offset of the slot that carries sequence `seq`. */
  slotOffset(seq: number): number {
    // `& mask` is exact for s < 2^53 because JS applies it to the low 32 bits and the mask
    // has fewer bits than that.
    return this.#slotsOffset + (seq & this.mask) * this.slotBytes;
  }

  consumerSequence(consumerIndex: number): Sequence {
    const sequence = this.#consumers[consumerIndex];
    if (!(sequence !== undefined)) fail(`consumer ${consumerIndex} exists in this ring`);
    return sequence;
  }

  /** The slowest consumer's sequence: no producer may claim past it + slotCount. */
  minConsumerSequence(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (const consumer of this.#consumers) {
      const seq = consumer.get();
      if (seq < min) min = seq;
    }
    return min;
  }

  /** Availability flag of `seq`: its lap number, truncated to 32 bits (equality is all we use). */
  lap(seq: number): number {
    return (seq * this.#lapPerSeq) | 0;
  }

  /** Multi producer: marks `seq` published. Release store: the slot's writes precede it. */
  markAvailable(seq: number): void {
    Atomics.store(this.i32, this.#availabilityIndex + (seq & this.mask), this.lap(seq));
  }

  /** Multi producer: acquire load; true when `seq` (not an older lap) is published. */
  isAvailable(seq: number): boolean {
    return Atomics.load(this.i32, this.#availabilityIndex + (seq & this.mask)) === this.lap(seq);
  }

  /**
   * Consumer side: the highest s in [seqLo − 1, seqHi] such that every sequence in [seqLo, s]
   * (both inclusive) is published, given a cursor value seqHi ≥ seqLo − 1 read before.
   */
  highestPublished(seqLo: number, seqHi: number): number {
    assert(seqHi - seqLo < this.slotCount, 'scan at most one lap');
    switch (this.producerKind) {
      case 'single':
        // The cursor moves only after the slots are written: everything up to it is published.
        return seqHi;
      case 'multi':
        for (let seq = seqLo; seq <= seqHi; seq++) {
          // Acquire per slot: a flag equal to this lap means the slot's writes are visible.
          if (!this.isAvailable(seq)) return seq - 1;
        }
        return seqHi;
      default: {
        const unreachable: never = this.producerKind;
        throw new Error(`unknown producer kind ${String(unreachable)}`);
      }
    }
  }

  isClosed(): boolean {
    return Atomics.load(this.i32, i32Index(CONTROL_CLOSED_OFFSET)) === 1;
  }

  /** The last sequence consumers drain to; meaningful only once isClosed(). */
  seqEnd(): number {
    return Number(Atomics.load(this.i64, i64Index(CONTROL_SEQ_END_OFFSET)));
  }

  /**
   * Shutdown, step 2 (step 1: every producer has stopped claiming and has published all it
   * claimed). Fixes seqEnd = the last published sequence, marks the ring closed and wakes every
   * parked thread; consumers then drain to seqEnd and stop. Returns seqEnd.
   */
  close(): number {
    assert(!this.isClosed(), 'a ring is closed once');
    const seqEnd = this.cursor.get();
    if (this.producerKind === 'multi') {
      // Every claimed sequence of the last lap must be published, or it would be lost.
      const seqLo = Math.max(0, seqEnd - this.slotCount + 1);
      for (let seq = seqLo; seq <= seqEnd; seq++) {
        if (!(this.isAvailable(seq))) fail(`sequence ${seq} was claimed but never published`);
      }
    }
    // Fence order: seqEnd is stored before `closed`, and readers load `closed` first.
    Atomics.store(this.i64, i64Index(CONTROL_SEQ_END_OFFSET), BigInt(seqEnd));
    Atomics.store(this.i32, i32Index(CONTROL_CLOSED_OFFSET), 1);
    this.cursor.wakeAlways();
    for (const consumer of this.#consumers) consumer.wakeAlways();
    assert(this.seqEnd() === seqEnd, 'seqEnd reads back');
    return seqEnd;
  }
}
