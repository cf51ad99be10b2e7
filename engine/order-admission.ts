import type { Accounts } from './accounts.js';
import * as assertions from './assert.js';
import { ClientOrderIds } from './client-order-ids.js';
import * as commandLayout from './command-layout.js';
import type { EventSink } from './event-sink.js';
import type { ExpiryQueue } from './expiry-queue.js';
import * as int64 from './int64.js';
import type { Matcher } from './matcher.js';
import type { OrderBook } from './order-book.js';
import type { OrderIndex } from './order-index.js';
import * as orderPool from './order-pool.js';
import * as orderRules from './order-rules.js';
import type { OrderPool } from './order-pool.js';
import type { LevelPool } from './price-levels.js';
import * as resultCode from './result-code.js';
import type { Settlement } from './settlement.js';
import type { SharedState, TradingSwitch } from './shared-state.js';
import * as symbolConfig from './symbol-config.js';

// Everything place uses from other modules is bound here to module-level consts and never used
// through its imported binding (why and what it measured: order-pool.ts). Declared with their
// types: only then does a call narrow (asserts / never).
const assert: typeof assertions.assert = assertions.assert;
const {
  CL_ORD_ID_MAX_LENGTH,
  CMD_ACCOUNT_ID,
  CMD_CL_ORD_ID,
  CMD_CL_ORD_ID_LEN,
  CMD_EXPIRE_AT_US,
  CMD_FLAGS,
  CMD_ORDER_TYPE,
  CMD_PRICE,
  CMD_QTY,
  CMD_SIDE,
  CMD_STOP_PRICE,
  CMD_STP,
  CMD_SYMBOL_ID,
  CMD_TIF,
  FLAG_POST_ONLY,
  FLAGS_KNOWN,
  OrderType,
  Side,
  STP_MODE_MAX,
  TimeInForce,
} = commandLayout;
const { i64In, mulDivFloor, readI64 } = int64;
const {
  NIL,
  OrderState,
  F_STRIDE, F_ID, F_PRICE, F_STOP_PRICE, F_LEAVES, F_FILLED, F_RESERVED, F_EXPIRE_AT_US,
  I_STRIDE, I_ACCOUNT, I_SYMBOL, I_SIDE_TO_FLAGS,
  B_STRIDE, B_STP, B_STATE,
} = orderPool;
const { CORE_TIF_BITS, EXPIRY_TIF, POST_ONLY_TIF_BITS, PRICE_OPTIONAL_TYPE_BITS, STOP_TYPE_BITS } = orderRules;
const { ResultCode } = resultCode;
type ResultCode = resultCode.ResultCode;
const { BPS_DENOMINATOR, FEE_ACCOUNT_ID } = symbolConfig;
// place reads flags, STP mode and client order id length as one little-endian word;
// admit copies side, type, tif and flags as one word into the order record (I_SIDE_TO_FLAGS).
assert(CMD_STP === CMD_FLAGS + 1 && CMD_CL_ORD_ID_LEN === CMD_FLAGS + 2, 'command layout: flags, stp, clOrdIdLen adjacent');
assert(CMD_ORDER_TYPE === CMD_SIDE + 1 && CMD_TIF === CMD_SIDE + 2 && CMD_FLAGS === CMD_SIDE + 3, 'command layout: side, type, tif, flags adjacent');

/**
 * Admission: a place command is validated (the first failing check gives the result code and
 * nothing changes), its funds are reserved, and the order is allocated, linked and handed to the
 * matcher, or parked as a pending stop. Its invariant: an admitted order is in the order index,
 * its account's order list and, when it has one, the client order id window and the expiry
 * queue. It keeps no state of its own.
 */
export class OrderAdmission {
  private readonly orders: OrderPool;
  private readonly levels: LevelPool;
  private readonly books: OrderBook[];
  private readonly accounts: Accounts;
  private readonly index: OrderIndex;
  private readonly clOrdIds: ClientOrderIds;
  private readonly clOrdIdKeyByHandle: Map<number, string>;
  private readonly expiries: ExpiryQueue;
  private readonly matcher: Matcher;
  private readonly settlement: Settlement;
  private readonly sink: EventSink;
  private readonly riskEnabled: boolean;
  private readonly maxOpenOrdersPerAccount: number;
  /** Read only to name why a halted book refuses (never on the path of an order it takes). */
  private readonly trading: TradingSwitch;

