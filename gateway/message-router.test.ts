import { describe, expect, it } from 'vitest';
import { GatewayCode, type GatewayError } from '../protocol/gateway-codes.js';
import type { ClientMessageType } from '../protocol/wire-schema.js';
import { Connection } from './connection.js';
import type { Connections } from './connections.js';
import { INTAKE_LIMITS_DEFAULT } from './frame-intake.js';
import { Logger } from './log.js';
import { type MessageHandlers, MessageRouter } from './message-router.js';
import { ServerMetrics } from './server-metrics.js';
import { Session, SESSION_OPTIONS_DEFAULT } from './session.js';

const TYPES: readonly ClientMessageType[] = ['login', 'place', 'cancel', 'amend', 'mass_cancel', 'subscribe', 'unsubscribe', 'ping', 'batch'];

function setup(throwing: ClientMessageType | null = null) {
  const handled: string[] = [];
  const refused: { id: number | null; code: number }[] = [];
  const record = (type: ClientMessageType) => () => {
    if (type === throwing) throw new Error('handler bug');
    handled.push(type);
  };
  const handlers = Object.fromEntries(TYPES.map((t) => [t, record(t)])) as unknown as MessageHandlers;
  const connections = { send: () => undefined, refuse: (_c: Connection, id: number | null, _f: string, e: GatewayError) => refused.push({ id, code: e.code }) } as unknown as Connections;
  const metrics = new ServerMetrics({ connections: () => 0, loggedIn: () => 0, pending: () => 0, hostStats: () => null });
  const router = new MessageRouter(handlers, INTAKE_LIMITS_DEFAULT, connections, metrics, Logger.silent());
  const session = new Session(1, SESSION_OPTIONS_DEFAULT, () => 0);
  const conn = new Connection(session, {} as never, '127.0.0.1');
  const frame = (m: object): void => router.onFrame(conn, Buffer.from(JSON.stringify(m)), false);
  return { handled, refused, session, frame, metrics };
}

describe('MessageRouter', () => {
  it('sends each message type to its own handler, once the session may send it', () => {
    const { handled, refused, session, frame } = setup();
    frame({ type: 'ping', id: 1 });
    frame({ type: 'cancel', id: 2, orderId: 5 });
    expect(refused).toEqual([{ id: 2, code: GatewayCode.NOT_LOGGED_IN }]);
    session.login(1, false);
    frame({ type: 'cancel', id: 3, orderId: 5 });
    frame({ type: 'batch', id: 4, orders: [{ type: 'cancel', id: 5, orderId: 6 }] });
    frame({ type: 'subscribe', id: 6, channel: 'book', symbol: 'BTC-USD' });
    expect(handled).toEqual(['ping', 'cancel', 'batch', 'subscribe']);
  });

  it('answers INTERNAL_ERROR without an id when a handler throws, and routes the next frame', () => {
    const { handled, refused, frame } = setup('ping');
    frame({ type: 'ping', id: 1 });
    frame({ type: 'login', id: 2, account: 1, apiKey: 'test-api-key-account-1' });
    expect(refused).toEqual([{ id: null, code: GatewayCode.INTERNAL_ERROR }]);
    expect(handled).toEqual(['login']);
  });

  it('never calls a handler for a frame the intake refuses', () => {
    const { handled, frame } = setup();
    frame({ type: 'no_such_type', id: 1 });
    expect(handled).toEqual([]);
  });
});
