import type { Accounts } from './accounts.js';
import * as commandLayout from './command-layout.js';
import * as eventLayout from './event-layout.js';
import type { EventSink } from './event-sink.js';
import * as int64 from './int64.js';
import type { LevelTracker } from './level-tracker.js';
import type { Matcher } from './matcher.js';
import type { OrderBook } from './order-book.js';
import type { OrderIndex } from './order-index.js';
import * as orderPool from './order-pool.js';
import type { OrderPool } from './order-pool.js';
import * as resultCode from './result-code.js';
import type { Settlement } from './settlement.js';
import type { SharedState, TradingSwitch } from './shared-state.js';

// Bound to module-level consts as on the other per-command paths (why: order-pool.ts); cancel
// is a third of the standard flow.
const { CMD_ACCOUNT_ID, CMD_PRICE, CMD_QTY, CMD_REASON, CMD_STOP_PRICE, CMD_SYMBOL_ID, CMD_TARGET_ID, FLAG_POST_ONLY } = commandLayout;
const { CancelReason } = eventLayout;
const { i64In, readI64 } = int64;
const {
  NIL,
  OrderState,
  F_STRIDE, F_ID, F_PRICE, F_STOP_PRICE, F_LEAVES, F_FILLED, F_RESERVED,
  I_STRIDE, I_ACCOUNT, I_SYMBOL,
  B_STRIDE, B_SIDE, B_FLAGS, B_STATE,
} = orderPool;
const { ResultCode } = resultCode;
type ResultCode = resultCode.ResultCode;

/**
 * An owner's changes to one of its live orders: cancel, and amend (price, quantity, stop
 * price). An amend keeps the order's time priority only when it is a pending stop or its price
 * stays and its quantity does not grow; otherwise the order leaves its level, may trade, and
 * rests last. Another account's order is an unknown order. It keeps no state of its own.
 */
export class OrderAmendment {
  private readonly orders: OrderPool;
  private readonly books: OrderBook[];
  private readonly accounts: Accounts;
  private readonly index: OrderIndex;
  private readonly matcher: Matcher;
  private readonly tracker: LevelTracker;
  private readonly settlement: Settlement;
  private readonly sink: EventSink;
  private readonly riskEnabled: boolean;
  private readonly trading: TradingSwitch;

  constructor(state: SharedState, matcher: Matcher, tracker: LevelTracker, settlement: Settlement) {
    this.orders = state.orders;
    this.books = state.books;
    this.accounts = state.accounts;
    this.index = state.index;
    this.matcher = matcher;
    this.tracker = tracker;
    this.settlement = settlement;
    this.sink = state.sink;
    this.riskEnabled = state.config.riskEnabled;
    this.trading = state.trading;
  }

  /** The handle of a live order owned by `accountId`, or NIL (another account's order is unknown). */
  private ownedOrder(accountId: number, orderId: number): number {
    if (!i64In(orderId, 0, Number.MAX_SAFE_INTEGER)) return NIL;
    const h = this.index.get(orderId);
    return h !== NIL && this.orders.I[h * I_STRIDE + I_ACCOUNT] === accountId ? h : NIL;
  }

  /**
   * A cancel by the owner. Its reason is the one its events carry: 0 (every cancel journaled
   * before cancels had a reason, and every client's) or USER for a user's cancel, DISCONNECT for
   * the gateway's cancel-on-disconnect; any other is refused INVALID_CANCEL_REASON, first.
   */
  cancelCommand(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const orderId = readI64(v, o + CMD_TARGET_ID);
    const symbolId = v.getUint32(o + CMD_SYMBOL_ID, true);
    const reasonIn = v.getUint8(o + CMD_REASON);
    if (reasonIn > CancelReason.USER && reasonIn !== CancelReason.DISCONNECT) return this.sink.rejected(ResultCode.INVALID_CANCEL_REASON, accountId, symbolId, orderId, 0, 0, 0, v, o);
    if (!this.accounts.has(accountId)) return this.sink.rejected(ResultCode.UNKNOWN_ACCOUNT, accountId, symbolId, orderId, 0, 0, 0, v, o);
    const h = this.ownedOrder(accountId, orderId);
    if (h === NIL) return this.sink.rejected(ResultCode.UNKNOWN_ORDER, accountId, symbolId, orderId, 0, 0, 0, v, o);
    const { I, B } = this.orders;
    this.sink.accepted(accountId, I[h * I_STRIDE + I_SYMBOL] as number, orderId, B[h * B_STRIDE + B_SIDE] as number, 0, 0, 0, v, o);
    this.matcher.cancel(h, reasonIn === CancelReason.DISCONNECT ? CancelReason.DISCONNECT : CancelReason.USER);
  }

