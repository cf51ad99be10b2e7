import { describe, expect, it } from 'vitest';
import { ResultCode } from './result-code.js';
import {
  BASE,
  BUY,
  CommandType,
  EventType,
  expectAccepted,
  FUNDS,
  funded,
  Harness,
  ofType,
  one,
  OrderType,
  QUOTE,
  SELL,
  SYM,
  testConfig,
} from '../testkit/unit-fixtures.js';
import { FEE_ACCOUNT_ID } from './symbol-config.js';

const FEE = FEE_ACCOUNT_ID;

function sumOf(t: Harness, assetId: number): number {
  let sum = 0;
  for (let id = 0; id <= t.config.maxAccounts; id++) {
    if (t.engine.accounts.exists[id] !== 1) continue;
    const b = t.balance(id, assetId);
    sum += b.available + b.reserved;
  }
  return sum;
}

describe('reservations', () => {
  it('a buy holds notional plus the fee at the higher rate; a sell holds its base', () => {
    const t = funded();
    // 10 at 100: 1000 + floor(1000 × max(10, 20) / 10 000) = 1002.
    t.rest(1, BUY, 100, 10);
    expect(t.balance(1, QUOTE)).toEqual({ available: FUNDS - 1_002, reserved: 1_002 });
    t.rest(1, SELL, 200, 7);
    expect(t.balance(1, BASE)).toEqual({ available: FUNDS - 7, reserved: 7 });
  });

  it('follow the symbol’s units: base = qty × baseLotUnits, notional = price × qty × quoteTickUnits', () => {
    const t = funded(1, testConfig({}, { baseLotUnits: 100, quoteTickUnits: 5 }));
    // 3 lots at 70: notional 70 × 3 × 5 = 1050, fee floor(1050 × 20 / 10 000) = 2.
    t.rest(1, BUY, 70, 3);
    expect(t.balance(1, QUOTE).reserved).toBe(1_052);
    t.rest(1, SELL, 80, 3);
    expect(t.balance(1, BASE).reserved).toBe(300);
  });

  it('are released in full by a cancel', () => {
    const t = funded();
    const bid = t.rest(1, BUY, 100, 10);
    const ask = t.rest(1, SELL, 200, 7);
    const events = t.cancel(1, bid);
    expect(one(events, EventType.BALANCE)).toMatchObject({ accountId: 1, symbolId: QUOTE, qty: FUNDS, leavesQty: 0 });
    t.cancel(1, ask);
    expect(t.balance(1, QUOTE)).toEqual({ available: FUNDS, reserved: 0 });
    expect(t.balance(1, BASE)).toEqual({ available: FUNDS, reserved: 0 });
  });

  it('an order the account cannot pay for is rejected INSUFFICIENT_FUNDS; reserved funds do not count', () => {
    const t = new Harness();
    t.createAccount(1);
    t.deposit(1, QUOTE, 1_002);
    t.deposit(1, BASE, 5);
    const place = { type: CommandType.PLACE_ORDER, symbolId: SYM, orderType: OrderType.LIMIT, tif: 1, accountId: 1 };
    t.expectReject({ ...place, side: BUY, price: 100, qty: 11 }, ResultCode.INSUFFICIENT_FUNDS);
    t.expectReject({ ...place, side: SELL, price: 100, qty: 6 }, ResultCode.INSUFFICIENT_FUNDS);
    t.rest(1, BUY, 100, 10);
    t.expectReject({ ...place, side: BUY, price: 1, qty: 1 }, ResultCode.INSUFFICIENT_FUNDS);
    t.expectReject({ type: CommandType.WITHDRAW, accountId: 1, symbolId: QUOTE, qty: 1, targetId: 99 }, ResultCode.INSUFFICIENT_FUNDS);
  });
});

