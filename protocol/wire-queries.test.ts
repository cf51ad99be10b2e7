import { describe, expect, it } from 'vitest';
import { intakeFrame } from '../gateway/frame-intake.js';
import { GatewayCode } from './gateway-codes.js';
import { FILLS_LIMIT_MAX, OPEN_ORDERS_LIMIT_MAX } from './wire-schema.js';

/**
 * The query messages and the new order fields, fed to the gateway's intake as the raw text a
 * client sends, each malformed one pinned to its stable code and its exact reply bytes' shape:
 * bad ids, both or neither of orderId and clOrdId, oversized pages, unknown fields.
 */
function intake(text: string): { code: number; reply: string } {
  const result = intakeFrame(Buffer.from(text, 'utf8'), false);
  if (result.kind !== 'refused') return { code: 0, reply: '' };
  const reply = result.reply as { code: number };
  return { code: reply.code, reply: JSON.stringify(result.reply) };
}

describe('query messages at the intake', () => {
  it('accepts each query in its minimal and full forms', () => {
    for (const text of [
      '{"type":"open_orders","id":1}',
      '{"type":"open_orders","id":1,"symbol":"BTC-USD"}',
      `{"type":"open_orders","id":1,"symbol":"BTC-USD","afterOrderId":0,"limit":${OPEN_ORDERS_LIMIT_MAX}}`,
      '{"type":"order_status","id":2,"orderId":42}',
      '{"type":"order_status","id":2,"clOrdId":"my-1"}',
      '{"type":"balances","id":3}',
      '{"type":"fills","id":4}',
      `{"type":"fills","id":4,"symbol":"ETH-USD","fromSeq":0,"limit":${FILLS_LIMIT_MAX}}`,
      '{"type":"symbols","id":5}',
      '{"type":"cancel","id":6,"clOrdId":"my-1"}',
      '{"type":"amend","id":7,"orderId":9,"qty":"1"}',
    ]) {
      expect(intake(text).code, text).toBe(0);
    }
  });

  it('pins the code of each malformed query, with the request id echoed', () => {
    const cases: Array<[string, GatewayCode]> = [
      ['{"type":"order_status","id":8}', GatewayCode.MISSING_FIELD],
      ['{"type":"order_status","id":8,"orderId":1,"clOrdId":"a"}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"order_status","id":8,"orderId":-1}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"order_status","id":8,"orderId":"1"}', GatewayCode.INVALID_FIELD_TYPE],
      ['{"type":"order_status","id":8,"orderId":1.5}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"order_status","id":8,"orderId":9007199254740992}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"order_status","id":8,"clOrdId":""}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"order_status","id":8,"clOrdId":"has space"}', GatewayCode.INVALID_FIELD_VALUE],
      [`{"type":"order_status","id":8,"clOrdId":"${'x'.repeat(33)}"}`, GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"cancel","id":8}', GatewayCode.MISSING_FIELD],
      ['{"type":"cancel","id":8,"orderId":1,"clOrdId":"a"}', GatewayCode.INVALID_FIELD_VALUE],
      [`{"type":"fills","id":8,"limit":${FILLS_LIMIT_MAX + 1}}`, GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"fills","id":8,"limit":0}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"fills","id":8,"fromSeq":-1}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"fills","id":8,"fromSeq":"1"}', GatewayCode.INVALID_FIELD_TYPE],
      ['{"type":"open_orders","id":8,"symbol":""}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"open_orders","id":8,"account":2}', GatewayCode.UNKNOWN_FIELD],
      [`{"type":"open_orders","id":8,"limit":${OPEN_ORDERS_LIMIT_MAX + 1}}`, GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"open_orders","id":8,"limit":0}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"open_orders","id":8,"afterOrderId":-1}', GatewayCode.INVALID_FIELD_VALUE],
      ['{"type":"open_orders","id":8,"afterOrderId":"7"}', GatewayCode.INVALID_FIELD_TYPE],
      ['{"type":"balances","id":8,"account":2}', GatewayCode.UNKNOWN_FIELD],
      ['{"type":"symbols","id":8,"all":true}', GatewayCode.UNKNOWN_FIELD],
    ];
    for (const [text, code] of cases) {
      const got = intake(text);
      expect(got.code, text).toBe(code);
      expect(JSON.parse(got.reply), text).toMatchObject({ type: 'reject', id: 8, code, name: GatewayCode[code] });
    }
  });

  it('answers both and neither of orderId and clOrdId with messages that say so', () => {
    expect(JSON.parse(intake('{"type":"order_status","id":1}').reply)).toEqual({
      type: 'reject',
      id: 1,
      code: GatewayCode.MISSING_FIELD,
      name: 'MISSING_FIELD',
      message: 'required field missing: orderId or clOrdId',
    });
    expect(JSON.parse(intake('{"type":"cancel","id":1,"orderId":1,"clOrdId":"a"}').reply)).toEqual({
      type: 'reject',
      id: 1,
      code: GatewayCode.INVALID_FIELD_VALUE,
      name: 'INVALID_FIELD_VALUE',
      message: 'field value is not allowed: orderId and clOrdId: give one',
    });
  });
});
