import { ClientBook } from '../client/client-book.js';
import type { BboMessage, SubscribedReply, TradeMessage, WireChannel } from '../protocol/wire-schema.js';
import type { WireLink } from './wire-session.js';

/**
 * The market data of the symbol on screen, kept from the public channels (docs/protocol.md
 * "Market data"):
 *
 *   book    snapshot + deltas in a ClientBook (client/client-book.ts)
 *   trades  the newest TRADES_KEPT trades, newest first
 *   bbo     best bid and offer
 *
 * Every channel numbers its messages without gaps; a message whose seq is not the last one + 1
 * means data was missed, and the channel is unsubscribed and subscribed again (for `book`, a
 * fresh snapshot). Switching symbols unsubscribes the old one's channels. After a reconnect,
 * or an `md_dropped` (the page did not keep up), the channels are subscribed again.
 */
export const TRADES_KEPT = 200;
const CHANNELS: readonly WireChannel[] = ['book', 'trades', 'bbo'];

export type FeedChange = 'book' | 'trades' | 'bbo' | 'symbol';

export class MarketFeed {
  private symbolNow: string | null = null;
  private bookNow: ClientBook | null = null;
  private readonly tradeList: TradeMessage[] = [];
  private bboNow: BboMessage | null = null;
  private tradeSeq: number | null = null;
  private bboSeq: number | null = null;
  /** Channels resubscribed after a gap, since the page loaded. */
  gaps = 0;
  private readonly listeners: Array<(change: FeedChange) => void> = [];
  private readonly failures: Array<(why: string) => void> = [];

  constructor(private readonly link: WireLink) {
    link.on('book_snapshot', (m) => {
      if (m.symbol !== this.symbolNow || this.bookNow === null) return;
      this.bookNow.applySnapshot(m);
      this.emit('book');
    });
    link.on('book_delta', (m) => {
      if (m.symbol !== this.symbolNow || this.bookNow === null) return;
      const result = this.bookNow.applyDelta(m);
      if (result === 'applied') this.emit('book');
      else if (result === 'gap') {
        this.emit('book');
        this.resubscribe('book');
      }
    });
    link.on('trade', (m) => {
      if (m.symbol !== this.symbolNow || this.tradeSeq === null) return;
      if (m.seq <= this.tradeSeq) return;
      if (m.seq !== this.tradeSeq + 1) return this.resubscribe('trades');
      this.tradeSeq = m.seq;
      this.tradeList.unshift(m);
      if (this.tradeList.length > TRADES_KEPT) this.tradeList.length = TRADES_KEPT;
      this.emit('trades');
    });
    link.on('bbo', (m) => {
      if (m.symbol !== this.symbolNow) return;
      // The first bbo after the subscription is its snapshot, at the channel's seq.
      if (this.bboSeq !== null && m.seq <= this.bboSeq) return;
      if (this.bboSeq !== null && this.bboNow !== null && m.seq !== this.bboSeq + 1) return this.resubscribe('bbo');
      this.bboSeq = m.seq;
      this.bboNow = m;
      this.emit('bbo');
    });
    link.onOpen(() => {
      if (this.symbolNow !== null) void this.subscribeAll(this.symbolNow);
    });
    // A page that fell behind lost all its subscriptions: it joins again, from fresh snapshots.
    link.on('md_dropped', (m) => {
      this.fail(`market data dropped (${m.code} ${m.name}), subscribing again`);
      if (this.symbolNow !== null) void this.subscribeAll(this.symbolNow);
    });
  }

  get symbol(): string | null {
    return this.symbolNow;
  }

  get book(): ClientBook | null {
    return this.bookNow;
  }

  get trades(): readonly TradeMessage[] {
    return this.tradeList;
  }

  get bbo(): BboMessage | null {
    return this.bboNow;
  }

  onChange(listener: (change: FeedChange) => void): void {
    this.listeners.push(listener);
  }

  onFailure(listener: (why: string) => void): void {
    this.failures.push(listener);
  }

  /** Shows `symbol`: the old symbol's channels are left, the new one's joined. */
  async select(symbol: string): Promise<void> {
    const old = this.symbolNow;
    if (old === symbol) return;
    this.symbolNow = symbol;
    this.bookNow = new ClientBook(symbol);
    this.tradeList.length = 0;
    this.bboNow = null;
    this.tradeSeq = null;
    this.bboSeq = null;
    this.emit('symbol');
    if (!this.link.connected) return;
    if (old !== null) await Promise.all(CHANNELS.map((channel) => this.link.request({ type: 'unsubscribe', channel, symbol: old }).catch(() => undefined)));
    await this.subscribeAll(symbol);
  }

  private async subscribeAll(symbol: string): Promise<void> {
    this.bookNow = new ClientBook(symbol);
    this.bboSeq = null;
    this.tradeSeq = null;
    await Promise.all(CHANNELS.map((channel) => this.subscribe(channel, symbol)));
  }

  private async subscribe(channel: WireChannel, symbol: string): Promise<void> {
    try {
      const reply = await this.link.request<SubscribedReply>({ type: 'subscribe', channel, symbol });
      if (channel === 'trades' && symbol === this.symbolNow) this.tradeSeq = reply.seq;
    } catch (e) {
      this.fail(`subscribe ${channel} ${symbol}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The gap rule: leave the channel and join it again, for a fresh start. */
  private resubscribe(channel: WireChannel): void {
    const symbol = this.symbolNow;
    if (symbol === null) return;
    this.gaps++;
    if (channel === 'trades') this.tradeSeq = null;
    if (channel === 'bbo') this.bboSeq = null;
    void this.link
      .request({ type: 'unsubscribe', channel, symbol })
      .catch(() => undefined)
      .then(() => (symbol === this.symbolNow ? this.subscribe(channel, symbol) : undefined));
  }

  private emit(change: FeedChange): void {
    for (const l of this.listeners) l(change);
  }

  private fail(why: string): void {
    for (const l of this.failures) l(why);
  }
}
