import { describe, expect, it } from 'vitest';
import { EVENT_FLAG_SELF_TRADE } from './event-layout.js';
import { BASE, BUY, CancelReason, cancels, EventType, fills, funded, type Harness, ofType, one, SELL, StpMode } from '../testkit/unit-fixtures.js';

const { SELF_TRADE } = CancelReason;

/** Account 2's own ask first in the queue at 100, then account 1's: both 2 lots. */
function ownFirst(t: Harness): { own: number; other: number } {
  const own = t.rest(2, SELL, 100, 2);
  const other = t.rest(1, SELL, 100, 2);
  return { own, other };
}

describe('self-trade prevention', () => {
  it('NONE lets an account trade with itself, flagged as a self-trade', () => {
    const t = funded();
    const { own, other } = ownFirst(t);
    const events = t.limit(2, BUY, 100, 3, { stp: StpMode.NONE });
    const trades = ofType(events, EventType.TRADE);
    expect(trades.map((e) => [e.makerOrderId, e.qty, e.flags])).toEqual([
      [own, 2, EVENT_FLAG_SELF_TRADE],
      [other, 1, 0],
    ]);
    expect(cancels(events)).toEqual([]);
  });

  it('does not apply between different accounts', () => {
    const t = funded();
    const maker = t.rest(1, SELL, 100, 2);
    const events = t.limit(2, BUY, 100, 2, { stp: StpMode.CANCEL_BOTH });
    expect(fills(events)).toEqual([[maker, 100, 2]]);
  });

  it('CANCEL_TAKER cancels the taker when it meets its own order, which stays', () => {
    const t = funded();
    const { own } = ownFirst(t);
    const events = t.limit(2, BUY, 100, 4, { stp: StpMode.CANCEL_TAKER });
    const id = events[0]!.orderId;
    expect(fills(events)).toEqual([]);
    expect(cancels(events)).toEqual([[id, SELF_TRADE, 4]]);
    expect(t.leaves(own)).toBe(2);
  });

  it('CANCEL_TAKER keeps the trades made before the own order was met', () => {
    const t = funded();
    const other = t.rest(1, SELL, 100, 2);
    const own = t.rest(2, SELL, 100, 2);
    const events = t.limit(2, BUY, 100, 4, { stp: StpMode.CANCEL_TAKER });
    expect(fills(events)).toEqual([[other, 100, 2]]);
    expect(one(events, EventType.CANCELLED)).toMatchObject({ orderId: events[0]!.orderId, reason: SELF_TRADE, qty: 2, cumQty: 2 });
    expect(t.queue(SELL, 100)).toEqual([own]);
  });

  it('CANCEL_MAKER cancels the own resting order and the taker matches on', () => {
    const t = funded();
    const { own, other } = ownFirst(t);
    const events = t.limit(2, BUY, 100, 3, { stp: StpMode.CANCEL_MAKER });
    expect(cancels(events)).toEqual([[own, SELF_TRADE, 2]]);
    expect(fills(events)).toEqual([[other, 100, 2]]);
    expect(t.queue(BUY, 100)).toEqual([events[0]!.orderId]);
    expect(t.leaves(events[0]!.orderId)).toBe(1);
  });

  it('CANCEL_BOTH cancels the own resting order and the whole taker remainder', () => {
    const t = funded();
    const { own, other } = ownFirst(t);
    const events = t.limit(2, BUY, 100, 3, { stp: StpMode.CANCEL_BOTH });
    expect(cancels(events)).toEqual([
      [own, SELF_TRADE, 2],
      [events[0]!.orderId, SELF_TRADE, 3],
    ]);
    expect(fills(events)).toEqual([]);
    expect(t.queue(SELL, 100)).toEqual([other]);
  });

  describe('DECREMENT_AND_CANCEL', () => {
    it('a larger taker: the maker is cancelled, the taker reduced by as much and matches on', () => {
      const t = funded();
      const { own, other } = ownFirst(t);
      const events = t.limit(2, BUY, 100, 5, { stp: StpMode.DECREMENT_AND_CANCEL });
      const id = events[0]!.orderId;
      const cancelled = ofType(events, EventType.CANCELLED).map((e) => [e.orderId, e.reason, e.qty, e.leavesQty]);
      expect(cancelled).toEqual([
        [own, SELF_TRADE, 2, 0],
        [id, SELF_TRADE, 2, 3],
      ]);
      expect(fills(events)).toEqual([[other, 100, 2]]);
      expect(t.leaves(id)).toBe(1);
    });

    it('a larger maker: the taker is cancelled, the maker reduced in place, keeping its priority and releasing funds', () => {
      const t = funded();
      const own = t.rest(2, SELL, 100, 5);
      const other = t.rest(1, SELL, 100, 2);
      expect(t.balance(2, BASE).reserved).toBe(5);
      const events = t.limit(2, BUY, 100, 2, { stp: StpMode.DECREMENT_AND_CANCEL });
      const cancelled = ofType(events, EventType.CANCELLED).map((e) => [e.orderId, e.qty, e.leavesQty]);
      expect(cancelled).toEqual([
        [own, 2, 3],
        [events[0]!.orderId, 2, 0],
      ]);
      expect(t.queue(SELL, 100)).toEqual([own, other]);
      expect(t.levels(SELL)).toEqual([{ price: 100, total: 5, count: 2 }]);
      expect(t.balance(2, BASE).reserved).toBe(3);
    });

    it('equal quantities: both are cancelled', () => {
      const t = funded();
      const own = t.rest(2, SELL, 100, 2);
      const events = t.limit(2, BUY, 100, 2, { stp: StpMode.DECREMENT_AND_CANCEL });
      expect(cancels(events)).toEqual([
        [own, SELF_TRADE, 2],
        [events[0]!.orderId, SELF_TRADE, 2],
      ]);
      expect(t.levels(SELL)).toEqual([]);
    });
  });

  it('uses the taker’s mode; the resting order’s mode does not matter', () => {
    const t = funded();
    const own = t.rest(2, SELL, 100, 2, { stp: StpMode.CANCEL_BOTH });
    const events = t.limit(2, BUY, 100, 2, { stp: StpMode.NONE });
    expect(fills(events)).toEqual([[own, 100, 2]]);
  });
});
