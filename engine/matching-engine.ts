import { Accounts } from './accounts.js';
import * as assertions from './assert.js';
import { ClientOrderIds } from './client-order-ids.js';
import * as commandLayout from './command-layout.js';
import * as eventLayout from './event-layout.js';
import type { EventSink } from './event-sink.js';
import { ExpiryQueue } from './expiry-queue.js';
import { grow, grownLength } from './growable.js';
import * as int64 from './int64.js';
import { OrderBook } from './order-book.js';
import { OrderIndex } from './order-index.js';
import type { OrderRecord } from './state-records.js';
import * as orderPool from './order-pool.js';
import { OrderPool } from './order-pool.js';
import { LevelPool } from './price-levels.js';
import * as resultCode from './result-code.js';
import { TransferWindow } from './transfer-window.js';
import * as symbolConfig from './symbol-config.js';
import type { EngineConfig } from './symbol-config.js';

// Everything the per-command paths use from other modules is bound here to module-level consts
// and never used through its imported binding: V8 constant-folds a module-level const, but
// loads an imported binding from its module cell at every use (why and what it measured:
// order-pool.ts). The enums keep their type names through the aliases below.
// Declared with their types: only then does a call narrow (asserts / never).
const assert: typeof assertions.assert = assertions.assert;
const fail: typeof assertions.fail = assertions.fail;
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
  CMD_REASON,
  CMD_SEQ,
  CMD_SIDE,
  CMD_STOP_PRICE,
  CMD_STP,
  CMD_SYMBOL_ID,
  CMD_TARGET_ID,
  CMD_TIF,
  CMD_TIMESTAMP_US,
  CMD_TYPE,
  CommandType,
  FLAG_POST_ONLY,
  FLAGS_KNOWN,
  OrderType,
  Side,
  STP_MODE_MAX,
  StpMode,
  TimeInForce,
} = commandLayout;
type CommandType = commandLayout.CommandType;
type StpMode = commandLayout.StpMode;
const { CancelReason } = eventLayout;
type CancelReason = eventLayout.CancelReason;
const { i64In, mulDivFloor, readI64 } = int64;
const {
  NIL,
  OrderState,
  F_STRIDE, F_ID, F_PRICE, F_STOP_PRICE, F_LEAVES, F_FILLED, F_RESERVED, F_EXPIRE_AT_US,
  I_STRIDE, I_NEXT, I_PREV, I_LEVEL, I_ACCOUNT, I_ACCT_NEXT, I_HEAP_POS, I_SYMBOL, I_SIDE_TO_FLAGS,
  B_STRIDE, B_SIDE, B_TYPE, B_TIF, B_FLAGS, B_STP, B_STATE,
} = orderPool;
type OrderState = orderPool.OrderState;
const { ResultCode } = resultCode;
type ResultCode = resultCode.ResultCode;
const { BPS_DENOMINATOR, FEE_ACCOUNT_ID, validateEngineConfig } = symbolConfig;
// place reads flags, STP mode and client order id length as one little-endian word;
// admit copies side, type, tif and flags as one word into the order record (I_SIDE_TO_FLAGS).
assert(CMD_STP === CMD_FLAGS + 1 && CMD_CL_ORD_ID_LEN === CMD_FLAGS + 2, 'command layout: flags, stp, clOrdIdLen adjacent');
assert(CMD_ORDER_TYPE === CMD_SIDE + 1 && CMD_TIF === CMD_SIDE + 2 && CMD_FLAGS === CMD_SIDE + 3, 'command layout: side, type, tif, flags adjacent');

/**
 * The matching core: single-threaded, deterministic, integer-only (design §4). It applies one
 * command record at a time, straight from the bytes in which it was sequenced, and reports
 * everything that happened through an EventSink. It reads no clock (time is the commands'
 * timestamps), draws no random number, does no I/O, and never iterates a collection whose order
 * is not defined by the command sequence, so the same commands always give byte-identical events
 * and the same state hash, live or replayed.
 *
 * Per command:
 *   1. time advances to max(now, command timestamp); GTD orders due by then expire (except for
 *      the NOOP heartbeat, which is not journaled and so changes nothing);
 *   2. the command is validated (result code on failure, nothing changed) and applied;
 *   3. stop orders triggered by the last trade price run, earliest placed first;
 *   4. one BALANCE event per touched (account, asset), then one BOOK_LEVEL event per touched
 *      level, each in first-touched order.
 */
