import { describe, expect, it } from 'vitest';
import { CommandType } from './command-layout.js';
import {
  acceptedId,
  BASE,
  bookLevels,
  BUY,
  CancelReason,
  cancels,
  EventType,
  fills,
  funded,
  type Harness,
  ofType,
  one,
  OrderType,
  QUOTE,
  SELL,
  SYM,
  TimeInForce,
} from '../testkit/unit-fixtures.js';

/** Account 1 sells 1 at `price` and account 2 buys it: the last trade price becomes `price`. */
function tradeAt(t: Harness, price: number): void {
  t.rest(1, SELL, price, 1);
  expect(fills(t.limit(2, BUY, price, 1))).toHaveLength(1);
}

function stopLimit(t: Harness, accountId: number, side: number, stopPrice: number, price: number, qty: number): number {
  return acceptedId(t.limit(accountId, side, price, qty, { orderType: OrderType.STOP_LIMIT, stopPrice }));
}

function stopMarket(t: Harness, accountId: number, side: number, stopPrice: number, qty: number): number {
  return acceptedId(t.market(accountId, side, qty, { orderType: OrderType.STOP_MARKET, tif: TimeInForce.GTC, stopPrice }));
}

function triggered(events: ReturnType<Harness['submit']>): Array<[number, number]> {
  return ofType(events, EventType.STOP_TRIGGERED).map((e) => [e.orderId, e.price]);
}

