import type { Command } from '../engine/command-codec.js';
import { CL_ORD_ID_MAX_LENGTH, CommandType, FLAG_POST_ONLY, OrderType, Side, StpMode, TimeInForce } from '../engine/command-layout.js';
import { type DecodedEvent, decodedEvent } from '../engine/event-codec.js';
import { CancelReason, EventType } from '../engine/event-layout.js';
import { ResultCode } from '../engine/result-code.js';
import { KEYS_PER_ACCOUNT_MAX } from '../engine/account-keys.js';
import type { EngineConfig, SymbolConfig } from '../engine/symbol-config.js';
import { type Balance, FEE_ACCOUNT, feeOf, intIn, isMarketType, isStopType, MAX_SAFE, type ModelOrder, type SavedState } from './reference-model-records.js';
import { selfTradeCuts } from './self-trade-cuts.js';

/**
 * A naive reference implementation of the matching core's documented semantics (design §4,
 * matching-engine.ts), for model-based tests only. It is written for obviousness, not speed:
 * every live order is one object in one array, a book side is that array filtered and sorted
 * (price, then time priority) whenever it is looked at, balances are a Map, fees are computed
 * with BigInt. It shares no logic with the engine, only the wire enums and the configuration:
 * self-trade prevention is the contract's table of cuts (self-trade-cuts.ts), and a fill-or-kill
 * order is tried on the real state and undone rather than predicted by a second walk of the book.
 *
 * It consumes decoded commands (what the core reads from the bytes) and produces the events the
 * core must emit, as DecodedEvent objects, so a test compares the two with one deep equality.
 */

export class ReferenceModel {
  private nowUsValue = 0;
  private orders: ModelOrder[] = [];
  private readonly accounts = new Map<number, { blocked: boolean }>();
  private balances = new Map<string, Balance>();
  private readonly supply = new Map<number, number>();
  private lastPrice = new Map<number, number>();
  private readonly halted = new Set<number>();
  private tradingHalted = false;
  /** API keys per account: how many were ever given (the next number) and which are live. */
  private readonly keys = new Map<number, { given: number; live: Set<number> }>();
  private readonly transferWindow: number[] = [];
  private transferWatermark = 0;
  private readonly clOrdIdWindow: string[] = [];
  private priorityCounter = 0;

  // The command being applied and what it touched.
  private cmd: Command | undefined;
  private events: DecodedEvent[] = [];
  private touchedBalances: string[] = [];
  private touchedLevels: string[] = [];

  constructor(readonly config: EngineConfig) {
    if (!config.riskEnabled) throw new Error('the reference model implements the engine with risk checks on');
    this.accounts.set(FEE_ACCOUNT, { blocked: false });
  }

  get nowUs(): number {
    return this.nowUsValue;
  }

  /** Live orders in order id order (copies). */
  liveOrders(): ModelOrder[] {
    return [...this.orders].sort((a, b) => a.id - b.id).map((o) => ({ ...o }));
  }

  accountExists(id: number): boolean {
    return this.accounts.has(id);
  }

  balance(accountId: number, assetId: number): Balance {
    return { ...this.bal(accountId, assetId) };
  }

  // ───────────────────────────── command ─────────────────────────────

  apply(cmd: Command): DecodedEvent[] {
    this.cmd = cmd;
    this.events = [];
    this.touchedBalances = [];
    this.touchedLevels = [];
    if (cmd.timestampUs < 0) {
      this.reject(ResultCode.INVALID_TIMESTAMP, 0, 0, 0, 0, 0, 0);
    } else if (cmd.type === CommandType.NOOP) {
      // The heartbeat changes nothing, not even the time.
      this.accepted(0, 0, 0, 0, 0, 0, 0);
    } else {
      this.nowUsValue = Math.max(this.nowUsValue, cmd.timestampUs);
      this.expireDue();
      this.dispatch(cmd);
    }
    this.emitTouched();
    return this.events;
  }

  private dispatch(c: Command): void {
    switch (c.type) {
      case CommandType.PLACE_ORDER:
        return this.place(c);
      case CommandType.CANCEL_ORDER:
        return this.cancelCommand(c);
      case CommandType.AMEND_ORDER:
        return this.amend(c);
      case CommandType.MASS_CANCEL:
        return this.massCancel(c);
      case CommandType.DEPOSIT:
        return this.transfer(c, true);
      case CommandType.WITHDRAW:
        return this.transfer(c, false);
      case CommandType.TIMER_TICK:
        return this.accepted(0, 0, 0, 0, 0, 0, 0);
      case CommandType.SYMBOL_HALT:
        return this.halt(c.symbolId, true);
      case CommandType.SYMBOL_RESUME:
        return this.halt(c.symbolId, false);
      case CommandType.ACCOUNT_CREATE:
        return this.createAccount(c);
      case CommandType.ACCOUNT_BLOCK:
        return this.block(c.accountId, true);
      case CommandType.ACCOUNT_UNBLOCK:
        return this.block(c.accountId, false);
      case CommandType.API_KEY_ADD:
        return this.addKey(c);
      case CommandType.API_KEY_REVOKE:
        return this.revokeKey(c);
      case CommandType.TRADING_HALT:
        return this.haltTrading(true);
      case CommandType.TRADING_RESUME:
        return this.haltTrading(false);
      default:
        return this.reject(ResultCode.UNKNOWN_COMMAND, 0, 0, 0, 0, 0, 0);
    }
  }

