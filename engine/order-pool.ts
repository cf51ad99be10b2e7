import { assert, fail } from './assert.js';

/**
 * Preallocated storage for every live order (resting, pending stop, or being matched): one
 * fixed-size record per order in one ArrayBuffer, indexed by a handle. Nothing is allocated per
 * order: a handle comes from an intrusive free list and goes back to it when the order is done.
 *
 * Orders at one price level form an intrusive doubly linked queue (`next`/`prev`), and the orders
 * of one account form another (`acctNext`/`acctPrev`), so cancel is O(1) and a mass cancel walks
 * only the account's own orders.
 *
 * Why one record per order rather than one array per field: matching and cancelling touch a
 * dozen fields of the same order, and with one array per field each of those is a separate
 * cache miss once the pool outgrows the cache (random access measured 80-110 ns per order over
 * 20 separate arrays against 45-55 ns for one record). The hot paths index the three views
 * directly, `F[h * F_STRIDE + F_PRICE]`: behind accessor methods the JIT stopped inlining them
 * in the large functions that matter and the layout lost more than it gained (accessors
 * measured -15%, direct indexing +8% on the standard flow, same-process A/B).
 *
 * The files on the hot path bind these constants (and the other imports they use per command)
 * to module-level consts, `import * as orderPool from ...; const { F_PRICE } = orderPool;`, and
 * never use an imported binding directly there: V8 does not constant-fold an imported binding
 * (every use loads it from its module cell; an indexing loop ran 1.5x slower than with
 * module-level consts, and this layout with plain imports measured -8% where it measures +8%
 * with the consts), but it does fold a module-level const.
 */
export const NIL = -1;

export enum OrderState {
  FREE = 0,
  /** Accepted and being matched as a taker; not in a book. */
  ACTIVE = 1,
  RESTING = 2,
  STOP_PENDING = 3,
}

// ───────────────────────────── record layout ─────────────────────────────
//
// One order record, ORDER_RECORD_BYTES = 96, little-endian (the platform's typed-array order;
// the record never leaves the process, snapshots go through engine-state.ts):
//
//   byte  0                   8                  16                  24
//         +-------------------+-------------------+-------------------+
//       0 | id          f64   | price       f64   | stopPrice   f64   |
//      24 | leaves      f64   | filled      f64   | reserved    f64   |
//      48 | expireAtUs  f64   | next i32 | prev i32 | level i32 | account i32 |
//         +-------------------+----------+--------+-----------+-------------+
//      72 | acctNext i32 | acctPrev i32 | heapPos i32 | symbol i32 |
//      88 | side u8 | type u8 | tif u8 | flags u8 | stp u8 | state u8 | (2 bytes unused) |
//         +---------------------------------------------------------------------------+
//
// The f64 fields come first so that each is 8-byte aligned within the record, and the stride is
// a multiple of 8 so that this holds for every record. A field is read through the view of its
// width, at `handle * <view>_STRIDE + <field>`, where the field constant is its byte offset
// divided by the view's element size.

export const ORDER_RECORD_BYTES = 96;
/** Elements per record in each view. */
export const F_STRIDE = ORDER_RECORD_BYTES / 8;
export const I_STRIDE = ORDER_RECORD_BYTES / 4;
export const B_STRIDE = ORDER_RECORD_BYTES;

// Float64Array indices within a record.
export const F_ID = 0;
export const F_PRICE = 1;
export const F_STOP_PRICE = 2;
export const F_LEAVES = 3;
export const F_FILLED = 4;
/** Funds held for this order: quote for a buy, base for a sell (0 when risk is off). */
export const F_RESERVED = 5;
export const F_EXPIRE_AT_US = 6;
// Int32Array indices within a record.
export const I_NEXT = 14;
export const I_PREV = 15;
export const I_LEVEL = 16;
export const I_ACCOUNT = 17;
export const I_ACCT_NEXT = 18;
export const I_ACCT_PREV = 19;
export const I_HEAP_POS = 20;
export const I_SYMBOL = 21;
// Uint8Array indices within a record.
export const B_SIDE = 88;
export const B_TYPE = 89;
export const B_TIF = 90;
export const B_FLAGS = 91;
export const B_STP = 92;
export const B_STATE = 93;
/**
 * Int32Array index of side, type, tif and flags as one word (bytes 88-91), for copying them
 * from a command record, where they are bytes 1-4 in the same order (the record and the
 * command are both little-endian; checkLayout asserts the platform's typed arrays are).
 */
