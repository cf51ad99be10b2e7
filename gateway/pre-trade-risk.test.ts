import { describe, expect, it } from 'vitest';
import { GatewayCode } from '../protocol/gateway-codes.js';
import { checkAmend, checkMassCancel, checkPlace, type MarketView, OrderRateThrottle } from './pre-trade-risk.js';
import { TokenBucket } from './rate-limiter.js';
import { defaultWireConfig } from '../protocol/wire-config.js';
import type { PlaceMessage } from '../protocol/wire-schema.js';

const wire = defaultWireConfig();

function market(referenceTicks = 0, trading = true): MarketView {
  return { referencePriceTicks: () => referenceTicks, isTrading: () => trading };
}

function place(fields: Partial<PlaceMessage>): PlaceMessage {
  return { type: 'place', id: 1, symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5', ...fields };
}

function codeOf(result: { ok: boolean; error?: { code: number } }): number {
  return result.ok ? 0 : (result.error?.code ?? -1);
}

describe('checkPlace', () => {
  it('converts a valid limit order into ticks and lots', () => {
    const r = checkPlace(place({}), wire, market(5_000_000));
    expect(r).toMatchObject({ ok: true, value: { priceTicks: 5_000_000, qtyLots: 5_000, stopPriceTicks: 0 } });
  });

  it('pins the code of each refusal, in check order', () => {
    const cases: Array<[Partial<PlaceMessage>, MarketView, GatewayCode]> = [
      [{ symbol: 'DOGE-USD' }, market(), GatewayCode.UNKNOWN_SYMBOL],
      [{}, market(0, false), GatewayCode.SYMBOL_NOT_TRADING],
      [{ price: undefined }, market(), GatewayCode.INVALID_ORDER_COMBINATION],
      [{ stopPrice: '1.00' }, market(), GatewayCode.INVALID_ORDER_COMBINATION],
      [{ orderType: 'market', price: undefined, tif: 'gtc' }, market(), GatewayCode.INVALID_ORDER_COMBINATION],
      [{ orderType: 'stop_limit' }, market(), GatewayCode.INVALID_ORDER_COMBINATION],
      [{ orderType: 'stop_market', price: undefined }, market(), GatewayCode.INVALID_ORDER_COMBINATION],
      [{ postOnly: true, tif: 'ioc' }, market(), GatewayCode.INVALID_ORDER_COMBINATION],
      [{ tif: 'gtd' }, market(), GatewayCode.INVALID_ORDER_COMBINATION],
      [{ expireAtUs: 5 }, market(), GatewayCode.INVALID_ORDER_COMBINATION],
      [{ qty: '0.00005' }, market(), GatewayCode.QTY_NOT_LOT_MULTIPLE],
      [{ qty: '0' }, market(), GatewayCode.DECIMAL_OUT_OF_RANGE],
      [{ qty: '99999999999999999999' }, market(), GatewayCode.DECIMAL_OUT_OF_RANGE],
      [{ qty: '100.0001' }, market(), GatewayCode.QTY_ABOVE_MAX],
      [{ qty: '1e3' }, market(), GatewayCode.INVALID_DECIMAL],
      [{ price: '50000.001' }, market(), GatewayCode.PRICE_NOT_TICK_MULTIPLE],
      [{ price: '0.00' }, market(), GatewayCode.DECIMAL_OUT_OF_RANGE],
      [{ price: '1000000.01' }, market(), GatewayCode.PRICE_ABOVE_MAX],
      [{ price: '60000', qty: '100' }, market(), GatewayCode.NOTIONAL_ABOVE_MAX],
      [{ orderType: 'market', price: undefined, qty: '100' }, market(6_000_000), GatewayCode.NOTIONAL_ABOVE_MAX],
      [{ price: '55000.01' }, market(5_000_000), GatewayCode.PRICE_OUTSIDE_BAND],
      [{ price: '44999.99' }, market(5_000_000), GatewayCode.PRICE_OUTSIDE_BAND],
    ];
    for (const [fields, view, code] of cases) expect(codeOf(checkPlace(place(fields), wire, view)), JSON.stringify(fields)).toBe(code);
  });

  it('accepts the band edges and orders with no reference price', () => {
    expect(checkPlace(place({ price: '55000.00' }), wire, market(5_000_000)).ok).toBe(true);
    expect(checkPlace(place({ price: '45000.00' }), wire, market(5_000_000)).ok).toBe(true);
    expect(checkPlace(place({ price: '900000.00', qty: '0.0001' }), wire, market(0)).ok).toBe(true);
    expect(checkPlace(place({ orderType: 'market', price: undefined }), wire, market(0))).toMatchObject({ ok: true, value: { priceTicks: 0 } });
    expect(checkPlace(place({ orderType: 'stop_market', price: undefined, stopPrice: '48000' }), wire, market(5_000_000))).toMatchObject({
      ok: true,
      value: { stopPriceTicks: 4_800_000 },
    });
    expect(checkPlace(place({ tif: 'gtd', expireAtUs: 1 }), wire, market()).ok).toBe(true);
  });
});

/** A resting BTC-USD buy of 1 BTC at 51 020 USD, as the read model gives it to an amend. */
const BTC_ORDER = { symbolId: 1, price: 5_102_000, stopPrice: 0, qty: 10_000 };

describe('checkAmend and checkMassCancel', () => {
  it('converts present fields and leaves the rest 0 (unchanged)', () => {
    expect(checkAmend({ type: 'amend', id: 1, orderId: 7, qty: '0.2' }, BTC_ORDER, wire, market())).toMatchObject({
      ok: true,
      value: { qtyLots: 2_000, priceTicks: 0, stopPriceTicks: 0 },
    });
    const codes = [
      checkAmend({ type: 'amend', id: 1, orderId: 7, symbol: 'BTC-USD' }, BTC_ORDER, wire, market()),
      checkAmend({ type: 'amend', id: 1, orderId: 7, symbol: 'ETH-USD', price: '30' }, BTC_ORDER, wire, market()),
      checkAmend({ type: 'amend', id: 1, orderId: 7, price: '1.001' }, BTC_ORDER, wire, market()),
      checkAmend({ type: 'amend', id: 1, orderId: 7, price: '99999' }, BTC_ORDER, wire, market(5_000_000)),
      // 1 BTC at 51 020 amended to 99 BTC: 5.05M USD against the 5M limit.
      checkAmend({ type: 'amend', id: 1, orderId: 7, qty: '99' }, BTC_ORDER, wire, market(5_100_000)),
      // A price-only amend of a 97 BTC order to 54 536.08 USD: 5.29M USD.
      checkAmend({ type: 'amend', id: 1, orderId: 7, price: '54536.08' }, { ...BTC_ORDER, qty: 970_000 }, wire, market(5_200_000)),
    ].map(codeOf);
    expect(codes).toEqual([
      GatewayCode.INVALID_ORDER_COMBINATION,
      GatewayCode.INVALID_FIELD_VALUE,
      GatewayCode.PRICE_NOT_TICK_MULTIPLE,
      GatewayCode.PRICE_OUTSIDE_BAND,
      GatewayCode.NOTIONAL_ABOVE_MAX,
      GatewayCode.NOTIONAL_ABOVE_MAX,
    ]);
    expect(checkAmend({ type: 'amend', id: 1, orderId: 7, qty: '98' }, BTC_ORDER, wire, market(5_100_000)).ok).toBe(true);
    expect(checkMassCancel({ type: 'mass_cancel', id: 1 }, wire)).toEqual({ ok: true, value: 0 });
    expect(checkMassCancel({ type: 'mass_cancel', id: 1, symbol: 'ETH-USD' }, wire)).toEqual({ ok: true, value: 2 });
    expect(codeOf(checkMassCancel({ type: 'mass_cancel', id: 1, symbol: 'X' }, wire))).toBe(GatewayCode.UNKNOWN_SYMBOL);
  });
});

describe('OrderRateThrottle', () => {
  it('limits per session and per account independently', () => {
    let t = 0;
    const clock = (): number => t;
    const throttle = new OrderRateThrottle({ perSession: { ratePerSecond: 1, burst: 2 }, perAccount: { ratePerSecond: 1, burst: 3 }, accountsMax: 10 }, clock);
    const a = new TokenBucket({ ratePerSecond: 1, burst: 2 }, clock);
    const b = new TokenBucket({ ratePerSecond: 1, burst: 2 }, clock);
    expect([throttle.admit(a, 1), throttle.admit(a, 1)]).toEqual([null, null]);
    expect(throttle.admit(a, 1)?.code).toBe(GatewayCode.SESSION_RATE_LIMITED);
    expect(throttle.admit(b, 1)).toBeNull();
    expect(throttle.admit(b, 1)?.code).toBe(GatewayCode.ACCOUNT_RATE_LIMITED);
    // The session's token was given back: another account may use it.
    expect(throttle.admit(b, 2)).toBeNull();
    t += 1_000_000_000;
    expect(throttle.admit(a, 1)).toBeNull();
  });
});