  // ───────────────────────────── events ─────────────────────────────

  private event(type: EventType, fields: Partial<DecodedEvent>): void {
    const c = this.cmd as Command;
    this.events.push(decodedEvent({ type, commandType: c.type, seq: c.seq, timestampUs: c.timestampUs, ...fields }));
  }

  private accepted(accountId: number, symbolId: number, orderId: number, side: number, price: number, qty: number, stopPrice: number): void {
    const clOrdId = (this.cmd as Command).clOrdId.slice(0, CL_ORD_ID_MAX_LENGTH);
    const { orderType, tif, flags: orderFlags, type, keyMaterial } = this.cmd as Command;
    // An accepted key command shows the key's salt and hash (and carries no stop price).
    const keyHex = type === CommandType.ACCOUNT_CREATE || type === CommandType.API_KEY_ADD ? [...keyMaterial].map((b) => b.toString(16).padStart(2, '0')).join('') : '';
    this.event(EventType.ACCEPTED, { accountId, symbolId, orderId, side, price, qty, stopPrice, clOrdId, orderType, tif, orderFlags, keyHex });
  }

  private reject(code: ResultCode, accountId: number, symbolId: number, orderId: number, side: number, price: number, qty: number): void {
    const clOrdId = (this.cmd as Command).clOrdId.slice(0, CL_ORD_ID_MAX_LENGTH);
    const { orderType, tif, flags: orderFlags } = this.cmd as Command;
    this.event(EventType.REJECTED, { code, accountId, symbolId, orderId, side, price, qty, clOrdId, orderType, tif, orderFlags });
  }

  private cancelledEvent(o: ModelOrder, reason: CancelReason, qty: number, leavesAfter: number): void {
    this.event(EventType.CANCELLED, {
      reason,
      accountId: o.account,
      symbolId: o.symbol,
      orderId: o.id,
      side: o.side,
      price: o.price,
      qty,
      leavesQty: leavesAfter,
      cumQty: o.filled,
    });
  }

  private amendedEvent(o: ModelOrder, priorityKept: boolean): void {
    this.event(EventType.AMENDED, {
      accountId: o.account,
      symbolId: o.symbol,
      orderId: o.id,
      side: o.side,
      price: o.price,
      qty: o.leaves + o.filled,
      leavesQty: o.leaves,
      cumQty: o.filled,
      flags: priorityKept ? 1 : 0,
    });
  }

  /** BALANCE per touched (account, asset), then BOOK_LEVEL per touched level, first-touched order. */
  private emitTouched(): void {
    for (const key of this.touchedBalances) {
      const [accountId, assetId] = key.split(':').map(Number) as [number, number];
      const b = this.bal(accountId, assetId);
      this.event(EventType.BALANCE, { accountId, symbolId: assetId, qty: b.available, leavesQty: b.reserved });
    }
    for (const key of this.touchedLevels) {
      const [symbolId, side, price] = key.split(':').map(Number) as [number, number, number];
      const atLevel = this.bookSide(symbolId, side).filter((o) => o.price === price);
      const total = atLevel.reduce((sum, o) => sum + o.leaves, 0);
      this.event(EventType.BOOK_LEVEL, { symbolId, side, price, qty: total, leavesQty: atLevel.length });
    }
  }

  private touchLevel(o: ModelOrder): void {
    const key = `${o.symbol}:${o.side}:${o.price}`;
    if (!this.touchedLevels.includes(key)) this.touchedLevels.push(key);
  }

  // ───────────────────────────── balances ─────────────────────────────

  private bal(accountId: number, assetId: number): Balance {
    const key = `${accountId}:${assetId}`;
    let b = this.balances.get(key);
    if (b === undefined) {
      b = { available: 0, reserved: 0 };
      this.balances.set(key, b);
    }
    return b;
  }

  /** Changes one balance and remembers it was touched (amounts are never zero here). */
  private move(accountId: number, assetId: number, availableDelta: number, reservedDelta: number): void {
    const b = this.bal(accountId, assetId);
    b.available += availableDelta;
    b.reserved += reservedDelta;
    if (b.available < 0 || b.reserved < 0 || !Number.isSafeInteger(b.available) || !Number.isSafeInteger(b.reserved)) {
      throw new Error(`model: balance ${accountId}/${assetId} became ${b.available}/${b.reserved}`);
    }
    const key = `${accountId}:${assetId}`;
    if (!this.touchedBalances.includes(key)) this.touchedBalances.push(key);
  }

  private symbol(id: number): SymbolConfig | undefined {
    return this.config.symbols.find((s) => s.id === id);
  }

