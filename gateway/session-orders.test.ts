import { describe, expect, it } from 'vitest';
import { type Command } from '../engine/command-codec.js';
import { CommandType } from '../engine/command-layout.js';
import { decodedEvent } from '../engine/event-codec.js';
import { CancelReason, EventType } from '../engine/event-layout.js';
import { Connection } from './connection.js';
import { Session, SESSION_OPTIONS_DEFAULT } from './session.js';
import { SessionOrders } from './session-orders.js';
import type { CancelOnDisconnect } from '../protocol/wire-schema.js';

function loggedIn(id: number, cancel: CancelOnDisconnect): Connection {
  const session = new Session(id, SESSION_OPTIONS_DEFAULT, () => 0);
  session.login(7, cancel);
  return new Connection(session, {} as never, '127.0.0.1');
}

const accepted = (seq: number) => decodedEvent({ type: EventType.ACCEPTED, commandType: CommandType.PLACE_ORDER, seq, orderId: seq, accountId: 7 });

describe('SessionOrders', () => {
  it('cancels the live orders of a session that opted in, and only those', () => {
    const published: Command[] = [];
    const orders = new SessionOrders(10, () => 1, (c) => published.push(c));
    const mine = loggedIn(1, 'session');
    const other = loggedIn(2, false);
    const requesters = new Map([[1, mine], [2, mine], [3, mine], [4, other]]);
    const requester = (seq: number): Connection | null => requesters.get(seq) ?? null;
    for (const seq of [1, 2, 3, 4]) orders.onEvent(accepted(seq), requester);
    expect(orders.size).toBe(3);
    orders.onEvent(decodedEvent({ type: EventType.TRADE, orderId: 9, leavesQty: 0, makerOrderId: 1, makerLeavesQty: 0 }), requester);
    orders.onEvent(decodedEvent({ type: EventType.CANCELLED, orderId: 2, leavesQty: 0 }), requester);
    orders.onEvent(decodedEvent({ type: EventType.CANCELLED, orderId: 3, leavesQty: 5 }), requester);
    mine.session.close();
    orders.sessionClosed(mine, 7);
    expect(published.map((c) => [c.type, c.accountId, c.targetId, c.reason])).toEqual([[CommandType.CANCEL_ORDER, 7, 3, CancelReason.DISCONNECT]]);
    expect(orders.size).toBe(0);
    // An order acknowledged after its session ended is cancelled when the ack comes.
    mine.closed = true;
    requesters.set(5, mine);
    orders.onEvent(accepted(5), requester);
    expect(published.at(-1)).toMatchObject({ type: CommandType.CANCEL_ORDER, targetId: 5, reason: CancelReason.DISCONNECT });
  });

  it('cancels the whole account with one mass cancel for "account", and nothing without an opt-in', () => {
    const published: Command[] = [];
    const orders = new SessionOrders(10, () => 1, (c) => published.push(c));
    const plain = loggedIn(1, false);
    orders.sessionClosed(plain, 0);
    expect(published).toEqual([]);
    const wide = loggedIn(2, 'account');
    orders.sessionClosed(wide, 7);
    expect(published).toMatchObject([{ type: CommandType.MASS_CANCEL, accountId: 7, reason: CancelReason.DISCONNECT }]);
  });

  it('refuses more live orders in a session than the bound', () => {
    const orders = new SessionOrders(1, () => 1, () => undefined);
    const mine = loggedIn(1, true);
    orders.onEvent(accepted(1), () => mine);
    expect(() => orders.onEvent(accepted(2), () => mine)).toThrow(/live orders/);
  });
});
