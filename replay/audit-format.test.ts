import { describe, expect, it } from 'vitest';
import { command } from '../engine/command-codec.js';
import { CommandType } from '../engine/command-layout.js';
import { decodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import { ResultCode } from '../engine/result-code.js';
import { namedCommand, namedEvent } from './audit-format.js';

/** What `ordo audit` calls each field: a transfer's as the transfer names them, an order's as the order does. */
describe('audit names', () => {
  it('names a deposit and its result by asset, amount and transfer id', () => {
    const deposit = command({ type: CommandType.DEPOSIT, accountId: 4, symbolId: 1, qty: 100_500_000, targetId: 77 });
    expect(namedCommand(deposit)).toEqual({ type: 'DEPOSIT', account: 4, asset: 1, amount: 100_500_000, transferId: 77 });
    const accepted = decodedEvent({ type: EventType.ACCEPTED, commandType: CommandType.DEPOSIT, accountId: 4, symbolId: 1, orderId: 77, qty: 100_500_000 });
    expect(namedEvent(accepted)).toEqual({ type: 'ACCEPTED', account: 4, asset: 1, transferId: 77, amount: 100_500_000 });
    const refused = decodedEvent({ type: EventType.REJECTED, commandType: CommandType.WITHDRAW, code: ResultCode.INSUFFICIENT_FUNDS, accountId: 4, symbolId: 1, orderId: 78, qty: 5 });
    expect(namedEvent(refused)).toEqual({ type: 'REJECTED', code: 'INSUFFICIENT_FUNDS', account: 4, asset: 1, transferId: 78, amount: 5 });
  });

  it("keeps an order's result named by symbol, order id and quantity", () => {
    const accepted = decodedEvent({ type: EventType.ACCEPTED, commandType: CommandType.PLACE_ORDER, accountId: 2, symbolId: 1, orderId: 9, qty: 3, side: 1 });
    expect(namedEvent(accepted)).toMatchObject({ type: 'ACCEPTED', account: 2, symbol: 1, orderId: 9, qty: 3 });
    expect(namedEvent(accepted)).not.toHaveProperty('transferId');
  });
});