  private fundingAsset(o: { symbol: number; side: number }): number {
    const s = this.symbol(o.symbol) as SymbolConfig;
    return o.side === Side.BUY ? s.quoteAssetId : s.baseAssetId;
  }

  /** What an order must hold: base for a sell; for a buy the notional at its price plus the worst fee. */
  private requiredFunds(s: SymbolConfig, side: number, price: number, qty: number): number {
    if (side === Side.SELL) return qty * s.baseLotUnits;
    if (price === 0) return 0;
    const notional = price * qty * s.quoteTickUnits;
    return notional + feeOf(notional, Math.max(s.makerFeeBps, s.takerFeeBps));
  }

  /** Moves the order's reservation to exactly what its leaves need now. */
  private syncReservation(o: ModelOrder): void {
    const s = this.symbol(o.symbol) as SymbolConfig;
    const needed = this.requiredFunds(s, o.side, o.price, o.leaves);
    const delta = needed - o.reserved;
    if (delta === 0) return;
    this.move(o.account, this.fundingAsset(o), -delta, delta);
    o.reserved = needed;
  }

  // ───────────────────────────── books ─────────────────────────────

  /** Resting orders of one side, best first: price (high bids, low asks), then time priority. */
  private bookSide(symbolId: number, side: number): ModelOrder[] {
    return this.orders
      .filter((o) => o.symbol === symbolId && o.side === side && o.status === 'resting')
      .sort((a, b) => (a.price !== b.price ? (side === Side.BUY ? b.price - a.price : a.price - b.price) : a.priority - b.priority));
  }

  private bestOpposite(symbolId: number, side: number): ModelOrder | undefined {
    return this.bookSide(symbolId, side === Side.BUY ? Side.SELL : Side.BUY)[0];
  }

  private acceptable(side: number, limit: number, price: number): boolean {
    return side === Side.BUY ? price <= limit : price >= limit;
  }

  private triggers(symbolId: number, side: number, stopPrice: number): boolean {
    const last = this.lastPrice.get(symbolId) ?? 0;
    if (last === 0) return false;
    return side === Side.BUY ? last >= stopPrice : last <= stopPrice;
  }

  private crosses(symbolId: number, side: number, price: number): boolean {
    const best = this.bestOpposite(symbolId, side);
    return best !== undefined && this.acceptable(side, price, best.price);
  }

  private rest(o: ModelOrder): void {
    o.status = 'resting';
    o.priority = ++this.priorityCounter;
    this.touchLevel(o);
  }

  /** Takes a done order out: off its level, reservation released, forgotten. */
  private retire(o: ModelOrder): void {
    if (o.status === 'resting') this.touchLevel(o);
    o.leaves = 0;
    this.syncReservation(o);
    this.orders = this.orders.filter((x) => x !== o);
  }

  private isLive(o: ModelOrder): boolean {
    return this.orders.includes(o);
  }

  private cancel(o: ModelOrder, reason: CancelReason): void {
    this.cancelledEvent(o, reason, o.leaves, 0);
    this.retire(o);
  }

  // ───────────────────────────── place ─────────────────────────────

  private validatePlace(c: Command): ResultCode {
    const s = this.symbol(c.symbolId);
    if (s === undefined) return ResultCode.UNKNOWN_SYMBOL;
    if (!this.accounts.has(c.accountId)) return ResultCode.UNKNOWN_ACCOUNT;
    if (c.accountId === FEE_ACCOUNT) return ResultCode.ACCOUNT_NOT_TRADING;
    if (c.side !== Side.BUY && c.side !== Side.SELL) return ResultCode.INVALID_SIDE;
    if (c.orderType < OrderType.LIMIT || c.orderType > OrderType.STOP_MARKET) return ResultCode.INVALID_ORDER_TYPE;
    if (c.tif < TimeInForce.GTC || c.tif > TimeInForce.GTD) return ResultCode.INVALID_TIME_IN_FORCE;
    if (c.orderType === OrderType.MARKET && (c.tif === TimeInForce.GTC || c.tif === TimeInForce.GTD)) return ResultCode.INVALID_TIME_IN_FORCE;
    if ((c.flags & ~FLAG_POST_ONLY) !== 0) return ResultCode.INVALID_FLAGS;
    const postOnly = (c.flags & FLAG_POST_ONLY) !== 0;
    if (postOnly && (c.orderType !== OrderType.LIMIT || c.tif === TimeInForce.IOC || c.tif === TimeInForce.FOK)) return ResultCode.INVALID_FLAGS;
    if (c.stp > StpMode.DECREMENT_AND_CANCEL) return ResultCode.INVALID_STP_MODE;
    if (!intIn(c.qty, 1, MAX_SAFE)) return ResultCode.INVALID_QUANTITY;
    if (c.qty < s.minQty) return ResultCode.QUANTITY_BELOW_MIN;
    if (c.qty > s.maxQty) return ResultCode.QUANTITY_ABOVE_MAX;
    const market = isMarketType(c.orderType);
    if (!(market && c.price === 0) && !intIn(c.price, 1, s.maxPrice)) return ResultCode.INVALID_PRICE;
    if (isStopType(c.orderType) ? !intIn(c.stopPrice, 1, s.maxPrice) : c.stopPrice !== 0) return ResultCode.INVALID_STOP_PRICE;
    if (c.tif === TimeInForce.GTD ? !intIn(c.expireAtUs, 1, MAX_SAFE) : c.expireAtUs !== 0) return ResultCode.INVALID_EXPIRY;
    if (![...c.clOrdId].every((ch) => ch >= '!' && ch <= '~')) return ResultCode.INVALID_CLIENT_ORDER_ID;
    if (this.accounts.get(c.accountId)?.blocked === true) return ResultCode.ACCOUNT_BLOCKED;
    if (this.isHalted(c.symbolId)) return this.tradingHalted ? ResultCode.TRADING_HALTED : ResultCode.SYMBOL_HALTED;
    if (c.tif === TimeInForce.GTD && c.expireAtUs <= this.nowUsValue) return ResultCode.EXPIRED_ON_ARRIVAL;
    if (c.clOrdId !== '' && this.clOrdIdTaken(c.accountId, c.clOrdId)) return ResultCode.DUPLICATE_CLIENT_ORDER_ID;
    if (this.orders.filter((o) => o.account === c.accountId).length >= this.config.maxOpenOrdersPerAccount) return ResultCode.MAX_OPEN_ORDERS;
    if (this.orders.length >= this.config.maxOrders) return ResultCode.ORDER_CAPACITY;
    if (postOnly && this.crosses(c.symbolId, c.side, c.price)) return ResultCode.POST_ONLY_WOULD_CROSS;
    return ResultCode.OK;
  }

