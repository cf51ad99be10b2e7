import { CommandType, Side } from '../engine/command-layout.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import { formatUnits } from '../protocol/decimal.js';
import type { MarketView } from './pre-trade-risk.js';
import type { SymbolWire, WireConfig } from '../protocol/wire-config.js';
import type { BboMessage, BookDeltaMessage, BookSnapshotMessage, MarketDataMessage, TradeMessage, WireChannel, WireLevel } from '../protocol/wire-schema.js';

/**
 * The gateway's view of public market data, built from the core's events (design §7):
 *
 *   BOOK_LEVEL ──▶ L2 book per symbol (absolute level values) ──▶ book_delta, bbo
 *   TRADE      ──▶ last trade price                            ──▶ trade
 *   ACCEPTED of SYMBOL_HALT / SYMBOL_RESUME ──▶ trading flag
 *
 * Events are applied one by one; `flush` (after each batch of events drained from the output
 * ring) turns what changed into channel messages. Every channel of every symbol numbers its
 * messages 1, 2, 3, ... without gaps, so a client that sees seq n+2 after n knows it missed one
 * and resubscribes. A book snapshot carries the seq of the last delta it includes; the next
 * delta is snapshot.seq + 1.
 *
 * It is also the MarketView that pre-trade risk reads: reference price = last trade, else mid.
 */
export interface ChannelMessage {
  readonly channel: WireChannel;
  readonly symbolId: number;
  readonly message: MarketDataMessage;
}

export interface MarketDataOptions {
  /** Levels per side of one book; more means the configuration and the core disagree. */
  levelsPerSideMax: number;
  /** Trades held between two flushes: a bound on one batch of events. */
  pendingTradesMax: number;
}

export const MARKET_DATA_OPTIONS_DEFAULT: MarketDataOptions = { levelsPerSideMax: 1_000_000, pendingTradesMax: 1_000_000 };

interface Level {
  qty: number;
  count: number;
}

class BookSide {
  /** Prices, best first: descending for bids, ascending for asks. */
  readonly prices: number[] = [];
  readonly levels = new Map<number, Level>();
  /** Levels changed since the last flush, with their latest absolute values. */
  readonly changed = new Map<number, Level>();

  constructor(
    private readonly descending: boolean,
    private readonly levelsMax: number,
  ) {}

  /** Index of the first price not better than `price` (binary search over the best-first order). */
  private lowerBound(price: number): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.prices[mid] as number;
      if (this.descending ? p > price : p < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(price: number, qty: number, count: number): void {
    if (!(Number.isSafeInteger(price) && price > 0 && Number.isSafeInteger(qty) && qty >= 0 && Number.isSafeInteger(count) && count >= 0)) {
      throw new Error(`book level ${price} ${qty} ${count}`);
    }
    if ((qty === 0) !== (count === 0)) throw new Error(`book level ${price}: qty ${qty} with ${count} orders`);
    this.changed.set(price, { qty, count });
    const existing = this.levels.get(price);
    if (qty === 0) {
      if (existing === undefined) return;
      this.levels.delete(price);
      const at = this.lowerBound(price);
      if (this.prices[at] !== price) throw new Error(`book side lost price ${price}`);
      this.prices.splice(at, 1);
      return;
    }
    if (existing !== undefined) {
      existing.qty = qty;
      existing.count = count;
      return;
    }
    if (this.prices.length >= this.levelsMax) throw new Error(`book side above ${this.levelsMax} levels`);
    this.levels.set(price, { qty, count });
    this.prices.splice(this.lowerBound(price), 0, price);
  }

  best(): number {
    return this.prices[0] ?? 0;
  }
}

class SymbolMarket {
  readonly bids: BookSide;
  readonly asks: BookSide;
  trading = true;
  lastTradePrice = 0;
  bookSeq = 0;
  tradesSeq = 0;
  bboSeq = 0;
  /** The empty book's key: nothing to publish until the book first has a side. */
  lastBbo = '0:0:0:0';
  readonly pendingTrades: Array<{ price: number; qty: number; takerSide: number; timestampUs: number }> = [];

  constructor(
    readonly wire: SymbolWire,
    levelsMax: number,
  ) {
    this.bids = new BookSide(true, levelsMax);
    this.asks = new BookSide(false, levelsMax);
  }
}

export class MarketData implements MarketView {
  private readonly markets: SymbolMarket[];

  constructor(
    wire: WireConfig,
    private readonly options: MarketDataOptions = MARKET_DATA_OPTIONS_DEFAULT,
  ) {
    this.markets = wire.symbols.map((s) => new SymbolMarket(s, options.levelsPerSideMax));
  }

  private market(symbolId: number): SymbolMarket {
    const m = this.markets[symbolId - 1];
    if (m === undefined) throw new Error(`market data for unknown symbol ${symbolId}`);
    return m;
  }

  /** Applies one core event (events of other kinds pass through untouched). */
  apply(ev: DecodedEvent): void {
    switch (ev.type) {
      case EventType.BOOK_LEVEL: {
        const m = this.market(ev.symbolId);
        (ev.side === Side.BUY ? m.bids : m.asks).set(ev.price, ev.qty, ev.leavesQty);
        return;
      }
      case EventType.TRADE: {
        const m = this.market(ev.symbolId);
        m.lastTradePrice = ev.price;
        if (m.pendingTrades.length >= this.options.pendingTradesMax) throw new Error(`more than ${this.options.pendingTradesMax} trades between flushes`);
        m.pendingTrades.push({ price: ev.price, qty: ev.qty, takerSide: ev.side, timestampUs: ev.timestampUs });
        return;
      }
      case EventType.ACCEPTED:
        if (ev.commandType === CommandType.SYMBOL_HALT) this.market(ev.symbolId).trading = false;
        if (ev.commandType === CommandType.SYMBOL_RESUME) this.market(ev.symbolId).trading = true;
        return;
      case EventType.REJECTED:
      case EventType.CANCELLED:
      case EventType.AMENDED:
      case EventType.STOP_TRIGGERED:
      case EventType.BALANCE:
        return;
      default: {
        const unknownType: never = ev.type;
        throw new Error(`unknown event type ${String(unknownType)}`);
      }
    }
  }

