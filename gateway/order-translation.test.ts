import { describe, expect, it } from 'vitest';
import { CommandType, FLAG_POST_ONLY, OrderType, Side, StpMode, TimeInForce } from '../engine/command-layout.js';
import { CancelReason, EventType } from '../engine/event-layout.js';
import { ResultCode } from '../engine/result-code.js';
import { GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import {
  type AccountMessage,
  accountMessages,
  ackReply,
  amendCommand,
  cancelCommand,
  massCancelCommand,
  placeCommand,
  refusalReply,
  rejectReply,
} from './order-translation.js';
import { checkAmend, checkPlace, type MarketView } from './pre-trade-risk.js';
import { EngineFixture } from '../testkit/engine-fixture.js';
import type { AmendMessage, ExecutionReport, PlaceMessage } from '../protocol/wire-schema.js';

const openMarket: MarketView = { referencePriceTicks: () => 0, isTrading: () => true };

function placeVia(t: EngineFixture, accountId: number, fields: Partial<PlaceMessage>) {
  const msg: PlaceMessage = { type: 'place', id: 1, symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5', ...fields };
  const checked = checkPlace(msg, t.wire, openMarket);
  if (!checked.ok) throw new Error(checked.error.message);
  return t.apply(placeCommand(msg, checked.value, accountId, 0));
}

function messagesOf(t: EngineFixture, events: ReturnType<EngineFixture['submit']>): AccountMessage[] {
  const out: AccountMessage[] = [];
  const lookup = t.lookupFor(events);
  for (const ev of events) {
    lookup.next(ev);
    accountMessages(ev, t.wire, lookup, out);
  }
  return out;
}

function executions(messages: AccountMessage[]): Array<[number, ExecutionReport]> {
  return messages.filter((m) => m.message.type === 'execution').map((m) => [m.accountId, m.message as ExecutionReport]);
}

describe('wire → command', () => {
  it('maps every place field onto the command record enums and units', () => {
    const t = new EngineFixture();
    const msg: PlaceMessage = {
      type: 'place', id: 9, symbol: 'ETH-USD', side: 'sell', orderType: 'limit', tif: 'gtd', price: '2000.05', qty: '1.5',
      clOrdId: 'c-1', postOnly: true, stp: 'decrement_and_cancel', expireAtUs: 5_000_000_000,
    };
    const checked = checkPlace(msg, t.wire, openMarket);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(placeCommand(msg, checked.value, 4, 77)).toMatchObject({
      type: CommandType.PLACE_ORDER, seq: 0, timestampUs: 77, accountId: 4, symbolId: 2, side: Side.SELL, orderType: OrderType.LIMIT,
      tif: TimeInForce.GTD, flags: FLAG_POST_ONLY, stp: StpMode.DECREMENT_AND_CANCEL, price: 200_005, qty: 1_500, expireAtUs: 5_000_000_000, clOrdId: 'c-1',
    });
    expect(() => placeCommand(msg, checked.value, 0, 0)).toThrow(/logged in/);
  });

  it('builds cancel, amend and mass cancel commands; only the kill switch covers every account', () => {
    const t = new EngineFixture();
    expect(cancelCommand(12, 3, 5)).toMatchObject({ type: CommandType.CANCEL_ORDER, accountId: 3, targetId: 12 });
    const amend: AmendMessage = { type: 'amend', id: 1, orderId: 12, symbol: 'BTC-USD', price: '1.00' };
    const checked = checkAmend(amend, { symbolId: 1, price: 100, stopPrice: 0, qty: 10 }, t.wire, openMarket);
    if (!checked.ok) throw new Error('amend refused');
    expect(amendCommand(amend, checked.value, 3, 5)).toMatchObject({ type: CommandType.AMEND_ORDER, symbolId: 1, targetId: 12, price: 100, qty: 0 });
    expect(massCancelCommand(3, 0, CancelReason.DISCONNECT, 5)).toMatchObject({ type: CommandType.MASS_CANCEL, accountId: 3, reason: CancelReason.DISCONNECT });
    expect(massCancelCommand(0, 0, CancelReason.KILL_SWITCH, 5)).toMatchObject({ accountId: 0, reason: CancelReason.KILL_SWITCH });
    expect(() => massCancelCommand(0, 0, CancelReason.USER, 5)).toThrow();
    expect(() => massCancelCommand(3, 0, CancelReason.KILL_SWITCH, 5)).toThrow();
  });
});

describe('events → wire', () => {
  it('acks a place with the order id = its sequence, and reports new to the owner', () => {
    const t = new EngineFixture();
    const events = placeVia(t, 1, { clOrdId: 'mine-1' });
    const accepted = events.find((e) => e.type === EventType.ACCEPTED);
    if (accepted === undefined) throw new Error('not accepted');
    expect(ackReply(accepted, 42, t.model)).toEqual({ type: 'ack', id: 42, orderId: accepted.seq, seq: accepted.seq, clOrdId: 'mine-1' });
    const reports = executions(messagesOf(t, events));
    expect(reports).toEqual([
      [1, expect.objectContaining({ exec: 'new', orderId: accepted.seq, symbol: 'BTC-USD', side: 'buy', price: '50000.00', qty: '0.5000', cumQty: '0.0000', leavesQty: '0.5000', clOrdId: 'mine-1' })],
    ]);
    const balances = messagesOf(t, events).filter((m) => m.message.type === 'balance');
    expect(balances).toEqual([{ accountId: 1, message: expect.objectContaining({ asset: 'USD', reserved: '25050.000000' }) }]);
  });

  it('reports a trade to taker and maker with cum + leaves = qty, fees and liquidity', () => {
    const t = new EngineFixture();
    const maker = placeVia(t, 1, { side: 'sell', qty: '1' })[0]?.seq ?? -1;
    const events = placeVia(t, 2, { side: 'buy', qty: '0.4', price: '50001.00' });
    const reports = executions(messagesOf(t, events)).filter(([, r]) => r.exec !== 'new');
    expect(reports).toEqual([
      [2, expect.objectContaining({ exec: 'fill', side: 'buy', lastPrice: '50000.00', lastQty: '0.4000', qty: '0.4000', cumQty: '0.4000', leavesQty: '0.0000', fee: '40.000000', feeAsset: 'USD', liquidity: 'taker' })],
      [1, expect.objectContaining({ exec: 'partial_fill', orderId: maker, side: 'sell', qty: '1.0000', cumQty: '0.4000', leavesQty: '0.6000', fee: '20.000000', liquidity: 'maker' })],
    ]);
  });

  it('reports cancels with reason and cancelled quantity, expiries as expired, amends and stop triggers', () => {
    const t = new EngineFixture();
    const id = placeVia(t, 1, { qty: '1' })[0]?.seq ?? -1;
    const amended = executions(messagesOf(t, t.submit({ type: CommandType.AMEND_ORDER, accountId: 1, symbolId: 1, targetId: id, qty: 5_000 })));
    expect(amended).toEqual([[1, expect.objectContaining({ exec: 'amended', qty: '0.5000', leavesQty: '0.5000', priorityKept: true, price: '50000.00' })]]);
    const cancelled = executions(messagesOf(t, t.submit({ type: CommandType.CANCEL_ORDER, accountId: 1, targetId: id })));
    expect(cancelled).toEqual([[1, expect.objectContaining({ exec: 'cancelled', reason: 'user', cancelledQty: '0.5000', qty: '0.0000', leavesQty: '0.0000' })]]);
    placeVia(t, 1, { tif: 'gtd', expireAtUs: 1_500_000_000 });
    const expired = executions(messagesOf(t, t.submit({ type: CommandType.TIMER_TICK, timestampUs: 2_000_000_000 })));
    expect(expired).toEqual([[1, expect.objectContaining({ exec: 'expired', reason: 'expired' })]]);
    placeVia(t, 1, { side: 'sell', orderType: 'stop_limit', stopPrice: '49000.00', price: '48000.00', qty: '0.1' });
    placeVia(t, 2, { side: 'sell', price: '49000.00', qty: '0.1' });
    const trade = placeVia(t, 1, { side: 'buy', price: '49000.00', qty: '0.1' });
    const kinds = executions(messagesOf(t, trade)).map(([, r]) => r.exec);
    expect(kinds).toContain('stop_triggered');
  });

  it('turns a core rejection and a gateway refusal into the same reply shape', () => {
    const t = new EngineFixture();
    const events = t.submit({ type: CommandType.CANCEL_ORDER, accountId: 1, targetId: 999 });
    const rejected = events[0];
    if (rejected?.type !== EventType.REJECTED) throw new Error('expected a rejection');
    expect(rejectReply(rejected, 3)).toEqual({ type: 'reject', id: 3, code: ResultCode.UNKNOWN_ORDER, name: 'UNKNOWN_ORDER', message: 'unknown order' });
    expect(refusalReply(gatewayError(GatewayCode.BUSY), 4)).toEqual({ type: 'reject', id: 4, code: 10031, name: 'BUSY', message: 'engine busy, try again' });
    expect(() => ackReply(rejected, 1, t.model)).toThrow();
    expect(messagesOf(t, events)).toEqual([]);
  });
});