  private clOrdIdTaken(accountId: number, clOrdId: string): boolean {
    const live = this.orders.some((o) => o.account === accountId && o.clOrdId === clOrdId);
    return live || this.clOrdIdWindow.includes(`${accountId}:${clOrdId}`);
  }

  /**
   * A market order's worst price (symbol configuration, marketProtectionBps): the one the client
   * gave; else the reference price (the best opposite order's, or a stop-market order's stop
   * price) moved against the taker by the band, kept within [1, maxPrice]; a band of 0 is no
   * bound, the whole price range. With no reference there is nothing to trade with: 0.
   */
  private protectionPrice(s: SymbolConfig, c: Command): number {
    if (c.price !== 0) return c.price;
    const reference = c.orderType === OrderType.STOP_MARKET ? c.stopPrice : this.bestOpposite(s.id, c.side)?.price;
    if (reference === undefined) return 0;
    const buying = c.side === Side.BUY;
    if (s.marketProtectionBps === 0) return buying ? s.maxPrice : 1;
    const worst = buying ? reference + feeOf(reference, s.marketProtectionBps) : reference - feeOf(reference, s.marketProtectionBps);
    return Math.min(s.maxPrice, Math.max(1, worst));
  }

  private place(c: Command): void {
    const code = this.validatePlace(c);
    if (code !== ResultCode.OK) return this.reject(code, c.accountId, c.symbolId, c.seq, c.side, c.price, c.qty);
    const s = this.symbol(c.symbolId) as SymbolConfig;
    const price = isMarketType(c.orderType) ? this.protectionPrice(s, c) : c.price;
    const required = this.requiredFunds(s, c.side, price, c.qty);
    const funding = c.side === Side.BUY ? s.quoteAssetId : s.baseAssetId;
    if (required > 0 && required > this.bal(c.accountId, funding).available) {
      return this.reject(ResultCode.INSUFFICIENT_FUNDS, c.accountId, c.symbolId, c.seq, c.side, c.price, c.qty);
    }
    const o: ModelOrder = {
      id: c.seq,
      account: c.accountId,
      symbol: c.symbolId,
      side: c.side,
      type: c.orderType,
      tif: c.tif,
      flags: c.flags,
      stp: c.stp,
      price,
      stopPrice: c.stopPrice,
      leaves: c.qty,
      filled: 0,
      reserved: 0,
      expireAtUs: c.expireAtUs,
      clOrdId: c.clOrdId,
      status: 'active',
      priority: 0,
    };
    this.orders.push(o);
    this.syncReservation(o);
    if (c.clOrdId !== '') this.rememberClOrdId(`${c.accountId}:${c.clOrdId}`);
    this.accepted(c.accountId, c.symbolId, c.seq, c.side, c.price, c.qty, c.stopPrice);
    if (isStopType(o.type)) {
      if (!this.triggers(o.symbol, o.side, o.stopPrice)) {
        o.status = 'stop';
        return;
      }
      this.stopTriggeredEvent(o);
    }
    this.activate(o);
    this.runStops(o.symbol);
  }

  private rememberClOrdId(key: string): void {
    if (this.clOrdIdWindow.length === this.config.clientOrderIdWindow) this.clOrdIdWindow.shift();
    this.clOrdIdWindow.push(key);
  }

