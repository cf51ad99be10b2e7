import { CommandType, FLAG_POST_ONLY, OrderType, Side } from '../engine/command-layout.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { CancelReason, EventType } from '../engine/event-layout.js';
import type { EngineState } from '../engine/engine-state.js';
import { OrderState } from '../engine/order-pool.js';
import { FEE_ACCOUNT_ID } from '../engine/symbol-config.js';
import { HistoryWindow } from './history-window.js';

/**
 * The read model: a projection of the core's event stream that answers the queries of trading
 * clients and operators (open orders, order status, balances, fills) without touching the core.
 * The core stays the only writer; queries never enter the journal (design §10).
 *
 *   seed(state)    the state recovery ended in: live orders and balances, exactly as the core has them
 *   apply(event)   every event after that, in sequence order, before any reply it causes is sent,
 *                  so a query sent after an ack or a report reflects it (read-your-writes)
 *
 * It is deterministic (a function of the seed and the events: no clock, no randomness) and
 * bounded: live orders are bounded by the core's own limits (maxOrders, maxOpenOrdersPerAccount);
 * balances are one entry per account and asset. Finished orders and fills are kept in history
 * windows per account (history-window.ts): an account keeps its newest `finalOrdersPerAccountMax`
 * finished orders and `fillsPerAccountMax` fills, and over all accounts at most `finalOrdersMax`
 * and `fillsMax` are kept. An account at its own cap loses its own oldest; only when the window
 * is full over all accounts does an account below its cap take the oldest kept of any account.
 * The window is full only when at least finalOrdersMax / finalOrdersPerAccountMax accounts
 * (fillsMax / fillsPerAccountMax) hold history: with the defaults, 10 accounts of finished
 * orders, 20 of fills. So fewer busy accounts than that never push a quiet account's order
 * status or fills out. A finished order that goes also leaves the client order id index,
 * whichever cap took it.
 *
 * Quantities and prices are the core's integers (lots, ticks, minor units); the gateway turns
 * them into wire decimals.
 */

export type OrderStatus = 'new' | 'partially_filled' | 'filled' | 'cancelled' | 'expired';
export type Liquidity = 'maker' | 'taker';

export interface OrderView {
  readonly orderId: number;
  readonly accountId: number;
  readonly symbolId: number;
  readonly side: Side;
  readonly orderType: number;
  readonly tif: number;
  readonly postOnly: boolean;
  /** Empty when the order has none. */
  readonly clOrdId: string;
  /** The placing command's sequence (= orderId) and timestamp. */
  readonly seq: number;
  readonly timestampUs: number;
  /** The limit price; 0 for market and stop-market orders (the core keeps their protection price to itself). */
  price: number;
  stopPrice: number;
  /** The quantity in force: as placed or amended, less what self-trade prevention decremented. */
  qty: number;
  cumQty: number;
  leavesQty: number;
  status: OrderStatus;
}

export interface FillView {
  /** `seq-k`: the k-th trade (from 0) of the command at `seq`; the same id on both sides. */
  readonly tradeId: string;
  readonly accountId: number;
  readonly orderId: number;
  readonly clOrdId: string;
  readonly symbolId: number;
  readonly side: Side;
  readonly price: number;
  readonly qty: number;
  /** In the symbol's quote asset, minor units. */
  readonly fee: number;
  readonly liquidity: Liquidity;
  readonly seq: number;
  readonly timestampUs: number;
}

export interface BalanceView {
  readonly assetId: number;
  readonly available: number;
  readonly reserved: number;
}

export interface AccountView {
  readonly accountId: number;
  blocked: boolean;
}