  constructor(state: SharedState, matcher: Matcher, settlement: Settlement) {
    this.orders = state.orders;
    this.levels = state.levels;
    this.books = state.books;
    this.accounts = state.accounts;
    this.index = state.index;
    this.clOrdIds = state.clOrdIds;
    this.clOrdIdKeyByHandle = state.clOrdIdKeyByHandle;
    this.expiries = state.expiries;
    this.matcher = matcher;
    this.settlement = settlement;
    this.sink = state.sink;
    this.trading = state.trading;
    this.riskEnabled = state.config.riskEnabled;
    this.maxOpenOrdersPerAccount = state.config.maxOpenOrdersPerAccount;
  }

  /** Applies a place command; `nowUs` is the engine time, which a GTD expiry must lie after. */
  place(v: DataView, o: number, seq: number, nowUs: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const symbolId = v.getUint32(o + CMD_SYMBOL_ID, true);
    const side = v.getUint8(o + CMD_SIDE);
    const type = v.getUint8(o + CMD_ORDER_TYPE);
    const tif = v.getUint8(o + CMD_TIF);
    const price = readI64(v, o + CMD_PRICE);
    const stopPrice = readI64(v, o + CMD_STOP_PRICE);
    const qty = readI64(v, o + CMD_QTY);
    // Built once here for both the duplicate check and the admitted order; a length over the
    // bound builds none, validation rejects it.
    const clLen = v.getUint8(o + CMD_CL_ORD_ID_LEN);
    const key = clLen === 0 || clLen > CL_ORD_ID_MAX_LENGTH ? '' : this.clOrdIdKey(v, o, accountId);
    // Which fields go with which order type and time in force: the shared table (order-rules.ts).
    // Both are read only once the type is known to be in 1..4, so the shift stays in range.
    const isMarket = ((PRICE_OPTIONAL_TYPE_BITS >>> type) & 1) !== 0;
    const isStop = ((STOP_TYPE_BITS >>> type) & 1) !== 0;
    // Validation: the first failing check gives the result code. It is written out here rather
    // than in a method of its own: the call and its eleven arguments cost about 85 instructions
    // per order, some 4% of a command on the standard flow.
    let code: ResultCode = ResultCode.OK;
    const found = this.books[symbolId];
    validation: {
      if (found === undefined) { code = ResultCode.UNKNOWN_SYMBOL; break validation; }
      if (!this.accounts.has(accountId)) { code = ResultCode.UNKNOWN_ACCOUNT; break validation; }
      if (accountId === FEE_ACCOUNT_ID) { code = ResultCode.ACCOUNT_NOT_TRADING; break validation; }
      if (side !== Side.BUY && side !== Side.SELL) { code = ResultCode.INVALID_SIDE; break validation; }
      if (type < OrderType.LIMIT || type > OrderType.STOP_MARKET) { code = ResultCode.INVALID_ORDER_TYPE; break validation; }
      // A code outside 1..GTD is no bit of the mask; the bound keeps the shift below 32.
      if (tif > TimeInForce.GTD || ((CORE_TIF_BITS >>> ((type - 1) << 3)) & (1 << tif)) === 0) { code = ResultCode.INVALID_TIME_IN_FORCE; break validation; }
      // Flags, STP mode and client order id length are bytes 4-6 of the record: one read, and a
      // plain order (all three zero) skips their checks.
      const options = v.getUint32(o + CMD_FLAGS, true);
      const flags = options & 0xff;
      if (flags !== 0) {
        if ((flags & ~FLAGS_KNOWN) !== 0) { code = ResultCode.INVALID_FLAGS; break validation; }
        if ((flags & FLAG_POST_ONLY) !== 0 && ((POST_ONLY_TIF_BITS >>> ((type - 1) << 3)) & (1 << tif)) === 0) { code = ResultCode.INVALID_FLAGS; break validation; }
      }
      if (((options >>> 8) & 0xff) > STP_MODE_MAX) { code = ResultCode.INVALID_STP_MODE; break validation; }
      const cfg = found.config;
      if (!i64In(qty, 1, Number.MAX_SAFE_INTEGER)) { code = ResultCode.INVALID_QUANTITY; break validation; }
      if (qty < cfg.minQty) { code = ResultCode.QUANTITY_BELOW_MIN; break validation; }
      if (qty > cfg.maxQty) { code = ResultCode.QUANTITY_ABOVE_MAX; break validation; }
      if (!(isMarket && price === 0) && !i64In(price, 1, cfg.maxPrice)) { code = ResultCode.INVALID_PRICE; break validation; }
      if (isStop ? !i64In(stopPrice, 1, cfg.maxPrice) : stopPrice !== 0) { code = ResultCode.INVALID_STOP_PRICE; break validation; }
      const expireAtUs = readI64(v, o + CMD_EXPIRE_AT_US);
      // EXPIRY_TIF compared here rather than through needsExpiry: the call measured about 2%.
      if (tif === EXPIRY_TIF ? !i64In(expireAtUs, 1, Number.MAX_SAFE_INTEGER) : expireAtUs !== 0) { code = ResultCode.INVALID_EXPIRY; break validation; }
      if ((options & 0xff0000) !== 0 && !this.validClOrdId(v, o)) { code = ResultCode.INVALID_CLIENT_ORDER_ID; break validation; }
      if (this.accounts.blocked[accountId] === 1) { code = ResultCode.ACCOUNT_BLOCKED; break validation; }
      if (found.halted) { code = this.trading.halted ? ResultCode.TRADING_HALTED : ResultCode.SYMBOL_HALTED; break validation; }
      if (tif === TimeInForce.GTD && expireAtUs <= nowUs) { code = ResultCode.EXPIRED_ON_ARRIVAL; break validation; }
      if (key !== '' && this.clOrdIds.taken(key)) { code = ResultCode.DUPLICATE_CLIENT_ORDER_ID; break validation; }
      if ((this.accounts.openOrders[accountId] as number) >= this.maxOpenOrdersPerAccount) { code = ResultCode.MAX_OPEN_ORDERS; break validation; }
      if (this.orders.full) { code = ResultCode.ORDER_CAPACITY; break validation; }
      if ((flags & FLAG_POST_ONLY) !== 0 && this.matcher.crosses(found, side, price)) { code = ResultCode.POST_ONLY_WOULD_CROSS; break validation; }
    }
    if (code !== ResultCode.OK) return this.sink.rejected(code, accountId, symbolId, seq, side, price, qty, v, o);
    const book = found as OrderBook;
    const effectivePrice = isMarket ? this.protectionPrice(book, side, type, price, stopPrice) : price;
    const required = this.riskEnabled ? this.settlement.requiredFunds(book, side, effectivePrice, qty) : 0;
    if (required > 0 && required > this.settlement.available(accountId, book, side)) {
      return this.sink.rejected(ResultCode.INSUFFICIENT_FUNDS, accountId, symbolId, seq, side, price, qty, v, o);
    }
    const h = this.admit(v, o, seq, accountId, book, effectivePrice, stopPrice, qty, required, key);
    this.sink.accepted(accountId, symbolId, seq, side, price, qty, stopPrice, v, o);
    if (isStop && !book.triggers(side, stopPrice)) {
      this.orders.B[h * B_STRIDE + B_STATE] = OrderState.STOP_PENDING;
      book.addStop(this.orders, h);
      return;
    }
    if (isStop) this.sink.stopTriggered(accountId, symbolId, seq, side, book.lastPrice, qty);
    this.matcher.activate(book, h);
    // Checked here so that a flow without stops never calls runStops: the JIT then spends its
    // inlining budget for place on the field reads instead.
    if (book.buyStops.length !== 0 || book.sellStops.length !== 0) this.matcher.runStops(book);
  }

