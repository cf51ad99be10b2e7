import { assert, fail } from './assert.js';

/**
 * Preallocated storage for every live order (resting, pending stop, or being matched), as
 * parallel typed arrays indexed by a handle. Nothing is allocated per order: a handle comes from
 * an intrusive free list and goes back to it when the order is done.
 *
 * Orders at one price level form an intrusive doubly linked queue (`next`/`prev`), and the orders
 * of one account form another (`acctNext`/`acctPrev`), so cancel is O(1) and a mass cancel walks
 * only the account's own orders.
 */
export const NIL = -1;

export enum OrderState {
  FREE = 0,
  /** Accepted and being matched as a taker; not in a book. */
  ACTIVE = 1,
  RESTING = 2,
  STOP_PENDING = 3,
}

export class OrderPool {
  readonly capacity: number;
  readonly id: Float64Array;
  readonly price: Float64Array;
  readonly stopPrice: Float64Array;
  readonly leaves: Float64Array;
  readonly filled: Float64Array;
  /** Funds held for this order: quote for a buy, base for a sell (0 when risk is off). */
  readonly reserved: Float64Array;
  readonly expireAtUs: Float64Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly level: Int32Array;
  readonly account: Int32Array;
  readonly acctNext: Int32Array;
  readonly acctPrev: Int32Array;
  readonly heapPos: Int32Array;
  readonly symbol: Uint16Array;
  readonly side: Uint8Array;
  readonly type: Uint8Array;
  readonly tif: Uint8Array;
  readonly flags: Uint8Array;
  readonly stp: Uint8Array;
  readonly state: Uint8Array;
  private freeHead: number;
  private liveCount = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0 && capacity < 2 ** 30)) fail(`order capacity ${capacity}`);
    this.capacity = capacity;
    this.id = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.stopPrice = new Float64Array(capacity);
    this.leaves = new Float64Array(capacity);
    this.filled = new Float64Array(capacity);
    this.reserved = new Float64Array(capacity);
    this.expireAtUs = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.level = new Int32Array(capacity);
    this.account = new Int32Array(capacity);
    this.acctNext = new Int32Array(capacity);
    this.acctPrev = new Int32Array(capacity);
    this.heapPos = new Int32Array(capacity);
    this.symbol = new Uint16Array(capacity);
    this.side = new Uint8Array(capacity);
    this.type = new Uint8Array(capacity);
    this.tif = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.stp = new Uint8Array(capacity);
    this.state = new Uint8Array(capacity);
    // The free list threads through `next`; handles are handed out lowest first.
    for (let h = 0; h < capacity; h++) this.next[h] = h + 1 < capacity ? h + 1 : NIL;
    this.freeHead = 0;
  }

  get live(): number {
    return this.liveCount;
  }

  get full(): boolean {
    return this.freeHead === NIL;
  }

  alloc(): number {
    const h = this.freeHead;
    assert(h !== NIL, 'order pool exhausted: callers check `full` first');
    if (!(this.state[h] === OrderState.FREE)) fail(`order handle ${h} on the free list is in use`);
    this.freeHead = this.next[h] as number;
    this.next[h] = NIL;
    this.prev[h] = NIL;
    this.level[h] = NIL;
    this.acctNext[h] = NIL;
    this.acctPrev[h] = NIL;
    this.heapPos[h] = NIL;
    this.liveCount++;
    return h;
  }

  free(h: number): void {
    if (!(this.state[h] !== OrderState.FREE)) fail(`double free of order handle ${h}`);
    if (!(this.level[h] === NIL && this.heapPos[h] === NIL)) fail(`order handle ${h} freed while still linked`);
    this.state[h] = OrderState.FREE;
    this.id[h] = 0;
    this.next[h] = this.freeHead;
    this.freeHead = h;
    this.liveCount--;
  }
}