  private stopTriggeredEvent(o: ModelOrder): void {
    this.event(EventType.STOP_TRIGGERED, {
      accountId: o.account,
      symbolId: o.symbol,
      orderId: o.id,
      side: o.side,
      price: this.lastPrice.get(o.symbol) ?? 0,
      qty: o.leaves,
      leavesQty: o.leaves,
    });
  }

  /** An order that may trade now: match, then rest, cancel the remainder, or finish filled. */
  private activate(o: ModelOrder): void {
    const market = isMarketType(o.type);
    if (market && o.price === 0) return this.cancel(o, CancelReason.UNFILLED);
    if (o.tif === TimeInForce.FOK && !this.canFillCompletely(o)) return this.cancel(o, CancelReason.UNFILLED);
    this.match(o);
    if (!this.isLive(o)) return;
    if (o.leaves === 0) return this.retire(o);
    if (market || o.tif === TimeInForce.IOC || o.tif === TimeInForce.FOK) return this.cancel(o, CancelReason.UNFILLED);
    this.rest(o);
  }

  /**
   * FOK, checked the slow and obvious way: run the match on the real state, note whether the
   * taker came out completely filled, and put everything back as it was. Whatever matching
   * would do on the way (trade, or let self-trade prevention cancel or reduce an order) is what
   * decides, so the check cannot disagree with the match it stands for.
   */
  private canFillCompletely(o: ModelOrder): boolean {
    const saved = this.saveState();
    const wanted = o.leaves;
    const filledBefore = o.filled;
    this.match(o);
    const complete = this.isLive(o) && o.filled - filledBefore === wanted;
    this.restoreState(saved);
    return complete;
  }

  private saveState(): SavedState {
    return {
      orders: this.orders.map((ref) => ({ ref, copy: { ...ref } })),
      balances: new Map([...this.balances].map(([key, b]) => [key, { ...b }])),
      lastPrice: new Map(this.lastPrice),
      priorityCounter: this.priorityCounter,
      events: [...this.events],
      touchedBalances: [...this.touchedBalances],
      touchedLevels: [...this.touchedLevels],
    };
  }

  /** Puts back a saved state; orders keep their identity, because callers hold them. */
  private restoreState(s: SavedState): void {
    this.orders = s.orders.map(({ ref, copy }) => Object.assign(ref, copy));
    this.balances = s.balances;
    this.lastPrice = s.lastPrice;
    this.priorityCounter = s.priorityCounter;
    this.events = s.events;
    this.touchedBalances = s.touchedBalances;
    this.touchedLevels = s.touchedLevels;
  }

  /**
   * Walks the opposite side best first (a copy taken once: matching only ever removes or
   * shrinks resting orders, which leaves the others' order unchanged) while the taker has
   * quantity left and the maker's price is within its limit.
   */
  private match(taker: ModelOrder): void {
    const makers = this.bookSide(taker.symbol, taker.side === Side.BUY ? Side.SELL : Side.BUY);
    for (const maker of makers) {
      if (taker.leaves === 0 || !this.isLive(taker)) return;
      if (!this.acceptable(taker.side, taker.price, maker.price)) return;
      if (!this.isLive(maker)) continue;
      const selfTrade = maker.account === taker.account && taker.stp !== StpMode.NONE;
      if (!selfTrade) {
        this.fill(taker, maker);
        continue;
      }
      for (const cut of selfTradeCuts(taker.stp, taker, maker)) this.takeOff(cut.order, cut.qty);
    }
  }

  /** Takes `qty` off an order for self-trade prevention: all of it cancels the order. */
  private takeOff(o: ModelOrder, qty: number): void {
    if (!(qty > 0 && qty <= o.leaves)) throw new Error(`model: self-trade cut of ${qty} from ${o.leaves}`);
    if (qty === o.leaves) {
      this.cancel(o, CancelReason.SELF_TRADE);
      return;
    }
    if (o.status === 'resting') this.touchLevel(o);
    o.leaves -= qty;
    this.syncReservation(o);
    this.cancelledEvent(o, CancelReason.SELF_TRADE, qty, o.leaves);
  }