export class MatchingEngine {
  readonly config: EngineConfig;
  readonly orders: OrderPool;
  readonly levels: LevelPool;
  readonly books: OrderBook[];
  readonly accounts: Accounts;
  readonly clOrdIds: ClientOrderIds;
  readonly transfers: TransferWindow;
  readonly expiries: ExpiryQueue;
  /** Client order id keys of live orders that have one, by order handle (lookup only). */
  readonly clOrdIdKeyByHandle = new Map<number, string>();
  private readonly index: OrderIndex;
  private readonly sink: EventSink;
  private readonly riskEnabled: boolean;
  nowUs = 0;
  lastSeq = -1;
  private cmd: DataView = new DataView(new ArrayBuffer(0));
  private cmdOff = 0;
  private dirtySymbol = new Int32Array(256);
  private dirtySide = new Uint8Array(256);
  private dirtyPrice = new Float64Array(256);
  /** The level each changed-list entry reports, or NIL once that level emptied and was freed. */
  private dirtyLevel = new Int32Array(256);
  private readonly dirtyCapacity: number;
  private dirtyCount = 0;
  /** Levels emptied by the current command: while 0, no price can be on the changed list twice. */
  private levelsEmptied = 0;

  constructor(config: EngineConfig, sink: EventSink) {
    validateEngineConfig(config);
    this.config = config;
    this.sink = sink;
    this.riskEnabled = config.riskEnabled;
    this.orders = new OrderPool(config.maxOrders);
    this.index = new OrderIndex(config.maxOrders);
    // Every level holds at least one resting order, so as many levels as orders can never run out.
    this.levels = new LevelPool(config.maxOrders);
    this.books = [];
    for (const s of config.symbols) this.books[s.id] = new OrderBook(s, config.maxOrders);
    this.accounts = new Accounts(config.maxAccounts, config.assets.length, this.orders);
    this.clOrdIds = new ClientOrderIds(config.clientOrderIdWindow);
    this.transfers = new TransferWindow(config.transferIdWindow);
    this.expiries = new ExpiryQueue(this.orders, config.maxOrders);
    // A command touches a level at most once per order it activates plus once per level it
    // empties; twice the level bound is more than any command can reach.
    this.dirtyCapacity = 2 * config.maxOrders + 64;
  }

  /** Order handle of a live order id, or NIL. */
  handleOf(orderId: number): number {
    return this.index.get(orderId);
  }

  get liveOrders(): number {
    return this.index.size;
  }

  // ───────────────────────────── snapshot restore ─────────────────────────────

  /**
   * Snapshot restore only (engine-state.ts): puts one order back exactly as it was. Orders must
   * come in their book order (each level's queue front to back), so that appending rebuilds
   * every queue; account order lists are linked afterwards in order id order.
   */
  restoreOrder(r: OrderRecord): number {
    const orders = this.orders;
    assert(this.lastSeq === -1 && !orders.full, 'restore into a fresh engine only');
    const book = this.books[r.symbolId];
    if (!(book !== undefined)) fail(`snapshot order ${r.id} names unknown symbol ${r.symbolId}`);
    const h = orders.alloc();
    const { F, I, B } = orders;
    const f = h * F_STRIDE;
    const i = h * I_STRIDE;
    const b = h * B_STRIDE;
    F[f + F_ID] = r.id;
    F[f + F_PRICE] = r.price;
    F[f + F_STOP_PRICE] = r.stopPrice;
    F[f + F_LEAVES] = r.leaves;
    F[f + F_FILLED] = r.filled;
    F[f + F_RESERVED] = r.reserved;
    F[f + F_EXPIRE_AT_US] = r.expireAtUs;
    I[i + I_ACCOUNT] = r.accountId;
    I[i + I_SYMBOL] = r.symbolId;
    B[b + B_SIDE] = r.side;
    B[b + B_TYPE] = r.type;
    B[b + B_TIF] = r.tif;
    B[b + B_FLAGS] = r.flags;
    B[b + B_STP] = r.stp;
    B[b + B_STATE] = OrderState.ACTIVE;
    this.index.put(r.id, h);
    if (r.clOrdId !== '') this.clOrdIdKeyByHandle.set(h, ClientOrderIds.key(r.accountId, r.clOrdId));
    if (r.tif === TimeInForce.GTD) this.expiries.push(h);
    if (r.state === OrderState.RESTING) {
      this.rest(book, h);
    } else {
      if (!(r.state === OrderState.STOP_PENDING)) fail(`snapshot order ${r.id} in state ${r.state}`);
      B[b + B_STATE] = OrderState.STOP_PENDING;
      book.addStop(orders, h);
    }
    return h;
  }

  /** Snapshot restore only: forgets the change lists that restoring filled, without emitting. */
  finishRestore(lastSeq: number, nowUs: number): void {
    for (let i = 0; i < this.dirtyCount; i++) {
      const level = this.dirtyLevel[i] as number;
      if (level !== NIL) this.levels.changedAt[level] = NIL;
    }
    this.dirtyCount = 0;
    this.accounts.drainDirty(null);
    this.lastSeq = lastSeq;
    this.nowUs = nowUs;
  }

