import * as assertions from './assert.js';
import type { EventSink } from './event-sink.js';
import * as growable from './growable.js';
import type { OrderBook } from './order-book.js';
import * as orderPool from './order-pool.js';
import type { OrderPool } from './order-pool.js';
import type { LevelPool } from './price-levels.js';

// Bound to module-level consts for the hot path, as in matching-engine.ts (why: order-pool.ts).
const fail: typeof assertions.fail = assertions.fail;
const { grow, grownLength } = growable;
const { NIL, OrderState, F_STRIDE, F_ID, F_PRICE, F_LEAVES, I_STRIDE, I_NEXT, I_PREV, I_LEVEL, B_STRIDE, B_SIDE, B_STATE } = orderPool;

/**
 * Level tracking: puts resting orders on their price levels and takes them off, keeps each
 * level's total quantity, and lists the levels the current command changed, in first-touched
 * order, for the BOOK_LEVEL events that close the command. It owns that changed-level list (and
 * nothing that outlives a command: the list is empty between commands, so it holds no state for
 * the state hash); the levels and the order records belong to their pools.
 */
export class LevelTracker {
  private readonly orders: OrderPool;
  private readonly levels: LevelPool;
  private dirtySymbol = new Int32Array(256);
  private dirtySide = new Uint8Array(256);
  private dirtyPrice = new Float64Array(256);
  /** The level each changed-list entry reports, or NIL once that level emptied and was freed. */
  private dirtyLevel = new Int32Array(256);
  private readonly dirtyCapacity: number;
  private dirtyCount = 0;
  /** Levels emptied by the current command: while 0, no price can be on the changed list twice. */
  private levelsEmptied = 0;

  constructor(orders: OrderPool, levels: LevelPool, maxOrders: number) {
    this.orders = orders;
    this.levels = levels;
    // A command touches a level at most once per order it activates plus once per level it
    // empties; twice the level bound is more than any command can reach.
    this.dirtyCapacity = 2 * maxOrders + 64;
  }

  /** Emits one BOOK_LEVEL event per changed level, in first-touched order, and empties the list. */
  flush(sink: EventSink): void {
    const levels = this.levels;
    for (let i = 0; i < this.dirtyCount; i++) {
      const symbolId = this.dirtySymbol[i] as number;
      const side = this.dirtySide[i] as number;
      const price = this.dirtyPrice[i] as number;
      const level = this.dirtyLevel[i] as number;
      if (level === NIL) {
        sink.bookLevel(symbolId, side, price, 0, 0);
      } else {
        levels.changedAt[level] = NIL;
        sink.bookLevel(symbolId, side, price, levels.total[level] as number, levels.count[level] as number);
      }
    }
    this.dirtyCount = 0;
    this.levelsEmptied = 0;
  }

  /** Snapshot restore only: forgets the levels that restoring listed, without emitting. */
  forget(): void {
    for (let i = 0; i < this.dirtyCount; i++) {
      const level = this.dirtyLevel[i] as number;
      if (level !== NIL) this.levels.changedAt[level] = NIL;
    }
    this.dirtyCount = 0;
    this.levelsEmptied = 0;
  }

  rest(book: OrderBook, h: number): void {
    const { F, I, B } = this.orders;
    const levels = this.levels;
    const i = h * I_STRIDE;
    const b = h * B_STRIDE;
    const side = B[b + B_SIDE] as number;
    const price = F[h * F_STRIDE + F_PRICE] as number;
    const bookSide = book.side(side);
    let level = bookSide.find(price);
    if (level === NIL) {
      level = levels.alloc(price);
      bookSide.insert(price, level);
      // A level this command emptied at the same price is still on the changed-level list;
      // listing the new one as well would report the price twice (twice as gone, if it empties).
      // The entry reports the new level instead.
      if (this.levelsEmptied !== 0) this.relistAtPrice(book.config.id, side, price, level);
    }
    const tail = levels.tail[level] as number;
    I[i + I_PREV] = tail;
    I[i + I_NEXT] = NIL;
    if (tail === NIL) levels.head[level] = h;
    else I[tail * I_STRIDE + I_NEXT] = h;
    levels.tail[level] = h;
    levels.count[level] = (levels.count[level] as number) + 1;
    I[i + I_LEVEL] = level;
    B[b + B_STATE] = OrderState.RESTING;
    this.addToLevel(book, side, level, F[h * F_STRIDE + F_LEAVES] as number);
  }

