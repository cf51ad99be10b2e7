import type { Accounts } from './accounts.js';
import * as assertions from './assert.js';
import type { ClientOrderIds } from './client-order-ids.js';
import * as commandLayout from './command-layout.js';
import * as eventLayout from './event-layout.js';
import type { EventSink } from './event-sink.js';
import type { ExpiryQueue } from './expiry-queue.js';
import * as int64 from './int64.js';
import type { LevelTracker } from './level-tracker.js';
import type { OrderBook } from './order-book.js';
import type { OrderIndex } from './order-index.js';
import * as orderPool from './order-pool.js';
import type { OrderPool } from './order-pool.js';
import type { LevelPool } from './price-levels.js';
import type { Settlement } from './settlement.js';
import type { SharedState } from './shared-state.js';
import * as symbolConfig from './symbol-config.js';

// Bound to module-level consts for the hot path, as in matching-engine.ts (why: order-pool.ts).
const assert: typeof assertions.assert = assertions.assert;
const fail: typeof assertions.fail = assertions.fail;
const { OrderType, Side, StpMode, TimeInForce } = commandLayout;
type StpMode = commandLayout.StpMode;
const { CancelReason } = eventLayout;
type CancelReason = eventLayout.CancelReason;
const { mulDivFloor } = int64;
const {
  NIL,
  OrderState,
  F_STRIDE, F_ID, F_PRICE, F_LEAVES, F_FILLED, F_RESERVED, F_EXPIRE_AT_US,
  I_STRIDE, I_NEXT, I_ACCOUNT, I_HEAP_POS, I_SYMBOL,
  B_STRIDE, B_SIDE, B_TYPE, B_TIF, B_STP, B_STATE,
} = orderPool;
type OrderState = orderPool.OrderState;
const { BPS_DENOMINATOR } = symbolConfig;

/**
 * The matcher: price-time priority, self-trade prevention, stop triggers and expiry, and the
 * end of every order (cancel, retire). An ACTIVE order trades against the opposite side best
 * level first, each level's queue front to back, then rests, is cancelled or retires filled.
 * Levels are kept by the LevelTracker and money moves through Settlement; the matcher itself
 * keeps no state beyond the shared pools, books and windows it is given.
 */
export class Matcher {
  private readonly orders: OrderPool;
  private readonly levels: LevelPool;
  private readonly books: OrderBook[];
  private readonly accounts: Accounts;
  private readonly index: OrderIndex;
  private readonly clOrdIds: ClientOrderIds;
  private readonly clOrdIdKeyByHandle: Map<number, string>;
  private readonly expiries: ExpiryQueue;
  private readonly tracker: LevelTracker;
  private readonly settlement: Settlement;
  private readonly sink: EventSink;
  private readonly riskEnabled: boolean;

  constructor(state: SharedState, tracker: LevelTracker, settlement: Settlement) {
    this.orders = state.orders;
    this.levels = state.levels;
    this.books = state.books;
    this.accounts = state.accounts;
    this.index = state.index;
    this.clOrdIds = state.clOrdIds;
    this.clOrdIdKeyByHandle = state.clOrdIdKeyByHandle;
    this.expiries = state.expiries;
    this.tracker = tracker;
    this.settlement = settlement;
    this.sink = state.sink;
    this.riskEnabled = state.config.riskEnabled;
  }

  /** Whether a limit at `price` on `side` would trade against the opposite side now. */
  crosses(book: OrderBook, side: number, price: number): boolean {
    const best = book.opposite(side).best();
    if (best === NIL) return false;
    const bestPrice = this.levels.price[best] as number;
    return side === Side.BUY ? price >= bestPrice : price <= bestPrice;
  }

