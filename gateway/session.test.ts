import { describe, expect, it } from 'vitest';
import { GatewayCode } from '../protocol/gateway-codes.js';
import { SESSION_OPTIONS_DEFAULT, Session } from './session.js';

const clock = (): number => 0;

function session(overrides: Partial<typeof SESSION_OPTIONS_DEFAULT> = {}): Session {
  return new Session(1, { ...SESSION_OPTIONS_DEFAULT, ...overrides }, clock);
}

describe('Session', () => {
  it('lets an anonymous session read market data only', () => {
    const s = session();
    expect(s.state).toBe('anonymous');
    for (const type of ['login', 'subscribe', 'unsubscribe', 'ping'] as const) expect(s.authorize(type)).toBeNull();
    for (const type of ['place', 'cancel', 'amend', 'mass_cancel', 'batch'] as const) expect(s.authorize(type)?.code).toBe(GatewayCode.NOT_LOGGED_IN);
  });

  it('acts for one account after login and refuses a second login', () => {
    const s = session();
    s.login(7, false);
    expect([s.state, s.accountId]).toEqual(['authenticated', 7]);
    expect(s.authorize('place')).toBeNull();
    expect(s.authorize('login')?.code).toBe(GatewayCode.ALREADY_LOGGED_IN);
    expect(() => s.login(8, false)).toThrow();
  });

  it('reports cancel-on-disconnect only when opted in and logged in', () => {
    const a = session();
    a.login(3, true);
    expect(a.close()).toBe(3);
    expect(a.close()).toBe(0);
    expect(() => a.authorize('ping')).toThrow();
    const b = session();
    b.login(4, false);
    expect(b.close()).toBe(0);
    expect(session().close()).toBe(0);
  });

  it('counts failed logins up to the bound', () => {
    const s = session({ loginFailuresMax: 2 });
    expect([s.loginFailed(), s.loginFailed()]).toEqual([false, true]);
  });

  it('bounds subscriptions and pins their codes', () => {
    const s = session({ subscriptionsMax: 2 });
    expect(s.subscribe('book', 'BTC-USD')).toBeNull();
    expect(s.subscribe('book', 'BTC-USD')?.code).toBe(GatewayCode.ALREADY_SUBSCRIBED);
    expect(s.subscribe('trades', 'BTC-USD')).toBeNull();
    expect(s.subscribe('bbo', 'BTC-USD')?.code).toBe(GatewayCode.TOO_MANY_SUBSCRIPTIONS);
    expect(s.isSubscribed('trades', 'BTC-USD')).toBe(true);
    expect(s.unsubscribe('trades', 'BTC-USD')).toBeNull();
    expect(s.unsubscribe('trades', 'BTC-USD')?.code).toBe(GatewayCode.NOT_SUBSCRIBED);
    expect(s.subscriptionCount).toBe(1);
  });

  it('drops a slow consumer from market data once, with a message', () => {
    const s = session({ mdBufferedBytesMax: 100 });
    s.subscribe('book', 'BTC-USD');
    expect(s.checkBackpressure(100)).toBeNull();
    expect(s.checkBackpressure(101)).toMatchObject({ type: 'md_dropped', code: GatewayCode.SLOW_CONSUMER, name: 'SLOW_CONSUMER' });
    expect(s.subscriptionCount).toBe(0);
    expect(s.checkBackpressure(10_000)).toBeNull();
  });
});
