import type { Accounts } from './accounts.js';
import * as assertions from './assert.js';
import * as commandLayout from './command-layout.js';
import * as int64 from './int64.js';
import type { OrderBook } from './order-book.js';
import * as orderPool from './order-pool.js';
import type { OrderPool } from './order-pool.js';
import type { SharedState } from './shared-state.js';
import * as symbolConfig from './symbol-config.js';

// Bound to module-level consts for the hot path, as in matching-engine.ts (why: order-pool.ts).
const fail: typeof assertions.fail = assertions.fail;
const { Side } = commandLayout;
const { mulDivFloor } = int64;
const { F_STRIDE, F_ID, F_PRICE, F_LEAVES, F_RESERVED, I_STRIDE, I_ACCOUNT, I_SYMBOL, B_STRIDE, B_SIDE } = orderPool;
const { BPS_DENOMINATOR, FEE_ACCOUNT_ID } = symbolConfig;

/**
 * Settlement: what an order must reserve, moving money for each fill (fees included), and
 * releasing what an order holds beyond what its leaves still need. Its invariant: an order's
 * reservation always covers its leaves at its price and the worst fee rate, and per asset every
 * fill's balance changes sum to zero. It keeps no state of its own: the balances are the
 * accounts' and the reservations are the orders' records.
 */
export class Settlement {
  private readonly orders: OrderPool;
  private readonly books: OrderBook[];
  private readonly accounts: Accounts;
  private readonly riskEnabled: boolean;

  constructor(state: SharedState) {
    this.orders = state.orders;
    this.books = state.books;
    this.accounts = state.accounts;
    this.riskEnabled = state.config.riskEnabled;
  }

  /** Funds an order must hold: quote for price × qty plus the worst fee for a buy, base for a sell. */
  requiredFunds(book: OrderBook, side: number, price: number, qty: number): number {
    const cfg = book.config;
    if (side === Side.SELL) return qty * cfg.baseLotUnits;
    if (price === 0 || qty === 0) return 0;
    const notional = price * qty * cfg.quoteTickUnits;
    return notional + mulDivFloor(notional, Math.max(cfg.makerFeeBps, cfg.takerFeeBps), BPS_DENOMINATOR);
  }

  available(accountId: number, book: OrderBook, side: number): number {
    const asset = side === Side.BUY ? book.config.quoteAssetId : book.config.baseAssetId;
    return this.accounts.available[this.accounts.slot(accountId, asset)] as number;
  }

  fundingAsset(book: OrderBook, side: number): number {
    return side === Side.BUY ? book.config.quoteAssetId : book.config.baseAssetId;
  }

  /**
   * Moves money for one fill: the buyer pays notional + its fee out of its order's reservation
   * and receives base; the seller pays base out of its reservation and receives notional minus
   * its fee; the fee account receives both fees. Per asset the changes sum to zero.
   */
  settle(book: OrderBook, taker: number, maker: number, qty: number, notional: number, takerFee: number, makerFee: number): void {
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
  rebalance(h: number): void {
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

  adjustReservation(book: OrderBook, h: number, required: number): void {
    const { F, I, B } = this.orders;
    const f = h * F_STRIDE;
    const accountId = I[h * I_STRIDE + I_ACCOUNT] as number;
    const delta = required - (F[f + F_RESERVED] as number);
    const asset = this.fundingAsset(book, B[h * B_STRIDE + B_SIDE] as number);
    if (delta > 0) this.accounts.reserve(accountId, asset, delta);
    else if (delta < 0) this.accounts.release(accountId, asset, -delta);
    F[f + F_RESERVED] = required;
  }

  failReservation(h: number, needed: number): never {
    const F = this.orders.F;
    return fail(`order ${F[h * F_STRIDE + F_ID]} holds reservation ${F[h * F_STRIDE + F_RESERVED]} where it needs ${needed}`);
  }
}