  /** Matches an ACTIVE order, then rests it, cancels its remainder, or retires it filled. */
  activate(book: OrderBook, h: number): void {
    const { F, B } = this.orders;
    const f = h * F_STRIDE;
    const b = h * B_STRIDE;
    const type = B[b + B_TYPE] as number;
    const tif = B[b + B_TIF] as number;
    const isMarket = type === OrderType.MARKET || type === OrderType.STOP_MARKET;
    if (isMarket && F[f + F_PRICE] === 0) return this.cancel(h, CancelReason.UNFILLED);
    if (tif === TimeInForce.FOK && !this.canFillCompletely(book, h)) return this.cancel(h, CancelReason.UNFILLED);
    // Most limit orders do not reach the opposite touch: match is not called for them (a market
    // order's limit is its protection price).
    if (this.crosses(book, B[b + B_SIDE] as number, F[f + F_PRICE] as number)) this.match(book, h);
    if (B[b + B_STATE] !== OrderState.ACTIVE) return; // self-trade prevention cancelled it
    if (F[f + F_LEAVES] === 0) return this.retire(h);
    if (isMarket || tif === TimeInForce.IOC || tif === TimeInForce.FOK) return this.cancel(h, CancelReason.UNFILLED);
    this.tracker.rest(book, h);
  }

  match(book: OrderBook, h: number): void {
    const orders = this.orders;
    const { F, I, B } = orders;
    const levels = this.levels;
    const f = h * F_STRIDE;
    const side = B[h * B_STRIDE + B_SIDE] as number;
    const limit = F[f + F_PRICE] as number;
    const opposite = book.opposite(side);
    const stp = B[h * B_STRIDE + B_STP] as number;
    const account = I[h * I_STRIDE + I_ACCOUNT] as number;
    // Each pass of the inner loop fills, cancels or reduces one maker, so the live order count
    // bounds the work of one match.
    let budget = orders.live + 1;
    while ((F[f + F_LEAVES] as number) > 0) {
      const level = opposite.best();
      if (level === NIL) return;
      const levelPrice = levels.price[level] as number;
      if (side === Side.BUY ? levelPrice > limit : levelPrice < limit) return;
      let m = levels.head[level] as number;
      while (m !== NIL && (F[f + F_LEAVES] as number) > 0) {
        if (!(--budget >= 0)) fail('match loop bound exceeded');
        const mi = m * I_STRIDE;
        const next = I[mi + I_NEXT] as number;
        if (stp !== StpMode.NONE && I[mi + I_ACCOUNT] === account) {
          if (!this.preventSelfTrade(book, h, m, stp)) return;
        } else {
          this.fill(book, h, m, levelPrice);
        }
        m = next;
      }
    }
  }

  /**
   * FOK: walks the opposite side as matching would, without changing anything, and tells
   * whether the whole quantity would trade. A resting order of the same account ends the walk
   * unless STP cancels only makers (then it is skipped), because the taker would be cancelled
   * or reduced there.
   */
  private canFillCompletely(book: OrderBook, h: number): boolean {
    const orders = this.orders;
    const { F, I, B } = orders;
    const levels = this.levels;
    const side = B[h * B_STRIDE + B_SIDE] as number;
    const limit = F[h * F_STRIDE + F_PRICE] as number;
    const stp = B[h * B_STRIDE + B_STP] as number;
    const account = I[h * I_STRIDE + I_ACCOUNT] as number;
    const opposite = book.opposite(side);
    let needed = F[h * F_STRIDE + F_LEAVES] as number;
    let budget = orders.live + 1;
    for (let depth = 0; depth < opposite.size; depth++) {
      const level = opposite.at(depth);
      const levelPrice = levels.price[level] as number;
      if (side === Side.BUY ? levelPrice > limit : levelPrice < limit) return false;
      for (let m = levels.head[level] as number; m !== NIL; m = I[m * I_STRIDE + I_NEXT] as number) {
        if (!(--budget >= 0)) fail('FOK walk bound exceeded');
        if (stp !== StpMode.NONE && I[m * I_STRIDE + I_ACCOUNT] === account) {
          if (stp === StpMode.CANCEL_MAKER) continue;
          return false;
        }
        needed -= F[m * F_STRIDE + F_LEAVES] as number;
        if (needed <= 0) return true;
      }
    }
    return false;
  }

