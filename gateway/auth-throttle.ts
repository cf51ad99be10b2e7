import type { ClockNs } from './rate-limiter.js';
import { ConfigError } from './config-error.js';

/**
 * Throttled authentication (docs/protocol.md "Login throttling"). Failures are counted in fixed
 * windows under three keys, and each key does one thing:
 *
 *   host             refuse: a host that fails `hostFailuresMax` times in a window gets
 *                    LOGIN_THROTTLED for every login until the window ends
 *   host + account   refuse: `hostAccountFailuresMax` failures for one account from one host
 *   account          slow only: past `accountFailuresSlowAfter` failures (from any hosts) every
 *                    login of the account waits `accountDelayMs` before its key is checked
 *
 * The per-account count never refuses, so an attacker on one host cannot lock the owner out from
 * another: the owner's clean host passes both refusing keys and is only slowed. Guessing from
 * one host stops at its host's bound; guessing from many hosts pays the delay on every attempt.
 * A success clears its host + account key only: a valid key for one account does not wash a
 * host's failures against others. Admin token failures are counted per host alone (HTTP 429).
 */
export interface AuthThrottleOptions {
  /** Length of a counting window. */
  readonly windowMs: number;
  readonly hostFailuresMax: number;
  readonly hostAccountFailuresMax: number;
  readonly accountFailuresSlowAfter: number;
  readonly accountDelayMs: number;
  /** Admin token failures a host may make in a window before it is answered 429. */
  readonly adminHostFailuresMax: number;
  /** Keys remembered per table; past it expired windows go first, then the oldest. */
  readonly keysMax: number;
}

export const AUTH_THROTTLE_OPTIONS_DEFAULT: AuthThrottleOptions = {
  windowMs: 60_000,
  hostFailuresMax: 20,
  hostAccountFailuresMax: 5,
  accountFailuresSlowAfter: 10,
  accountDelayMs: 1_000,
  adminHostFailuresMax: 5,
  keysMax: 65_536,
};

export function checkAuthThrottleOptions(t: AuthThrottleOptions): void {
  const inRange = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max;
  if (!inRange(t.windowMs, 1, 86_400_000)) throw new ConfigError(`config authThrottle.windowMs ${t.windowMs}`);
  for (const field of ['hostFailuresMax', 'hostAccountFailuresMax', 'accountFailuresSlowAfter', 'adminHostFailuresMax'] as const) {
    if (!inRange(t[field], 1, 1_000_000)) throw new ConfigError(`config authThrottle.${field} ${t[field]}`);
  }
  if (!inRange(t.accountDelayMs, 0, 60_000)) throw new ConfigError(`config authThrottle.accountDelayMs ${t.accountDelayMs}`);
  if (!inRange(t.keysMax, 1, 10_000_000)) throw new ConfigError(`config authThrottle.keysMax ${t.keysMax}`);
}

/** Failures per key in fixed windows, bounded to `keysMax` keys. */
export class FailureWindows {
  private readonly windows = new Map<string, { count: number; startNs: number }>();
  private readonly windowNs: number;

  constructor(
    windowMs: number,
    private readonly keysMax: number,
    private readonly clock: ClockNs,
  ) {
    if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError(`windowMs ${windowMs}`);
    if (!Number.isInteger(keysMax) || keysMax < 1) throw new RangeError(`keysMax ${keysMax}`);
    this.windowNs = windowMs * 1e6;
  }

  /** Failures of the key in its current window (0 once the window has ended). */
  count(key: string): number {
    const w = this.windows.get(key);
    if (w === undefined) return 0;
    if (this.clock() - w.startNs >= this.windowNs) {
      this.windows.delete(key);
      return 0;
    }
    return w.count;
  }

  add(key: string): void {
    const now = this.clock();
    const w = this.windows.get(key);
    if (w !== undefined && now - w.startNs < this.windowNs) {
      w.count++;
      return;
    }
    this.windows.delete(key);
    if (this.windows.size >= this.keysMax) this.evict(now);
    this.windows.set(key, { count: 1, startNs: now });
    if (this.windows.size > this.keysMax) throw new Error('failure windows over their bound');
  }

  clear(key: string): void {
    this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }

  /** Ended windows go first; if none has ended, the oldest key (Map order is insertion order). */
  private evict(now: number): void {
    for (const [key, w] of this.windows) if (now - w.startNs >= this.windowNs) this.windows.delete(key);
    if (this.windows.size < this.keysMax) return;
    const oldest = this.windows.keys().next();
    if (!oldest.done) this.windows.delete(oldest.value);
  }
}

/** What a login attempt gets before its key is checked. */
export type LoginVerdict = { readonly kind: 'verify' } | { readonly kind: 'delay'; readonly delayMs: number } | { readonly kind: 'refuse'; readonly why: string };

const VERIFY: LoginVerdict = { kind: 'verify' };

export class LoginThrottle {
  private readonly byHost: FailureWindows;
  private readonly byHostAccount: FailureWindows;
  private readonly byAccount: FailureWindows;

  constructor(
    private readonly options: AuthThrottleOptions,
    clock: ClockNs,
  ) {
    checkAuthThrottleOptions(options);
    this.byHost = new FailureWindows(options.windowMs, options.keysMax, clock);
    this.byHostAccount = new FailureWindows(options.windowMs, options.keysMax, clock);
    this.byAccount = new FailureWindows(options.windowMs, options.keysMax, clock);
  }

  check(host: string, account: number): LoginVerdict {
    if (this.byHost.count(host) >= this.options.hostFailuresMax) return { kind: 'refuse', why: 'too many failed logins from this host' };
    if (this.byHostAccount.count(`${host}|${account}`) >= this.options.hostAccountFailuresMax) return { kind: 'refuse', why: 'too many failed logins to this account from this host' };
    if (this.byAccount.count(String(account)) >= this.options.accountFailuresSlowAfter && this.options.accountDelayMs > 0) return { kind: 'delay', delayMs: this.options.accountDelayMs };
    return VERIFY;
  }

  failed(host: string, account: number): void {
    this.byHost.add(host);
    this.byHostAccount.add(`${host}|${account}`);
    this.byAccount.add(String(account));
  }

  succeeded(host: string, account: number): void {
    this.byHostAccount.clear(`${host}|${account}`);
  }
}

/** Admin token failures per host: past the bound the host is answered 429 until its window ends. */
export class AdminThrottle {
  private readonly byHost: FailureWindows;

  constructor(
    private readonly options: AuthThrottleOptions,
    clock: ClockNs,
  ) {
    checkAuthThrottleOptions(options);
    this.byHost = new FailureWindows(options.windowMs, options.keysMax, clock);
  }

  throttled(host: string): boolean {
    return this.byHost.count(host) >= this.options.adminHostFailuresMax;
  }

  failed(host: string): void {
    this.byHost.add(host);
  }
}