  private fill(taker: ModelOrder, maker: ModelOrder): void {
    const s = this.symbol(taker.symbol) as SymbolConfig;
    const qty = Math.min(taker.leaves, maker.leaves);
    const price = maker.price;
    taker.leaves -= qty;
    taker.filled += qty;
    maker.leaves -= qty;
    maker.filled += qty;
    this.touchLevel(maker);
    const notional = price * qty * s.quoteTickUnits;
    const takerFee = feeOf(notional, s.takerFeeBps);
    const makerFee = feeOf(notional, s.makerFeeBps);
    const buyer = taker.side === Side.BUY ? taker : maker;
    const seller = taker.side === Side.BUY ? maker : taker;
    const buyerFee = buyer === taker ? takerFee : makerFee;
    const sellerFee = seller === taker ? takerFee : makerFee;
    const base = qty * s.baseLotUnits;
    // The buyer pays notional + fee from its reservation and receives base; the seller delivers
    // base from its reservation and receives notional - fee; the fee account gets both fees.
    buyer.reserved -= notional + buyerFee;
    this.move(buyer.account, s.quoteAssetId, 0, -(notional + buyerFee));
    this.move(buyer.account, s.baseAssetId, base, 0);
    seller.reserved -= base;
    this.move(seller.account, s.baseAssetId, 0, -base);
    this.move(seller.account, s.quoteAssetId, notional - sellerFee, 0);
    if (takerFee + makerFee > 0) this.move(FEE_ACCOUNT, s.quoteAssetId, takerFee + makerFee, 0);
    this.syncReservation(buyer);
    this.syncReservation(seller);
    this.lastPrice.set(s.id, price);
    this.event(EventType.TRADE, {
      side: taker.side,
      accountId: taker.account,
      symbolId: s.id,
      orderId: taker.id,
      price,
      qty,
      leavesQty: taker.leaves,
      cumQty: taker.filled,
      makerOrderId: maker.id,
      makerAccountId: maker.account,
      makerLeavesQty: maker.leaves,
      makerCumQty: maker.filled,
      takerFee,
      makerFee,
      flags: taker.account === maker.account ? 1 : 0,
    });
    if (maker.leaves === 0) this.retire(maker);
  }

  /** Triggered stops of one symbol, earliest order id first, until none is triggered. */
  private runStops(symbolId: number): void {
    for (;;) {
      if (this.isHalted(symbolId)) return;
      const triggered = this.orders
        .filter((o) => o.symbol === symbolId && o.status === 'stop' && this.triggers(symbolId, o.side, o.stopPrice))
        .sort((a, b) => a.id - b.id);
      const o = triggered[0];
      if (o === undefined) return;
      o.status = 'active';
      this.stopTriggeredEvent(o);
      this.activate(o);
    }
  }

  /** GTD orders due at the current time, by (expiry, order id). */
  private expireDue(): void {
    for (;;) {
      const due = this.orders
        .filter((o) => o.tif === TimeInForce.GTD && o.expireAtUs <= this.nowUsValue)
        .sort((a, b) => a.expireAtUs - b.expireAtUs || a.id - b.id);
      const o = due[0];
      if (o === undefined) return;
      this.cancel(o, CancelReason.EXPIRED);
    }
  }

  // ───────────────────────────── cancel, amend, mass cancel ─────────────────────────────

  private ownedOrder(accountId: number, orderId: number): ModelOrder | undefined {
    return this.orders.find((o) => o.id === orderId && o.account === accountId);
  }

  private cancelCommand(c: Command): void {
    if (!this.accounts.has(c.accountId)) return this.reject(ResultCode.UNKNOWN_ACCOUNT, c.accountId, c.symbolId, c.targetId, 0, 0, 0);
    const o = this.ownedOrder(c.accountId, c.targetId);
    if (o === undefined) return this.reject(ResultCode.UNKNOWN_ORDER, c.accountId, c.symbolId, c.targetId, 0, 0, 0);
    this.accepted(c.accountId, o.symbol, o.id, o.side, 0, 0, 0);
    this.cancel(o, CancelReason.USER);
  }

  private validateAmend(c: Command, o: ModelOrder | undefined): ResultCode {
    if (!this.accounts.has(c.accountId)) return ResultCode.UNKNOWN_ACCOUNT;
    if (o === undefined) return ResultCode.UNKNOWN_ORDER;
    const s = this.symbol(o.symbol) as SymbolConfig;
    if (this.accounts.get(c.accountId)?.blocked === true) return ResultCode.ACCOUNT_BLOCKED;
    if (this.isHalted(o.symbol)) return this.tradingHalted ? ResultCode.TRADING_HALTED : ResultCode.SYMBOL_HALTED;
    if (c.price !== 0 && !intIn(c.price, 1, s.maxPrice)) return ResultCode.INVALID_PRICE;
    if (c.qty !== 0 && !intIn(c.qty, 1, MAX_SAFE)) return ResultCode.INVALID_QUANTITY;
    if (c.qty !== 0 && c.qty < s.minQty) return ResultCode.QUANTITY_BELOW_MIN;
    if (c.qty > s.maxQty) return ResultCode.QUANTITY_ABOVE_MAX;
    if (c.stopPrice !== 0 && (o.status !== 'stop' || !intIn(c.stopPrice, 1, s.maxPrice))) return ResultCode.INVALID_STOP_PRICE;
    const price = c.price !== 0 ? c.price : o.price;
    const total = c.qty !== 0 ? c.qty : o.filled + o.leaves;
    const stopPrice = c.stopPrice !== 0 ? c.stopPrice : o.stopPrice;
    if (total <= o.filled) return ResultCode.AMEND_QUANTITY_TOO_LOW;
    if (price === o.price && total === o.filled + o.leaves && stopPrice === o.stopPrice) return ResultCode.AMEND_NO_CHANGE;
    if (o.status !== 'stop' && (o.flags & FLAG_POST_ONLY) !== 0 && this.crosses(o.symbol, o.side, price)) return ResultCode.POST_ONLY_WOULD_CROSS;
    const extra = this.requiredFunds(s, o.side, price, total - o.filled) - o.reserved;
    if (extra > 0 && extra > this.bal(o.account, this.fundingAsset(o)).available) return ResultCode.INSUFFICIENT_FUNDS;
    return ResultCode.OK;
  }