/** What exportState gives and restore takes. */
export interface ReadModelState {
  readonly lastSeq: number;
  readonly tradingHalted: boolean;
  /** The command of the last TRADE applied, and the index its next trade would take. */
  readonly tradeSeq: number;
  readonly tradeIndex: number;
  /** Ascending by id. */
  readonly accounts: readonly AccountView[];
  /** By account, then asset. */
  readonly balances: ReadonlyArray<readonly [accountId: number, balance: BalanceView]>;
  /** Live orders by id; finished ones oldest finished first. */
  readonly live: readonly OrderView[];
  readonly finals: readonly OrderView[];
  /** Which order each (account, client order id) names. */
  readonly clOrdIds: ReadonlyArray<readonly [accountId: number, clOrdId: string, orderId: number]>;
  /** Oldest first over all accounts. */
  readonly fills: readonly FillView[];
}

export interface ReadModelLimits {
  /** Finished (filled, cancelled, expired) orders kept for order_status, over all accounts. */
  readonly finalOrdersMax: number;
  /** Fills kept for the fills query, over all accounts. */
  readonly fillsMax: number;
  /** Finished orders one account keeps (1..finalOrdersMax); default the lesser of PER_ACCOUNT_DEFAULT and finalOrdersMax. */
  readonly finalOrdersPerAccountMax?: number;
  /** Fills one account keeps (1..fillsMax); default the lesser of PER_ACCOUNT_DEFAULT and fillsMax. */
  readonly fillsPerAccountMax?: number;
}

/** What one account keeps of each history when its limit is not given. */
export const PER_ACCOUNT_DEFAULT = 10_000;
export const READ_MODEL_LIMITS_DEFAULT: ReadModelLimits = { finalOrdersMax: 100_000, fillsMax: 200_000, finalOrdersPerAccountMax: PER_ACCOUNT_DEFAULT, fillsPerAccountMax: PER_ACCOUNT_DEFAULT };
/** Most accounts one page lists. */
export const ACCOUNTS_PAGE_MAX = 1_000;
/** Most fills one query returns. */
export const FILLS_PAGE_MAX = 1_000;

export class ReadModel {
  private readonly live = new Map<number, OrderView>();
  /** Live order ids per account, in order id order (insertion follows the sequence). */
  private readonly liveByAccount = new Map<number, Set<number>>();
  /** Finished orders by id: what `finalWindow` keeps. */
  private readonly finals = new Map<number, OrderView>();
  private readonly finalWindow: HistoryWindow<OrderView>;
  /** `account \0 clOrdId` → the order id of the newest order with it (live or final). */
  private readonly byClOrdId = new Map<string, number>();
  private readonly balancesByAccount = new Map<number, Map<number, BalanceView>>();
  /** Every account the core has, with the fee account (0) from the start; ids kept sorted for paging. */
  private readonly accounts = new Map<number, AccountView>([[FEE_ACCOUNT_ID, { accountId: FEE_ACCOUNT_ID, blocked: false }]]);
  private readonly accountIds: number[] = [FEE_ACCOUNT_ID];
  private readonly fillWindow: HistoryWindow<FillView>;
  /** The kill switch for everything (TRADING_HALT) is on. */
  tradingHalted = false;
  private tradeSeq = -1;
  private tradeIndex = 0;
  lastSeq = -1;

  constructor(readonly limits: ReadModelLimits = READ_MODEL_LIMITS_DEFAULT) {
    if (!(Number.isSafeInteger(limits.finalOrdersMax) && limits.finalOrdersMax >= 1)) throw new Error(`finalOrdersMax ${limits.finalOrdersMax}`);
    if (!(Number.isSafeInteger(limits.fillsMax) && limits.fillsMax >= 1)) throw new Error(`fillsMax ${limits.fillsMax}`);
    const finalsPerAccount = limits.finalOrdersPerAccountMax ?? Math.min(PER_ACCOUNT_DEFAULT, limits.finalOrdersMax);
    const fillsPerAccount = limits.fillsPerAccountMax ?? Math.min(PER_ACCOUNT_DEFAULT, limits.fillsMax);
    if (!(Number.isSafeInteger(finalsPerAccount) && finalsPerAccount >= 1 && finalsPerAccount <= limits.finalOrdersMax)) throw new Error(`finalOrdersPerAccountMax ${finalsPerAccount}: 1..finalOrdersMax`);
    if (!(Number.isSafeInteger(fillsPerAccount) && fillsPerAccount >= 1 && fillsPerAccount <= limits.fillsMax)) throw new Error(`fillsPerAccountMax ${fillsPerAccount}: 1..fillsMax`);
    this.finalWindow = new HistoryWindow(finalsPerAccount, limits.finalOrdersMax, (evicted) => this.forget(evicted));
    this.fillWindow = new HistoryWindow(fillsPerAccount, limits.fillsMax);
  }