  changeLevelTotal(book: OrderBook, h: number, delta: number): void {
    const orders = this.orders;
    const level = orders.I[h * I_STRIDE + I_LEVEL] as number;
    if (!(level !== NIL)) this.failNotOnLevel(h);
    this.addToLevel(book, orders.B[h * B_STRIDE + B_SIDE] as number, level, delta);
  }

  /** Adds `delta` to a level's total quantity (which never goes below zero) and lists the level as changed. */
  private addToLevel(book: OrderBook, side: number, level: number, delta: number): void {
    const total = (this.levels.total[level] as number) + delta;
    if (!(total >= 0)) this.failLevelTotal(level);
    this.levels.total[level] = total;
    this.markDirty(book, side, level);
  }

  private markDirty(book: OrderBook, side: number, level: number): void {
    if (this.levels.changedAt[level] !== NIL) return;
    const i = this.dirtyCount++;
    if (i === this.dirtySymbol.length) this.growDirty(i + 1);
    this.levels.changedAt[level] = i;
    this.dirtyLevel[i] = level;
    this.dirtySymbol[i] = book.config.id;
    this.dirtySide[i] = side;
    this.dirtyPrice[i] = this.levels.price[level] as number;
  }

  /** Points the changed-list entry of an emptied level at `level`, new at the same price, if listed. */
  private relistAtPrice(symbolId: number, side: number, price: number, level: number): void {
    for (let i = 0; i < this.dirtyCount; i++) {
      if (this.dirtyPrice[i] === price && this.dirtySide[i] === side && this.dirtySymbol[i] === symbolId) {
        // A listed level still in the book would have been found instead of creating this one.
        if (!(this.dirtyLevel[i] === NIL)) fail(`price ${price} listed with a live level ${this.dirtyLevel[i]}`);
        this.dirtyLevel[i] = level;
        this.levels.changedAt[level] = i;
        return;
      }
    }
  }

  private growDirty(needed: number): void {
    const length = grownLength(this.dirtySymbol.length, needed, this.dirtyCapacity);
    this.dirtySymbol = grow(this.dirtySymbol, length);
    this.dirtySide = grow(this.dirtySide, length);
    this.dirtyPrice = grow(this.dirtyPrice, length);
    this.dirtyLevel = grow(this.dirtyLevel, length);
  }

  /** Removes a resting order from its level (and the level from the book when it empties). */
  unlinkFromLevel(book: OrderBook, h: number): void {
    const { F, I, B } = this.orders;
    const levels = this.levels;
    const i = h * I_STRIDE;
    const level = I[i + I_LEVEL] as number;
    const side = B[h * B_STRIDE + B_SIDE] as number;
    // changeLevelTotal's work, reading the level and side once for both uses here.
    if (!(level !== NIL)) this.failNotOnLevel(h);
    this.addToLevel(book, side, level, -(F[h * F_STRIDE + F_LEAVES] as number));
    const prev = I[i + I_PREV] as number;
    const next = I[i + I_NEXT] as number;
    if (prev === NIL) levels.head[level] = next;
    else I[prev * I_STRIDE + I_NEXT] = next;
    if (next === NIL) levels.tail[level] = prev;
    else I[next * I_STRIDE + I_PREV] = prev;
    I[i + I_PREV] = NIL;
    I[i + I_NEXT] = NIL;
    I[i + I_LEVEL] = NIL;
    const count = (levels.count[level] as number) - 1;
    levels.count[level] = count;
    if (count === 0) this.dropEmptiedLevel(book, side, level);
  }

  /**
   * Takes an emptied level out of its book side and frees it. A method of its own, off the
   * common path of unlinkFromLevel: with it and the failure messages out, unlinkFromLevel is
   * small enough for V8 to inline into its callers (its bytecode was over the 460-byte limit).
   */
  private dropEmptiedLevel(book: OrderBook, side: number, level: number): void {
    const levels = this.levels;
    book.side(side).remove(levels.price[level] as number);
    // markDirty listed the level above; its entry now reports the price as gone.
    const listed = levels.changedAt[level] as number;
    if (!(listed !== NIL && this.dirtyLevel[listed] === level)) fail(`emptied level ${level} is not on the changed list`);
    this.dirtyLevel[listed] = NIL;
    levels.free(level);
    this.levelsEmptied++;
  }

  // Failure messages are built in methods of their own, so that the bytecode that builds them
  // does not count against the inlining budget of the hot method that checks.
  private failNotOnLevel(h: number): never {
    return fail(`order ${this.orders.F[h * F_STRIDE + F_ID]} is not on a level`);
  }

  private failLevelTotal(level: number): never {
    return fail(`level total below zero at ${this.levels.price[level]}`);
  }
}