  private validClOrdId(v: DataView, o: number): boolean {
    const len = v.getUint8(o + CMD_CL_ORD_ID_LEN);
    if (len > CL_ORD_ID_MAX_LENGTH) return false;
    for (let i = 0; i < len; i++) {
      const c = v.getUint8(o + CMD_CL_ORD_ID + i);
      if (c < 0x21 || c > 0x7e) return false;
    }
    return true;
  }

  /** `account:clOrdId`, or '' when the command carries no client order id. */
  private clOrdIdKey(v: DataView, o: number, accountId: number): string {
    const len = v.getUint8(o + CMD_CL_ORD_ID_LEN);
    if (len === 0) return '';
    let id = '';
    for (let i = 0; i < len; i++) id += String.fromCharCode(v.getUint8(o + CMD_CL_ORD_ID + i));
    return ClientOrderIds.key(accountId, id);
  }

  /**
   * The worst price a market order may trade at: its explicit protection price, else the best
   * opposite price moved by the symbol's protection band (the book's edge when the band is 0).
   * For a stop-market order the band is taken around its stop price, fixed when it is placed,
   * so that its reservation is known up front. 0 means "no liquidity": it cannot trade.
   */
  private protectionPrice(book: OrderBook, side: number, type: number, price: number, stopPrice: number): number {
    if (price !== 0) return price;
    const cfg = book.config;
    let reference: number;
    if (type === OrderType.STOP_MARKET) {
      reference = stopPrice;
    } else {
      const best = book.opposite(side).best();
      if (best === NIL) return 0;
      reference = this.levels.price[best] as number;
    }
    if (cfg.marketProtectionBps === 0) return side === Side.BUY ? cfg.maxPrice : 1;
    const band = mulDivFloor(reference, cfg.marketProtectionBps, BPS_DENOMINATOR);
    return side === Side.BUY ? Math.min(cfg.maxPrice, reference + band) : Math.max(1, reference - band);
  }

