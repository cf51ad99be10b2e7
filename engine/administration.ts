import type { AccountKeys } from './account-keys.js';
import type { Accounts } from './accounts.js';
import * as commandCodec from './command-codec.js';
import * as assertions from './assert.js';
import * as commandLayout from './command-layout.js';
import * as eventLayout from './event-layout.js';
import type { EventSink } from './event-sink.js';
import * as int64 from './int64.js';
import type { Matcher } from './matcher.js';
import type { OrderBook } from './order-book.js';
import * as orderPool from './order-pool.js';
import type { OrderPool } from './order-pool.js';
import * as resultCode from './result-code.js';
import type { SharedState, TradingSwitch } from './shared-state.js';
import type { EngineConfig } from './symbol-config.js';
import * as symbolConfig from './symbol-config.js';
import type { TransferWindow } from './transfer-window.js';

const assert: typeof assertions.assert = assertions.assert;
const { CMD_ACCOUNT_ID, CMD_QTY, CMD_REASON, CMD_SYMBOL_ID, CMD_TARGET_ID } = commandLayout;
const { CancelReason } = eventLayout;
type CancelReason = eventLayout.CancelReason;
const { i64In, readI64 } = int64;
const { readKeyMaterial } = commandCodec;
const { NIL, I_STRIDE, I_ACCT_NEXT, I_SYMBOL } = orderPool;
const { ResultCode } = resultCode;
type ResultCode = resultCode.ResultCode;
const { FEE_ACCOUNT_ID } = symbolConfig;

/**
 * Administration: account creation, the kill switch (block, unblock), mass cancel, deposits and
 * withdrawals, and symbol halts. Its invariants: the total supply of each asset changes only by
 * deposits and withdrawals, a transfer id applies at most once, a blocked account has no live
 * orders, and a halted symbol trades nothing. Its state is the accounts', the books' halt flags
 * and the transfer window; it keeps none of its own.
 *
 * It also keeps the API keys (salted hashes, account-keys.ts) and the kill switch for
 * everything (TRADING_HALT: every order cancelled, every book halted until TRADING_RESUME).
 */
export class Administration {
  private readonly config: EngineConfig;
  private readonly orders: OrderPool;
  private readonly books: OrderBook[];
  private readonly accounts: Accounts;
  private readonly transfers: TransferWindow;
  private readonly matcher: Matcher;
  private readonly keys: AccountKeys;
  private readonly trading: TradingSwitch;
  private readonly sink: EventSink;

  constructor(state: SharedState, matcher: Matcher) {
    this.keys = state.keys;
    this.trading = state.trading;
    this.config = state.config;
    this.orders = state.orders;
    this.books = state.books;
    this.accounts = state.accounts;
    this.transfers = state.transfers;
    this.matcher = matcher;
    this.sink = state.sink;
  }

  massCancel(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const symbolId = v.getUint32(o + CMD_SYMBOL_ID, true);
    const reason = v.getUint8(o + CMD_REASON);
    if (reason !== CancelReason.USER && reason !== CancelReason.DISCONNECT && reason !== CancelReason.KILL_SWITCH) {
      return this.sink.rejected(ResultCode.INVALID_CANCEL_REASON, accountId, symbolId, 0, 0, 0, 0, v, o);
    }
    if (accountId !== 0 && !this.accounts.has(accountId)) return this.sink.rejected(ResultCode.UNKNOWN_ACCOUNT, accountId, symbolId, 0, 0, 0, 0, v, o);
    if (symbolId !== 0 && this.books[symbolId] === undefined) return this.sink.rejected(ResultCode.UNKNOWN_SYMBOL, accountId, symbolId, 0, 0, 0, 0, v, o);
    this.sink.accepted(accountId, symbolId, 0, 0, 0, 0, 0, v, o);
    if (accountId !== 0) return this.cancelAccountOrders(accountId, symbolId, reason);
    this.cancelEveryAccount(symbolId, reason);
  }