  // ───────────────────────────── command dispatch ─────────────────────────────

  /** Applies the command record at `offset` of `view`. Its sequence must exceed every earlier one. */
  apply(view: DataView, offset: number): void {
    const type = view.getUint8(offset + CMD_TYPE);
    const seq = readI64(view, offset + CMD_SEQ);
    const ts = readI64(view, offset + CMD_TIMESTAMP_US);
    // Sequences come from the ring and the journal; one that goes backwards is corruption.
    if (!(seq > this.lastSeq)) fail(`command sequence ${seq} after ${this.lastSeq}`);
    this.lastSeq = seq;
    // Storing an object field costs a write barrier; the view is nearly always the same one.
    if (this.cmd !== view) this.cmd = view;
    this.cmdOff = offset;
    this.sink.beginCommand(seq, ts, type);
    if (ts < 0) {
      this.reject(ResultCode.INVALID_TIMESTAMP, 0, 0, 0, 0, 0, 0);
    } else if (type === CommandType.NOOP) {
      // The heartbeat is not journaled (commandMutates), so it must change nothing, not even the
      // time: a replay without it has to reach the same states and emit the same events.
      this.sink.accepted(0, 0, 0, 0, 0, 0, 0, view, offset);
    } else {
      if (ts > this.nowUs) this.nowUs = ts;
      this.expireDue();
      // The two commands of nearly every flow go straight to their handler: one call less.
      if (type === CommandType.PLACE_ORDER) this.place(view, offset, seq);
      else if (type === CommandType.CANCEL_ORDER) this.cancelCommand(view, offset);
      else this.dispatch(type, view, offset, seq);
    }
    this.flushDirty();
    this.sink.endCommand();
  }

  private dispatch(type: number, v: DataView, o: number, seq: number): void {
    switch (type as CommandType) {
      case CommandType.PLACE_ORDER:
        return this.place(v, o, seq);
      case CommandType.CANCEL_ORDER:
        return this.cancelCommand(v, o);
      case CommandType.AMEND_ORDER:
        return this.amend(v, o);
      case CommandType.MASS_CANCEL:
        return this.massCancel(v, o);
      case CommandType.DEPOSIT:
        return this.transfer(v, o, true);
      case CommandType.WITHDRAW:
        return this.transfer(v, o, false);
      case CommandType.TIMER_TICK:
      case CommandType.NOOP:
        return this.sink.accepted(0, 0, 0, 0, 0, 0, 0, v, o);
      case CommandType.SYMBOL_HALT:
        return this.halt(v, o, true);
      case CommandType.SYMBOL_RESUME:
        return this.halt(v, o, false);
      case CommandType.ACCOUNT_CREATE:
        return this.createAccount(v, o);
      case CommandType.ACCOUNT_BLOCK:
        return this.block(v, o, true);
      case CommandType.ACCOUNT_UNBLOCK:
        return this.block(v, o, false);
      default:
        return this.reject(ResultCode.UNKNOWN_COMMAND, 0, 0, 0, 0, 0, 0);
    }
  }

  private reject(code: ResultCode, accountId: number, symbolId: number, orderId: number, side: number, price: number, qty: number): void {
    this.sink.rejected(code, accountId, symbolId, orderId, side, price, qty, this.cmd, this.cmdOff);
  }

  // ───────────────────────────── place ─────────────────────────────

