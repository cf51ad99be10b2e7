import { GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import { encodeFrame, type FrameFormat } from '../protocol/wire-codec.js';
import type { WireConfig } from '../protocol/wire-config.js';
import type { SubscribeMessage, UnsubscribeMessage } from '../protocol/wire-schema.js';
import type { Connection } from './connection.js';
import type { Connections } from './connections.js';
import type { Logger } from './log.js';
import type { ChannelMessage, MarketData } from './market-data.js';
import type { ServerMetrics } from './server-metrics.js';
import { subscriptionKey } from './session.js';

/**
 * Market data from the view to its subscribers:
 *
 *   subscribe ──▶ flush what is pending ──▶ subscribed (with the channel's seq) + snapshot
 *   end of an event batch ──▶ flush: each channel message encoded at most once per format,
 *                             the same frame sent to every subscriber that keeps up
 *
 * A subscriber whose socket holds too many bytes (Session.checkBackpressure) loses all its
 * subscriptions with a message instead of the update: the core never waits for a client.
 */
export class MarketDataFanout {
  private readonly bySubscription = new Map<string, Set<Connection>>();
  private readonly out: ChannelMessage[] = [];

  constructor(
    private readonly wire: WireConfig,
    private readonly market: MarketData,
    private readonly connections: Connections,
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
  ) {}

  subscribe(conn: Connection, m: SubscribeMessage, format: FrameFormat): void {
    const { id, channel, symbol: symbolName } = m;
    const symbol = this.wire.symbolByName(symbolName);
    if (symbol === undefined) return this.connections.refuse(conn, id, format, gatewayError(GatewayCode.UNKNOWN_SYMBOL, symbolName));
    const error = conn.session.subscribe(channel, symbolName);
    if (error !== null) return this.connections.refuse(conn, id, format, error);
    // Publish what is pending first, so the snapshot and its seq are as of a flush.
    if (this.market.hasPending) this.flush();
    const key = subscriptionKey(channel, symbolName);
    let subscribers = this.bySubscription.get(key);
    if (subscribers === undefined) {
      subscribers = new Set();
      this.bySubscription.set(key, subscribers);
    }
    subscribers.add(conn);
    conn.mdFormats.set(key, format);
    this.connections.send(conn, { type: 'subscribed', id, channel, symbol: symbolName, seq: this.market.channelSeq(channel, symbol.id) }, format);
    if (channel === 'book') this.connections.send(conn, this.market.bookSnapshot(symbol.id), format);
    if (channel === 'bbo') this.connections.send(conn, this.market.bboSnapshot(symbol.id), format);
  }

  unsubscribe(conn: Connection, m: UnsubscribeMessage, format: FrameFormat): void {
    const error = conn.session.unsubscribe(m.channel, m.symbol);
    if (error !== null) return this.connections.refuse(conn, m.id, format, error);
    const key = subscriptionKey(m.channel, m.symbol);
    this.bySubscription.get(key)?.delete(conn);
    conn.mdFormats.delete(key);
    this.connections.send(conn, { type: 'unsubscribed', id: m.id, channel: m.channel, symbol: m.symbol }, format);
  }

  unsubscribeAll(conn: Connection): void {
    for (const key of conn.mdFormats.keys()) this.bySubscription.get(key)?.delete(conn);
    conn.mdFormats.clear();
  }

  /** At the end of an event batch: sends what the view gathered, if anything. */
  flushIfPending(): void {
    if (this.market.hasPending) this.flush();
  }

  private flush(): void {
    const out = this.out;
    out.length = 0;
    this.market.flush(out);
    for (const cm of out) {
      const subscribers = this.bySubscription.get(subscriptionKey(cm.channel, cm.message.symbol));
      if (subscribers === undefined || subscribers.size === 0) continue;
      let jsonFrame: string | Uint8Array | null = null;
      let msgpackFrame: string | Uint8Array | null = null;
      for (const conn of subscribers) {
        const dropped = conn.session.checkBackpressure(conn.ws.bufferedAmount);
        if (dropped !== null) {
          this.metrics.mdDropped.inc();
          this.log.warn('market data dropped: slow consumer', { session: conn.id, account: conn.session.accountId, bufferedBytes: conn.ws.bufferedAmount });
          const format = conn.mdFormats.get(subscriptionKey(cm.channel, cm.message.symbol)) ?? 'json';
          this.unsubscribeAll(conn);
          this.connections.send(conn, dropped, format);
          continue;
        }
        if (conn.mdFormats.get(subscriptionKey(cm.channel, cm.message.symbol)) === 'msgpack') {
          msgpackFrame ??= encodeFrame(cm.message, 'msgpack');
          this.connections.sendFrame(conn, msgpackFrame);
        } else {
          jsonFrame ??= encodeFrame(cm.message, 'json');
          this.connections.sendFrame(conn, jsonFrame);
        }
      }
    }
  }
}
