import { describe, expect, it } from 'vitest';
import { ResultCode } from './result-code.js';
import { acceptedId, BUY, CancelReason, cancels, CommandType, expectAccepted, fills, funded, OrderType, SELL, SYM, SYM2, TimeInForce } from '../testkit/unit-fixtures.js';

const halt = { type: CommandType.SYMBOL_HALT, symbolId: SYM } as const;
const resume = { type: CommandType.SYMBOL_RESUME, symbolId: SYM } as const;

describe('symbol halt', () => {
  it('refuses new orders and amends on the halted symbol only, and trading resumes after', () => {
    const t = funded();
    const bid = t.rest(1, BUY, 90, 1);
    expectAccepted(t.submit(halt));
    const place = { type: CommandType.PLACE_ORDER, symbolId: SYM, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, accountId: 2, side: SELL, price: 90, qty: 1 };
    t.expectReject(place, ResultCode.SYMBOL_HALTED);
    t.expectReject({ type: CommandType.AMEND_ORDER, accountId: 1, symbolId: SYM, targetId: bid, qty: 2 }, ResultCode.SYMBOL_HALTED);
    t.rest(1, BUY, 90, 1, { symbolId: SYM2 });
    expect(fills(t.limit(2, SELL, 90, 1, { symbolId: SYM2 }))).toHaveLength(1);
    expectAccepted(t.submit(resume));
    expect(fills(t.submit(place))).toEqual([[bid, 90, 1]]);
  });

  it('still lets orders be cancelled, mass cancelled and expire', () => {
    const t = funded();
    const a = t.rest(1, BUY, 90, 1);
    const b = t.rest(1, BUY, 91, 1);
    const c = acceptedId(t.limit(2, BUY, 92, 1, { tif: TimeInForce.GTD, expireAtUs: 100 }));
    t.submit(halt);
    expect(cancels(t.cancel(1, a))).toEqual([[a, CancelReason.USER, 1]]);
    expect(cancels(t.submit({ type: CommandType.MASS_CANCEL, accountId: 1, reason: CancelReason.DISCONNECT }))).toEqual([[b, CancelReason.DISCONNECT, 1]]);
    expect(cancels(t.tick(100))).toEqual([[c, CancelReason.EXPIRED, 1]]);
  });
});