describe('stop orders', () => {
  it('a buy stop-limit waits until the last trade price reaches its stop, then works as a limit', () => {
    const t = funded(3);
    tradeAt(t, 100);
    const stop = stopLimit(t, 3, BUY, 105, 106, 2);
    expect(t.levels(BUY)).toEqual([]);
    t.rest(1, SELL, 106, 1);
    t.rest(1, SELL, 104, 1);
    // A trade at 104 does not trigger a stop at 105.
    const at104 = t.limit(2, BUY, 104, 1);
    expect(triggered(at104)).toEqual([]);
    t.rest(1, SELL, 105, 1);
    const at105 = t.limit(2, BUY, 105, 1);
    expect(triggered(at105)).toEqual([[stop, 105]]);
    const trigger = one(at105, EventType.STOP_TRIGGERED);
    expect(trigger).toMatchObject({ accountId: 3, side: BUY, qty: 2, leavesQty: 2 });
    // It bought the ask at 106 and rests its remaining 1 at its limit.
    expect(fills(at105).slice(1)).toEqual([[expect.any(Number), 106, 1]]);
    expect(t.queue(BUY, 106)).toEqual([stop]);
  });

  it('a sell stop-market triggers when the last trade price falls to its stop', () => {
    const t = funded(3);
    tradeAt(t, 100);
    const stop = stopMarket(t, 3, SELL, 95, 2);
    const bid = t.rest(2, BUY, 94, 5);
    tradeAt(t, 96);
    expect(t.leaves(stop)).toBe(2);
    t.rest(1, SELL, 95, 1);
    const events = t.limit(2, BUY, 95, 1);
    expect(triggered(events)).toEqual([[stop, 95]]);
    expect(fills(events).slice(1)).toEqual([[bid, 94, 2]]);
    expect(t.leaves(stop)).toBeUndefined();
  });

  it('a stop-market reserves at its band around the stop price, and its remainder is cancelled', () => {
    const t = funded(3);
    tradeAt(t, 100);
    // Band: 1000 bps of the stop price 200 = 20, so it may pay up to 220 a lot: 2 × 220 + fee 0 (floor 440 × 20 / 10 000).
    const stop = stopMarket(t, 3, BUY, 200, 2);
    expect(t.reservedBy(stop)).toBe(440);
    expect(t.balance(3, QUOTE).reserved).toBe(440);
    t.rest(1, SELL, 210, 1);
    t.rest(1, SELL, 230, 1);
    t.rest(1, SELL, 200, 1);
    const events = t.limit(2, BUY, 200, 1);
    expect(fills(events).slice(1)).toEqual([[expect.any(Number), 210, 1]]);
    expect(cancels(events)).toEqual([[stop, CancelReason.UNFILLED, 1]]);
    expect(t.balance(3, QUOTE).reserved).toBe(0);
  });

  it('do not trigger before the symbol has traded', () => {
    const t = funded(3);
    const buy = stopLimit(t, 3, BUY, 1, 100, 1);
    const sell = stopLimit(t, 3, SELL, 100_000, 100, 1);
    expect([t.leaves(buy), t.leaves(sell)]).toEqual([1, 1]);
  });

  it('trigger on arrival when the last trade price is already past the stop', () => {
    const t = funded(3);
    tradeAt(t, 100);
    t.rest(1, SELL, 101, 1);
    const events = t.limit(3, BUY, 101, 1, { orderType: OrderType.STOP_LIMIT, stopPrice: 99 });
    expect(events.map((e) => e.type).slice(0, 3)).toEqual([EventType.ACCEPTED, EventType.STOP_TRIGGERED, EventType.TRADE]);
    expect(one(events, EventType.STOP_TRIGGERED).price).toBe(100);
    const sell = t.limit(3, SELL, 50, 1, { orderType: OrderType.STOP_LIMIT, stopPrice: 102 });
    expect(triggered(sell)).toEqual([[sell[0]!.orderId, 101]]);
    expect(t.queue(SELL, 50)).toEqual([sell[0]!.orderId]);
  });

  it('several triggered by one trade run in order id order, not stop price order', () => {
    const t = funded(3);
    tradeAt(t, 100);
    const high = stopLimit(t, 3, BUY, 105, 90, 1);
    const low = stopLimit(t, 3, BUY, 102, 90, 1);
    const sellSide = stopLimit(t, 3, SELL, 90, 200, 1);
    t.rest(1, SELL, 105, 1);
    const events = t.limit(2, BUY, 105, 1);
    expect(triggered(events).map(([id]) => id)).toEqual([high, low]);
    expect(t.queue(BUY, 90)).toEqual([high, low]);
    expect(t.leaves(sellSide)).toBe(1);
  });

  it('cascade: a triggered stop that trades can trigger the next', () => {
    const t = funded(4);
    tradeAt(t, 100);
    const first = stopMarket(t, 3, BUY, 101, 1);
    const second = stopMarket(t, 4, BUY, 103, 1);
    t.rest(1, SELL, 103, 1);
    t.rest(1, SELL, 104, 1);
    t.rest(1, SELL, 101, 1);
    const events = t.limit(2, BUY, 101, 1);
    expect(triggered(events)).toEqual([
      [first, 101],
      [second, 103],
    ]);
    expect(fills(events).map(([, price]) => price)).toEqual([101, 103, 104]);
    expect(t.engine.books[SYM]!.lastPrice).toBe(104);
  });

  it('a price level emptied, re-created by a triggered stop and emptied again is reported once', () => {
    const t = funded(4);
    t.rest(1, SELL, 100, 1);
    // Before the first trade both stops wait; the first trade at 100 triggers both.
    const sellStop = stopLimit(t, 3, SELL, 100, 100, 1);
    const buyStop = stopLimit(t, 4, BUY, 100, 100, 1);
    const events = t.limit(2, BUY, 100, 1);
    expect(triggered(events).map(([id]) => id)).toEqual([sellStop, buyStop]);
    expect(fills(events)).toEqual([
      [expect.any(Number), 100, 1],
      [sellStop, 100, 1],
    ]);
    expect(bookLevels(events)).toEqual([[SELL, 100, 0, 0]]);
  });

  it('pending stops reserve funds, which a cancel releases', () => {
    const t = funded(3);
    const buy = stopLimit(t, 3, BUY, 110, 100, 10);
    expect(t.reservedBy(buy)).toBe(1_002);
    const sell = stopLimit(t, 3, SELL, 90, 100, 7);
    expect(t.balance(3, BASE).reserved).toBe(7);
    expect(cancels(t.cancel(3, buy))).toEqual([[buy, CancelReason.USER, 10]]);
    t.cancel(3, sell);
    expect(t.balance(3, QUOTE)).toEqual({ available: 1_000_000, reserved: 0 });
    expect(t.balance(3, BASE)).toEqual({ available: 1_000_000, reserved: 0 });
  });

  it('stay pending across a halt and trigger after the resume', () => {
    const t = funded(3);
    tradeAt(t, 100);
    const stop = stopLimit(t, 3, BUY, 101, 90, 1);
    t.submit({ type: CommandType.SYMBOL_HALT, symbolId: SYM });
    t.submit({ type: CommandType.SYMBOL_RESUME, symbolId: SYM });
    expect(t.leaves(stop)).toBe(1);
    t.rest(1, SELL, 101, 1);
    expect(triggered(t.limit(2, BUY, 101, 1))).toEqual([[stop, 101]]);
  });
});
