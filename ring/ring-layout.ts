// The one file that owns the shared-memory layout of a ring. Nothing else computes an offset
// into a ring's SharedArrayBuffer: everything goes through the constants and pure functions
// here, which are checked by assertions when this module loads.
//
// A ring is one SharedArrayBuffer, all regions aligned to 128 bytes (two cache lines: the
// adjacent-line prefetcher pulls pairs of 64-byte lines, so records written by different
// threads are kept 128 bytes apart to avoid false sharing):
//
//  byte 0                                                                         128
//  ┌────────┬─────────┬──────────┬───────────┬──────────────┬────────┬───────────┬─────────┐
//  │ magic  │ version │ slotCount│ slotBytes │ consumerCount│producer│ seqEnd    │ closed  │
//  │  i32   │  i32    │   i32    │   i32     │     i32      │kind i32│  i64 @24  │ i32 @32 │ pad
//  └────────┴─────────┴──────────┴───────────┴──────────────┴────────┴───────────┴─────────┘
//   control block: written once at creation (geometry) and once at shutdown (seqEnd, closed).
//
//  128: cursor record ─────────────────────────── one per sequence, 128 bytes each
//  ┌──────────────────┬──────────────┬───────────────┬────────────────┬─── pad ───┐
//  │ value  i64 @+0   │ signal i32 @+8│ waiters i32 @+12│ pending i32 @+16│           │
//  └──────────────────┴──────────────┴───────────────┴────────────────┴───────────┘
//   value:   single producer: the highest published sequence (seqPublished);
//            multi producer:  the highest claimed sequence (publication is per slot, below).
//   signal:  bumped by whoever advances `value`, only when `pending` is set; a parked thread
//            Atomics.wait()s on it.
//   waiters: how many threads are parked on `signal` (diagnostics and tests).
//   pending: 1 when a thread has parked since the last notify: the advancing thread takes it
//            (exchange to 0) and notifies once, so a waiter that was woken but is not yet
//            running (ms on a loaded 2-core machine) does not make every later advance pay
//            another Atomics.notify.
//
//  256 + 128·i: consumer record i (i in [0, consumerCount)), same layout as the cursor record;
//            value = the highest sequence consumer i has finished with (released).
//
//  availabilityOffset: availability buffer, slotCount × i32, padded to 128 bytes.
//            flag[s & (slotCount-1)] = lap(s) = trunc32(s / slotCount) once s is published
//            (multi producer only; initialised to -1, the lap of "never published").
//
//  slotsOffset: slotCount × slotBytes, the slots themselves; slot of sequence s at
//            slotsOffset + (s & (slotCount-1)) · slotBytes.
//
// Sequences are 64-bit in memory (BigInt64Array + Atomics: the only lock-free 64-bit atomic
// JS has) and plain JS numbers in code, always safe integers, so they never wrap in practice:
// 2^53 = 9.0e15 sequences last 28 years at 10^7 commands/s sustained without pause (more than
// the journal can make durable) and 285 years at 10^6/s. Even the bare ring, measured at up
// to 1.4·10^8 messages/s 1P→1C on an idle machine (bench/ring-throughput.ts), would need two
// years of nonstop saturation. (At 10^9/s it would be 104 days; nothing here comes close.)
// Where a sequence is made, the code asserts `Number.isSafeInteger`: running out would stop
// the engine loudly, never wrap silently.
//
// Why BigInt64Array: measured on the 2-core development machine (Node 20.20), an
// Atomics.load of a BigInt64 plus Number() costs ~27 ns against ~10 ns for an Int32 load
// (allocation of the BigInt); both are paid per batch, not per message, so the honest 64-bit
// representation costs nothing visible in throughput (3·10^7 to 1.4·10^8 messages/s with
// claims of 64, depending on the machine's load), and a 32-bit sequence would wrap after
// 2^31 / 2·10^7 /s = 107 s. Float64Array is not an option: it has no Atomics, so no ordering
// and no guarantee against torn or hoisted reads.

/** Magic number in the control block, "ORDR" in ASCII: detects attaching to a wrong buffer. */
export const RING_MAGIC = 0x5244524f;
/** Bumped whenever this layout changes. */
export const RING_LAYOUT_VERSION = 2;

/** Alignment of every region and record: two cache lines (see the header comment). */
export const RING_ALIGN_BYTES = 128;

// Control block (byte offsets from 0).
export const CONTROL_MAGIC_OFFSET = 0;
export const CONTROL_VERSION_OFFSET = 4;
export const CONTROL_SLOT_COUNT_OFFSET = 8;
export const CONTROL_SLOT_BYTES_OFFSET = 12;
export const CONTROL_CONSUMER_COUNT_OFFSET = 16;
export const CONTROL_PRODUCER_KIND_OFFSET = 20;
/** i64: the last sequence consumers drain to at shutdown; meaningful once `closed` is 1. */
export const CONTROL_SEQ_END_OFFSET = 24;
/** i32: 0 while running, 1 once shutdown has fixed `seqEnd`. */
export const CONTROL_CLOSED_OFFSET = 32;
export const CONTROL_BYTES = 128;

