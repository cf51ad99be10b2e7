import type { SymbolsReply, WireSymbol } from '../protocol/wire-schema.js';
import { depthChart, priceChart } from './charts.js';
import { byId, clockOf, frameScheduler, row } from './dom.js';
import { renderLadder, spreadOf } from './ladder-view.js';
import type { MarketFeed } from './market-feed.js';
import type { WireLink } from './wire-session.js';

/**
 * The market panel: symbol picker and status, best bid and offer, spread and last price, the
 * ladder, the depth chart, the price chart and the trades tape. Drawing is coalesced to at most
 * one per MARKET_DRAW_MS, however many messages arrive in between; the symbol list (and so the
 * status) is asked again every SYMBOLS_REFRESH_MS.
 */
export const SYMBOLS_REFRESH_MS = 3_000;
/** The book, the tape and the header are drawn at most this often. */
export const MARKET_DRAW_MS = 100;
const TAPE_ROWS = 30;

export class MarketView {
  private symbols: WireSymbol[] = [];
  private readonly picker = byId<HTMLSelectElement>('symbol');
  private readonly drawDepth = depthChart(byId('depth-chart'));
  private readonly drawPrices = priceChart(byId('price-chart'));
  private readonly scheduleBook = frameScheduler(() => this.renderBook(), MARKET_DRAW_MS);
  private readonly scheduleTrades = frameScheduler(() => this.renderTrades(), MARKET_DRAW_MS * 2);
  private readonly scheduleTop = frameScheduler(() => this.renderTop(), MARKET_DRAW_MS);

  constructor(
    private readonly link: WireLink,
    private readonly feed: MarketFeed,
  ) {
    this.picker.addEventListener('change', () => void this.feed.select(this.picker.value));
    feed.onChange((change) => {
      // The header is drawn with the book, so the two never show different bests.
      if (change === 'book' || change === 'symbol') this.scheduleBook();
      else this.scheduleTop();
      if (change === 'trades' || change === 'symbol') this.scheduleTrades();
    });
    link.onOpen(() => void this.loadSymbols());
    window.setInterval(() => void this.loadSymbols(), SYMBOLS_REFRESH_MS);
  }

  get symbolInfo(): WireSymbol | undefined {
    return this.symbols.find((s) => s.symbol === this.feed.symbol);
  }

  private async loadSymbols(): Promise<void> {
    if (!this.link.connected) return;
    let reply: SymbolsReply;
    try {
      reply = await this.link.request<SymbolsReply>({ type: 'symbols' });
    } catch {
      return; // the connection went; the next open asks again
    }
    const names = reply.symbols.map((s) => s.symbol).join(',');
    if (names !== this.symbols.map((s) => s.symbol).join(',')) {
      this.picker.replaceChildren(...reply.symbols.map((s) => new Option(s.symbol, s.symbol)));
    }
    this.symbols = reply.symbols;
    const wanted = this.feed.symbol ?? reply.symbols[0]?.symbol;
    if (wanted !== undefined) {
      this.picker.value = wanted;
      await this.feed.select(wanted);
    }
    this.scheduleTop();
  }

  private renderBook(): void {
    const book = this.feed.book;
    renderLadder(byId('ladder'), book);
    this.renderTop();
    this.drawDepth(book?.valid === true ? book.bids() : [], book?.valid === true ? book.asks() : []);
  }

  private renderTrades(): void {
    const trades = this.feed.trades;
    byId('trades').replaceChildren(...trades.slice(0, TAPE_ROWS).map((t) => row([clockOf(t.timestampUs), t.price, t.qty, t.takerSide], [null, t.takerSide, null, t.takerSide])));
    this.drawPrices(trades);
  }

  private renderTop(): void {
    const info = this.symbolInfo;
    const status = byId('symbol-status');
    status.textContent = info?.status ?? '…';
    status.className = `badge ${info?.status === 'trading' ? 'ok' : info?.status === 'halted' ? 'bad' : ''}`;
    // The book's own best levels while it is valid: the bbo channel's messages come in frames of
    // their own and may land a frame after the delta. The bbo channel covers a book in resync.
    const book = this.feed.book;
    const bbo = this.feed.bbo;
    const fromBook = book?.valid === true;
    const bestBid = fromBook ? book.bestBid() : undefined;
    const bestAsk = fromBook ? book.bestAsk() : undefined;
    const bid = fromBook ? (bestBid?.[0] ?? null) : (bbo?.bidPrice ?? null);
    const ask = fromBook ? (bestAsk?.[0] ?? null) : (bbo?.askPrice ?? null);
    const bidQty = fromBook ? bestBid?.[1] : bbo?.bidQty;
    const askQty = fromBook ? bestAsk?.[1] : bbo?.askQty;
    byId('bbo-bid').textContent = bid === null ? '—' : `${bid} × ${bidQty ?? ''}`;
    byId('bbo-ask').textContent = ask === null ? '—' : `${ask} × ${askQty ?? ''}`;
    byId('bbo-spread').textContent = bid !== null && ask !== null ? spreadOf(bid, ask) : '—';
    const last = this.feed.trades[0]?.price;
    byId('last-price').textContent = last ?? (info?.referencePrice === undefined ? '—' : `${info.referencePrice} (ref)`);
  }
}