  /**
   * Allocates and links an accepted order; it is ACTIVE until it rests, pends or is done. The
   * one-byte fields come from the record: a byte read costs less than an argument, which is
   * checked and converted again on entry.
   */
  private admit(
    v: DataView,
    o: number,
    seq: number,
    accountId: number,
    book: OrderBook,
    price: number,
    stopPrice: number,
    qty: number,
    required: number,
    key: string,
  ): number {
    // Side, type, tif and flags, in the record's order (bytes 1-4 of the command).
    const sideToFlags = v.getInt32(o + CMD_SIDE, true);
    const orders = this.orders;
    const h = orders.alloc();
    const { F, I, B } = orders;
    const f = h * F_STRIDE;
    const i = h * I_STRIDE;
    const b = h * B_STRIDE;
    F[f + F_ID] = seq;
    F[f + F_PRICE] = price;
    F[f + F_STOP_PRICE] = stopPrice;
    F[f + F_LEAVES] = qty;
    F[f + F_FILLED] = 0;
    F[f + F_RESERVED] = required;
    const gtd = ((sideToFlags >>> 16) & 0xff) === TimeInForce.GTD;
    // Validation let only a GTD order carry an expiry; the others' field is 0.
    F[f + F_EXPIRE_AT_US] = gtd ? readI64(v, o + CMD_EXPIRE_AT_US) : 0;
    I[i + I_ACCOUNT] = accountId;
    I[i + I_SYMBOL] = book.config.id;
    I[i + I_SIDE_TO_FLAGS] = sideToFlags;
    B[b + B_STP] = v.getUint8(o + CMD_STP);
    B[b + B_STATE] = OrderState.ACTIVE;
    this.index.put(seq, h);
    this.accounts.linkOrder(accountId, h);
    if (required > 0) this.accounts.reserve(accountId, this.settlement.fundingAsset(book, sideToFlags & 0xff), required);
    if (key !== '') {
      this.clOrdIds.accept(key);
      this.clOrdIdKeyByHandle.set(h, key);
    }
    if (gtd) this.expiries.push(h);
    return h;
  }
}