// Sequence record (byte offsets from the record's start).
export const RECORD_VALUE_OFFSET = 0;
export const RECORD_SIGNAL_OFFSET = 8;
export const RECORD_WAITERS_OFFSET = 12;
export const RECORD_PENDING_OFFSET = 16;
export const RECORD_BYTES = 128;

export const CURSOR_RECORD_OFFSET = CONTROL_BYTES;
export const CONSUMER_RECORDS_OFFSET = CURSOR_RECORD_OFFSET + RECORD_BYTES;

/** Bound on consumers per ring: every producer claim may read all their sequences. */
export const CONSUMER_COUNT_MAX = 8;
/** Bound on slots per ring: 2^24 slots × 128 B = 2 GiB is already far beyond any use here. */
export const SLOT_COUNT_MAX = 1 << 24;
/** Bound on one slot's size; slots carry fixed-size commands and events, not blobs. */
export const SLOT_BYTES_MAX = 1 << 16;
/** Slot sizes are multiples of 8 so every slot can be viewed through 8-byte typed arrays. */
export const SLOT_ALIGN_BYTES = 8;

/** Initial value of every sequence: nothing published, nothing consumed. */
export const SEQUENCE_INITIAL = -1;
/** Initial value of every availability flag: the lap of no published sequence. */
export const AVAILABILITY_INITIAL = -1;

export const PRODUCER_KIND_SINGLE = 1;
export const PRODUCER_KIND_MULTI = 2;
export type ProducerKind = 'single' | 'multi';

