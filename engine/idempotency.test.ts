import { describe, expect, it } from 'vitest';
import { ResultCode } from './result-code.js';
import { acceptedId, BUY, CommandType, expectAccepted, funded, type Harness, OrderType, SELL, SYM, TimeInForce } from '../testkit/unit-fixtures.js';

// The test configuration remembers the last 4 accepted client order ids (across all accounts).
const placeWith = (accountId: number, clOrdId: string) =>
  ({ type: CommandType.PLACE_ORDER, symbolId: SYM, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, accountId, side: BUY, price: 90, qty: 1, clOrdId }) as const;

function fillWindow(t: Harness, ids: readonly string[]): void {
  for (const id of ids) t.cancel(3, acceptedId(t.submit(placeWith(3, id))));
}

describe('client order ids', () => {
  it('are echoed on ACCEPTED and REJECTED', () => {
    const t = funded();
    expect(expectAccepted(t.submit(placeWith(1, 'ord-1'))).clOrdId).toBe('ord-1');
    expect(t.expectReject(placeWith(1, 'ord-1'), ResultCode.DUPLICATE_CLIENT_ORDER_ID).clOrdId).toBe('ord-1');
  });

  it('a duplicate of a live order is rejected, even after the id left the window', () => {
    const t = funded();
    const first = acceptedId(t.submit(placeWith(1, 'A')));
    t.expectReject(placeWith(1, 'A'), ResultCode.DUPLICATE_CLIENT_ORDER_ID);
    fillWindow(t, ['B', 'C', 'D', 'E']);
    t.expectReject(placeWith(1, 'A'), ResultCode.DUPLICATE_CLIENT_ORDER_ID);
    t.cancel(1, first);
    expectAccepted(t.submit(placeWith(1, 'A')));
  });

  it('a duplicate of a done order is rejected while the id is in the window, and accepted after', () => {
    const t = funded();
    t.cancel(1, acceptedId(t.submit(placeWith(1, 'A'))));
    t.expectReject(placeWith(1, 'A'), ResultCode.DUPLICATE_CLIENT_ORDER_ID);
    fillWindow(t, ['B', 'C', 'D']);
    t.expectReject(placeWith(1, 'A'), ResultCode.DUPLICATE_CLIENT_ORDER_ID);
    fillWindow(t, ['E']);
    expectAccepted(t.submit(placeWith(1, 'A')));
  });

  it('an order done on arrival (filled IOC) still takes its id', () => {
    const t = funded();
    t.rest(2, SELL, 90, 1);
    expectAccepted(t.submit({ ...placeWith(1, 'X'), tif: TimeInForce.IOC }));
    expect(t.engine.liveOrders).toBe(0);
    t.expectReject(placeWith(1, 'X'), ResultCode.DUPLICATE_CLIENT_ORDER_ID);
  });

  it('are scoped per account', () => {
    const t = funded();
    t.submit(placeWith(1, 'A'));
    expectAccepted(t.submit(placeWith(2, 'A')));
  });

  it('of a rejected order are not taken, and orders without one do not use the window', () => {
    const t = funded();
    t.expectReject({ ...placeWith(1, 'R'), qty: 0 }, ResultCode.INVALID_QUANTITY);
    t.cancel(1, acceptedId(t.submit(placeWith(1, 'A'))));
    for (let i = 0; i < 5; i++) t.cancel(3, t.rest(3, BUY, 90, 1));
    t.expectReject(placeWith(1, 'A'), ResultCode.DUPLICATE_CLIENT_ORDER_ID);
    expectAccepted(t.submit(placeWith(1, 'R')));
  });
});
