import { describe, expect, it } from 'vitest';
import { FLAG_POST_ONLY } from './command-layout.js';
import { ResultCode } from './result-code.js';
import {
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
  StpMode,
  SYM,
  TimeInForce,
} from '../testkit/unit-fixtures.js';

const { GTC, IOC, FOK, GTD } = TimeInForce;

function gtd(t: Harness, accountId: number, side: number, price: number, qty: number, expireAtUs: number, timestampUs = 0): number {
  const events = t.limit(accountId, side, price, qty, { tif: GTD, expireAtUs, timestampUs });
  expect(events[0]!.type).toBe(EventType.ACCEPTED);
  return events[0]!.orderId;
}

describe('time in force', () => {
  it('GTC rests its remainder until cancelled', () => {
    const t = funded();
    t.rest(1, SELL, 100, 1);
    const id = t.limit(2, BUY, 100, 3, { tif: GTC })[0]!.orderId;
    expect(t.leaves(id)).toBe(2);
    t.tick(1_000_000_000);
    expect(t.leaves(id)).toBe(2);
  });

  describe('IOC', () => {
    it('trades what it can and cancels the remainder as UNFILLED', () => {
      const t = funded();
      const maker = t.rest(1, SELL, 100, 2);
      const events = t.limit(2, BUY, 100, 5, { tif: IOC });
      const id = events[0]!.orderId;
      expect(fills(events)).toEqual([[maker, 100, 2]]);
      expect(one(events, EventType.CANCELLED)).toMatchObject({ orderId: id, reason: CancelReason.UNFILLED, qty: 3, leavesQty: 0, cumQty: 2 });
      expect(t.levels(BUY)).toEqual([]);
    });

    it('that cannot trade at all is cancelled in full and releases its reservation', () => {
      const t = funded();
      const events = t.limit(2, BUY, 100, 5, { tif: IOC });
      expect(cancels(events)).toEqual([[events[0]!.orderId, CancelReason.UNFILLED, 5]]);
      expect(t.balance(2, QUOTE)).toEqual({ available: 1_000_000, reserved: 0 });
    });
  });

  describe('FOK', () => {
    it('that cannot fill completely within its limit trades nothing', () => {
      const t = funded();
      t.rest(1, SELL, 100, 2);
      t.rest(1, SELL, 101, 2);
      t.rest(1, SELL, 102, 5);
      const events = t.limit(2, BUY, 101, 5, { tif: FOK });
      expect(fills(events)).toEqual([]);
      expect(cancels(events)).toEqual([[events[0]!.orderId, CancelReason.UNFILLED, 5]]);
      expect(t.levels(SELL).map((l) => l.total)).toEqual([2, 2, 5]);
    });

    it('that can fill completely fills across levels', () => {
      const t = funded();
      t.rest(1, SELL, 100, 2);
      t.rest(1, SELL, 101, 2);
      const events = t.limit(2, BUY, 101, 4, { tif: FOK });
      expect(fills(events).map(([, p, q]) => [p, q])).toEqual([
        [100, 2],
        [101, 2],
      ]);
      expect(cancels(events)).toEqual([]);
    });

    it('does not count its own account’s orders when STP would cancel the taker', () => {
      const t = funded();
      t.rest(2, SELL, 100, 5);
      t.rest(1, SELL, 101, 5);
      const events = t.limit(2, BUY, 101, 5, { tif: FOK, stp: StpMode.CANCEL_TAKER });
      expect(fills(events)).toEqual([]);
      expect(cancels(events)).toEqual([[events[0]!.orderId, CancelReason.UNFILLED, 5]]);
      expect(t.levels(SELL).map((l) => l.total)).toEqual([5, 5]);
    });

    it('skips its own orders when STP cancels makers, and cancels them only if it fills', () => {
      const t = funded();
      const own = t.rest(2, SELL, 100, 5);
      t.rest(1, SELL, 101, 3);
      // 3 other lots are not enough for 4: nothing happens, the own order stays.
      const short = t.limit(2, BUY, 101, 4, { tif: FOK, stp: StpMode.CANCEL_MAKER });
      expect(cancels(short)).toEqual([[short[0]!.orderId, CancelReason.UNFILLED, 4]]);
      expect(t.leaves(own)).toBe(5);
      const events = t.limit(2, BUY, 101, 3, { tif: FOK, stp: StpMode.CANCEL_MAKER });
      expect(cancels(events)).toEqual([[own, CancelReason.SELF_TRADE, 5]]);
      expect(fills(events).map(([, p, q]) => [p, q])).toEqual([[101, 3]]);
    });

    it('counts its own orders when STP is NONE (a self-trade)', () => {
      const t = funded();
      t.rest(2, SELL, 100, 5);
      const events = t.limit(2, BUY, 100, 5, { tif: FOK, stp: StpMode.NONE });
      expect(one(events, EventType.TRADE).qty).toBe(5);
    });
  });

  describe('GTD', () => {
    it('expires at its time, taken from command timestamps, with the first command at or after it', () => {
      const t = funded();
      const id = gtd(t, 1, BUY, 100, 2, 1_000, 10);
      t.tick(999);
      expect(t.leaves(id)).toBe(2);
      // Any command moves time: this order, stamped 1 000, finds the GTD order expired first.
      const events = t.limit(2, SELL, 200, 1, { timestampUs: 1_000 });
      expect(events.slice(0, 2).map((e) => e.type)).toEqual([EventType.CANCELLED, EventType.ACCEPTED]);
      expect(cancels(events)).toEqual([[id, CancelReason.EXPIRED, 2]]);
      expect(t.leaves(id)).toBeUndefined();
    });

    it('expires on a TIMER_TICK, releasing its reservation and its level', () => {
      const t = funded();
      const id = gtd(t, 1, BUY, 100, 2, 1_000);
      expect(t.balance(1, QUOTE).reserved).toBe(200);
      const events = t.tick(1_500);
      expect(one(events, EventType.CANCELLED)).toMatchObject({ orderId: id, reason: CancelReason.EXPIRED, qty: 2 });
      expect(t.balance(1, QUOTE)).toEqual({ available: 1_000_000, reserved: 0 });
      expect(t.levels(BUY)).toEqual([]);
    });

    it('orders due at the same time expire in order id order; earlier times first', () => {
      const t = funded();
      const late = gtd(t, 1, BUY, 90, 1, 2_000);
      const a = gtd(t, 1, BUY, 91, 1, 1_000);
      const b = gtd(t, 2, BUY, 92, 1, 1_000);
      expect(cancels(t.tick(1_000)).map(([id]) => id)).toEqual([a, b]);
      expect(cancels(t.tick(5_000)).map(([id]) => id)).toEqual([late]);
    });

    it('a partially filled order expires its remainder', () => {
      const t = funded();
      const id = gtd(t, 1, SELL, 100, 5, 1_000);
      t.limit(2, BUY, 100, 2);
      expect(one(t.tick(1_000), EventType.CANCELLED)).toMatchObject({ orderId: id, qty: 3, cumQty: 2 });
    });

    it('a cancelled order does not expire later', () => {
      const t = funded();
      const id = gtd(t, 1, BUY, 100, 2, 1_000);
      t.cancel(1, id);
      expect(cancels(t.tick(2_000))).toEqual([]);
    });

    it('a pending GTD stop expires too', () => {
      const t = funded();
      const events = t.limit(1, BUY, 100, 1, { orderType: OrderType.STOP_LIMIT, stopPrice: 200, tif: GTD, expireAtUs: 50 });
      expect(cancels(t.tick(50))).toEqual([[events[0]!.orderId, CancelReason.EXPIRED, 1]]);
    });

    it('is rejected EXPIRED_ON_ARRIVAL when its time is not after the engine time', () => {
      const t = funded();
      t.tick(1_000);
      const place = { type: CommandType.PLACE_ORDER, symbolId: SYM, orderType: OrderType.LIMIT, tif: GTD, accountId: 1, side: BUY, price: 100, qty: 1 };
      t.expectReject({ ...place, expireAtUs: 1_000 }, ResultCode.EXPIRED_ON_ARRIVAL);
      // Time never goes back: a command stamped earlier still sees 1 000.
      t.expectReject({ ...place, expireAtUs: 900, timestampUs: 500 }, ResultCode.EXPIRED_ON_ARRIVAL);
      expect(t.submit({ ...place, expireAtUs: 1_001 })[0]!.type).toBe(EventType.ACCEPTED);
    });
  });

  describe('post-only', () => {
    const flags = FLAG_POST_ONLY;

    it('rests when it does not cross', () => {
      const t = funded();
      t.rest(1, SELL, 101, 1);
      const id = t.rest(2, BUY, 100, 1, { flags });
      expect(t.queue(BUY, 100)).toEqual([id]);
    });

    it('is rejected POST_ONLY_WOULD_CROSS when it would take liquidity, at or through the touch', () => {
      const t = funded();
      t.rest(1, SELL, 101, 1);
      const place = { type: CommandType.PLACE_ORDER, symbolId: SYM, orderType: OrderType.LIMIT, tif: GTC, accountId: 2, side: BUY, qty: 1, flags };
      t.expectReject({ ...place, price: 101 }, ResultCode.POST_ONLY_WOULD_CROSS);
      t.expectReject({ ...place, price: 150 }, ResultCode.POST_ONLY_WOULD_CROSS);
    });

    it('goes only with resting limit orders', () => {
      const t = funded();
      const place = { type: CommandType.PLACE_ORDER, symbolId: SYM, accountId: 2, side: BUY, price: 100, qty: 1, flags };
      t.expectReject({ ...place, orderType: OrderType.LIMIT, tif: IOC }, ResultCode.INVALID_FLAGS);
      t.expectReject({ ...place, orderType: OrderType.LIMIT, tif: FOK }, ResultCode.INVALID_FLAGS);
      t.expectReject({ ...place, orderType: OrderType.MARKET, tif: IOC }, ResultCode.INVALID_FLAGS);
      t.expectReject({ ...place, orderType: OrderType.STOP_LIMIT, tif: GTC, stopPrice: 100 }, ResultCode.INVALID_FLAGS);
    });
  });
});