  private place(v: DataView, o: number, seq: number): void {
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
    const isMarket = type === OrderType.MARKET || type === OrderType.STOP_MARKET;
    const isStop = type === OrderType.STOP_LIMIT || type === OrderType.STOP_MARKET;
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
      if (tif < TimeInForce.GTC || tif > TimeInForce.GTD) { code = ResultCode.INVALID_TIME_IN_FORCE; break validation; }
      if (type === OrderType.MARKET && (tif === TimeInForce.GTC || tif === TimeInForce.GTD)) { code = ResultCode.INVALID_TIME_IN_FORCE; break validation; }
      // Flags, STP mode and client order id length are bytes 4-6 of the record: one read, and a
      // plain order (all three zero) skips their checks.
      const options = v.getUint32(o + CMD_FLAGS, true);
      const flags = options & 0xff;
      if (flags !== 0) {
        if ((flags & ~FLAGS_KNOWN) !== 0) { code = ResultCode.INVALID_FLAGS; break validation; }
        if ((flags & FLAG_POST_ONLY) !== 0 && (type !== OrderType.LIMIT || tif === TimeInForce.IOC || tif === TimeInForce.FOK)) { code = ResultCode.INVALID_FLAGS; break validation; }
      }
      if (((options >>> 8) & 0xff) > STP_MODE_MAX) { code = ResultCode.INVALID_STP_MODE; break validation; }
      const cfg = found.config;
      if (!i64In(qty, 1, Number.MAX_SAFE_INTEGER)) { code = ResultCode.INVALID_QUANTITY; break validation; }
      if (qty < cfg.minQty) { code = ResultCode.QUANTITY_BELOW_MIN; break validation; }
      if (qty > cfg.maxQty) { code = ResultCode.QUANTITY_ABOVE_MAX; break validation; }
      if (!(isMarket && price === 0) && !i64In(price, 1, cfg.maxPrice)) { code = ResultCode.INVALID_PRICE; break validation; }
      if (isStop ? !i64In(stopPrice, 1, cfg.maxPrice) : stopPrice !== 0) { code = ResultCode.INVALID_STOP_PRICE; break validation; }
      const expireAtUs = readI64(v, o + CMD_EXPIRE_AT_US);
      if (tif === TimeInForce.GTD ? !i64In(expireAtUs, 1, Number.MAX_SAFE_INTEGER) : expireAtUs !== 0) { code = ResultCode.INVALID_EXPIRY; break validation; }
      if ((options & 0xff0000) !== 0 && !this.validClOrdId(v, o)) { code = ResultCode.INVALID_CLIENT_ORDER_ID; break validation; }
      if (this.accounts.blocked[accountId] === 1) { code = ResultCode.ACCOUNT_BLOCKED; break validation; }
      if (found.halted) { code = ResultCode.SYMBOL_HALTED; break validation; }
      if (tif === TimeInForce.GTD && expireAtUs <= this.nowUs) { code = ResultCode.EXPIRED_ON_ARRIVAL; break validation; }
      if (key !== '' && this.clOrdIds.taken(key)) { code = ResultCode.DUPLICATE_CLIENT_ORDER_ID; break validation; }
      if ((this.accounts.openOrders[accountId] as number) >= this.config.maxOpenOrdersPerAccount) { code = ResultCode.MAX_OPEN_ORDERS; break validation; }
      if (this.orders.full) { code = ResultCode.ORDER_CAPACITY; break validation; }
      if ((flags & FLAG_POST_ONLY) !== 0 && this.crosses(found, side, price)) { code = ResultCode.POST_ONLY_WOULD_CROSS; break validation; }
    }
    if (code !== ResultCode.OK) return this.reject(code, accountId, symbolId, seq, side, price, qty);
    const book = found as OrderBook;
    const effectivePrice = isMarket ? this.protectionPrice(book, side, type, price, stopPrice) : price;
    const required = this.riskEnabled ? this.requiredFunds(book, side, effectivePrice, qty) : 0;
    if (required > 0 && required > this.available(accountId, book, side)) {
      return this.reject(ResultCode.INSUFFICIENT_FUNDS, accountId, symbolId, seq, side, price, qty);
    }
    const h = this.admit(v, o, seq, accountId, book, effectivePrice, stopPrice, qty, required, key);
    this.sink.accepted(accountId, symbolId, seq, side, price, qty, stopPrice, v, o);
    if (isStop && !book.triggers(side, stopPrice)) {
      this.orders.B[h * B_STRIDE + B_STATE] = OrderState.STOP_PENDING;
      book.addStop(this.orders, h);
      return;
    }
    if (isStop) this.sink.stopTriggered(accountId, symbolId, seq, side, book.lastPrice, qty);
    this.activate(book, h);
    // Checked here so that a flow without stops never calls runStops: the JIT then spends its
    // inlining budget for place on the field reads instead.
    if (book.buyStops.length !== 0 || book.sellStops.length !== 0) this.runStops(book);
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