export const I_SIDE_TO_FLAGS = B_SIDE / 4;

/**
 * The largest pool whose element indices stay below 2^31 in every view (the byte view's are the
 * largest), so that index arithmetic stays in int32 in optimized code.
 */
export const ORDER_POOL_CAPACITY_MAX = Math.floor((2 ** 31 - 1) / ORDER_RECORD_BYTES);

/** [name, byte offset, size in bytes] of every field, for the load-time layout checks. */
const FIELDS: ReadonlyArray<readonly [string, number, number]> = [
  ['id', F_ID * 8, 8],
  ['price', F_PRICE * 8, 8],
  ['stopPrice', F_STOP_PRICE * 8, 8],
  ['leaves', F_LEAVES * 8, 8],
  ['filled', F_FILLED * 8, 8],
  ['reserved', F_RESERVED * 8, 8],
  ['expireAtUs', F_EXPIRE_AT_US * 8, 8],
  ['next', I_NEXT * 4, 4],
  ['prev', I_PREV * 4, 4],
  ['level', I_LEVEL * 4, 4],
  ['account', I_ACCOUNT * 4, 4],
  ['acctNext', I_ACCT_NEXT * 4, 4],
  ['acctPrev', I_ACCT_PREV * 4, 4],
  ['heapPos', I_HEAP_POS * 4, 4],
  ['symbol', I_SYMBOL * 4, 4],
  ['side', B_SIDE, 1],
  ['type', B_TYPE, 1],
  ['tif', B_TIF, 1],
  ['flags', B_FLAGS, 1],
  ['stp', B_STP, 1],
  ['state', B_STATE, 1],
];

function checkLayout(): void {
  assert(ORDER_RECORD_BYTES % 8 === 0, 'order record stride must keep every f64 field aligned');
  assert(Number.isInteger(F_STRIDE) && Number.isInteger(I_STRIDE), 'order record stride must be whole elements of every view');
  const sorted = [...FIELDS].sort((a, b) => a[1] - b[1]);
  let end = 0;
  for (const [name, offset, size] of sorted) {
    assert(offset % size === 0, `order field ${name} at byte ${offset} is not ${size}-byte aligned`);
    assert(offset >= end, `order field ${name} at byte ${offset} overlaps the field before it`);
    end = offset + size;
  }
  assert(end <= ORDER_RECORD_BYTES, `order fields end at byte ${end}, past the ${ORDER_RECORD_BYTES}-byte record`);
  assert(B_SIDE % 4 === 0 && B_TYPE === B_SIDE + 1 && B_TIF === B_SIDE + 2 && B_FLAGS === B_SIDE + 3, 'side, type, tif, flags form the word I_SIDE_TO_FLAGS');
  assert(new Uint8Array(new Uint32Array([1]).buffer)[0] === 1, 'order records are little-endian: typed arrays must be');
  // More than a word of slack means the stride could shrink.
  assert(ORDER_RECORD_BYTES - end < 8, `order record has ${ORDER_RECORD_BYTES - end} unused bytes`);
}
checkLayout();

// The pool's per-order methods read the layout through these module-private copies (P_): V8
// constant-folds a module-level const, but loads an exported binding from its module cell, with
// a hole check, at every use, even inside the module that exports it.
const P_NIL = NIL;
const P_FREE = OrderState.FREE;
const P_F_STRIDE = F_STRIDE;
const P_I_STRIDE = I_STRIDE;
const P_B_STRIDE = B_STRIDE;
const P_F_ID = F_ID;
const P_I_NEXT = I_NEXT;
const P_I_LEVEL = I_LEVEL;
const P_I_PREV = I_PREV;
const P_I_ACCT_NEXT = I_ACCT_NEXT;
const P_I_ACCT_PREV = I_ACCT_PREV;
const P_I_HEAP_POS = I_HEAP_POS;
const P_B_STATE = B_STATE;