describe('settlement and fees', () => {
  it('a taker buy: buyer pays notional + taker fee, seller gets notional − maker fee, the fee account both', () => {
    const t = funded();
    t.rest(1, SELL, 100, 10);
    const events = t.limit(2, BUY, 100, 10);
    // notional 1000, taker fee floor(1000 × 20 / 10 000) = 2, maker fee floor(1000 × 10 / 10 000) = 1
    expect(one(events, EventType.TRADE)).toMatchObject({ takerFee: 2, makerFee: 1 });
    expect(t.balance(2, QUOTE)).toEqual({ available: FUNDS - 1_002, reserved: 0 });
    expect(t.balance(2, BASE)).toEqual({ available: FUNDS + 10, reserved: 0 });
    expect(t.balance(1, QUOTE)).toEqual({ available: FUNDS + 999, reserved: 0 });
    expect(t.balance(1, BASE)).toEqual({ available: FUNDS - 10, reserved: 0 });
    expect(t.balance(FEE, QUOTE)).toEqual({ available: 3, reserved: 0 });
    // BALANCE events: absolute values, once per touched account and asset, in first-touched order.
    expect(ofType(events, EventType.BALANCE).map((e) => [e.accountId, e.symbolId, e.qty, e.leavesQty])).toEqual([
      [2, QUOTE, FUNDS - 1_002, 0],
      [2, BASE, FUNDS + 10, 0],
      [1, BASE, FUNDS - 10, 0],
      [1, QUOTE, FUNDS + 999, 0],
      [FEE, QUOTE, 3, 0],
    ]);
  });

  it('a taker sell: a resting buy pays the maker fee and gets back what it held for the taker rate', () => {
    const t = funded();
    t.rest(1, BUY, 100, 10);
    t.limit(2, SELL, 100, 10);
    expect(t.balance(1, QUOTE)).toEqual({ available: FUNDS - 1_001, reserved: 0 });
    expect(t.balance(2, QUOTE)).toEqual({ available: FUNDS + 998, reserved: 0 });
    expect(t.balance(FEE, QUOTE).available).toBe(3);
  });

  it('fees round down per fill: 3 at 333 (notional 999) pays taker 1 (1.998) and maker 0 (0.999)', () => {
    const t = funded();
    t.rest(1, SELL, 333, 3);
    const trade = one(t.limit(2, BUY, 333, 3), EventType.TRADE);
    expect([trade.takerFee, trade.makerFee]).toEqual([1, 0]);
    expect(t.balance(2, QUOTE).available).toBe(FUNDS - 1_000);
    expect(t.balance(1, QUOTE).available).toBe(FUNDS + 999);
    expect(t.balance(FEE, QUOTE).available).toBe(1);
  });

  it('one order filled in two halves pays the rounded fee of each fill', () => {
    const t = funded();
    t.rest(1, SELL, 100, 5);
    t.rest(3, SELL, 100, 5);
    const trades = ofType(t.limit(2, BUY, 100, 10), EventType.TRADE);
    // Each fill: notional 500, taker floor(1.0) = 1, maker floor(0.5) = 0 (one fill of 1000 would give the makers 1).
    expect(trades.map((e) => [e.takerFee, e.makerFee])).toEqual([
      [1, 0],
      [1, 0],
    ]);
    expect(t.balance(FEE, QUOTE).available).toBe(2);
  });

  it('a buy filled below its limit is charged the trade price and released the rest', () => {
    const t = funded();
    t.rest(1, SELL, 100, 10);
    // Reserved 10 at 110: 1100 + 2 = 1102; paid 1000 + 2.
    t.limit(2, BUY, 110, 10);
    expect(t.balance(2, QUOTE)).toEqual({ available: FUNDS - 1_002, reserved: 0 });
  });

  it('a partial fill keeps exactly what the leaves need', () => {
    const t = funded();
    t.rest(1, SELL, 100, 4);
    const bid = expectAccepted(t.limit(2, BUY, 100, 10)).orderId;
    // Paid 400 + floor(0.8) = 400; leaves 6 need 600 + floor(1.2) = 601.
    expect(t.reservedBy(bid)).toBe(601);
    expect(t.balance(2, QUOTE)).toEqual({ available: FUNDS - 400 - 601, reserved: 601 });
  });

  it('conserve every asset: balances sum to deposits minus withdrawals', () => {
    const t = funded();
    t.rest(1, SELL, 333, 3);
    t.rest(1, SELL, 101, 4);
    t.limit(2, BUY, 333, 5);
    t.rest(3, BUY, 90, 7);
    t.limit(1, SELL, 90, 2);
    expectAccepted(t.withdraw(2, QUOTE, 1_234));
    expect(sumOf(t, QUOTE)).toBe(3 * FUNDS - 1_234);
    expect(sumOf(t, BASE)).toBe(3 * FUNDS);
    expect(t.engine.accounts.supply[QUOTE]).toBe(3 * FUNDS - 1_234);
  });
});