  private amend(c: Command): void {
    const o = this.accounts.has(c.accountId) ? this.ownedOrder(c.accountId, c.targetId) : undefined;
    const code = this.validateAmend(c, o);
    if (code !== ResultCode.OK || o === undefined) return this.reject(code, c.accountId, c.symbolId, c.targetId, 0, c.price, c.qty);
    this.accepted(c.accountId, o.symbol, o.id, o.side, c.price, c.qty, c.stopPrice);
    const price = c.price !== 0 ? c.price : o.price;
    const leaves = (c.qty !== 0 ? c.qty : o.filled + o.leaves) - o.filled;
    if (o.status === 'stop') {
      // A pending stop has no place in a queue: it is simply changed.
      o.price = price;
      o.leaves = leaves;
      if (c.stopPrice !== 0) o.stopPrice = c.stopPrice;
      this.syncReservation(o);
      this.amendedEvent(o, true);
    } else if (price === o.price && leaves <= o.leaves) {
      // Quantity down at the same price keeps time priority.
      this.touchLevel(o);
      o.leaves = leaves;
      this.syncReservation(o);
      this.amendedEvent(o, true);
    } else {
      // A price change or a quantity increase: leave the queue, maybe trade, rest at the tail.
      this.touchLevel(o);
      o.status = 'active';
      o.price = price;
      o.leaves = leaves;
      this.syncReservation(o);
      this.amendedEvent(o, false);
      this.match(o);
      if (this.isLive(o)) {
        if (o.leaves === 0) this.retire(o);
        else this.rest(o);
      }
    }
    this.runStops(o.symbol);
  }

  private massCancel(c: Command): void {
    const reason = c.reason;
    if (reason !== CancelReason.USER && reason !== CancelReason.DISCONNECT && reason !== CancelReason.KILL_SWITCH) {
      return this.reject(ResultCode.INVALID_CANCEL_REASON, c.accountId, c.symbolId, 0, 0, 0, 0);
    }
    if (c.accountId !== 0 && !this.accounts.has(c.accountId)) return this.reject(ResultCode.UNKNOWN_ACCOUNT, c.accountId, c.symbolId, 0, 0, 0, 0);
    if (c.symbolId !== 0 && this.symbol(c.symbolId) === undefined) return this.reject(ResultCode.UNKNOWN_SYMBOL, c.accountId, c.symbolId, 0, 0, 0, 0);
    this.accepted(c.accountId, c.symbolId, 0, 0, 0, 0, 0);
    // One account's orders in order id order; every account in account id order.
    const victims = this.orders
      .filter((o) => (c.accountId === 0 || o.account === c.accountId) && (c.symbolId === 0 || o.symbol === c.symbolId))
      .sort((a, b) => a.account - b.account || a.id - b.id);
    for (const o of victims) this.cancel(o, reason);
  }

  // ───────────────────────────── money and administration ─────────────────────────────

  private transfer(c: Command, deposit: boolean): void {
    const assetId = c.symbolId;
    const amount = c.qty;
    const transferId = c.targetId;
    const code = ((): ResultCode => {
      if (!this.accounts.has(c.accountId)) return ResultCode.UNKNOWN_ACCOUNT;
      if (!this.config.assets.some((a) => a.id === assetId)) return ResultCode.UNKNOWN_ASSET;
      if (!intIn(amount, 1, MAX_SAFE)) return ResultCode.INVALID_AMOUNT;
      if (!intIn(transferId, 1, MAX_SAFE)) return ResultCode.INVALID_TRANSFER_ID;
      if (this.transferWindow.includes(transferId)) return ResultCode.TRANSFER_ALREADY_APPLIED;
      if (transferId <= this.transferWatermark) return ResultCode.TRANSFER_ID_TOO_OLD;
      if (deposit && !Number.isSafeInteger((this.supply.get(assetId) ?? 0) + amount)) return ResultCode.SUPPLY_OVERFLOW;
      if (!deposit && this.bal(c.accountId, assetId).available < amount) return ResultCode.INSUFFICIENT_FUNDS;
      return ResultCode.OK;
    })();
    if (code !== ResultCode.OK) return this.reject(code, c.accountId, assetId, transferId, 0, 0, amount);
    if (this.transferWindow.length === this.config.transferIdWindow) {
      const evicted = this.transferWindow.shift() as number;
      this.transferWatermark = Math.max(this.transferWatermark, evicted);
    }
    this.transferWindow.push(transferId);
    this.accepted(c.accountId, assetId, transferId, 0, 0, amount, 0);
    const signed = deposit ? amount : -amount;
    this.move(c.accountId, assetId, signed, 0);
    this.supply.set(assetId, (this.supply.get(assetId) ?? 0) + signed);
  }

