import { Accounts } from './accounts.js';
import { Administration } from './administration.js';
import * as assertions from './assert.js';
import { ClientOrderIds } from './client-order-ids.js';
import * as commandLayout from './command-layout.js';
import * as commandTable from './command-table.js';
import type { CommandHandlers } from './command-table.js';
import type { EventSink } from './event-sink.js';
import { ExpiryQueue } from './expiry-queue.js';
import * as int64 from './int64.js';
import { LevelTracker } from './level-tracker.js';
import { Matcher } from './matcher.js';
import { OrderAdmission } from './order-admission.js';
import { OrderAmendment } from './order-amendment.js';
import { OrderBook } from './order-book.js';
import { OrderIndex } from './order-index.js';
import * as orderPool from './order-pool.js';
import { OrderPool } from './order-pool.js';
import { LevelPool } from './price-levels.js';
import * as resultCode from './result-code.js';
import { Settlement } from './settlement.js';
import type { SharedState, TradingSwitch } from './shared-state.js';
import { AccountKeys } from './account-keys.js';
import type { OrderRecord } from './state-records.js';
import * as symbolConfig from './symbol-config.js';
import type { EngineConfig } from './symbol-config.js';
import { TransferWindow } from './transfer-window.js';

// Everything the per-command paths use from other modules is bound here to module-level consts
// and never used through its imported binding: V8 constant-folds a module-level const, but
// loads an imported binding from its module cell at every use (why and what it measured:
// order-pool.ts). Declared with their types: only then does a call narrow (asserts / never).
const assert: typeof assertions.assert = assertions.assert;
const fail: typeof assertions.fail = assertions.fail;
const { CMD_SEQ, CMD_TIMESTAMP_US, CMD_TYPE, CommandType, TimeInForce } = commandLayout;
const { COMMAND_TABLE } = commandTable;
const { readI64 } = int64;
const {
  OrderState,
  F_STRIDE, F_ID, F_PRICE, F_STOP_PRICE, F_LEAVES, F_FILLED, F_RESERVED, F_EXPIRE_AT_US,
  I_STRIDE, I_ACCOUNT, I_SYMBOL,
  B_STRIDE, B_SIDE, B_TYPE, B_TIF, B_FLAGS, B_STP, B_STATE,
} = orderPool;
const { ResultCode } = resultCode;
const { validateEngineConfig } = symbolConfig;

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
 *      a command that does not mutate, the heartbeat, which changes nothing, not even the
 *      clock);
 *   2. the command is validated (result code on failure, nothing changed) and applied;
 *   3. stop orders triggered by the last trade price run, earliest placed first;
 *   4. one BALANCE event per touched (account, asset), then one BOOK_LEVEL event per touched
 *      level, each in first-touched order.
 *
 * The engine owns the state (pools, books, accounts, windows) and composes the parts that act
 * on it, each with its own invariants:
 *
 *   apply ─▶ command table ─▶ OrderAdmission (place) ──▶ Matcher ──▶ Settlement
 *                             OrderAmendment (cancel, amend) ─┘  └──▶ LevelTracker ─▶ BOOK_LEVEL
 *                             Administration (accounts, transfers, halts, mass cancel)
 *
 * Every part holds its collaborators in readonly fields of its own stable class, so each call
 * on the hot path (place ─▶ match ─▶ fill ─▶ settle ─▶ rest / retire) stays monomorphic and V8
 * inlines it as it would a method of one class.
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
  readonly keys = new AccountKeys();
  /** The kill switch for everything (TRADING_HALT): while on, every book is halted too. */
  readonly trading: TradingSwitch = { halted: false };
  /** Client order id keys of live orders that have one, by order handle (lookup only). */
  readonly clOrdIdKeyByHandle = new Map<number, string>();
  private readonly index: OrderIndex;
  private readonly sink: EventSink;
  private readonly tracker: LevelTracker;
  private readonly matcher: Matcher;
  private readonly admission: OrderAdmission;
  private readonly amendment: OrderAmendment;
  private readonly handlers: CommandHandlers;
  nowUs = 0;
  lastSeq = -1;

  constructor(config: EngineConfig, sink: EventSink) {
    validateEngineConfig(config);
    this.config = config;
    this.sink = sink;
    const orders = (this.orders = new OrderPool(config.maxOrders));
    const index = (this.index = new OrderIndex(config.maxOrders));
    // Every level holds at least one resting order, so as many levels as orders can never run out.
    const levels = (this.levels = new LevelPool(config.maxOrders));
    const books: OrderBook[] = (this.books = []);
    for (const s of config.symbols) books[s.id] = new OrderBook(s, config.maxOrders);
    const accounts = (this.accounts = new Accounts(config.maxAccounts, config.assets.length, orders));
    const clOrdIds = (this.clOrdIds = new ClientOrderIds(config.clientOrderIdWindow));
    const transfers = (this.transfers = new TransferWindow(config.transferIdWindow));
    const expiries = (this.expiries = new ExpiryQueue(orders, config.maxOrders));
    const state: SharedState = { config, orders, levels, books, accounts, index, clOrdIds, clOrdIdKeyByHandle: this.clOrdIdKeyByHandle, expiries, transfers, keys: this.keys, trading: this.trading, sink };
    const tracker = (this.tracker = new LevelTracker(orders, levels, config.maxOrders));
    const settlement = new Settlement(state);
    const matcher = (this.matcher = new Matcher(state, tracker, settlement));
    const admission = (this.admission = new OrderAdmission(state, matcher, settlement));
    const amendment = (this.amendment = new OrderAmendment(state, matcher, tracker, settlement));
    const administration = new Administration(state, matcher);
    this.handlers = {
      place: (v, o, seq) => admission.place(v, o, seq, this.nowUs),
      cancel: (v, o) => amendment.cancelCommand(v, o),
      amend: (v, o) => amendment.amend(v, o),
      massCancel: (v, o) => administration.massCancel(v, o),
      transfer: (v, o, deposit) => administration.transfer(v, o, deposit),
      acceptOnly: (v, o) => sink.accepted(0, 0, 0, 0, 0, 0, 0, v, o),
      halt: (v, o, halt) => administration.halt(v, o, halt),
      createAccount: (v, o) => administration.createAccount(v, o),
      block: (v, o, block) => administration.block(v, o, block),
      apiKeyAdd: (v, o) => administration.apiKeyAdd(v, o),
      apiKeyRevoke: (v, o) => administration.apiKeyRevoke(v, o),
      tradingHalt: (v, o, halt) => administration.tradingHalt(v, o, halt),
    };
  }

  /** Order handle of a live order id, or NIL. */
  handleOf(orderId: number): number {
    return this.index.get(orderId);
  }

  get liveOrders(): number {
    return this.index.size;
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
    this.sink.beginCommand(seq, ts, type);
    if (ts < 0) {
      this.sink.rejected(ResultCode.INVALID_TIMESTAMP, 0, 0, 0, 0, 0, 0, view, offset);
    } else if (type === CommandType.PLACE_ORDER || type === CommandType.CANCEL_ORDER) {
      // The two commands of nearly every flow go straight to their part, past the table (both
      // mutate: their rows say so, asserted below).
      if (ts > this.nowUs) this.nowUs = ts;
      this.matcher.expireDue(this.nowUs);
      if (type === CommandType.PLACE_ORDER) this.admission.place(view, offset, seq, this.nowUs);
      else this.amendment.cancelCommand(view, offset);
    } else {
      this.applyFromTable(type, view, offset, seq, ts);
    }
    this.accounts.drainDirty(this.sink);
    this.tracker.flush(this.sink);
    this.sink.endCommand();
  }

  private applyFromTable(type: number, v: DataView, o: number, seq: number, ts: number): void {
    const spec = COMMAND_TABLE[type];
    // A command that does not mutate must change nothing, not even the time: a history with or
    // without it has to reach the same states and emit the same events for every other command.
    if (spec !== undefined && !spec.mutates) return spec.apply(this.handlers, v, o, seq);
    if (ts > this.nowUs) this.nowUs = ts;
    this.matcher.expireDue(this.nowUs);
    if (spec === undefined) return this.sink.rejected(ResultCode.UNKNOWN_COMMAND, 0, 0, 0, 0, 0, 0, v, o);
    spec.apply(this.handlers, v, o, seq);
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
      this.tracker.rest(book, h);
    } else {
      if (!(r.state === OrderState.STOP_PENDING)) fail(`snapshot order ${r.id} in state ${r.state}`);
      B[b + B_STATE] = OrderState.STOP_PENDING;
      book.addStop(orders, h);
    }
    return h;
  }

  /** Snapshot restore only: forgets the change lists that restoring filled, without emitting. */
  finishRestore(lastSeq: number, nowUs: number): void {
    this.tracker.forget();
    this.accounts.drainDirty(null);
    this.lastSeq = lastSeq;
    this.nowUs = nowUs;
  }
}

// The fast path in apply skips the table for these two; their rows must agree with it.
assert(COMMAND_TABLE[CommandType.PLACE_ORDER]?.mutates === true && COMMAND_TABLE[CommandType.CANCEL_ORDER]?.mutates === true, 'place and cancel mutate');