  /** Appends the messages for everything applied since the last flush, numbering each channel. */
  flush(out: ChannelMessage[]): void {
    for (const m of this.markets) {
      const symbolId = m.wire.id;
      if (m.bids.changed.size > 0 || m.asks.changed.size > 0) {
        const delta: BookDeltaMessage = { type: 'book_delta', symbol: m.wire.name, seq: ++m.bookSeq, bids: changedLevels(m, m.bids), asks: changedLevels(m, m.asks) };
        out.push({ channel: 'book', symbolId, message: delta });
      }
      for (const t of m.pendingTrades) {
        const trade: TradeMessage = {
          type: 'trade',
          symbol: m.wire.name,
          seq: ++m.tradesSeq,
          price: formatUnits(t.price, m.wire.tick),
          qty: formatUnits(t.qty, m.wire.lot),
          takerSide: t.takerSide === Side.BUY ? 'buy' : 'sell',
          timestampUs: t.timestampUs,
        };
        out.push({ channel: 'trades', symbolId, message: trade });
      }
      m.pendingTrades.length = 0;
      const bboKey = `${m.bids.best()}:${levelQty(m.bids)}:${m.asks.best()}:${levelQty(m.asks)}`;
      if (bboKey !== m.lastBbo) {
        m.lastBbo = bboKey;
        m.bboSeq++;
        out.push({ channel: 'bbo', symbolId, message: this.bbo(m) });
      }
    }
  }

  /** Whether events were applied that the next flush will publish. */
  get hasPending(): boolean {
    return this.markets.some((m) => m.bids.changed.size > 0 || m.asks.changed.size > 0 || m.pendingTrades.length > 0);
  }

  /** The whole book as of the last flush, numbered with the book channel's current seq. */
  bookSnapshot(symbolId: number): BookSnapshotMessage {
    const m = this.market(symbolId);
    if (m.bids.changed.size > 0 || m.asks.changed.size > 0) throw new Error(`book snapshot of ${m.wire.name} with unflushed changes`);
    return { type: 'book_snapshot', symbol: m.wire.name, seq: m.bookSeq, bids: allLevels(m, m.bids), asks: allLevels(m, m.asks) };
  }

  /** The best bid and offer as of the last flush (sent on a bbo subscription as its snapshot). */
  bboSnapshot(symbolId: number): BboMessage {
    return this.bbo(this.market(symbolId));
  }

  /** The seq of the last message of a channel: the `subscribed` reply carries it. */
  channelSeq(channel: WireChannel, symbolId: number): number {
    const m = this.market(symbolId);
    switch (channel) {
      case 'book':
        return m.bookSeq;
      case 'trades':
        return m.tradesSeq;
      case 'bbo':
        return m.bboSeq;
      default: {
        const unknownChannel: never = channel;
        throw new Error(`unknown channel ${String(unknownChannel)}`);
      }
    }
  }

  referencePriceTicks(symbolId: number): number {
    const m = this.market(symbolId);
    if (m.lastTradePrice !== 0) return m.lastTradePrice;
    const bid = m.bids.best();
    const ask = m.asks.best();
    // Integer mid, rounded down: a reference for a band, not a price anyone trades at.
    return bid !== 0 && ask !== 0 ? Math.floor((bid + ask) / 2) : 0;
  }

  isTrading(symbolId: number): boolean {
    return this.market(symbolId).trading;
  }

  private bbo(m: SymbolMarket): BboMessage {
    const bid = m.bids.best();
    const ask = m.asks.best();
    return {
      type: 'bbo',
      symbol: m.wire.name,
      seq: m.bboSeq,
      bidPrice: bid === 0 ? null : formatUnits(bid, m.wire.tick),
      bidQty: bid === 0 ? null : formatUnits(levelQty(m.bids), m.wire.lot),
      askPrice: ask === 0 ? null : formatUnits(ask, m.wire.tick),
      askQty: ask === 0 ? null : formatUnits(levelQty(m.asks), m.wire.lot),
    };
  }
}

function levelQty(side: BookSide): number {
  return side.levels.get(side.best())?.qty ?? 0;
}

function wireLevel(m: SymbolMarket, price: number, level: Level): WireLevel {
  return [formatUnits(price, m.wire.tick), formatUnits(level.qty, m.wire.lot), level.count];
}

/** The changed levels of a side, best first, and the change set cleared. */
function changedLevels(m: SymbolMarket, side: BookSide): WireLevel[] {
  const prices = [...side.changed.keys()].sort(side === m.bids ? (a, b) => b - a : (a, b) => a - b);
  const levels = prices.map((p) => wireLevel(m, p, side.changed.get(p) as Level));
  side.changed.clear();
  return levels;
}

function allLevels(m: SymbolMarket, side: BookSide): WireLevel[] {
  return side.prices.map((p) => wireLevel(m, p, side.levels.get(p) as Level));
}
