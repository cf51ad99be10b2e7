import { describe, expect, it } from 'vitest';
import type { WireLevel } from '../protocol/wire-schema.js';
import { MarketFeed } from './market-feed.js';
import type { Reply, UnsolicitedType, WireLink } from './wire-session.js';

/** A link whose server is the test: requests are recorded and answered at once. */
class FakeLink implements WireLink {
  readonly requests: Array<Record<string, unknown>> = [];
  readonly connected = true;
  private readonly listeners = new Map<string, Array<(m: never) => void>>();
  channelSeq = 0;

  request<T extends Reply>(message: Record<string, unknown>): Promise<T> {
    this.requests.push(message);
    if (message['type'] === 'subscribe') return Promise.resolve({ type: 'subscribed', id: 0, channel: message['channel'], symbol: message['symbol'], seq: this.channelSeq } as T);
    return Promise.resolve({ type: 'unsubscribed', id: 0, channel: message['channel'], symbol: message['symbol'] } as T);
  }

  on<K extends UnsolicitedType>(type: K, listener: (m: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  onOpen(): void {}

  send(m: { type: string } & Record<string, unknown>): void {
    for (const l of this.listeners.get(m.type) ?? []) (l as (m: unknown) => void)(m);
  }

  subscriptionsSince(from: number): string[] {
    return this.requests.slice(from).map((r) => `${r['type'] as string} ${r['channel'] as string} ${r['symbol'] as string}`);
  }
}

const level = (price: string, qty: string, count: number): WireLevel => [price, qty, count];

describe('the market data the page keeps', () => {
  it('keeps the book from a snapshot and its deltas, and on a gap resubscribes for a fresh snapshot', async () => {
    const link = new FakeLink();
    const feed = new MarketFeed(link);
    await feed.select('BTC-USD');
    expect(link.subscriptionsSince(0)).toEqual(['subscribe book BTC-USD', 'subscribe trades BTC-USD', 'subscribe bbo BTC-USD']);
    link.send({ type: 'book_snapshot', symbol: 'BTC-USD', seq: 10, bids: [level('100.00', '1.0', 1)], asks: [level('101.00', '2.0', 2)] });
    link.send({ type: 'book_delta', symbol: 'BTC-USD', seq: 11, bids: [level('100.50', '0.5', 1)], asks: [level('101.00', '0', 0)] });
    link.send({ type: 'book_delta', symbol: 'BTC-USD', seq: 11, bids: [level('99.00', '9', 9)], asks: [] });
    link.send({ type: 'book_delta', symbol: 'ETH-USD', seq: 12, bids: [level('1.00', '9', 9)], asks: [] });
    expect(feed.book?.bids()).toEqual([level('100.50', '0.5', 1), level('100.00', '1.0', 1)]);
    expect(feed.book?.asks()).toEqual([]);
    const before = link.requests.length;
    link.send({ type: 'book_delta', symbol: 'BTC-USD', seq: 13, bids: [], asks: [level('102.00', '1', 1)] });
    expect(feed.book?.valid).toBe(false);
    await Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(link.subscriptionsSince(before)).toEqual(['unsubscribe book BTC-USD', 'subscribe book BTC-USD']);
    expect(feed.gaps).toBe(1);
    link.send({ type: 'book_snapshot', symbol: 'BTC-USD', seq: 20, bids: [], asks: [level('102.00', '1', 1)] });
    expect(feed.book?.asks()).toEqual([level('102.00', '1', 1)]);
  });

  it('keeps trades newest first from the subscribed seq on, and resubscribes on a gap', async () => {
    const link = new FakeLink();
    link.channelSeq = 5;
    const feed = new MarketFeed(link);
    await feed.select('BTC-USD');
    const trade = (seq: number, price: string) => ({ type: 'trade', symbol: 'BTC-USD', seq, price, qty: '1', takerSide: 'buy', timestampUs: seq });
    link.send(trade(5, '1.00')); // already counted in the subscription's seq
    link.send(trade(6, '2.00'));
    link.send(trade(7, '3.00'));
    expect(feed.trades.map((t) => t.price)).toEqual(['3.00', '2.00']);
    const before = link.requests.length;
    link.send(trade(9, '5.00'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(feed.trades.map((t) => t.price)).toEqual(['3.00', '2.00']);
    expect(link.subscriptionsSince(before)).toEqual(['unsubscribe trades BTC-USD', 'subscribe trades BTC-USD']);
  });

  it('subscribes again to every channel when the server dropped the market data of a slow page', async () => {
    const link = new FakeLink();
    const feed = new MarketFeed(link);
    const failures: string[] = [];
    feed.onFailure((why) => failures.push(why));
    await feed.select('BTC-USD');
    link.send({ type: 'book_snapshot', symbol: 'BTC-USD', seq: 3, bids: [level('100.00', '1', 1)], asks: [] });
    const before = link.requests.length;
    link.send({ type: 'md_dropped', code: 10032, name: 'SLOW_CONSUMER', message: 'market data dropped' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(link.subscriptionsSince(before)).toEqual(['subscribe book BTC-USD', 'subscribe trades BTC-USD', 'subscribe bbo BTC-USD']);
    expect(feed.book?.valid).toBe(false);
    expect(failures).toEqual(['market data dropped (10032 SLOW_CONSUMER), subscribing again']);
  });

  it('leaves the old symbol when another is selected', async () => {
    const link = new FakeLink();
    const feed = new MarketFeed(link);
    await feed.select('BTC-USD');
    const before = link.requests.length;
    await feed.select('ETH-USD');
    expect(link.subscriptionsSince(before)).toEqual(['unsubscribe book BTC-USD', 'unsubscribe trades BTC-USD', 'unsubscribe bbo BTC-USD', 'subscribe book ETH-USD', 'subscribe trades ETH-USD', 'subscribe bbo ETH-USD']);
    expect(feed.book?.symbol).toBe('ETH-USD');
  });
});
