import { describe, expect, it } from 'vitest';
import { BUY, bookLevels, CancelReason, cancels, EventType, fills, funded, ofType, one, SELL, testConfig } from '../testkit/unit-fixtures.js';

describe('limit orders', () => {
  it('rest on their side when nothing crosses, best level first', () => {
    const t = funded();
    t.rest(1, BUY, 99, 5);
    t.rest(1, BUY, 100, 3);
    t.rest(2, SELL, 102, 4);
    t.rest(2, SELL, 101, 1);
    expect(t.levels(BUY)).toEqual([
      { price: 100, total: 3, count: 1 },
      { price: 99, total: 5, count: 1 },
    ]);
    expect(t.levels(SELL)).toEqual([
      { price: 101, total: 1, count: 1 },
      { price: 102, total: 4, count: 1 },
    ]);
  });

  it('trade at the resting price, best price first across levels', () => {
    const t = funded();
    const a102 = t.rest(1, SELL, 102, 2);
    const a100 = t.rest(1, SELL, 100, 2);
    const a101 = t.rest(1, SELL, 101, 2);
    const events = t.limit(2, BUY, 105, 5);
    expect(fills(events)).toEqual([
      [a100, 100, 2],
      [a101, 101, 2],
      [a102, 102, 1],
    ]);
    expect(t.levels(SELL)).toEqual([{ price: 102, total: 1, count: 1 }]);
    expect(t.levels(BUY)).toEqual([]);
  });

  it('fill earlier orders first within a level (time priority)', () => {
    const t = funded();
    const first = t.rest(1, BUY, 100, 2);
    const second = t.rest(2, BUY, 100, 2);
    const third = t.rest(3, BUY, 100, 2);
    const events = t.limit(1, SELL, 100, 3, { stp: 0 });
    expect(fills(events)).toEqual([
      [first, 100, 2],
      [second, 100, 1],
    ]);
    expect(t.queue(BUY, 100)).toEqual([second, third]);
    expect(t.leaves(second)).toBe(1);
  });

  it('report leaves and cumulative quantity of both sides on every trade', () => {
    const t = funded();
    const maker = t.rest(1, SELL, 100, 5);
    const events = t.limit(2, BUY, 100, 3);
    const taker = events[0]!.orderId;
    const trade = one(events, EventType.TRADE);
    expect(trade).toMatchObject({
      side: BUY,
      accountId: 2,
      orderId: taker,
      leavesQty: 0,
      cumQty: 3,
      makerAccountId: 1,
      makerOrderId: maker,
      makerLeavesQty: 2,
      makerCumQty: 3,
      price: 100,
      qty: 3,
      flags: 0,
    });
    const second = one(t.limit(3, BUY, 100, 2), EventType.TRADE);
    expect(second).toMatchObject({ makerLeavesQty: 0, makerCumQty: 5, qty: 2 });
    expect(t.leaves(maker)).toBeUndefined();
  });

  it('a partially filled taker rests its remainder at its limit', () => {
    const t = funded();
    t.rest(1, SELL, 100, 2);
    const events = t.limit(2, BUY, 101, 5);
    const id = events[0]!.orderId;
    expect(fills(events)).toHaveLength(1);
    expect(ofType(events, EventType.CANCELLED)).toEqual([]);
    expect(t.leaves(id)).toBe(3);
    expect(t.levels(BUY)).toEqual([{ price: 101, total: 3, count: 1 }]);
    expect(t.levels(SELL)).toEqual([]);
  });

  it('stop at the limit price: a buy does not take an ask above it', () => {
    const t = funded();
    t.rest(1, SELL, 101, 2);
    const events = t.limit(2, BUY, 100, 2);
    expect(fills(events)).toEqual([]);
    expect(t.levels(BUY)).toEqual([{ price: 100, total: 2, count: 1 }]);
  });

  it('leave the book when cancelled, releasing their level', () => {
    const t = funded();
    const id = t.rest(1, BUY, 100, 2);
    const other = t.rest(2, BUY, 100, 3);
    const events = t.cancel(1, id);
    expect(cancels(events)).toEqual([[id, CancelReason.USER, 2]]);
    expect(bookLevels(events)).toEqual([[BUY, 100, 3, 1]]);
    expect(bookLevels(t.cancel(2, other))).toEqual([[BUY, 100, 0, 0]]);
    expect(t.levels(BUY)).toEqual([]);
  });
});

describe('L2 BOOK_LEVEL events', () => {
  it('carry absolute total and count after the command', () => {
    const t = funded();
    expect(bookLevels(t.limit(1, BUY, 100, 2))).toEqual([[BUY, 100, 2, 1]]);
    expect(bookLevels(t.limit(2, BUY, 100, 3))).toEqual([[BUY, 100, 5, 2]]);
    expect(bookLevels(t.limit(3, SELL, 100, 1))).toEqual([[BUY, 100, 4, 2]]);
  });

  it('come once per touched level per command, in first-touched order, with zero for a gone level', () => {
    const t = funded();
    t.rest(1, SELL, 100, 1);
    t.rest(1, SELL, 100, 1);
    t.rest(1, SELL, 101, 1);
    t.rest(1, SELL, 101, 1);
    t.rest(1, SELL, 102, 5);
    // Fills four orders at two levels and one partially at a third, then rests at 103.
    const events = t.limit(2, BUY, 103, 10);
    expect(fills(events)).toHaveLength(5);
    expect(bookLevels(events)).toEqual([
      [SELL, 100, 0, 0],
      [SELL, 101, 0, 0],
      [SELL, 102, 0, 0],
      [BUY, 103, 1, 1],
    ]);
  });

  it('come after the BALANCE events, which come once per touched account and asset', () => {
    const t = funded();
    t.rest(1, SELL, 100, 1);
    t.rest(1, SELL, 100, 1);
    const events = t.limit(2, BUY, 100, 2);
    const types = events.map((e) => e.type);
    const lastBalance = types.lastIndexOf(EventType.BALANCE);
    expect(types.indexOf(EventType.BOOK_LEVEL)).toBeGreaterThan(lastBalance);
    const balances = ofType(events, EventType.BALANCE).map((e) => `${e.accountId}/${e.symbolId}`);
    expect(new Set(balances).size).toBe(balances.length);
    expect(bookLevels(events)).toEqual([[SELL, 100, 0, 0]]);
  });

  it('are not emitted for a level a command did not change', () => {
    const t = funded();
    t.rest(1, BUY, 99, 1);
    const events = t.limit(2, BUY, 98, 1);
    expect(bookLevels(events)).toEqual([[BUY, 98, 1, 1]]);
  });

  it('a sweep of 600 levels reports every trade and level (more events than the output first holds)', () => {
    const t = funded(2, testConfig({ maxOrders: 700, maxOpenOrdersPerAccount: 700 }));
    for (let p = 100; p < 700; p++) t.rest(1, SELL, p, 1);
    const events = t.limit(2, BUY, 699, 600);
    expect(fills(events)).toHaveLength(600);
    expect(bookLevels(events)).toHaveLength(600);
    expect(t.levels(SELL)).toEqual([]);
  });
});