  private halt(symbolId: number, halt: boolean): void {
    if (this.symbol(symbolId) === undefined) return this.reject(ResultCode.UNKNOWN_SYMBOL, 0, symbolId, 0, 0, 0, 0);
    if (this.halted.has(symbolId) === halt) {
      return this.reject(halt ? ResultCode.SYMBOL_ALREADY_HALTED : ResultCode.SYMBOL_NOT_HALTED, 0, symbolId, 0, 0, 0, 0);
    }
    if (halt) this.halted.add(symbolId);
    else this.halted.delete(symbolId);
    this.accepted(0, symbolId, 0, 0, 0, 0, 0);
    if (!halt) this.runStops(symbolId);
  }

  private createAccount(c: Command): void {
    const accountId = c.accountId;
    if (accountId < 1 || accountId > this.config.maxAccounts) return this.reject(ResultCode.INVALID_ACCOUNT_ID, accountId, 0, 0, 0, 0, 0);
    if (this.accounts.has(accountId)) return this.reject(ResultCode.ACCOUNT_EXISTS, accountId, 0, 0, 0, 0, 0);
    this.accounts.set(accountId, { blocked: false });
    // Created with its first key when the command brings one.
    const keyId = c.keyMaterial.length > 0 ? this.giveKey(accountId) : 0;
    this.accepted(accountId, 0, keyId, 0, 0, 0, 0);
  }

  /** Numbers the account's next key: 1, 2, …, never reused. */
  private giveKey(accountId: number): number {
    const keys = this.keys.get(accountId) ?? { given: 0, live: new Set<number>() };
    this.keys.set(accountId, keys);
    keys.given += 1;
    keys.live.add(keys.given);
    return keys.given;
  }

  private addKey(c: Command): void {
    const accountId = c.accountId;
    if (accountId === FEE_ACCOUNT || !this.accounts.has(accountId)) return this.reject(ResultCode.UNKNOWN_ACCOUNT, accountId, 0, 0, 0, 0, 0);
    if (c.keyMaterial.length === 0) return this.reject(ResultCode.INVALID_API_KEY, accountId, 0, 0, 0, 0, 0);
    if ((this.keys.get(accountId)?.live.size ?? 0) >= KEYS_PER_ACCOUNT_MAX) return this.reject(ResultCode.API_KEY_LIMIT, accountId, 0, 0, 0, 0, 0);
    this.accepted(accountId, 0, this.giveKey(accountId), 0, 0, 0, 0);
  }

  private revokeKey(c: Command): void {
    const accountId = c.accountId;
    if (accountId === FEE_ACCOUNT || !this.accounts.has(accountId)) return this.reject(ResultCode.UNKNOWN_ACCOUNT, accountId, 0, c.targetId, 0, 0, 0);
    if (this.keys.get(accountId)?.live.delete(c.targetId) !== true) return this.reject(ResultCode.UNKNOWN_API_KEY, accountId, 0, c.targetId, 0, 0, 0);
    this.accepted(accountId, 0, c.targetId, 0, 0, 0, 0);
  }

  /** The kill switch for everything: every order cancelled (by account, then id), every symbol refusing orders. */
  private haltTrading(halt: boolean): void {
    if (this.tradingHalted === halt) return this.reject(halt ? ResultCode.TRADING_ALREADY_HALTED : ResultCode.TRADING_NOT_HALTED, 0, 0, 0, 0, 0, 0);
    this.tradingHalted = halt;
    this.accepted(0, 0, 0, 0, 0, 0, 0);
    if (halt) {
      for (const o of [...this.orders].sort((a, b) => a.account - b.account || a.id - b.id)) this.cancel(o, CancelReason.KILL_SWITCH);
      return;
    }
    for (const s of [...this.config.symbols].sort((a, b) => a.id - b.id)) this.runStops(s.id);
  }

  /** Halted for itself or with all trading. */
  private isHalted(symbolId: number): boolean {
    return this.tradingHalted || this.halted.has(symbolId);
  }

  private block(accountId: number, block: boolean): void {
    const account = this.accounts.get(accountId);
    if (account === undefined || accountId === FEE_ACCOUNT) return this.reject(ResultCode.UNKNOWN_ACCOUNT, accountId, 0, 0, 0, 0, 0);
    if (account.blocked === block) {
      return this.reject(block ? ResultCode.ACCOUNT_ALREADY_BLOCKED : ResultCode.ACCOUNT_NOT_BLOCKED, accountId, 0, 0, 0, 0, 0);
    }
    account.blocked = block;
    this.accepted(accountId, 0, 0, 0, 0, 0, 0);
    if (block) {
      for (const o of this.orders.filter((x) => x.account === accountId).sort((a, b) => a.id - b.id)) this.cancel(o, CancelReason.KILL_SWITCH);
    }
  }
}