  // ───────────────────────────── building ─────────────────────────────

  /** Takes the live orders and balances of a recovered state. Only into an empty model. */
  seed(state: EngineState, lastSeq: number, placedAtUs: (orderId: number) => number = () => 0): void {
    if (this.lastSeq !== -1 || this.live.size !== 0) throw new Error('seed an empty read model only');
    for (const account of state.accounts) {
      this.addAccount(account.id).blocked = account.blocked;
      const balances = this.accountBalances(account.id);
      account.available.forEach((available, i) => {
        const reserved = account.reserved[i] ?? 0;
        if (available !== 0 || reserved !== 0) balances.set(i + 1, { assetId: i + 1, available, reserved });
      });
    }
    const orders = state.books.flatMap((book) => book.orders).filter((o) => o.state === OrderState.RESTING || o.state === OrderState.STOP_PENDING);
    orders.sort((a, b) => a.id - b.id);
    for (const o of orders) {
      this.addLive({
        orderId: o.id,
        accountId: o.accountId,
        symbolId: o.symbolId,
        side: o.side === Side.BUY ? Side.BUY : Side.SELL,
        orderType: o.type,
        tif: o.tif,
        postOnly: (o.flags & FLAG_POST_ONLY) !== 0,
        clOrdId: o.clOrdId,
        seq: o.id,
        timestampUs: placedAtUs(o.id),
        price: isMarketType(o.type) ? 0 : o.price,
        stopPrice: o.stopPrice,
        qty: o.filled + o.leaves,
        cumQty: o.filled,
        leavesQty: o.leaves,
        status: o.filled > 0 ? 'partially_filled' : 'new',
      });
    }
    this.tradingHalted = state.tradingHalted;
    this.lastSeq = lastSeq;
  }

  /** Applies one event of the core's stream; events come in sequence order. */
  apply(ev: DecodedEvent): void {
    if (ev.seq < this.lastSeq) throw new Error(`read model: event of command ${ev.seq} after ${this.lastSeq}`);
    this.lastSeq = ev.seq;
    switch (ev.type) {
      case EventType.ACCEPTED:
        if (ev.commandType === CommandType.PLACE_ORDER) this.placed(ev);
        else if (ev.commandType === CommandType.ACCOUNT_CREATE) this.addAccount(ev.accountId);
        else if (ev.commandType === CommandType.TRADING_HALT || ev.commandType === CommandType.TRADING_RESUME) this.tradingHalted = ev.commandType === CommandType.TRADING_HALT;
        else if (ev.commandType === CommandType.ACCOUNT_BLOCK || ev.commandType === CommandType.ACCOUNT_UNBLOCK) this.knownAccount(ev.accountId).blocked = ev.commandType === CommandType.ACCOUNT_BLOCK;
        // The AMENDED event that follows has no stop price: an accepted amend carries the new one.
        else if (ev.commandType === CommandType.AMEND_ORDER && ev.stopPrice !== 0) this.liveOrder(ev.orderId).stopPrice = ev.stopPrice;
        return;
      case EventType.TRADE:
        return this.traded(ev);
      case EventType.CANCELLED:
        return this.cancelled(ev);
      case EventType.AMENDED:
        return this.amended(ev);
      case EventType.BALANCE:
        this.accountBalances(ev.accountId).set(ev.symbolId, { assetId: ev.symbolId, available: ev.qty, reserved: ev.leavesQty });
        return;
      case EventType.REJECTED:
      case EventType.STOP_TRIGGERED:
      case EventType.BOOK_LEVEL:
        return;
      default: {
        const unknown: never = ev.type;
        throw new Error(`read model: unknown event type ${String(unknown)}`);
      }
    }
  }

