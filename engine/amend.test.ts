import { describe, expect, it } from 'vitest';
import { FLAG_POST_ONLY } from './command-layout.js';
import { EVENT_FLAG_PRIORITY_KEPT } from './event-layout.js';
import { F_STOP_PRICE, F_STRIDE } from './order-pool.js';
import { ResultCode } from './result-code.js';
import {
  acceptedId,
  BASE,
  bookLevels,
  BUY,
  CancelReason,
  cancels,
  CommandType,
  EventType,
  fills,
  funded,
  type Harness,
  one,
  OrderType,
  QUOTE,
  SELL,
  SYM,
  TimeInForce,
} from '../testkit/unit-fixtures.js';

const amendCmd = (accountId: number, targetId: number, change: { price?: number; qty?: number; stopPrice?: number }) =>
  ({ type: CommandType.AMEND_ORDER, accountId, targetId, symbolId: SYM, ...change }) as const;

/** Bids at 100: account 1 then account 2, 5 lots each. */
function twoBids(t: Harness): [number, number] {
  return [t.rest(1, BUY, 100, 5), t.rest(2, BUY, 100, 5)];
}

describe('amend', () => {
  it('reducing the quantity keeps time priority and releases funds', () => {
    const t = funded();
    const [a, b] = twoBids(t);
    // 5 at 100: 500 + floor(500 × 20 / 10 000) = 501; 3 at 100: 300 + floor(0.6) = 300.
    expect(t.reservedBy(a)).toBe(501);
    const events = t.amend(1, a, { qty: 3 });
    expect(one(events, EventType.AMENDED)).toMatchObject({ orderId: a, price: 100, qty: 3, leavesQty: 3, cumQty: 0, flags: EVENT_FLAG_PRIORITY_KEPT });
    expect(bookLevels(events)).toEqual([[BUY, 100, 8, 2]]);
    expect(t.queue(BUY, 100)).toEqual([a, b]);
    expect(t.reservedBy(a)).toBe(300);
    expect(t.balance(1, QUOTE)).toEqual({ available: 1_000_000 - 300, reserved: 300 });
  });

  it('increasing the quantity loses time priority', () => {
    const t = funded();
    const [a, b] = twoBids(t);
    const events = t.amend(1, a, { qty: 7 });
    expect(one(events, EventType.AMENDED)).toMatchObject({ qty: 7, leavesQty: 7, flags: 0 });
    expect(t.queue(BUY, 100)).toEqual([b, a]);
    expect(t.reservedBy(a)).toBe(701);
  });

  it('changing the price loses time priority, also when it comes back', () => {
    const t = funded();
    const [a, b] = twoBids(t);
    const up = t.amend(1, a, { price: 101 });
    expect(one(up, EventType.AMENDED)).toMatchObject({ price: 101, qty: 5, flags: 0 });
    expect(bookLevels(up)).toEqual([
      [BUY, 100, 5, 1],
      [BUY, 101, 5, 1],
    ]);
    // 5 at 101: 505 + floor(505 × 20 / 10 000) = 506.
    expect(t.reservedBy(a)).toBe(506);
    t.amend(1, a, { price: 100 });
    expect(t.queue(BUY, 100)).toEqual([b, a]);
    expect(t.reservedBy(a)).toBe(501);
  });

  it('a price that crosses trades at the resting price and rests the remainder at the new price', () => {
    const t = funded();
    const bid = t.rest(1, BUY, 100, 5);
    const ask = t.rest(3, SELL, 102, 2);
    const events = t.amend(1, bid, { price: 103 });
    expect(events.map((e) => e.type).slice(0, 3)).toEqual([EventType.ACCEPTED, EventType.AMENDED, EventType.TRADE]);
    expect(fills(events)).toEqual([[ask, 102, 2]]);
    expect(t.queue(BUY, 103)).toEqual([bid]);
    expect(t.leaves(bid)).toBe(3);
    // Leaves 3 at 103: 309 + floor(309 × 20 / 10 000) = 309.
    expect(t.reservedBy(bid)).toBe(309);
  });

  it('the new quantity is the total: filled lots count, and it must exceed them', () => {
    const t = funded();
    const ask = t.rest(1, SELL, 100, 5);
    t.limit(2, BUY, 100, 2);
    const down = t.amend(1, ask, { qty: 4 });
    expect(one(down, EventType.AMENDED)).toMatchObject({ qty: 4, leavesQty: 2, cumQty: 2, flags: EVENT_FLAG_PRIORITY_KEPT });
    expect(t.balance(1, BASE).reserved).toBe(2);
    t.expectReject(amendCmd(1, ask, { qty: 2 }), ResultCode.AMEND_QUANTITY_TOO_LOW);
    t.expectReject(amendCmd(1, ask, { qty: 1 }), ResultCode.AMEND_QUANTITY_TOO_LOW);
  });

  it('that changes nothing is rejected AMEND_NO_CHANGE', () => {
    const t = funded();
    const [a] = twoBids(t);
    t.expectReject(amendCmd(1, a, {}), ResultCode.AMEND_NO_CHANGE);
    t.expectReject(amendCmd(1, a, { price: 100, qty: 5 }), ResultCode.AMEND_NO_CHANGE);
  });

  it('needing more than the account has is rejected INSUFFICIENT_FUNDS', () => {
    const t = funded(1);
    t.createAccount(2);
    t.deposit(2, QUOTE, 1_002);
    const bid = t.rest(2, BUY, 100, 10);
    expect(t.balance(2, QUOTE)).toEqual({ available: 0, reserved: 1_002 });
    t.expectReject(amendCmd(2, bid, { qty: 11 }), ResultCode.INSUFFICIENT_FUNDS);
    t.expectReject(amendCmd(2, bid, { price: 101 }), ResultCode.INSUFFICIENT_FUNDS);
    // Cheaper is fine: 10 at 99 = 990 + 1, and 11 back to available.
    t.amend(2, bid, { price: 99 });
    expect(t.balance(2, QUOTE)).toEqual({ available: 11, reserved: 991 });
  });

  it('a sell reserves base for its new quantity', () => {
    const t = funded();
    const ask = t.rest(1, SELL, 100, 5);
    t.amend(1, ask, { qty: 8 });
    expect(t.balance(1, BASE)).toEqual({ available: 1_000_000 - 8, reserved: 8 });
  });

  it('of a post-only order to a crossing price is rejected POST_ONLY_WOULD_CROSS', () => {
    const t = funded();
    t.rest(1, SELL, 102, 1);
    const bid = t.rest(2, BUY, 100, 1, { flags: FLAG_POST_ONLY });
    t.expectReject(amendCmd(2, bid, { price: 102 }), ResultCode.POST_ONLY_WOULD_CROSS);
    expect(one(t.amend(2, bid, { price: 101 }), EventType.AMENDED).price).toBe(101);
  });

  it('of another account’s order is rejected UNKNOWN_ORDER', () => {
    const t = funded();
    const [a] = twoBids(t);
    t.expectReject(amendCmd(2, a, { qty: 1 }), ResultCode.UNKNOWN_ORDER);
  });

  it('keeps a GTD order’s expiry', () => {
    const t = funded();
    const id = acceptedId(t.limit(1, BUY, 100, 5, { tif: TimeInForce.GTD, expireAtUs: 1_000 }));
    t.amend(1, id, { price: 101 });
    expect(cancels(t.tick(1_000))).toEqual([[id, CancelReason.EXPIRED, 5]]);
  });

  describe('of a pending stop', () => {
    function pendingStop(t: Harness): number {
      t.rest(1, SELL, 100, 1);
      t.limit(2, BUY, 100, 1);
      return acceptedId(t.limit(3, BUY, 100, 5, { orderType: OrderType.STOP_LIMIT, stopPrice: 110 }));
    }

    it('changes its limit, quantity and stop price, and adjusts its reservation', () => {
      const t = funded();
      const stop = pendingStop(t);
      const events = t.amend(3, stop, { price: 90, qty: 4, stopPrice: 120 });
      expect(one(events, EventType.AMENDED)).toMatchObject({ price: 90, qty: 4, leavesQty: 4, flags: EVENT_FLAG_PRIORITY_KEPT });
      expect(bookLevels(events)).toEqual([]);
      // 4 at 90: 360 + floor(360 × 20 / 10 000) = 360.
      expect(t.reservedBy(stop)).toBe(360);
      expect(t.engine.orders.F[t.engine.handleOf(stop) * F_STRIDE + F_STOP_PRICE]).toBe(120);
    });

    it('triggers it when the new stop price is already reached', () => {
      const t = funded();
      const stop = pendingStop(t);
      const events = t.amend(3, stop, { stopPrice: 100 });
      expect(one(events, EventType.STOP_TRIGGERED)).toMatchObject({ orderId: stop, price: 100 });
      expect(t.queue(BUY, 100)).toEqual([stop]);
    });

    it('is the only case where a stop price may be given', () => {
      const t = funded();
      const [a] = twoBids(t);
      t.expectReject(amendCmd(1, a, { stopPrice: 90 }), ResultCode.INVALID_STOP_PRICE);
    });
  });
});
