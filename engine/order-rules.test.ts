import { describe, expect, it } from 'vitest';
import { FLAG_POST_ONLY, OrderType, TimeInForce } from './command-layout.js';
import { needsExpiry, ORDER_TYPE_RULES, orderTypeRule } from './order-rules.js';
import { ResultCode } from './result-code.js';
import { BUY, EventType, funded } from '../testkit/unit-fixtures.js';

const TYPES = [OrderType.LIMIT, OrderType.MARKET, OrderType.STOP_LIMIT, OrderType.STOP_MARKET];
const TIFS = [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD];

/** The code the core gives a buy of `type` and `tif`, with the fields the table asks for. */
function coreCode(type: OrderType, tif: TimeInForce, postOnly: boolean): number {
  const t = funded(1);
  const rule = orderTypeRule(type);
  if (rule === undefined) throw new Error(`no rule for ${type}`);
  const events = t.place({
    accountId: 1,
    side: BUY,
    orderType: type,
    tif,
    price: rule.needsPrice ? 100 : 0,
    // A stop above any trade so far: it pends, whatever its type.
    stopPrice: rule.stop ? 200 : 0,
    qty: 1,
    expireAtUs: needsExpiry(tif) ? 1_000_000_000 : 0,
    flags: postOnly ? FLAG_POST_ONLY : 0,
  });
  const result = events.find((e) => e.type === EventType.ACCEPTED || e.type === EventType.REJECTED);
  return result?.type === EventType.REJECTED ? result.code : ResultCode.OK;
}

describe('the order rules table is what the core enforces', () => {
  it('lists every order type once', () => {
    expect(ORDER_TYPE_RULES.map((r) => r.type).sort()).toEqual([...TYPES].sort());
    expect(orderTypeRule(0)).toBeUndefined();
    expect(orderTypeRule(5)).toBeUndefined();
  });

  it('accepts a time in force exactly where the table does, else rejects it as INVALID_TIME_IN_FORCE', () => {
    for (const type of TYPES) {
      for (const tif of TIFS) {
        const allowed = orderTypeRule(type)?.coreTifs.includes(tif) === true;
        expect([type, tif, coreCode(type, tif, false)]).toEqual([type, tif, allowed ? ResultCode.OK : ResultCode.INVALID_TIME_IN_FORCE]);
      }
    }
  });

  it('accepts post-only exactly where the table does, else rejects it as INVALID_FLAGS', () => {
    for (const type of TYPES) {
      for (const tif of TIFS) {
        const rule = orderTypeRule(type);
        if (rule?.coreTifs.includes(tif) !== true) continue;
        const allowed = rule.postOnlyTifs.includes(tif);
        expect([type, tif, coreCode(type, tif, true)]).toEqual([type, tif, allowed ? ResultCode.OK : ResultCode.INVALID_FLAGS]);
      }
    }
  });

  it('keeps the one cell where the gateway is stricter than the core: stop-market with GTC or GTD', () => {
    const stopMarket = orderTypeRule(OrderType.STOP_MARKET);
    expect(stopMarket?.tifs).toEqual([TimeInForce.IOC, TimeInForce.FOK]);
    expect(stopMarket?.coreTifs).toEqual(TIFS);
    for (const rule of ORDER_TYPE_RULES) if (rule.type !== OrderType.STOP_MARKET) expect(rule.coreTifs).toEqual(rule.tifs);
  });
});