  private placed(ev: DecodedEvent): void {
    this.addLive({
      orderId: ev.orderId,
      accountId: ev.accountId,
      symbolId: ev.symbolId,
      side: ev.side === Side.BUY ? Side.BUY : Side.SELL,
      orderType: ev.orderType,
      tif: ev.tif,
      postOnly: (ev.orderFlags & FLAG_POST_ONLY) !== 0,
      clOrdId: ev.clOrdId,
      seq: ev.seq,
      timestampUs: ev.timestampUs,
      price: isMarketType(ev.orderType) ? 0 : ev.price,
      stopPrice: ev.stopPrice,
      qty: ev.qty,
      cumQty: 0,
      leavesQty: ev.qty,
      status: 'new',
    });
  }

  private traded(ev: DecodedEvent): void {
    if (ev.seq !== this.tradeSeq) {
      this.tradeSeq = ev.seq;
      this.tradeIndex = 0;
    }
    const tradeId = `${ev.seq}-${this.tradeIndex++}`;
    const taker = this.liveOrder(ev.orderId);
    const maker = this.liveOrder(ev.makerOrderId);
    this.fill(taker, ev.leavesQty, ev.cumQty);
    this.fill(maker, ev.makerLeavesQty, ev.makerCumQty);
    this.addFill(fillOf(tradeId, ev, taker, ev.takerFee, 'taker'));
    this.addFill(fillOf(tradeId, ev, maker, ev.makerFee, 'maker'));
  }

  private fill(order: OrderView, leavesQty: number, cumQty: number): void {
    order.leavesQty = leavesQty;
    order.cumQty = cumQty;
    if (leavesQty === 0) this.finish(order, 'filled');
    else order.status = 'partially_filled';
  }

  private cancelled(ev: DecodedEvent): void {
    const order = this.liveOrder(ev.orderId);
    order.cumQty = ev.cumQty;
    if (ev.leavesQty > 0) {
      // Decrement-and-cancel reduced a live order: it stays, with less in force.
      order.leavesQty = ev.leavesQty;
      order.qty = ev.cumQty + ev.leavesQty;
      return;
    }
    order.leavesQty = 0;
    this.finish(order, ev.reason === CancelReason.EXPIRED ? 'expired' : 'cancelled');
  }

  private amended(ev: DecodedEvent): void {
    const order = this.liveOrder(ev.orderId);
    if (!isMarketType(order.orderType)) order.price = ev.price;
    order.qty = ev.qty;
    order.leavesQty = ev.leavesQty;
    order.cumQty = ev.cumQty;
  }

  private addLive(order: OrderView): void {
    if (this.live.has(order.orderId)) throw new Error(`read model: order ${order.orderId} placed twice`);
    this.live.set(order.orderId, order);
    let ids = this.liveByAccount.get(order.accountId);
    if (ids === undefined) this.liveByAccount.set(order.accountId, (ids = new Set()));
    ids.add(order.orderId);
    if (order.clOrdId !== '') this.byClOrdId.set(clOrdIdKey(order.accountId, order.clOrdId), order.orderId);
  }

  private liveOrder(orderId: number): OrderView {
    const order = this.live.get(orderId);
    if (order === undefined) throw new Error(`read model: event for order ${orderId}, which is not live`);
    return order;
  }