  /** Returns whether the taker is still live. */
  private preventSelfTrade(book: OrderBook, taker: number, maker: number, mode: number): boolean {
    switch (mode as StpMode) {
      case StpMode.CANCEL_TAKER:
        this.cancel(taker, CancelReason.SELF_TRADE);
        return false;
      case StpMode.CANCEL_MAKER:
        this.cancel(maker, CancelReason.SELF_TRADE);
        return true;
      case StpMode.CANCEL_BOTH:
        this.cancel(maker, CancelReason.SELF_TRADE);
        this.cancel(taker, CancelReason.SELF_TRADE);
        return false;
      case StpMode.DECREMENT_AND_CANCEL: {
        const qty = Math.min(this.orders.F[taker * F_STRIDE + F_LEAVES] as number, this.orders.F[maker * F_STRIDE + F_LEAVES] as number);
        this.decrement(book, maker, qty);
        return this.decrement(book, taker, qty);
      }
      case StpMode.NONE:
        assert(false, 'self-trade prevention called with mode NONE');
        return true;
      default:
        return assertNever(mode as never);
    }
  }

  /** Reduces an order by `qty` without a trade (STP decrement); at zero it is cancelled. */
  private decrement(book: OrderBook, h: number, qty: number): boolean {
    const { F, I, B } = this.orders;
    const f = h * F_STRIDE;
    const leaves = F[f + F_LEAVES] as number;
    if (!(qty > 0 && qty <= leaves)) fail(`decrement ${qty} of ${leaves}`);
    if (qty === leaves) {
      this.cancel(h, CancelReason.SELF_TRADE);
      return false;
    }
    F[f + F_LEAVES] = leaves - qty;
    if (B[h * B_STRIDE + B_STATE] === OrderState.RESTING) this.tracker.changeLevelTotal(book, h, -qty);
    this.settlement.rebalance(h);
    const i = h * I_STRIDE;
    this.sink.cancelled(CancelReason.SELF_TRADE, I[i + I_ACCOUNT] as number, I[i + I_SYMBOL] as number, F[f + F_ID] as number, B[h * B_STRIDE + B_SIDE] as number, F[f + F_PRICE] as number, qty, leaves - qty, F[f + F_FILLED] as number);
    return true;
  }

  private fill(book: OrderBook, taker: number, maker: number, price: number): void {
    const { F, I, B } = this.orders;
    const cfg = book.config;
    const tf = taker * F_STRIDE;
    const mf = maker * F_STRIDE;
    const takerLeaves = F[tf + F_LEAVES] as number;
    const makerLeaves = F[mf + F_LEAVES] as number;
    const qty = Math.min(takerLeaves, makerLeaves);
    const takerLeft = takerLeaves - qty;
    const makerLeft = makerLeaves - qty;
    const takerFilled = (F[tf + F_FILLED] as number) + qty;
    const makerFilled = (F[mf + F_FILLED] as number) + qty;
    F[tf + F_LEAVES] = takerLeft;
    F[tf + F_FILLED] = takerFilled;
    F[mf + F_LEAVES] = makerLeft;
    F[mf + F_FILLED] = makerFilled;
    this.tracker.changeLevelTotal(book, maker, -qty);
    const notional = price * qty * cfg.quoteTickUnits;
    const takerFee = mulDivFloor(notional, cfg.takerFeeBps, BPS_DENOMINATOR);
    const makerFee = mulDivFloor(notional, cfg.makerFeeBps, BPS_DENOMINATOR);
    if (this.riskEnabled) this.settlement.settle(book, taker, maker, qty, notional, takerFee, makerFee);
    book.lastPrice = price;
    this.sink.trade(
      cfg.id,
      B[taker * B_STRIDE + B_SIDE] as number,
      I[taker * I_STRIDE + I_ACCOUNT] as number,
      F[tf + F_ID] as number,
      takerLeft,
      takerFilled,
      I[maker * I_STRIDE + I_ACCOUNT] as number,
      F[mf + F_ID] as number,
      makerLeft,
      makerFilled,
      price,
      qty,
      takerFee,
      makerFee,
    );
    if (makerLeft === 0) this.retire(maker);
  }

