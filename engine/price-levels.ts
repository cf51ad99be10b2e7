import { assert, fail } from './assert.js';
import { grow, grownLength } from './growable.js';
import { Side } from './command-layout.js';
import * as orderPool from './order-pool.js';

// A module-level const, not the imported binding, on the hot path (why: order-pool.ts).
const { NIL } = orderPool;
/** Entries a side moves with a loop rather than copyWithin when a level comes or goes. */
const SHORT_MOVE = 16;

/**
 * Price levels: a preallocated pool of level records (total quantity, order count, head and
 * tail of the intrusive order queue), and per book side a sorted array of the levels' prices.
 *
 * A side keeps its prices sorted by a key that grows towards the touch (the price for bids, its
 * negation for asks), so the best level is at the end of the array: matching pops from the end,
 * and orders placed near the touch insert near the end, which keeps `copyWithin` moves short.
 */
export class LevelPool {
  readonly capacity: number;
  price: Float64Array;
  total: Float64Array;
  count: Int32Array;
  head: Int32Array;
  tail: Int32Array;
  /**
   * The level's index in the current command's list of changed levels, or NIL while it is not
   * listed: the list then names the level directly, and emitting needs no price search.
   */
  changedAt: Int32Array;
  private freeNext: Int32Array;
  private freeHead = NIL;
  /** Levels [0, highWater) have been handed out at least once; the rest are fresh. */
  private highWater = 0;
  private used = 0;

  constructor(capacity: number) {
    assert(Number.isInteger(capacity) && capacity > 0, `level capacity ${capacity}`);
    this.capacity = capacity;
    const initial = Math.min(capacity, 1024);
    this.price = new Float64Array(initial);
    this.total = new Float64Array(initial);
    this.count = new Int32Array(initial);
    this.head = new Int32Array(initial);
    this.tail = new Int32Array(initial);
    this.changedAt = new Int32Array(initial).fill(NIL);
    this.freeNext = new Int32Array(initial);
  }

  get full(): boolean {
    return this.freeHead === NIL && this.highWater === this.capacity;
  }

  get inUse(): number {
    return this.used;
  }

  alloc(price: number): number {
    let l = this.freeHead;
    if (l !== NIL) {
      this.freeHead = this.freeNext[l] as number;
    } else {
      if (this.highWater === this.capacity) fail('level pool exhausted: callers check `full` first');
      if (this.highWater === this.price.length) this.growTo(this.highWater + 1);
      l = this.highWater++;
    }
    this.price[l] = price;
    this.total[l] = 0;
    this.count[l] = 0;
    this.head[l] = NIL;
    this.tail[l] = NIL;
    this.changedAt[l] = NIL;
    this.used++;
    return l;
  }

  private growTo(needed: number): void {
    const length = grownLength(this.price.length, needed, this.capacity);
    this.price = grow(this.price, length);
    this.total = grow(this.total, length);
    this.count = grow(this.count, length);
    this.head = grow(this.head, length);
    this.tail = grow(this.tail, length);
    this.changedAt = grow(this.changedAt, length);
    this.freeNext = grow(this.freeNext, length);
  }

  free(l: number): void {
    if (this.count[l] !== 0 || this.total[l] !== 0 || this.head[l] !== NIL) fail(`level ${l} freed while not empty`);
    this.freeNext[l] = this.freeHead;
    this.freeHead = l;
    this.changedAt[l] = NIL;
    this.used--;
  }
}

export class BookSide {
  readonly side: Side;
  private keys: Float64Array;
  private levels: Int32Array;
  private n = 0;
  private readonly maxLevels: number;
  /** +1 for bids, -1 for asks: key = price × keySign grows towards the touch on both sides. */
  private readonly keySign: number;

  constructor(side: Side, maxLevels: number) {
    this.side = side;
    this.maxLevels = maxLevels;
    this.keySign = side === Side.BUY ? 1 : -1;
    const initial = Math.min(64, maxLevels);
    this.keys = new Float64Array(initial);
    this.levels = new Int32Array(initial);
  }

  get size(): number {
    return this.n;
  }

  private key(price: number): number {
    return price * this.keySign;
  }

  /** The best level's handle, or NIL when the side is empty. */
  best(): number {
    return this.n === 0 ? NIL : (this.levels[this.n - 1] as number);
  }

  /** The level at depth `i` from the touch (0 = best). */
  at(i: number): number {
    if (!(i >= 0 && i < this.n)) fail(`depth ${i} outside [0, ${this.n})`);
    return this.levels[this.n - 1 - i] as number;
  }

  /**
   * Index of the first key >= `key` in [0, n). Keys are distinct integers (prices are whole
   * ticks), so a key `d` ticks behind the touch lies at least at index n-1-d: orders go mostly
   * to the dense levels near the touch, where that first probe is the answer, and otherwise a
   * binary search runs over [n-1-d, n-1] only.
   */
  private lowerBound(key: number): number {
    const keys = this.keys;
    const n = this.n;
    if (n === 0 || key > (keys[n - 1] as number)) return n;
    const behind = (keys[n - 1] as number) - key;
    let lo = behind < n ? n - 1 - behind : 0;
    if (keys[lo] === key) return lo;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  find(price: number): number {
    const key = this.key(price);
    const i = this.lowerBound(key);
    return i < this.n && this.keys[i] === key ? (this.levels[i] as number) : NIL;
  }

  insert(price: number, level: number): void {
    if (!(this.n < this.maxLevels)) fail('book side level bound');
    // lowerBound relies on whole-tick prices.
    if (!Number.isSafeInteger(price)) fail(`level price ${price} is not a whole number of ticks`);
    if (this.n === this.keys.length) this.grow();
    const key = this.key(price);
    const i = this.lowerBound(key);
    if (!(i === this.n || this.keys[i] !== key)) fail(`price ${price} already has a level`);
    const keys = this.keys;
    const levels = this.levels;
    // Near the touch the move is a few entries: a loop there, since copyWithin is a call into
    // the runtime that costs more than a short loop.
    if (this.n - i <= SHORT_MOVE) {
      for (let j = this.n; j > i; j--) {
        keys[j] = keys[j - 1] as number;
        levels[j] = levels[j - 1] as number;
      }
    } else {
      keys.copyWithin(i + 1, i, this.n);
      levels.copyWithin(i + 1, i, this.n);
    }
    keys[i] = key;
    levels[i] = level;
    this.n++;
  }

  remove(price: number): void {
    const key = this.key(price);
    // lowerBound's first probe answers for the best level, the common case.
    const i = this.lowerBound(key);
    if (!(i < this.n && this.keys[i] === key)) fail(`price ${price} has no level to remove`);
    const keys = this.keys;
    const levels = this.levels;
    const n = this.n;
    if (n - i <= SHORT_MOVE) {
      for (let j = i + 1; j < n; j++) {
        keys[j - 1] = keys[j] as number;
        levels[j - 1] = levels[j] as number;
      }
    } else {
      keys.copyWithin(i, i + 1, n);
      levels.copyWithin(i, i + 1, n);
    }
    this.n = n - 1;
  }

  private grow(): void {
    const size = Math.min(this.maxLevels, this.keys.length * 2);
    assert(size > this.keys.length, 'book side cannot grow past its bound');
    const keys = new Float64Array(size);
    keys.set(this.keys);
    const levels = new Int32Array(size);
    levels.set(this.levels);
    this.keys = keys;
    this.levels = levels;
  }
}