  private finish(order: OrderView, status: OrderStatus): void {
    order.status = status;
    this.live.delete(order.orderId);
    const ids = this.liveByAccount.get(order.accountId);
    ids?.delete(order.orderId);
    if (ids !== undefined && ids.size === 0) this.liveByAccount.delete(order.accountId);
    this.finals.set(order.orderId, order);
    this.finalWindow.push(order.accountId, order);
  }

  /** A finished order the window let go: it leaves the id and client order id indexes. */
  private forget(evicted: OrderView): void {
    if (!this.finals.delete(evicted.orderId)) throw new Error(`read model: the finished window let go of order ${evicted.orderId}, which is not kept`);
    if (evicted.clOrdId !== '') {
      const key = clOrdIdKey(evicted.accountId, evicted.clOrdId);
      if (this.byClOrdId.get(key) === evicted.orderId) this.byClOrdId.delete(key);
    }
  }

  private addFill(fill: FillView): void {
    this.fillWindow.push(fill.accountId, fill);
  }

  private addAccount(accountId: number): AccountView {
    const known = this.accounts.get(accountId);
    if (known !== undefined) return known;
    const view: AccountView = { accountId, blocked: false };
    this.accounts.set(accountId, view);
    const ids = this.accountIds;
    // Ids mostly come in rising order: the common case appends.
    if (ids.length === 0 || (ids[ids.length - 1] as number) < accountId) ids.push(accountId);
    else ids.splice(firstNotBelow(0, ids.length, (i) => (ids[i] as number) < accountId), 0, accountId);
    return view;
  }

  private knownAccount(accountId: number): AccountView {
    const view = this.accounts.get(accountId);
    if (view === undefined) throw new Error(`read model: event for account ${accountId}, which it does not know`);
    return view;
  }

  private accountBalances(accountId: number): Map<number, BalanceView> {
    let balances = this.balancesByAccount.get(accountId);
    if (balances === undefined) this.balancesByAccount.set(accountId, (balances = new Map()));
    return balances;
  }

  // ───────────────────────────── saving ─────────────────────────────

  /**
   * Everything the model holds, as plain data (read-model-codec.ts encodes it into snapshots):
   * restoring it gives a model that answers every query as this one does, and goes on from the
   * same events. Orders and fills are listed oldest first, so a restore rebuilds the windows in
   * the order they were filled.
   */
  exportState(): ReadModelState {
    const balances: Array<readonly [number, BalanceView]> = [];
    for (const [accountId, byAsset] of this.balancesByAccount) for (const b of byAsset.values()) balances.push([accountId, b]);
    balances.sort((a, b) => a[0] - b[0] || a[1].assetId - b[1].assetId);
    return {
      lastSeq: this.lastSeq,
      tradingHalted: this.tradingHalted,
      tradeSeq: this.tradeSeq,
      tradeIndex: this.tradeIndex,
      accounts: this.accountIds.map((id) => this.accounts.get(id) as AccountView),
      balances,
      live: [...this.live.values()].sort((a, b) => a.orderId - b.orderId),
      finals: this.finalWindow.toArray(),
      clOrdIds: [...this.byClOrdId].map(([key, orderId]) => [Number(key.slice(0, key.indexOf('\u0000'))), key.slice(key.indexOf('\u0000') + 1), orderId] as const),
      fills: this.fillWindow.toArray(),
    };
  }