describe('deposits and withdrawals', () => {
  it('move available balance and report it', () => {
    const t = new Harness();
    t.createAccount(1);
    const dep = t.deposit(1, QUOTE, 500, 7);
    expect(expectAccepted(dep)).toMatchObject({ accountId: 1, symbolId: QUOTE, orderId: 7, qty: 500 });
    expect(one(dep, EventType.BALANCE)).toMatchObject({ accountId: 1, symbolId: QUOTE, qty: 500, leavesQty: 0 });
    expect(one(t.withdraw(1, QUOTE, 200, 8), EventType.BALANCE).qty).toBe(300);
    expect(t.engine.accounts.supply[QUOTE]).toBe(300);
  });

  it('apply a transfer id once: again it is TRANSFER_ALREADY_APPLIED, as deposit or withdrawal', () => {
    const t = new Harness();
    t.createAccount(1);
    t.deposit(1, QUOTE, 500, 7);
    t.expectReject({ type: CommandType.DEPOSIT, accountId: 1, symbolId: QUOTE, qty: 500, targetId: 7 }, ResultCode.TRANSFER_ALREADY_APPLIED);
    t.expectReject({ type: CommandType.WITHDRAW, accountId: 1, symbolId: QUOTE, qty: 1, targetId: 7 }, ResultCode.TRANSFER_ALREADY_APPLIED);
  });

  it('answer an id that has left the window, or any id at or below the oldest one evicted, TRANSFER_ID_TOO_OLD', () => {
    const t = new Harness(); // transfer window of 4
    t.createAccount(1);
    for (const id of [10, 11, 12, 13, 14]) t.deposit(1, QUOTE, 1, id);
    // 10 was evicted: it may have been applied, so it is refused rather than applied twice.
    t.expectReject({ type: CommandType.DEPOSIT, accountId: 1, symbolId: QUOTE, qty: 1, targetId: 10 }, ResultCode.TRANSFER_ID_TOO_OLD);
    t.expectReject({ type: CommandType.DEPOSIT, accountId: 1, symbolId: QUOTE, qty: 1, targetId: 3 }, ResultCode.TRANSFER_ID_TOO_OLD);
    // 11 is still in the window: already applied.
    t.expectReject({ type: CommandType.DEPOSIT, accountId: 1, symbolId: QUOTE, qty: 1, targetId: 11 }, ResultCode.TRANSFER_ALREADY_APPLIED);
    // An id above the watermark that was never used is fine, even below the newest.
    expectAccepted(t.deposit(1, QUOTE, 1, 15));
  });

  it('refuse a deposit that would take an asset’s supply past 2^53 − 1 (SUPPLY_OVERFLOW)', () => {
    const t = new Harness();
    t.createAccount(1);
    t.createAccount(2);
    t.deposit(1, QUOTE, Number.MAX_SAFE_INTEGER - 10);
    t.expectReject({ type: CommandType.DEPOSIT, accountId: 2, symbolId: QUOTE, qty: 11, targetId: 50 }, ResultCode.SUPPLY_OVERFLOW);
    expectAccepted(t.deposit(2, QUOTE, 10));
    expect(t.engine.accounts.supply[QUOTE]).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('open order limit', () => {
  it('an account at its maximum of live orders (pending stops included) is rejected MAX_OPEN_ORDERS', () => {
    const t = funded(2, testConfig({ maxOpenOrdersPerAccount: 2 }));
    const bid = t.rest(1, BUY, 90, 1);
    t.place({ accountId: 1, side: BUY, orderType: OrderType.STOP_LIMIT, stopPrice: 200, price: 90, qty: 1 });
    const place = { type: CommandType.PLACE_ORDER, symbolId: SYM, orderType: OrderType.LIMIT, tif: 1, accountId: 1, side: BUY, price: 90, qty: 1 };
    t.expectReject(place, ResultCode.MAX_OPEN_ORDERS);
    // Other accounts are not affected; a cancel frees a place.
    t.rest(2, BUY, 90, 1);
    t.cancel(1, bid);
    expectAccepted(t.submit(place));
  });
});
