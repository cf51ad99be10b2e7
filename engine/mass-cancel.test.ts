import { describe, expect, it } from 'vitest';
import { ResultCode } from './result-code.js';
import {
  acceptedId,
  BUY,
  CancelReason,
  cancels,
  CommandType,
  expectAccepted,
  FUNDS,
  funded,
  type Harness,
  OrderType,
  QUOTE,
  SELL,
  SYM,
  SYM2,
} from '../testkit/unit-fixtures.js';

const massCancel = (accountId: number, symbolId: number, reason: number) => ({ type: CommandType.MASS_CANCEL, accountId, symbolId, reason }) as const;

/** For accounts 1 and 2: a bid on symbol 1, an ask on symbol 2, a pending stop on symbol 1. Ids by account. */
function book(t: Harness): Record<number, number[]> {
  const ids: Record<number, number[]> = { 1: [], 2: [] };
  for (const a of [1, 2]) ids[a]!.push(t.rest(a, BUY, 90, 1));
  for (const a of [2, 1]) ids[a]!.push(acceptedId(t.place({ accountId: a, symbolId: SYM2, side: SELL, price: 110, qty: 1 })));
  for (const a of [1, 2]) ids[a]!.push(acceptedId(t.place({ accountId: a, side: BUY, orderType: OrderType.STOP_LIMIT, stopPrice: 200, price: 90, qty: 1 })));
  return ids;
}

describe('mass cancel', () => {
  it('of an account cancels all its orders on every symbol, pending stops included, in order id order', () => {
    const t = funded();
    const ids = book(t);
    const events = t.submit(massCancel(1, 0, CancelReason.USER));
    expect(cancels(events)).toEqual(ids[1]!.map((id) => [id, CancelReason.USER, 1]));
    expect(t.balance(1, QUOTE)).toEqual({ available: FUNDS, reserved: 0 });
    expect(ids[2]!.map((id) => t.leaves(id))).toEqual([1, 1, 1]);
  });

  it('of an account and a symbol cancels only that symbol’s orders', () => {
    const t = funded();
    const ids = book(t);
    const events = t.submit(massCancel(2, SYM, CancelReason.DISCONNECT));
    const [bid, ask, stop] = ids[2]!;
    expect(cancels(events)).toEqual([
      [bid!, CancelReason.DISCONNECT, 1],
      [stop!, CancelReason.DISCONNECT, 1],
    ]);
    expect(t.leaves(ask!)).toBe(1);
  });

  it('of all accounts (account 0) cancels in account id order, optionally for one symbol', () => {
    const t = funded();
    const ids = book(t);
    const sym2 = t.submit(massCancel(0, SYM2, CancelReason.KILL_SWITCH));
    expect(cancels(sym2).map(([id]) => id)).toEqual([ids[1]![1], ids[2]![1]]);
    const all = t.submit(massCancel(0, 0, CancelReason.KILL_SWITCH));
    expect(cancels(all)).toEqual([ids[1]![0], ids[1]![2], ids[2]![0], ids[2]![2]].map((id) => [id, CancelReason.KILL_SWITCH, 1]));
    expect(t.engine.liveOrders).toBe(0);
  });

  it('with nothing to cancel is accepted and does nothing', () => {
    const t = funded();
    const before = t.hash();
    const events = t.submit(massCancel(1, 0, CancelReason.USER));
    expect(events).toHaveLength(1);
    expectAccepted(events);
    expect(t.hash()).toBe(before);
  });

  it('takes only the reasons USER, DISCONNECT and KILL_SWITCH', () => {
    const t = funded();
    book(t);
    for (const reason of [0, CancelReason.UNFILLED, CancelReason.SELF_TRADE, CancelReason.EXPIRED, 7]) {
      t.expectReject(massCancel(1, 0, reason), ResultCode.INVALID_CANCEL_REASON);
    }
  });
});

describe('the reason of a cancel', () => {
  const cancelWith = (accountId: number, targetId: number, reason: number) => ({ type: CommandType.CANCEL_ORDER, accountId, targetId, symbolId: SYM, reason }) as const;

  it('is USER for a cancel without one (every client cancel, every cancel journaled before reasons) and for USER', () => {
    const t = funded();
    for (const reason of [0, CancelReason.USER]) {
      const id = t.rest(1, BUY, 90, 2);
      expect(cancels(t.submit(cancelWith(1, id, reason)))).toEqual([[id, CancelReason.USER, 2]]);
    }
  });

  it('is DISCONNECT for the gateway\'s cancel-on-disconnect of one order, and only that order goes', () => {
    const t = funded();
    const gone = t.rest(1, BUY, 90, 1);
    const kept = t.rest(1, BUY, 91, 1);
    const events = t.submit(cancelWith(1, gone, CancelReason.DISCONNECT));
    expectAccepted(events);
    expect(cancels(events)).toEqual([[gone, CancelReason.DISCONNECT, 1]]);
    expect(t.leaves(kept)).toBe(1);
  });

  it('refuses every other reason INVALID_CANCEL_REASON and keeps the order', () => {
    const t = funded();
    const id = t.rest(1, BUY, 90, 1);
    for (const reason of [CancelReason.UNFILLED, CancelReason.SELF_TRADE, CancelReason.EXPIRED, CancelReason.KILL_SWITCH, 7, 255]) {
      t.expectReject(cancelWith(1, id, reason), ResultCode.INVALID_CANCEL_REASON);
    }
    // The reason is checked first: a bad reason on an unknown order is still a bad reason.
    t.expectReject(cancelWith(1, 999_999, CancelReason.EXPIRED), ResultCode.INVALID_CANCEL_REASON);
    expect(t.leaves(id)).toBe(1);
  });
});

describe('kill switch (account block)', () => {
  it('cancels all the account’s orders with KILL_SWITCH and refuses new ones until unblocked', () => {
    const t = funded();
    const ids = book(t);
    const events = t.submit({ type: CommandType.ACCOUNT_BLOCK, accountId: 1 });
    expect(cancels(events)).toEqual(ids[1]!.map((id) => [id, CancelReason.KILL_SWITCH, 1]));
    const place = { type: CommandType.PLACE_ORDER, symbolId: SYM, orderType: OrderType.LIMIT, tif: 1, accountId: 1, side: BUY, price: 90, qty: 1 };
    t.expectReject(place, ResultCode.ACCOUNT_BLOCKED);
    t.expectReject({ type: CommandType.ACCOUNT_BLOCK, accountId: 1 }, ResultCode.ACCOUNT_ALREADY_BLOCKED);
    // Money can still move.
    expectAccepted(t.withdraw(1, QUOTE, 5));
    expectAccepted(t.submit({ type: CommandType.ACCOUNT_UNBLOCK, accountId: 1 }));
    t.expectReject({ type: CommandType.ACCOUNT_UNBLOCK, accountId: 1 }, ResultCode.ACCOUNT_NOT_BLOCKED);
    expectAccepted(t.submit(place));
  });

  it('does not apply to the fee account or an unknown account', () => {
    const t = funded();
    t.expectReject({ type: CommandType.ACCOUNT_BLOCK, accountId: 0 }, ResultCode.UNKNOWN_ACCOUNT);
    t.expectReject({ type: CommandType.ACCOUNT_BLOCK, accountId: 7 }, ResultCode.UNKNOWN_ACCOUNT);
  });
});