  /**
   * Takes a saved state. Only into an empty model. The saved histories are pushed oldest first,
   * so with the saver's limits nothing goes; with smaller ones, what the smaller windows would
   * have kept of them.
   */
  restore(saved: ReadModelState): void {
    if (this.lastSeq !== -1 || this.live.size !== 0) throw new Error('restore into an empty read model only');
    for (const a of saved.accounts) this.addAccount(a.accountId).blocked = a.blocked;
    for (const [accountId, b] of saved.balances) this.accountBalances(accountId).set(b.assetId, { ...b });
    for (const o of saved.live) this.addLive({ ...o });
    for (const o of saved.finals) this.finish({ ...o }, o.status);
    this.byClOrdId.clear();
    for (const [accountId, clOrdId, orderId] of saved.clOrdIds) {
      if (this.live.has(orderId) || this.finals.has(orderId)) this.byClOrdId.set(clOrdIdKey(accountId, clOrdId), orderId);
    }
    for (const f of saved.fills) this.addFill({ ...f });
    this.tradingHalted = saved.tradingHalted;
    this.tradeSeq = saved.tradeSeq;
    this.tradeIndex = saved.tradeIndex;
    this.lastSeq = saved.lastSeq;
  }

  // ───────────────────────────── queries ─────────────────────────────

  /** All of the account's live orders, in order id order, optionally of one symbol: one page without a bound (the checks' view; clients get pages). */
  openOrders(accountId: number, symbolId?: number): OrderView[] {
    return this.openOrdersPage(accountId, { afterOrderId: -1, limit: Number.MAX_SAFE_INTEGER, ...(symbolId === undefined ? {} : { symbolId }) }).orders;
  }

  /**
   * A page of the account's live orders in order id order: those above `afterOrderId` (all when
   * -1), of one symbol when given, at most `limit`; `more` when others follow. Walks the account's
   * live orders from the start (bounded by the core's per-account limit), not the whole book.
   */
  openOrdersPage(accountId: number, options: { symbolId?: number; afterOrderId: number; limit: number }): { orders: OrderView[]; more: boolean } {
    const { symbolId, afterOrderId, limit } = options;
    if (!(Number.isSafeInteger(limit) && limit >= 1)) throw new Error(`open orders limit ${limit}`);
    const orders: OrderView[] = [];
    for (const id of this.liveByAccount.get(accountId) ?? []) {
      if (id <= afterOrderId) continue;
      const order = this.live.get(id);
      if (order === undefined) throw new Error(`read model: live index names order ${id}`);
      if (symbolId !== undefined && order.symbolId !== symbolId) continue;
      if (orders.length === limit) return { orders, more: true };
      orders.push(order);
    }
    return { orders, more: false };
  }

  openOrderCount(accountId: number): number {
    return this.liveByAccount.get(accountId)?.size ?? 0;
  }

  /** A live or recently finished order of the account; undefined for another account's order. */
  order(accountId: number, orderId: number): OrderView | undefined {
    const order = this.live.get(orderId) ?? this.finals.get(orderId);
    return order !== undefined && order.accountId === accountId ? order : undefined;
  }

  /** The newest live or recently finished order of the account with this client order id. */
  orderByClOrdId(accountId: number, clOrdId: string): OrderView | undefined {
    const orderId = this.byClOrdId.get(clOrdIdKey(accountId, clOrdId));
    return orderId === undefined ? undefined : this.order(accountId, orderId);
  }

  /** The account's balances with anything in them, by asset id. */
  balances(accountId: number): BalanceView[] {
    return [...(this.balancesByAccount.get(accountId)?.values() ?? [])].sort((a, b) => a.assetId - b.assetId);
  }

  balance(accountId: number, assetId: number): BalanceView {
    return this.balancesByAccount.get(accountId)?.get(assetId) ?? { assetId, available: 0, reserved: 0 };
  }

