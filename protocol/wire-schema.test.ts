import { describe, expect, it } from 'vitest';
import { GatewayCode } from './gateway-codes.js';
import { requestIdOf, validateBatchOrder, validateClientMessage } from './wire-schema.js';

function codeOf(value: unknown): number {
  const r = validateClientMessage(value, { batchOrdersMax: 3 });
  return r.ok ? 0 : r.error.code;
}

const place = { type: 'place', id: 1, symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5' };

describe('validateClientMessage', () => {
  it('accepts every message type in its minimal and full forms', () => {
    const valid: unknown[] = [
      { type: 'login', id: 0, account: 1, apiKey: 'k'.repeat(16) },
      { type: 'login', id: 1, account: 2, apiKey: 'k'.repeat(128), cancelOnDisconnect: true },
      { type: 'login', id: 1, account: 2, apiKey: 'k'.repeat(16), cancelOnDisconnect: 'session' },
      { type: 'login', id: 1, account: 2, apiKey: 'k'.repeat(16), cancelOnDisconnect: 'account' },
      place,
      { ...place, tif: 'gtd', stopPrice: '1', clOrdId: 'abc-1', postOnly: false, stp: 'cancel_both', expireAtUs: 1 },
      { type: 'cancel', id: 2, orderId: 0 },
      { type: 'amend', id: 3, orderId: 9, symbol: 'BTC-USD', qty: '1' },
      { type: 'mass_cancel', id: 4 },
      { type: 'mass_cancel', id: 4, symbol: 'ETH-USD' },
      { type: 'subscribe', id: 5, channel: 'book', symbol: 'BTC-USD' },
      { type: 'unsubscribe', id: 6, channel: 'bbo', symbol: 'BTC-USD' },
      { type: 'ping', id: Number.MAX_SAFE_INTEGER },
      { type: 'batch', id: 7, orders: [place, { type: 'cancel', id: 2, orderId: 1 }] },
      Object.assign(Object.create(null) as object, { type: 'ping', id: 1 }),
    ];
    for (const v of valid) expect(codeOf(v), JSON.stringify(v)).toBe(0);
  });

  it('pins the code of each malformed message', () => {
    const cases: Array<[unknown, GatewayCode]> = [
      [null, GatewayCode.NOT_AN_OBJECT],
      [[place], GatewayCode.NOT_AN_OBJECT],
      ['ping', GatewayCode.NOT_AN_OBJECT],
      [42, GatewayCode.NOT_AN_OBJECT],
      [new Date(0), GatewayCode.NOT_AN_OBJECT],
      [{ id: 1 }, GatewayCode.MISSING_FIELD],
      [{ type: 7, id: 1 }, GatewayCode.INVALID_FIELD_TYPE],
      [{ type: 'shutdown', id: 1 }, GatewayCode.UNKNOWN_MESSAGE_TYPE],
      [{ type: 'toString', id: 1 }, GatewayCode.UNKNOWN_MESSAGE_TYPE],
      [{ type: '__proto__', id: 1 }, GatewayCode.UNKNOWN_MESSAGE_TYPE],
      [{ type: 'ping', id: 1, extra: true }, GatewayCode.UNKNOWN_FIELD],
      [{ ...place, account: 2 }, GatewayCode.UNKNOWN_FIELD],
      [Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, i])), GatewayCode.UNKNOWN_FIELD],
      [{ type: 'ping' }, GatewayCode.MISSING_FIELD],
      [{ type: 'ping', id: '1' }, GatewayCode.INVALID_FIELD_TYPE],
      [{ type: 'login', id: 1, account: 2, apiKey: 'k'.repeat(16), cancelOnDisconnect: 'all' }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'login', id: 1, account: 2, apiKey: 'k'.repeat(16), cancelOnDisconnect: 1 }, GatewayCode.INVALID_FIELD_TYPE],
      [{ type: 'login', id: 1, account: 2, apiKey: 'k'.repeat(16), bundle: 'session' }, GatewayCode.INVALID_FIELD_TYPE],
      [{ type: 'ping', id: -1 }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'ping', id: 1.5 }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'ping', id: NaN }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'ping', id: Infinity }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'ping', id: 2 ** 53 }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'ping', id: 10n }, GatewayCode.INVALID_FIELD_TYPE],
      [{ ...place, qty: 0.5 }, GatewayCode.INVALID_FIELD_TYPE],
      [{ ...place, qty: '-0.5' }, GatewayCode.INVALID_DECIMAL],
      [{ ...place, qty: '5e-1' }, GatewayCode.INVALID_DECIMAL],
      [{ ...place, qty: 'NaN' }, GatewayCode.INVALID_DECIMAL],
      [{ ...place, qty: '1'.repeat(41) }, GatewayCode.INVALID_DECIMAL],
      [{ ...place, price: null }, GatewayCode.INVALID_FIELD_TYPE],
      [{ ...place, side: 'BUY' }, GatewayCode.INVALID_FIELD_VALUE],
      [{ ...place, orderType: 'iceberg' }, GatewayCode.INVALID_FIELD_VALUE],
      [{ ...place, postOnly: 1 }, GatewayCode.INVALID_FIELD_TYPE],
      [{ ...place, clOrdId: 'has space' }, GatewayCode.INVALID_FIELD_VALUE],
      [{ ...place, clOrdId: 'x'.repeat(33) }, GatewayCode.INVALID_FIELD_VALUE],
      [{ ...place, clOrdId: '' }, GatewayCode.INVALID_FIELD_VALUE],
      [{ ...place, symbol: 'S'.repeat(33) }, GatewayCode.INVALID_FIELD_VALUE],
      [{ ...place, symbol: undefined }, GatewayCode.INVALID_FIELD_TYPE],
      [{ type: 'login', id: 1, account: 0, apiKey: 'k'.repeat(16) }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'login', id: 1, account: 1, apiKey: 'short' }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'login', id: 1, account: 1, apiKey: 'k'.repeat(15) + ' ' }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'subscribe', id: 1, channel: 'candles', symbol: 'BTC-USD' }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'batch', id: 1, orders: {} }, GatewayCode.INVALID_FIELD_TYPE],
      [{ type: 'batch', id: 1, orders: [] }, GatewayCode.INVALID_FIELD_VALUE],
      [{ type: 'batch', id: 1, orders: [1, 2, 3, 4] }, GatewayCode.BATCH_TOO_LARGE],
    ];
    for (const [value, code] of cases) expect(codeOf(value), String(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? 'bigint' : v)))).toBe(code);
  });

  it('echoes a valid request id in a refusal so the client can match it', () => {
    expect(validateClientMessage({ type: 'ping', id: 5, x: 1 })).toMatchObject({ ok: false, id: 5 });
    expect(validateClientMessage({ type: 'ping', id: -5, x: 1 })).toMatchObject({ ok: false, id: null });
    expect(requestIdOf([1])).toBeNull();
  });

  it('validates batch elements on their own: orders only, no nested batch', () => {
    expect(validateBatchOrder(place).ok).toBe(true);
    expect(validateBatchOrder({ type: 'cancel', id: 1, orderId: 2 }).ok).toBe(true);
    for (const bad of [{ type: 'ping', id: 1 }, { type: 'batch', id: 1, orders: [place] }, { type: 'login', id: 1, account: 1, apiKey: 'k'.repeat(16) }]) {
      expect(validateBatchOrder(bad)).toMatchObject({ ok: false, id: 1, error: { code: GatewayCode.UNKNOWN_MESSAGE_TYPE } });
    }
  });
});