export function producerKindCode(kind: ProducerKind): number {
  switch (kind) {
    case 'single':
      return PRODUCER_KIND_SINGLE;
    case 'multi':
      return PRODUCER_KIND_MULTI;
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown producer kind ${String(unreachable)}`);
    }
  }
}

/** What a ring is: everything needed to (re)construct views of it, in any thread. */
export interface RingGeometry {
  /** Number of slots, a power of two. */
  readonly slotCount: number;
  /** Bytes per slot, a multiple of SLOT_ALIGN_BYTES. */
  readonly slotBytes: number;
  /** Number of consumer sequence records; producers gate on all of them. */
  readonly consumerCount: number;
  readonly producerKind: ProducerKind;
}

/**
 * Structured-clonable handle of a ring: pass it in workerData (the SharedArrayBuffer is shared,
 * not copied) and reconstruct the ring on the other side with `RingBuffer.attach`.
 */
export interface RingDescriptor extends RingGeometry {
  readonly sab: SharedArrayBuffer;
}

export function alignUp(bytes: number, alignment: number): number {
  assert(isPowerOfTwo(alignment), 'alignment is a power of two');
  return Math.ceil(bytes / alignment) * alignment;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** log2 of a power of two (for `index = seq & mask` and `lap = seq / slotCount`). */
export function log2(n: number): number {
  assert(isPowerOfTwo(n) && n <= 2 ** 30, 'log2 of a power of two that fits an i32');
  return 31 - Math.clz32(n);
}

export function consumerRecordOffset(consumerIndex: number): number {
  assert(Number.isInteger(consumerIndex), 'consumer index is an integer');
  assert(consumerIndex >= 0 && consumerIndex < CONSUMER_COUNT_MAX, 'consumer index in range');
  return CONSUMER_RECORDS_OFFSET + consumerIndex * RECORD_BYTES;
}

export function availabilityOffset(consumerCount: number): number {
  assert(consumerCount >= 1 && consumerCount <= CONSUMER_COUNT_MAX, 'consumer count in range');
  return CONSUMER_RECORDS_OFFSET + consumerCount * RECORD_BYTES;
}

export function availabilityBytes(slotCount: number): number {
  return alignUp(slotCount * 4, RING_ALIGN_BYTES);
}

export function slotsOffset(geometry: RingGeometry): number {
  return availabilityOffset(geometry.consumerCount) + availabilityBytes(geometry.slotCount);
}

export function ringBytes(geometry: RingGeometry): number {
  assertGeometry(geometry);
  return slotsOffset(geometry) + alignUp(geometry.slotCount * geometry.slotBytes, RING_ALIGN_BYTES);
}

export function assertGeometry(geometry: RingGeometry): void {
  const { slotCount, slotBytes, consumerCount } = geometry;
  assert(isPowerOfTwo(slotCount), `slotCount ${slotCount} is a power of two`);
  assert(slotCount >= 2 && slotCount <= SLOT_COUNT_MAX, `slotCount ${slotCount} in [2, 2^24]`);
  assert(Number.isInteger(slotBytes) && slotBytes > 0, `slotBytes ${slotBytes} is positive`);
  assert(slotBytes % SLOT_ALIGN_BYTES === 0, `slotBytes ${slotBytes} is a multiple of 8`);
  assert(slotBytes <= SLOT_BYTES_MAX, `slotBytes ${slotBytes} within bound`);
  assert(Number.isInteger(consumerCount), 'consumerCount is an integer');
  assert(consumerCount >= 1 && consumerCount <= CONSUMER_COUNT_MAX, 'consumerCount in [1, 8]');
  producerKindCode(geometry.producerKind);
}

/** Byte offset -> index into an Int32Array over the ring buffer. */
export function i32Index(byteOffset: number): number {
  assert(byteOffset % 4 === 0, `i32 field at ${byteOffset} is 4-byte aligned`);
  return byteOffset >>> 2;
}

/** Byte offset -> index into a BigInt64Array over the ring buffer. */
export function i64Index(byteOffset: number): number {
  assert(byteOffset % 8 === 0, `i64 field at ${byteOffset} is 8-byte aligned`);
  return byteOffset >>> 3;
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`ring invariant violated: ${message}`);
}

/**
 * Fails a ring invariant. Per-message paths write `if (!cond) fail(`...`)` so that a template
 * message is built only when the check fails, not on every claim and publish.
 */
export function fail(message: string): never {
  throw new Error(`ring invariant violated: ${message}`);
}

// Load-time assertions: sizes, alignment, no overlap. A layout edit that breaks any of these
// fails on import, before any buffer is shared.
function assertLayout(): void {
  const controlFields: Array<[offset: number, bytes: number]> = [
    [CONTROL_MAGIC_OFFSET, 4],
    [CONTROL_VERSION_OFFSET, 4],
    [CONTROL_SLOT_COUNT_OFFSET, 4],
    [CONTROL_SLOT_BYTES_OFFSET, 4],
    [CONTROL_CONSUMER_COUNT_OFFSET, 4],
    [CONTROL_PRODUCER_KIND_OFFSET, 4],
    [CONTROL_SEQ_END_OFFSET, 8],
    [CONTROL_CLOSED_OFFSET, 4],
  ];
  assertFieldsDisjoint(controlFields, CONTROL_BYTES, 'control block');
  const recordFields: Array<[offset: number, bytes: number]> = [
    [RECORD_VALUE_OFFSET, 8],
    [RECORD_SIGNAL_OFFSET, 4],
    [RECORD_WAITERS_OFFSET, 4],
    [RECORD_PENDING_OFFSET, 4],
  ];
  assertFieldsDisjoint(recordFields, RECORD_BYTES, 'sequence record');
  assert(CONTROL_BYTES % RING_ALIGN_BYTES === 0, 'control block keeps records aligned');
  assert(RECORD_BYTES % RING_ALIGN_BYTES === 0, 'records are 128 bytes apart');
  assert(CURSOR_RECORD_OFFSET % RING_ALIGN_BYTES === 0, 'cursor record aligned');
  assert(CONSUMER_RECORDS_OFFSET === CURSOR_RECORD_OFFSET + RECORD_BYTES, 'records adjacent');
  assert(SLOT_ALIGN_BYTES === 8, 'slots admit 8-byte fields');
  // Every region of the largest and the smallest ring starts aligned and in order.
  for (const consumerCount of [1, CONSUMER_COUNT_MAX]) {
    for (const slotCount of [2, SLOT_COUNT_MAX]) {
      const geometry: RingGeometry = { slotCount, slotBytes: 8, consumerCount, producerKind: 'multi' };
      const lastRecordEnd = consumerRecordOffset(consumerCount - 1) + RECORD_BYTES;
      assert(availabilityOffset(consumerCount) === lastRecordEnd, 'availability after records');
      assert(availabilityOffset(consumerCount) % RING_ALIGN_BYTES === 0, 'availability aligned');
      assert(slotsOffset(geometry) >= lastRecordEnd + slotCount * 4, 'slots after availability');
      assert(slotsOffset(geometry) % RING_ALIGN_BYTES === 0, 'slots aligned');
      assert(ringBytes(geometry) >= slotsOffset(geometry) + slotCount * 8, 'ring holds slots');
    }
  }
}

function assertFieldsDisjoint(
  fields: ReadonlyArray<readonly [offset: number, bytes: number]>,
  regionBytes: number,
  regionName: string,
): void {
  const sorted = [...fields].sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [offset, bytes] of sorted) {
    assert(offset >= end, `${regionName}: field at ${offset} overlaps the previous one`);
    assert(offset % bytes === 0, `${regionName}: field at ${offset} is ${bytes}-byte aligned`);
    end = offset + bytes;
  }
  assert(end <= regionBytes, `${regionName}: fields fit in ${regionBytes} bytes`);
}

assertLayout();