  /**
   * The account's kept fills, oldest first: from the first at or after `fromSeq` when given,
   * otherwise the most recent ones; at most `limit`, of one symbol when given.
   */
  fills(accountId: number, options: { symbolId?: number; fromSeq?: number; limit: number }): FillView[] {
    const { symbolId, fromSeq, limit } = options;
    if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= FILLS_PAGE_MAX)) throw new Error(`fills limit ${limit}`);
    const queue = this.fillWindow.keyed(accountId);
    if (queue === undefined) return [];
    const { items, head } = queue;
    const out: FillView[] = [];
    if (fromSeq !== undefined) {
      for (let i = firstNotBelow(head, items.length, (k) => (items[k] as FillView).seq < fromSeq); i < items.length && out.length < limit; i++) {
        const fill = items[i] as FillView;
        if (symbolId === undefined || fill.symbolId === symbolId) out.push(fill);
      }
      return out;
    }
    for (let i = items.length - 1; i >= head && out.length < limit; i--) {
      const fill = items[i] as FillView;
      if (symbolId === undefined || fill.symbolId === symbolId) out.push(fill);
    }
    return out.reverse();
  }

  account(accountId: number): AccountView | undefined {
    return this.accounts.get(accountId);
  }

  /** The id above every account's: where an account created without an id goes. */
  nextFreeAccount(): number {
    return (this.accountIds[this.accountIds.length - 1] as number) + 1;
  }

  /** Account ids above `after` (all from the fee account when after is -1), at most `limit`, ascending. */
  accountPage(after: number, limit: number): number[] {
    if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= ACCOUNTS_PAGE_MAX)) throw new Error(`accounts limit ${limit}`);
    const ids = this.accountIds;
    const from = firstNotBelow(0, ids.length, (i) => (ids[i] as number) <= after);
    return ids.slice(from, from + limit);
  }

  /** The trade id of the last TRADE event applied (`seq-k`); '' before any. */
  get lastTradeId(): string {
    return this.tradeSeq < 0 ? '' : `${this.tradeSeq}-${this.tradeIndex - 1}`;
  }

  /** The client order id of an order of the account, live or recently finished; '' when none. */
  clOrdIdOf(accountId: number, orderId: number): string {
    return this.order(accountId, orderId)?.clOrdId ?? '';
  }

  /** The id of the account's newest order with this client order id, live or recently finished. */
  orderIdOf(accountId: number, clOrdId: string): number | undefined {
    return this.orderByClOrdId(accountId, clOrdId)?.orderId;
  }

  /** Counts for metrics and tests. */
  get sizes(): { liveOrders: number; finalOrders: number; fills: number; accounts: number } {
    return { liveOrders: this.live.size, finalOrders: this.finals.size, fills: this.fillWindow.size, accounts: this.accounts.size };
  }

  /** Finished orders and fills let go since construction, by the cap that took them. */
  get evictions(): { finalOrdersPerAccount: number; finalOrdersTotal: number; fillsPerAccount: number; fillsTotal: number } {
    const f = this.finalWindow;
    const x = this.fillWindow;
    return { finalOrdersPerAccount: f.evictedByKeyCap, finalOrdersTotal: f.evictedByTotalCap, fillsPerAccount: x.evictedByKeyCap, fillsTotal: x.evictedByTotalCap };
  }
}

/**
 * One side's fill of a trade, as one object literal of a fixed shape: built with a spread of the
 * fields both sides share, V8 took some 80 µs per trade here (the read model then applied 20K
 * commands/s of the standard flow instead of hundreds of thousands).
 */
function fillOf(tradeId: string, ev: DecodedEvent, order: OrderView, fee: number, liquidity: Liquidity): FillView {
  return {
    tradeId,
    accountId: order.accountId,
    orderId: order.orderId,
    clOrdId: order.clOrdId,
    symbolId: ev.symbolId,
    side: order.side,
    price: ev.price,
    qty: ev.qty,
    fee,
    liquidity,
    seq: ev.seq,
    timestampUs: ev.timestampUs,
  };
}

function isMarketType(orderType: number): boolean {
  return orderType === OrderType.MARKET || orderType === OrderType.STOP_MARKET;
}

function clOrdIdKey(accountId: number, clOrdId: string): string {
  return `${accountId}\u0000${clOrdId}`;
}

/** The first index in [lo, hi) at which `below(i)` is false; `below` must be true, then false. */
function firstNotBelow(lo: number, hi: number, below: (i: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