  cancel(h: number, reason: CancelReason): void {
    const { F, I, B } = this.orders;
    const f = h * F_STRIDE;
    const i = h * I_STRIDE;
    this.sink.cancelled(reason, I[i + I_ACCOUNT] as number, I[i + I_SYMBOL] as number, F[f + F_ID] as number, B[h * B_STRIDE + B_SIDE] as number, F[f + F_PRICE] as number, F[f + F_LEAVES] as number, 0, F[f + F_FILLED] as number);
    this.retire(h);
  }

  /** Takes a done order out of every structure and frees it. */
  retire(h: number): void {
    const orders = this.orders;
    const { F, I, B } = orders;
    const f = h * F_STRIDE;
    const i = h * I_STRIDE;
    const state = B[h * B_STRIDE + B_STATE] as OrderState;
    // An ACTIVE order (a taker) is in no book structure: the book is looked up only when needed.
    if (state === OrderState.RESTING) this.tracker.unlinkFromLevel(this.books[I[i + I_SYMBOL] as number] as OrderBook, h);
    else if (state === OrderState.STOP_PENDING) (this.books[I[i + I_SYMBOL] as number] as OrderBook).removeStop(orders, h);
    F[f + F_LEAVES] = 0;
    this.settlement.rebalance(h);
    if (!(F[f + F_RESERVED] === 0)) this.settlement.failReservation(h, 0);
    this.accounts.unlinkOrder(I[i + I_ACCOUNT] as number, h);
    if (this.clOrdIdKeyByHandle.size !== 0) {
      const key = this.clOrdIdKeyByHandle.get(h);
      if (key !== undefined) {
        this.clOrdIds.done(key);
        this.clOrdIdKeyByHandle.delete(h);
      }
    }
    if (I[i + I_HEAP_POS] !== NIL) this.expiries.remove(h);
    this.index.remove(F[f + F_ID] as number);
    orders.free(h);
  }

  /** Runs triggered stops, earliest placed first, until none is triggered. */
  runStops(book: OrderBook): void {
    if (book.buyStops.length === 0 && book.sellStops.length === 0) return;
    const orders = this.orders;
    const { F, I, B } = orders;
    // Every pass takes one stop out for good, so the pending count bounds the loop.
    let budget = book.buyStops.length + book.sellStops.length;
    for (;;) {
      if (book.halted) return;
      const h = book.nextTriggered(orders);
      if (h === -1) return;
      assert(--budget >= 0, 'stop trigger loop bound exceeded');
      book.removeStop(orders, h);
      const f = h * F_STRIDE;
      const i = h * I_STRIDE;
      const b = h * B_STRIDE;
      B[b + B_STATE] = OrderState.ACTIVE;
      this.sink.stopTriggered(I[i + I_ACCOUNT] as number, I[i + I_SYMBOL] as number, F[f + F_ID] as number, B[b + B_SIDE] as number, book.lastPrice, F[f + F_LEAVES] as number);
      this.activate(book, h);
    }
  }

  expireDue(nowUs: number): void {
    let budget = this.expiries.size;
    for (;;) {
      const h = this.expiries.peek();
      if (h === NIL || (this.orders.F[h * F_STRIDE + F_EXPIRE_AT_US] as number) > nowUs) return;
      assert(--budget >= 0, 'expiry loop bound exceeded');
      this.cancel(h, CancelReason.EXPIRED);
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unreachable: ${String(value)}`);
}
