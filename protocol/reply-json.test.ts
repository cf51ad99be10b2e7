import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandType } from '../engine/command-layout.js';
import { EventType } from '../engine/event-layout.js';
import { GatewayCode, gatewayError, notLeaderError } from './gateway-codes.js';
import { type AccountMessage, accountMessages, ackReply, placeCommand, refusalReply, rejectReply } from '../gateway/order-translation.js';
import { checkPlace, type MarketView } from '../gateway/pre-trade-risk.js';
import { serverMessageJson } from './reply-json.js';
import { EngineFixture } from '../testkit/engine-fixture.js';
import type { BundledMessage, PlaceMessage } from './wire-schema.js';

const openMarket: MarketView = { referencePriceTicks: () => 0, isTrading: () => true };

/** Every message a flow of places, trades, amends, cancels, expiries and stop triggers causes. */
function messagesOfFlow(): BundledMessage[] {
  const t = new EngineFixture();
  const out: BundledMessage[] = [];
  const take = (events: ReturnType<EngineFixture['submit']>): number => {
    const account: AccountMessage[] = [];
    const lookup = t.lookupFor(events);
    for (const ev of events) {
      lookup.next(ev);
      if (ev.type === EventType.ACCEPTED) out.push(ackReply(ev, ev.seq + 1000, lookup));
      if (ev.type === EventType.REJECTED) out.push(rejectReply(ev, ev.seq + 1000, lookup));
      accountMessages(ev, t.wire, lookup, account);
    }
    for (const m of account) out.push(m.message);
    return events[0]?.seq ?? -1;
  };
  const place = (accountId: number, fields: Partial<PlaceMessage>): number => {
    const msg: PlaceMessage = { type: 'place', id: 1, symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5', ...fields };
    const checked = checkPlace(msg, t.wire, openMarket);
    if (!checked.ok) throw new Error(checked.error.message);
    return take(t.apply(placeCommand(msg, checked.value, accountId, 1_700_000_000_000_000)));
  };
  const resting = place(1, { qty: '1', clOrdId: 'a-1' });
  take(t.submit({ type: CommandType.AMEND_ORDER, accountId: 1, symbolId: 1, targetId: resting, qty: 5_000 }));
  place(2, { side: 'sell', price: '49999.00', qty: '0.2' });
  take(t.submit({ type: CommandType.CANCEL_ORDER, accountId: 1, targetId: resting }));
  take(t.submit({ type: CommandType.CANCEL_ORDER, accountId: 1, targetId: 999 }));
  place(1, { tif: 'gtd', expireAtUs: 1_800_000_000_000_000 });
  take(t.submit({ type: CommandType.TIMER_TICK, timestampUs: 1_900_000_000_000_000 }));
  place(1, { side: 'sell', orderType: 'stop_limit', stopPrice: '49000.00', price: '48000.00', qty: '0.1', clOrdId: 'stop-1' });
  place(2, { side: 'sell', price: '49000.00', qty: '0.1' });
  place(1, { side: 'buy', price: '49000.00', qty: '0.1' });
  place(1, { tif: 'ioc', price: '49000.00', qty: '0.0001' });
  return out;
}

describe('serverMessageJson', () => {
  it('writes every message the server builds exactly as JSON.stringify does, alone and in a bundle', () => {
    const messages = messagesOfFlow();
    const kinds = new Set(messages.map((m) => (m.type === 'execution' ? `execution ${m.exec}` : m.type)));
    for (const kind of ['ack', 'reject', 'balance', 'execution new', 'execution fill', 'execution partial_fill', 'execution amended', 'execution cancelled', 'execution expired', 'execution stop_triggered']) {
      expect(kinds, kind).toContain(kind);
    }
    for (const m of messages) expect(serverMessageJson(m)).toBe(JSON.stringify(m));
    const bundle = { type: 'bundle' as const, messages };
    expect(serverMessageJson(bundle)).toBe(JSON.stringify(bundle));
  });

  it('escapes strings as JSON.stringify does (quotes, backslashes, controls, non-ASCII, lone surrogates)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.integer(), fc.option(fc.nat(), { nil: null }), (text, code, id) => {
        const reject = { ...refusalReply(gatewayError(GatewayCode.BUSY, text), id), code };
        const balance = { type: 'balance' as const, asset: text, available: text, reserved: '0', seq: code };
        expect(serverMessageJson(reject)).toBe(JSON.stringify(reject));
        // A standby's refusal names the leader (any text the replication layer gave), or null.
        for (const leader of [text, undefined]) {
          const notLeader = refusalReply(notLeaderError(leader), id);
          expect(notLeader.leader).toBe(leader ?? null);
          expect(serverMessageJson(notLeader)).toBe(JSON.stringify(notLeader));
        }
        expect(serverMessageJson(balance)).toBe(JSON.stringify(balance));
        const bundle = { type: 'bundle' as const, messages: [reject, balance] };
        expect(serverMessageJson(bundle)).toBe(JSON.stringify(bundle));
      }),
      { seed: 20261121, numRuns: 300 },
    );
  });

  it('leaves other messages and requests to JSON.stringify', () => {
    const others: BundledMessage[] = [
      { type: 'logged_in', id: 1, account: 2, cancelOnDisconnect: false },
      { type: 'pong', id: 3 },
    ];
    for (const m of others) expect(serverMessageJson(m)).toBe(JSON.stringify(m));
    const empty = { type: 'bundle' as const, messages: [] };
    expect(serverMessageJson(empty)).toBe(JSON.stringify(empty));
  });
});
