import { describe, expect, it } from 'vitest';
import { ResultCode } from './result-code.js';
import { BUY, CancelReason, cancels, CommandType, EventType, fills, funded, one, OrderType, QUOTE, SELL, SYM, TimeInForce, testConfig } from '../testkit/unit-fixtures.js';

const MARKET = { type: CommandType.PLACE_ORDER, symbolId: SYM, orderType: OrderType.MARKET } as const;

/** Asks of account 1: 2 at 100, 2 at 105, 2 at 120. */
function askLadder(t: ReturnType<typeof funded>): [number, number, number] {
  return [t.rest(1, SELL, 100, 2), t.rest(1, SELL, 105, 2), t.rest(1, SELL, 120, 2)];
}

describe('market orders', () => {
  it('stop at an explicit protection price and cancel the remainder as UNFILLED', () => {
    const t = funded();
    const [a100, a105] = askLadder(t);
    const events = t.market(2, BUY, 6, { price: 110 });
    const id = events[0]!.orderId;
    expect(fills(events)).toEqual([
      [a100, 100, 2],
      [a105, 105, 2],
    ]);
    expect(cancels(events)).toEqual([[id, CancelReason.UNFILLED, 2]]);
    expect(t.levels(SELL)).toEqual([{ price: 120, total: 2, count: 1 }]);
    expect(t.levels(BUY)).toEqual([]);
  });

  it('without a price are bounded by the band around the best opposite price (1000 bps of 100 = 110)', () => {
    const t = funded();
    const [a100, a105] = askLadder(t);
    const events = t.market(2, BUY, 6);
    expect(fills(events)).toEqual([
      [a100, 100, 2],
      [a105, 105, 2],
    ]);
    expect(one(events, EventType.CANCELLED).qty).toBe(2);
  });

  it('sell into bids down to best bid minus the band (100 - 10 = 90)', () => {
    const t = funded();
    const b100 = t.rest(1, BUY, 100, 1);
    const b90 = t.rest(1, BUY, 90, 1);
    t.rest(1, BUY, 89, 1);
    const events = t.market(2, SELL, 5);
    expect(fills(events)).toEqual([
      [b100, 100, 1],
      [b90, 90, 1],
    ]);
    expect(one(events, EventType.CANCELLED).qty).toBe(3);
    expect(t.levels(BUY)).toEqual([{ price: 89, total: 1, count: 1 }]);
  });

  it('with a 0 bps band sweep to the edge of the book', () => {
    const t = funded(3, testConfig({}, { marketProtectionBps: 0 }));
    const [a100, a105, a120] = askLadder(t);
    const events = t.market(2, BUY, 7);
    expect(fills(events)).toEqual([
      [a100, 100, 2],
      [a105, 105, 2],
      [a120, 120, 2],
    ]);
    expect(one(events, EventType.CANCELLED).qty).toBe(1);
  });

  it('reserve at the protection price: 10 at up to 110 needs 1100 + fee 2', () => {
    const t = funded(1);
    t.createAccount(2);
    t.rest(1, SELL, 100, 10);
    t.deposit(2, QUOTE, 1101);
    t.expectReject({ ...MARKET, accountId: 2, side: BUY, tif: TimeInForce.IOC, qty: 10 }, ResultCode.INSUFFICIENT_FUNDS);
    t.deposit(2, QUOTE, 1);
    const events = t.market(2, BUY, 10);
    // It paid 1000 + taker fee 2 and got the rest of its 1102 back.
    expect(fills(events)).toHaveLength(1);
    expect(t.balance(2, QUOTE)).toEqual({ available: 100, reserved: 0 });
  });

  it('with no liquidity are accepted, then cancelled UNFILLED in full', () => {
    const t = funded();
    const events = t.market(2, BUY, 4);
    expect(events[0]!.type).toBe(EventType.ACCEPTED);
    expect(cancels(events)).toEqual([[events[0]!.orderId, CancelReason.UNFILLED, 4]]);
    expect(t.balance(2, QUOTE)).toEqual({ available: 1_000_000, reserved: 0 });
  });

  it('never rest, whatever their time in force', () => {
    const t = funded();
    t.rest(1, SELL, 100, 1);
    const ioc = t.market(2, BUY, 3, { tif: TimeInForce.IOC });
    expect(one(ioc, EventType.CANCELLED).qty).toBe(2);
    t.expectReject({ ...MARKET, accountId: 2, side: BUY, tif: TimeInForce.GTC, qty: 1 }, ResultCode.INVALID_TIME_IN_FORCE);
    t.expectReject({ ...MARKET, accountId: 2, side: BUY, tif: TimeInForce.GTD, qty: 1, expireAtUs: 5 }, ResultCode.INVALID_TIME_IN_FORCE);
    expect(t.levels(BUY)).toEqual([]);
    expect(t.engine.liveOrders).toBe(0);
  });

  it('FOK trades all or nothing', () => {
    const t = funded();
    t.rest(1, SELL, 100, 2);
    const none = t.market(2, BUY, 3, { tif: TimeInForce.FOK });
    expect(fills(none)).toEqual([]);
    expect(one(none, EventType.CANCELLED).qty).toBe(3);
    const all = t.market(2, BUY, 2, { tif: TimeInForce.FOK });
    expect(fills(all)).toHaveLength(1);
  });
});
