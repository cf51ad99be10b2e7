import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { GatewayCode } from '../protocol/gateway-codes.js';
import { intakeFrame } from './frame-intake.js';

const place = { type: 'place', id: 1, symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '1.00', qty: '1' };

describe('intakeFrame', () => {
  it('hands over one valid message with the frame format to reply in', () => {
    expect(intakeFrame(Buffer.from(JSON.stringify({ type: 'ping', id: 1 })), false)).toEqual({ kind: 'message', format: 'json', message: { type: 'ping', id: 1 } });
    expect(intakeFrame(Buffer.from(encode({ type: 'ping', id: 1 })), true)).toMatchObject({ kind: 'message', format: 'msgpack' });
  });

  it('refuses a broken frame with a reply carrying the request id when there is one', () => {
    expect(intakeFrame(Buffer.from('{"type":"ping"'), false)).toMatchObject({ kind: 'refused', format: 'json', reply: { id: null, code: GatewayCode.MALFORMED_JSON } });
    expect(intakeFrame(Buffer.from(encode({ type: 'ping', id: 4, x: 1 })), true)).toMatchObject({
      kind: 'refused',
      format: 'msgpack',
      reply: { type: 'reject', id: 4, code: GatewayCode.UNKNOWN_FIELD, name: 'UNKNOWN_FIELD' },
    });
  });

  it('validates batch orders one by one: a bad one is refused alone', () => {
    const frame = { type: 'batch', id: 9, orders: [place, { ...place, id: 2, qty: 1 }, { type: 'cancel', id: 3, orderId: 7 }] };
    const intake = intakeFrame(Buffer.from(JSON.stringify(frame)), false);
    expect(intake).toMatchObject({
      kind: 'batch',
      id: 9,
      items: [{ ok: true, message: place }, { ok: false, reply: { id: 2, code: GatewayCode.INVALID_FIELD_TYPE } }, { ok: true }],
    });
    const tooMany = { type: 'batch', id: 10, orders: Array.from({ length: 65 }, () => place) };
    expect(intakeFrame(Buffer.from(JSON.stringify(tooMany)), false)).toMatchObject({ kind: 'refused', reply: { id: 10, code: GatewayCode.BATCH_TOO_LARGE } });
  });
});