  /** Whether a limit at `price` on `side` would trade against the opposite side now. */
  private crosses(book: OrderBook, side: number, price: number): boolean {
    const best = book.opposite(side).best();
    if (best === NIL) return false;
    const bestPrice = this.levels.price[best] as number;
    return side === Side.BUY ? price >= bestPrice : price <= bestPrice;
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

  /** Funds an order must hold: quote for price × qty plus the worst fee for a buy, base for a sell. */
  private requiredFunds(book: OrderBook, side: number, price: number, qty: number): number {
    const cfg = book.config;
    if (side === Side.SELL) return qty * cfg.baseLotUnits;
    if (price === 0 || qty === 0) return 0;
    const notional = price * qty * cfg.quoteTickUnits;
    return notional + mulDivFloor(notional, Math.max(cfg.makerFeeBps, cfg.takerFeeBps), BPS_DENOMINATOR);
  }

  private available(accountId: number, book: OrderBook, side: number): number {
    const asset = side === Side.BUY ? book.config.quoteAssetId : book.config.baseAssetId;
    return this.accounts.available[this.accounts.slot(accountId, asset)] as number;
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
    if (required > 0) this.accounts.reserve(accountId, this.fundingAsset(book, sideToFlags & 0xff), required);
    if (key !== '') {
      this.clOrdIds.accept(key);
      this.clOrdIdKeyByHandle.set(h, key);
    }
    if (gtd) this.expiries.push(h);
    return h;
  }

  private fundingAsset(book: OrderBook, side: number): number {
    return side === Side.BUY ? book.config.quoteAssetId : book.config.baseAssetId;
  }

  // ───────────────────────────── matching ─────────────────────────────

  /** Matches an ACTIVE order, then rests it, cancels its remainder, or retires it filled. */
  private activate(book: OrderBook, h: number): void {
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
    this.rest(book, h);
  }

  private match(book: OrderBook, h: number): void {
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
    if (B[h * B_STRIDE + B_STATE] === OrderState.RESTING) this.changeLevelTotal(book, h, -qty);
    this.rebalance(h);
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
    this.changeLevelTotal(book, maker, -qty);
    const notional = price * qty * cfg.quoteTickUnits;
    const takerFee = mulDivFloor(notional, cfg.takerFeeBps, BPS_DENOMINATOR);
    const makerFee = mulDivFloor(notional, cfg.makerFeeBps, BPS_DENOMINATOR);
    if (this.riskEnabled) this.settle(book, taker, maker, qty, notional, takerFee, makerFee);
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

  /**
   * Moves money for one fill: the buyer pays notional + its fee out of its order's reservation
   * and receives base; the seller pays base out of its reservation and receives notional minus
   * its fee; the fee account receives both fees. Per asset the changes sum to zero.
   */
  private settle(book: OrderBook, taker: number, maker: number, qty: number, notional: number, takerFee: number, makerFee: number): void {
    const { F, I, B } = this.orders;
    const cfg = book.config;
    const takerBuys = B[taker * B_STRIDE + B_SIDE] === Side.BUY;
    const buyer = takerBuys ? taker : maker;
    const seller = takerBuys ? maker : taker;
    const buyerFee = takerBuys ? takerFee : makerFee;
    const sellerFee = takerBuys ? makerFee : takerFee;
    const base = qty * cfg.baseLotUnits;
    const buyerAccount = I[buyer * I_STRIDE + I_ACCOUNT] as number;
    const sellerAccount = I[seller * I_STRIDE + I_ACCOUNT] as number;
    const bf = buyer * F_STRIDE;
    const sf = seller * F_STRIDE;
    const paid = notional + buyerFee;
    const buyerReserved = F[bf + F_RESERVED] as number;
    const sellerReserved = F[sf + F_RESERVED] as number;
    if (!(buyerReserved >= paid)) fail(`buy order ${F[bf + F_ID]} reservation short of ${paid}`);
    if (!(sellerReserved >= base)) fail(`sell order ${F[sf + F_ID]} reservation short of ${base}`);
    F[bf + F_RESERVED] = buyerReserved - paid;
    F[sf + F_RESERVED] = sellerReserved - base;
    this.accounts.spendReserved(buyerAccount, cfg.quoteAssetId, paid);
    this.accounts.credit(buyerAccount, cfg.baseAssetId, base);
    this.accounts.spendReserved(sellerAccount, cfg.baseAssetId, base);
    this.accounts.credit(sellerAccount, cfg.quoteAssetId, notional - sellerFee);
    if (buyerFee + sellerFee > 0) this.accounts.credit(FEE_ACCOUNT_ID, cfg.quoteAssetId, buyerFee + sellerFee);
    this.rebalance(buyer);
  }

  /**
   * Releases what an order holds beyond what its leaves need at its price. Fees round down, so
   * the reservation for the whole quantity at the worst rate always covers each fill, and the
   * excess released here is never negative (asserted).
   */
  private rebalance(h: number): void {
    if (!this.riskEnabled) return;
    const { F, I, B } = this.orders;
    const f = h * F_STRIDE;
    const book = this.books[I[h * I_STRIDE + I_SYMBOL] as number] as OrderBook;
    const side = B[h * B_STRIDE + B_SIDE] as number;
    const needed = this.requiredFunds(book, side, F[f + F_PRICE] as number, F[f + F_LEAVES] as number);
    const reserved = F[f + F_RESERVED] as number;
    const excess = reserved - needed;
    if (!(excess >= 0)) this.failReservation(h, needed);
    if (excess === 0) return;
    F[f + F_RESERVED] = needed;
    this.accounts.release(I[h * I_STRIDE + I_ACCOUNT] as number, this.fundingAsset(book, side), excess);
  }

  // ───────────────────────────── book maintenance ─────────────────────────────

  private rest(book: OrderBook, h: number): void {
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

  private changeLevelTotal(book: OrderBook, h: number, delta: number): void {
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
  private unlinkFromLevel(book: OrderBook, h: number): void {
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

  private failReservation(h: number, needed: number): never {
    const F = this.orders.F;
    return fail(`order ${F[h * F_STRIDE + F_ID]} holds reservation ${F[h * F_STRIDE + F_RESERVED]} where it needs ${needed}`);
  }

  private cancel(h: number, reason: CancelReason): void {
    const { F, I, B } = this.orders;
    const f = h * F_STRIDE;
    const i = h * I_STRIDE;
    this.sink.cancelled(reason, I[i + I_ACCOUNT] as number, I[i + I_SYMBOL] as number, F[f + F_ID] as number, B[h * B_STRIDE + B_SIDE] as number, F[f + F_PRICE] as number, F[f + F_LEAVES] as number, 0, F[f + F_FILLED] as number);
    this.retire(h);
  }

  /** Takes a done order out of every structure and frees it. */
  private retire(h: number): void {
    const orders = this.orders;
    const { F, I, B } = orders;
    const f = h * F_STRIDE;
    const i = h * I_STRIDE;
    const state = B[h * B_STRIDE + B_STATE] as OrderState;
    // An ACTIVE order (a taker) is in no book structure: the book is looked up only when needed.
    if (state === OrderState.RESTING) this.unlinkFromLevel(this.books[I[i + I_SYMBOL] as number] as OrderBook, h);
    else if (state === OrderState.STOP_PENDING) (this.books[I[i + I_SYMBOL] as number] as OrderBook).removeStop(orders, h);
    F[f + F_LEAVES] = 0;
    this.rebalance(h);
    if (!(F[f + F_RESERVED] === 0)) this.failReservation(h, 0);
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
  private runStops(book: OrderBook): void {
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

  private expireDue(): void {
    let budget = this.expiries.size;
    for (;;) {
      const h = this.expiries.peek();
      if (h === NIL || (this.orders.F[h * F_STRIDE + F_EXPIRE_AT_US] as number) > this.nowUs) return;
      assert(--budget >= 0, 'expiry loop bound exceeded');
      this.cancel(h, CancelReason.EXPIRED);
    }
  }

  private flushDirty(): void {
    this.accounts.drainDirty(this.sink);
    for (let i = 0; i < this.dirtyCount; i++) {
      const symbolId = this.dirtySymbol[i] as number;
      const side = this.dirtySide[i] as number;
      const price = this.dirtyPrice[i] as number;
      const level = this.dirtyLevel[i] as number;
      if (level === NIL) {
        this.sink.bookLevel(symbolId, side, price, 0, 0);
      } else {
        this.levels.changedAt[level] = NIL;
        this.sink.bookLevel(symbolId, side, price, this.levels.total[level] as number, this.levels.count[level] as number);
      }
    }
    this.dirtyCount = 0;
    this.levelsEmptied = 0;
  }


  // ───────────────────────────── cancel, amend, mass cancel ─────────────────────────────

  /** The handle of a live order owned by `accountId`, or NIL (another account's order is unknown). */
  private ownedOrder(accountId: number, orderId: number): number {
    if (!i64In(orderId, 0, Number.MAX_SAFE_INTEGER)) return NIL;
    const h = this.index.get(orderId);
    return h !== NIL && this.orders.I[h * I_STRIDE + I_ACCOUNT] === accountId ? h : NIL;
  }

  private cancelCommand(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const orderId = readI64(v, o + CMD_TARGET_ID);
    const symbolId = v.getUint32(o + CMD_SYMBOL_ID, true);
    if (!this.accounts.has(accountId)) return this.reject(ResultCode.UNKNOWN_ACCOUNT, accountId, symbolId, orderId, 0, 0, 0);
    const h = this.ownedOrder(accountId, orderId);
    if (h === NIL) return this.reject(ResultCode.UNKNOWN_ORDER, accountId, symbolId, orderId, 0, 0, 0);
    const { I, B } = this.orders;
    this.sink.accepted(accountId, I[h * I_STRIDE + I_SYMBOL] as number, orderId, B[h * B_STRIDE + B_SIDE] as number, 0, 0, 0, v, o);
    this.cancel(h, CancelReason.USER);
  }

  private amend(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const orderId = readI64(v, o + CMD_TARGET_ID);
    const newPriceIn = readI64(v, o + CMD_PRICE);
    const newQtyIn = readI64(v, o + CMD_QTY);
    const newStopIn = readI64(v, o + CMD_STOP_PRICE);
    const symbolIn = v.getUint32(o + CMD_SYMBOL_ID, true);
    const rejectWith = (code: ResultCode): void => this.reject(code, accountId, symbolIn, orderId, 0, newPriceIn, newQtyIn);
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
    if (book.halted) return rejectWith(ResultCode.SYMBOL_HALTED);
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
    if (!pending && ((B[b + B_FLAGS] as number) & FLAG_POST_ONLY) !== 0 && this.crosses(book, side, price)) return rejectWith(ResultCode.POST_ONLY_WOULD_CROSS);
    const newLeaves = total - filled;
    const required = this.riskEnabled ? this.requiredFunds(book, side, price, newLeaves) : 0;
    const extra = required - (F[f + F_RESERVED] as number);
    if (extra > 0 && extra > this.available(accountId, book, side)) return rejectWith(ResultCode.INSUFFICIENT_FUNDS);
    this.sink.accepted(accountId, cfg.id, orderId, side, newPriceIn, newQtyIn, newStopIn, v, o);
    const keepsPriority = pending || (price === oldPrice && newLeaves <= leaves);
    if (pending) this.amendStop(book, h, price, newLeaves, stopPrice, required);
    else if (keepsPriority) this.reduceInPlace(book, h, newLeaves);
    else this.reprice(book, h, price, newLeaves, required);
    this.runStops(book);
  }

  private adjustReservation(book: OrderBook, h: number, required: number): void {
    const { F, I, B } = this.orders;
    const f = h * F_STRIDE;
    const accountId = I[h * I_STRIDE + I_ACCOUNT] as number;
    const delta = required - (F[f + F_RESERVED] as number);
    const asset = this.fundingAsset(book, B[h * B_STRIDE + B_SIDE] as number);
    if (delta > 0) this.accounts.reserve(accountId, asset, delta);
    else if (delta < 0) this.accounts.release(accountId, asset, -delta);
    F[f + F_RESERVED] = required;
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
    if (this.riskEnabled) this.adjustReservation(book, h, required);
    book.addStop(orders, h);
    this.emitAmended(h, true);
  }

  private reduceInPlace(book: OrderBook, h: number, leaves: number): void {
    const F = this.orders.F;
    const f = h * F_STRIDE;
    const reduction = (F[f + F_LEAVES] as number) - leaves;
    F[f + F_LEAVES] = leaves;
    this.changeLevelTotal(book, h, -reduction);
    this.rebalance(h);
    this.emitAmended(h, true);
  }

  /** A price change or a quantity increase: the order leaves its level, may trade, and rests last. */
  private reprice(book: OrderBook, h: number, price: number, leaves: number, required: number): void {
    const { F, B } = this.orders;
    const f = h * F_STRIDE;
    const b = h * B_STRIDE;
    this.unlinkFromLevel(book, h);
    B[b + B_STATE] = OrderState.ACTIVE;
    F[f + F_PRICE] = price;
    F[f + F_LEAVES] = leaves;
    if (this.riskEnabled) this.adjustReservation(book, h, required);
    this.emitAmended(h, false);
    this.match(book, h);
    if (B[b + B_STATE] !== OrderState.ACTIVE) return;
    if (F[f + F_LEAVES] === 0) return this.retire(h);
    this.rest(book, h);
  }

  private massCancel(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const symbolId = v.getUint32(o + CMD_SYMBOL_ID, true);
    const reason = v.getUint8(o + CMD_REASON);
    if (reason !== CancelReason.USER && reason !== CancelReason.DISCONNECT && reason !== CancelReason.KILL_SWITCH) {
      return this.reject(ResultCode.INVALID_CANCEL_REASON, accountId, symbolId, 0, 0, 0, 0);
    }
    if (accountId !== 0 && !this.accounts.has(accountId)) return this.reject(ResultCode.UNKNOWN_ACCOUNT, accountId, symbolId, 0, 0, 0, 0);
    if (symbolId !== 0 && this.books[symbolId] === undefined) return this.reject(ResultCode.UNKNOWN_SYMBOL, accountId, symbolId, 0, 0, 0, 0);
    this.sink.accepted(accountId, symbolId, 0, 0, 0, 0, 0, v, o);
    if (accountId !== 0) return this.cancelAccountOrders(accountId, symbolId, reason);
    // Every account, in account id order.
    for (let a = 1; a <= this.config.maxAccounts; a++) {
      if (this.accounts.openOrders[a] !== 0) this.cancelAccountOrders(a, symbolId, reason);
    }
  }

  /** Cancels an account's live orders (of one symbol, or all when symbolId is 0) in order id order. */
  private cancelAccountOrders(accountId: number, symbolId: number, reason: CancelReason): void {
    const I = this.orders.I;
    let budget = this.accounts.openOrders[accountId] as number;
    let h = this.accounts.orderHead[accountId] as number;
    while (h !== NIL) {
      assert(--budget >= 0, 'mass cancel loop bound exceeded');
      const next = I[h * I_STRIDE + I_ACCT_NEXT] as number;
      if (symbolId === 0 || I[h * I_STRIDE + I_SYMBOL] === symbolId) this.cancel(h, reason);
      h = next;
    }
  }

  // ───────────────────────────── money and administration ─────────────────────────────

  private transfer(v: DataView, o: number, deposit: boolean): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const assetId = v.getUint32(o + CMD_SYMBOL_ID, true);
    const amount = readI64(v, o + CMD_QTY);
    const transferId = readI64(v, o + CMD_TARGET_ID);
    const rejectWith = (code: ResultCode): void => this.reject(code, accountId, assetId, transferId, 0, 0, amount);
    if (!this.accounts.has(accountId)) return rejectWith(ResultCode.UNKNOWN_ACCOUNT);
    if (assetId < 1 || assetId > this.config.assets.length) return rejectWith(ResultCode.UNKNOWN_ASSET);
    if (!i64In(amount, 1, Number.MAX_SAFE_INTEGER)) return rejectWith(ResultCode.INVALID_AMOUNT);
    if (!i64In(transferId, 1, Number.MAX_SAFE_INTEGER)) return rejectWith(ResultCode.INVALID_TRANSFER_ID);
    if (this.transfers.applied(transferId)) return rejectWith(ResultCode.TRANSFER_ALREADY_APPLIED);
    if (this.transfers.tooOld(transferId)) return rejectWith(ResultCode.TRANSFER_ID_TOO_OLD);
    const supply = this.accounts.supply[assetId] as number;
    if (deposit && !Number.isSafeInteger(supply + amount)) return rejectWith(ResultCode.SUPPLY_OVERFLOW);
    const slot = this.accounts.slot(accountId, assetId);
    if (!deposit && (this.accounts.available[slot] as number) < amount) return rejectWith(ResultCode.INSUFFICIENT_FUNDS);
    this.transfers.record(transferId);
    this.sink.accepted(accountId, assetId, transferId, 0, 0, amount, 0, v, o);
    if (deposit) {
      this.accounts.credit(accountId, assetId, amount);
      this.accounts.supply[assetId] = supply + amount;
    } else {
      this.accounts.debit(accountId, assetId, amount);
      this.accounts.supply[assetId] = supply - amount;
    }
  }

  private halt(v: DataView, o: number, halt: boolean): void {
    const symbolId = v.getUint32(o + CMD_SYMBOL_ID, true);
    const book = this.books[symbolId];
    if (book === undefined) return this.reject(ResultCode.UNKNOWN_SYMBOL, 0, symbolId, 0, 0, 0, 0);
    if (book.halted === halt) return this.reject(halt ? ResultCode.SYMBOL_ALREADY_HALTED : ResultCode.SYMBOL_NOT_HALTED, 0, symbolId, 0, 0, 0, 0);
    book.halted = halt;
    this.sink.accepted(0, symbolId, 0, 0, 0, 0, 0, v, o);
    // Stops whose trigger price was reached while halted run when trading resumes.
    if (!halt) this.runStops(book);
  }

  private createAccount(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    if (accountId < 1 || accountId > this.config.maxAccounts) return this.reject(ResultCode.INVALID_ACCOUNT_ID, accountId, 0, 0, 0, 0, 0);
    if (this.accounts.exists[accountId] === 1) return this.reject(ResultCode.ACCOUNT_EXISTS, accountId, 0, 0, 0, 0, 0);
    this.accounts.exists[accountId] = 1;
    this.sink.accepted(accountId, 0, 0, 0, 0, 0, 0, v, o);
  }

  /** Kill switch: blocking an account cancels all its orders and refuses new ones until unblocked. */
  private block(v: DataView, o: number, block: boolean): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    if (!this.accounts.has(accountId) || accountId === FEE_ACCOUNT_ID) return this.reject(ResultCode.UNKNOWN_ACCOUNT, accountId, 0, 0, 0, 0, 0);
    const blocked = this.accounts.blocked[accountId] === 1;
    if (blocked === block) return this.reject(block ? ResultCode.ACCOUNT_ALREADY_BLOCKED : ResultCode.ACCOUNT_NOT_BLOCKED, accountId, 0, 0, 0, 0, 0);
    this.accounts.blocked[accountId] = block ? 1 : 0;
    this.sink.accepted(accountId, 0, 0, 0, 0, 0, 0, v, o);
    if (block) this.cancelAccountOrders(accountId, 0, CancelReason.KILL_SWITCH);
  }
}

function assertNever(value: never): never {
  throw new Error(`unreachable: ${String(value)}`);
}