  /** Every account's orders (of one symbol, or all with symbolId 0), in account id order. */
  private cancelEveryAccount(symbolId: number, reason: CancelReason): void {
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
      if (symbolId === 0 || I[h * I_STRIDE + I_SYMBOL] === symbolId) this.matcher.cancel(h, reason);
      h = next;
    }
  }

  transfer(v: DataView, o: number, deposit: boolean): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const assetId = v.getUint32(o + CMD_SYMBOL_ID, true);
    const amount = readI64(v, o + CMD_QTY);
    const transferId = readI64(v, o + CMD_TARGET_ID);
    const rejectWith = (code: ResultCode): void => this.sink.rejected(code, accountId, assetId, transferId, 0, 0, amount, v, o);
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

  halt(v: DataView, o: number, halt: boolean): void {
    const symbolId = v.getUint32(o + CMD_SYMBOL_ID, true);
    const book = this.books[symbolId];
    if (book === undefined) return this.sink.rejected(ResultCode.UNKNOWN_SYMBOL, 0, symbolId, 0, 0, 0, 0, v, o);
    if (book.symbolHalted === halt) return this.sink.rejected(halt ? ResultCode.SYMBOL_ALREADY_HALTED : ResultCode.SYMBOL_NOT_HALTED, 0, symbolId, 0, 0, 0, 0, v, o);
    book.symbolHalted = halt;
    book.halted = halt || this.trading.halted;
    this.sink.accepted(0, symbolId, 0, 0, 0, 0, 0, v, o);
    // Stops whose trigger price was reached while halted run when trading resumes.
    if (!book.halted) this.matcher.runStops(book);
  }

  /**
   * The kill switch for everything: halting cancels every order of every account (reason
   * kill_switch) and halts every book; resuming lifts it (a symbol halted for itself stays
   * halted) and runs the stops that came due meanwhile, book by book in symbol id order.
   */
  tradingHalt(v: DataView, o: number, halt: boolean): void {
    if (this.trading.halted === halt) return this.sink.rejected(halt ? ResultCode.TRADING_ALREADY_HALTED : ResultCode.TRADING_NOT_HALTED, 0, 0, 0, 0, 0, 0, v, o);
    this.trading.halted = halt;
    for (const s of this.config.symbols) {
      const book = this.books[s.id] as OrderBook;
      book.halted = halt || book.symbolHalted;
    }
    this.sink.accepted(0, 0, 0, 0, 0, 0, 0, v, o);
    if (halt) return this.cancelEveryAccount(0, CancelReason.KILL_SWITCH);
    for (const s of this.config.symbols) {
      const book = this.books[s.id] as OrderBook;
      if (!book.halted) this.matcher.runStops(book);
    }
  }

  /** Adds an API key (its salt and hash) to an existing account; the key's number is the event's order id. */
  apiKeyAdd(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    if (accountId === FEE_ACCOUNT_ID || !this.accounts.has(accountId)) return this.sink.rejected(ResultCode.UNKNOWN_ACCOUNT, accountId, 0, 0, 0, 0, 0, v, o);
    const material = readKeyMaterial(v, o);
    if (material.length === 0) return this.sink.rejected(ResultCode.INVALID_API_KEY, accountId, 0, 0, 0, 0, 0, v, o);
    if (!this.keys.hasRoom(accountId)) return this.sink.rejected(ResultCode.API_KEY_LIMIT, accountId, 0, 0, 0, 0, 0, v, o);
    const keyId = this.keys.add(accountId, material);
    this.sink.accepted(accountId, 0, keyId, 0, 0, 0, 0, v, o);
  }

  apiKeyRevoke(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    const keyId = readI64(v, o + CMD_TARGET_ID);
    if (accountId === FEE_ACCOUNT_ID || !this.accounts.has(accountId)) return this.sink.rejected(ResultCode.UNKNOWN_ACCOUNT, accountId, 0, keyId, 0, 0, 0, v, o);
    if (!this.keys.revoke(accountId, keyId)) return this.sink.rejected(ResultCode.UNKNOWN_API_KEY, accountId, 0, keyId, 0, 0, 0, v, o);
    this.sink.accepted(accountId, 0, keyId, 0, 0, 0, 0, v, o);
  }

  createAccount(v: DataView, o: number): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    if (accountId < 1 || accountId > this.config.maxAccounts) return this.sink.rejected(ResultCode.INVALID_ACCOUNT_ID, accountId, 0, 0, 0, 0, 0, v, o);
    if (this.accounts.exists[accountId] === 1) return this.sink.rejected(ResultCode.ACCOUNT_EXISTS, accountId, 0, 0, 0, 0, 0, v, o);
    // With key material, the account's first key comes with it (one command: both or neither).
    const material = readKeyMaterial(v, o);
    this.accounts.exists[accountId] = 1;
    const keyId = material.length === 0 ? 0 : this.keys.add(accountId, material);
    this.sink.accepted(accountId, 0, keyId, 0, 0, 0, 0, v, o);
  }

  /** Kill switch: blocking an account cancels all its orders and refuses new ones until unblocked. */
  block(v: DataView, o: number, block: boolean): void {
    const accountId = v.getUint32(o + CMD_ACCOUNT_ID, true);
    if (!this.accounts.has(accountId) || accountId === FEE_ACCOUNT_ID) return this.sink.rejected(ResultCode.UNKNOWN_ACCOUNT, accountId, 0, 0, 0, 0, 0, v, o);
    const blocked = this.accounts.blocked[accountId] === 1;
    if (blocked === block) return this.sink.rejected(block ? ResultCode.ACCOUNT_ALREADY_BLOCKED : ResultCode.ACCOUNT_NOT_BLOCKED, accountId, 0, 0, 0, 0, 0, v, o);
    this.accounts.blocked[accountId] = block ? 1 : 0;
    this.sink.accepted(accountId, 0, 0, 0, 0, 0, 0, v, o);
    if (block) this.cancelAccountOrders(accountId, 0, CancelReason.KILL_SWITCH);
  }
}
