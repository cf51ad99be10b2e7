import { fail } from './assert.js';
import * as commandLayout from './command-layout.js';
import * as orderPool from './order-pool.js';
import type { OrderPool } from './order-pool.js';
import { BookSide } from './price-levels.js';
import type { SymbolConfig } from './symbol-config.js';

// Module-level consts, not imported bindings, on the hot path (why: order-pool.ts).
const { F_STRIDE, F_ID, F_STOP_PRICE, B_STRIDE, B_SIDE } = orderPool;
const { Side } = commandLayout;
type Side = commandLayout.Side;

/**
 * One symbol's book: two sides of price levels, the pending stop orders, the last trade price
 * that triggers them, and the halt flag.
 *
 * Pending stops are kept in two arrays sorted so that the ones a price move triggers first are
 * at the front: buy stops by (stop price ascending, order id), sell stops by (stop price
 * descending, order id). Stops are rare next to limit orders, so an O(n) insert is the simple,
 * defined choice.
 */
export class OrderBook {
  readonly bids: BookSide;
  readonly asks: BookSide;
  readonly buyStops: number[] = [];
  readonly sellStops: number[] = [];
  lastPrice = 0;
  /** Halted by an operator for this symbol alone (SYMBOL_HALT). */
  symbolHalted = false;
  /** Trades nothing and takes no order: halted for itself or with all trading (TRADING_HALT). */
  halted = false;

  constructor(
    readonly config: SymbolConfig,
    maxLevels: number,
  ) {
    this.bids = new BookSide(Side.BUY, maxLevels);
    this.asks = new BookSide(Side.SELL, maxLevels);
  }

  side(side: Side): BookSide {
    return side === Side.BUY ? this.bids : this.asks;
  }

  opposite(side: Side): BookSide {
    return side === Side.BUY ? this.asks : this.bids;
  }

  addStop(orders: OrderPool, h: number): void {
    const stops = orders.B[h * B_STRIDE + B_SIDE] === Side.BUY ? this.buyStops : this.sellStops;
    const i = this.stopInsertIndex(orders, stops, h);
    stops.splice(i, 0, h);
  }

  removeStop(orders: OrderPool, h: number): void {
    const stops = orders.B[h * B_STRIDE + B_SIDE] === Side.BUY ? this.buyStops : this.sellStops;
    const i = stops.indexOf(h);
    if (!(i >= 0)) fail(`stop order handle ${h} is not pending`);
    stops.splice(i, 1);
  }

  /** Whether a stop at `stopPrice` on `side` triggers at the current last trade price. */
  triggers(side: number, stopPrice: number): boolean {
    if (this.lastPrice === 0) return false;
    return side === Side.BUY ? this.lastPrice >= stopPrice : this.lastPrice <= stopPrice;
  }

  /**
   * The triggered stop with the lowest order id (earliest placed), or -1. Only the triggered
   * prefix of each array is scanned.
   */
  nextTriggered(orders: OrderPool): number {
    const buy = this.firstTriggered(orders, this.buyStops);
    const sell = this.firstTriggered(orders, this.sellStops);
    if (buy === -1) return sell;
    if (sell === -1) return buy;
    const F = orders.F;
    return (F[buy * F_STRIDE + F_ID] as number) < (F[sell * F_STRIDE + F_ID] as number) ? buy : sell;
  }

  /** The lowest order id in the triggered prefix of one sorted stop array, or -1. */
  private firstTriggered(orders: OrderPool, stops: number[]): number {
    const F = orders.F;
    let best = -1;
    let bestId = Infinity;
    for (let i = 0; i < stops.length; i++) {
      const h = stops[i] as number;
      if (!this.triggers(orders.B[h * B_STRIDE + B_SIDE] as number, F[h * F_STRIDE + F_STOP_PRICE] as number)) break;
      const id = F[h * F_STRIDE + F_ID] as number;
      if (id < bestId) {
        bestId = id;
        best = h;
      }
    }
    return best;
  }

  private stopInsertIndex(orders: OrderPool, stops: number[], h: number): number {
    const F = orders.F;
    const buy = orders.B[h * B_STRIDE + B_SIDE] === Side.BUY;
    const stop = F[h * F_STRIDE + F_STOP_PRICE] as number;
    const id = F[h * F_STRIDE + F_ID] as number;
    let lo = 0;
    let hi = stops.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = stops[mid] as number;
      const ms = F[m * F_STRIDE + F_STOP_PRICE] as number;
      const before = buy ? ms < stop : ms > stop;
      if (before || (ms === stop && (F[m * F_STRIDE + F_ID] as number) < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