export class OrderPool {
  readonly capacity: number;
  /** The f64 fields (F_*) of every record. */
  readonly F: Float64Array;
  /** The i32 fields (I_*) of every record. */
  readonly I: Int32Array;
  /** The u8 fields (B_*) of every record. */
  readonly B: Uint8Array;
  private freeHead: number;
  /** Handles below it have been used; those from it up are fresh (all zero bytes). */
  private highWater: number;
  private liveCount = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0 && capacity <= ORDER_POOL_CAPACITY_MAX)) fail(`order capacity ${capacity}`);
    this.capacity = capacity;
    const buffer = new ArrayBuffer(capacity * ORDER_RECORD_BYTES);
    this.F = new Float64Array(buffer);
    this.I = new Int32Array(buffer);
    this.B = new Uint8Array(buffer);
    // Handles never used yet come from a high-water mark, so construction touches no record:
    // the buffer's pages stay untouched until orders use them (a replay's core sized for
    // millions of orders starts in milliseconds). A freed handle goes on an intrusive free list
    // through `next`, taken before the high-water mark: handles are handed out in the same order
    // as from one list threading every record lowest first. alloc sets a fresh record's links
    // NIL; a reused record's links other than `next` are NIL already, since every path that
    // frees a record has unlinked it (from its level, account list and expiry heap; free asserts
    // the level and heap links), so alloc clears only `next` there.
    this.freeHead = NIL;
    this.highWater = 0;
  }

  get live(): number {
    return this.liveCount;
  }

  get full(): boolean {
    return this.freeHead === P_NIL && this.highWater === this.capacity;
  }

  /** A handle with its links cleared (next, prev, level, account list, heap position: NIL). */
  alloc(): number {
    const I = this.I;
    let h = this.freeHead;
    if (h !== P_NIL) {
      if (!(this.B[h * P_B_STRIDE + P_B_STATE] === P_FREE)) fail(`order handle ${h} on the free list is in use`);
      const i = h * P_I_STRIDE;
      this.freeHead = I[i + P_I_NEXT] as number;
      // The other links are NIL already (every path to free unlinks them).
      I[i + P_I_NEXT] = P_NIL;
    } else {
      h = this.highWater;
      if (!(h < this.capacity)) fail('order pool exhausted: callers check `full` first');
      this.highWater = h + 1;
      const i = h * P_I_STRIDE;
      I[i + P_I_NEXT] = P_NIL;
      I[i + P_I_PREV] = P_NIL;
      I[i + P_I_LEVEL] = P_NIL;
      I[i + P_I_ACCT_NEXT] = P_NIL;
      I[i + P_I_ACCT_PREV] = P_NIL;
      I[i + P_I_HEAP_POS] = P_NIL;
    }
    this.liveCount++;
    return h;
  }

  free(h: number): void {
    const I = this.I;
    const i = h * P_I_STRIDE;
    const b = h * P_B_STRIDE;
    if (!(this.B[b + P_B_STATE] !== P_FREE)) fail(`double free of order handle ${h}`);
    // alloc relies on every link but `next` being NIL here: unlinking from a level clears
    // prev/level, from the account list acctNext/acctPrev, from the heap heapPos. Checking two
    // of them keeps the check cheap.
    if (!(I[i + P_I_LEVEL] === P_NIL && I[i + P_I_HEAP_POS] === P_NIL)) fail(`order handle ${h} freed while still linked`);
    this.B[b + P_B_STATE] = P_FREE;
    this.F[h * P_F_STRIDE + P_F_ID] = 0;
    I[i + P_I_NEXT] = this.freeHead;
    this.freeHead = h;
    this.liveCount--;
  }

  /** Whether any record is in `state` (snapshot restore checks; O(capacity)). */
  anyInState(state: OrderState): boolean {
    for (let h = 0; h < this.highWater; h++) if (this.B[h * B_STRIDE + B_STATE] === state) return true;
    return false;
  }
}