  amend(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const orderId = readI64(v, o + CMD_TARGET_ID);
    const newPriceIn = readI64(v, o + CMD_PRICE);
    const newQtyIn = readI64(v, o + CMD_QTY);
    const newStopIn = readI64(v, o + CMD_STOP_PRICE);
    const symbolIn = v.getUint32(o + CMD_SYMBOL_ID, true);
    const rejectWith = (code: ResultCode): void => this.sink.rejected(code, accountId, symbolIn, orderId, 0, newPriceIn, newQtyIn, v, o);
    if (!this.accounts.has(accountId)) return rejectWith(ResultCode.UNKNOWN_ACCOUNT);
    const h = this.ownedOrder(accountId, orderId);
    if (h === NIL) return rejectWith(ResultCode.UNKNOWN_ORDER);
    const { F, I, B } = this.orders;
    const f = h * F_STRIDE;
    const b = h * B_STRIDE;
    const book = this.books[I[h * I_STRIDE + I_SYMBOL] as number] as OrderBook;
    const cfg = book.config;
    const pending = B[b + B_STATE] === OrderState.STOP_PENDING;
    if (this.accounts.blocked[accountId] === 1) return rejectWith(ResultCode.ACCOUNT_BLOCKED);
    if (book.halted) return rejectWith(this.trading.halted ? ResultCode.TRADING_HALTED : ResultCode.SYMBOL_HALTED);
    if (newPriceIn !== 0 && !i64In(newPriceIn, 1, cfg.maxPrice)) return rejectWith(ResultCode.INVALID_PRICE);
    if (newQtyIn !== 0 && !i64In(newQtyIn, 1, Number.MAX_SAFE_INTEGER)) return rejectWith(ResultCode.INVALID_QUANTITY);
    if (newQtyIn !== 0 && newQtyIn < cfg.minQty) return rejectWith(ResultCode.QUANTITY_BELOW_MIN);
    if (newQtyIn > cfg.maxQty) return rejectWith(ResultCode.QUANTITY_ABOVE_MAX);
    if (newStopIn !== 0 && (!pending || !i64In(newStopIn, 1, cfg.maxPrice))) return rejectWith(ResultCode.INVALID_STOP_PRICE);
    const filled = F[f + F_FILLED] as number;
    const leaves = F[f + F_LEAVES] as number;
    const oldPrice = F[f + F_PRICE] as number;
    const oldStopPrice = F[f + F_STOP_PRICE] as number;
    const price = newPriceIn !== 0 ? newPriceIn : oldPrice;
    const total = newQtyIn !== 0 ? newQtyIn : filled + leaves;
    const stopPrice = newStopIn !== 0 ? newStopIn : oldStopPrice;
    if (total <= filled) return rejectWith(ResultCode.AMEND_QUANTITY_TOO_LOW);
    if (price === oldPrice && total === filled + leaves && stopPrice === oldStopPrice) return rejectWith(ResultCode.AMEND_NO_CHANGE);
    const side = B[b + B_SIDE] as number;
    if (!pending && ((B[b + B_FLAGS] as number) & FLAG_POST_ONLY) !== 0 && this.matcher.crosses(book, side, price)) return rejectWith(ResultCode.POST_ONLY_WOULD_CROSS);
    const newLeaves = total - filled;
    const required = this.riskEnabled ? this.settlement.requiredFunds(book, side, price, newLeaves) : 0;
    const extra = required - (F[f + F_RESERVED] as number);
    if (extra > 0 && extra > this.settlement.available(accountId, book, side)) return rejectWith(ResultCode.INSUFFICIENT_FUNDS);
    this.sink.accepted(accountId, cfg.id, orderId, side, newPriceIn, newQtyIn, newStopIn, v, o);
    const keepsPriority = pending || (price === oldPrice && newLeaves <= leaves);
    if (pending) this.amendStop(book, h, price, newLeaves, stopPrice, required);
    else if (keepsPriority) this.reduceInPlace(book, h, newLeaves);
    else this.reprice(book, h, price, newLeaves, required);
    this.matcher.runStops(book);
  }

  private emitAmended(h: number, priorityKept: boolean): void {
    const { F, I, B } = this.orders;
    const f = h * F_STRIDE;
    const i = h * I_STRIDE;
    const leaves = F[f + F_LEAVES] as number;
    const filled = F[f + F_FILLED] as number;
    this.sink.amended(I[i + I_ACCOUNT] as number, I[i + I_SYMBOL] as number, F[f + F_ID] as number, B[h * B_STRIDE + B_SIDE] as number, F[f + F_PRICE] as number, leaves + filled, leaves, filled, priorityKept);
  }

  private amendStop(book: OrderBook, h: number, price: number, leaves: number, stopPrice: number, required: number): void {
    const orders = this.orders;
    const F = orders.F;
    const f = h * F_STRIDE;
    book.removeStop(orders, h);
    F[f + F_PRICE] = price;
    F[f + F_LEAVES] = leaves;
    F[f + F_STOP_PRICE] = stopPrice;
    if (this.riskEnabled) this.settlement.adjustReservation(book, h, required);
    book.addStop(orders, h);
    this.emitAmended(h, true);
  }

  private reduceInPlace(book: OrderBook, h: number, leaves: number): void {
    const F = this.orders.F;
    const f = h * F_STRIDE;
    const reduction = (F[f + F_LEAVES] as number) - leaves;
    F[f + F_LEAVES] = leaves;
    this.tracker.changeLevelTotal(book, h, -reduction);
    this.settlement.rebalance(h);
    this.emitAmended(h, true);
  }

  /** A price change or a quantity increase: the order leaves its level, may trade, and rests last. */
  private reprice(book: OrderBook, h: number, price: number, leaves: number, required: number): void {
    const { F, B } = this.orders;
    const f = h * F_STRIDE;
    const b = h * B_STRIDE;
    this.tracker.unlinkFromLevel(book, h);
    B[b + B_STATE] = OrderState.ACTIVE;
    F[f + F_PRICE] = price;
    F[f + F_LEAVES] = leaves;
    if (this.riskEnabled) this.settlement.adjustReservation(book, h, required);
    this.emitAmended(h, false);
    this.matcher.match(book, h);
    if (B[b + B_STATE] !== OrderState.ACTIVE) return;
    if (F[f + F_LEAVES] === 0) return this.matcher.retire(h);
    this.tracker.rest(book, h);
  }
}
