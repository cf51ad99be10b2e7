import { describe, expect, it } from 'vitest';
import { AdminThrottle, AUTH_THROTTLE_OPTIONS_DEFAULT, FailureWindows, LoginThrottle } from './auth-throttle.js';

function manualClock(): { now: () => number; advanceMs: (ms: number) => void } {
  let ns = 1_000;
  return { now: () => ns, advanceMs: (ms) => void (ns += ms * 1e6) };
}

const OPTIONS = { ...AUTH_THROTTLE_OPTIONS_DEFAULT, windowMs: 1_000, hostFailuresMax: 4, hostAccountFailuresMax: 2, accountFailuresSlowAfter: 3, accountDelayMs: 50, adminHostFailuresMax: 2 };

describe('FailureWindows', () => {
  it('counts failures per key until the window ends', () => {
    const clock = manualClock();
    const w = new FailureWindows(1_000, 8, clock.now);
    w.add('a');
    w.add('a');
    expect(w.count('a')).toBe(2);
    expect(w.count('b')).toBe(0);
    clock.advanceMs(1_000);
    expect(w.count('a')).toBe(0);
  });

  it('stays within keysMax: ended windows go first, then the oldest key', () => {
    const clock = manualClock();
    const w = new FailureWindows(1_000, 2, clock.now);
    w.add('a');
    w.add('b');
    w.add('c');
    expect(w.size).toBe(2);
    expect(w.count('a')).toBe(0);
    expect(w.count('c')).toBe(1);
  });
});

describe('LoginThrottle', () => {
  it('refuses per host and per host + account, and only slows the account from a clean host', () => {
    const clock = manualClock();
    const t = new LoginThrottle(OPTIONS, clock.now);
    t.failed('h1', 7);
    expect(t.check('h1', 7)).toEqual({ kind: 'verify' });
    t.failed('h1', 7);
    expect(t.check('h1', 7)).toMatchObject({ kind: 'refuse' });
    expect(t.check('h1', 8)).toEqual({ kind: 'verify' });
    t.failed('h2', 7);
    // Account 7 has 3 failures: a clean host is slowed, never refused.
    expect(t.check('h3', 7)).toEqual({ kind: 'delay', delayMs: 50 });
    t.failed('h1', 8);
    t.failed('h1', 9);
    expect(t.check('h1', 10)).toMatchObject({ kind: 'refuse' });
    clock.advanceMs(1_000);
    expect(t.check('h1', 7)).toEqual({ kind: 'verify' });
  });

  it('clears the host + account count on success, not the host count', () => {
    const t = new LoginThrottle(OPTIONS, manualClock().now);
    t.failed('h1', 7);
    t.failed('h1', 8);
    t.failed('h1', 8);
    t.succeeded('h1', 8);
    expect(t.check('h1', 8)).toEqual({ kind: 'verify' });
    t.failed('h1', 9);
    expect(t.check('h1', 8)).toMatchObject({ kind: 'refuse' });
  });
});

describe('AdminThrottle', () => {
  it('throttles a host past its bad tokens, not other hosts', () => {
    const t = new AdminThrottle(OPTIONS, manualClock().now);
    t.failed('h1');
    expect(t.throttled('h1')).toBe(false);
    t.failed('h1');
    expect(t.throttled('h1')).toBe(true);
    expect(t.throttled('h2')).toBe(false);
  });
});
