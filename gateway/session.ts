import { type GatewayError, GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import { type ClockNs, TokenBucket, type TokenBucketOptions } from './rate-limiter.js';
import type { CancelOnDisconnect, ClientMessageType, MarketDataDroppedMessage, WireChannel } from '../protocol/wire-schema.js';

/**
 * One connection's state (design §7):
 *
 *            login ok                          close
 *   anonymous ───────▶ authenticated(account) ───────▶ closed
 *       │                                                ▲
 *       └────────────────────────────────────────────────┘
 *
 * Anonymous sessions may only read public market data (and ping, and log in). A logged-in
 * session acts only for its own account: orders carry no account field, the account comes from
 * here. Cancel-on-disconnect is opted into at login, for the session's own orders or for the
 * whole account (`cancelScope`); `close` says which account's orders to cancel. Market-data subscriptions are bounded, and a session whose socket buffers more than
 * `mdBufferedBytesMax` is dropped from market data with a message (it never slows the core).
 */
export type SessionState = 'anonymous' | 'authenticated' | 'closed';

/** What cancel-on-disconnect cancels: nothing, the orders this session placed, or the account's. */
export type CancelScope = 'none' | 'session' | 'account';

export function cancelScopeOf(asked: CancelOnDisconnect | undefined): CancelScope {
  if (asked === undefined || asked === false) return 'none';
  if (asked === true) return 'session';
  return asked;
}

export interface SessionOptions {
  subscriptionsMax: number;
  orderRate: TokenBucketOptions;
  /** Failed logins tolerated before the server should close the connection. */
  loginFailuresMax: number;
  /** Bytes buffered on the socket (ws bufferedAmount) beyond which market data is dropped. */
  mdBufferedBytesMax: number;
}

export const SESSION_OPTIONS_DEFAULT: SessionOptions = {
  subscriptionsMax: 32,
  orderRate: { ratePerSecond: 10_000, burst: 1_000 },
  loginFailuresMax: 3,
  mdBufferedBytesMax: 4 * 1024 * 1024,
};
export const SUBSCRIPTIONS_MAX_LIMIT = 1_024;

/** Messages an anonymous session may send. */
const PUBLIC_TYPES: ReadonlySet<ClientMessageType> = new Set<ClientMessageType>(['login', 'subscribe', 'unsubscribe', 'ping', 'symbols']);

export function subscriptionKey(channel: WireChannel, symbol: string): string {
  return `${channel}:${symbol}`;
}

export class Session {
  private stateNow: SessionState = 'anonymous';
  private account = 0;
  private cancelScopeNow: CancelScope = 'none';
  private loginFailures = 0;
  private readonly subs = new Set<string>();
  /** The session's order-rate bucket (OrderRateThrottle takes from it). */
  readonly orderBucket: TokenBucket;

  constructor(
    readonly id: number,
    private readonly options: SessionOptions,
    clock: ClockNs,
  ) {
    const { subscriptionsMax, loginFailuresMax, mdBufferedBytesMax } = options;
    if (!Number.isInteger(subscriptionsMax) || subscriptionsMax < 0 || subscriptionsMax > SUBSCRIPTIONS_MAX_LIMIT) throw new RangeError(`subscriptionsMax ${subscriptionsMax}`);
    if (!Number.isInteger(loginFailuresMax) || loginFailuresMax < 1) throw new RangeError(`loginFailuresMax ${loginFailuresMax}`);
    if (!Number.isSafeInteger(mdBufferedBytesMax) || mdBufferedBytesMax < 1) throw new RangeError(`mdBufferedBytesMax ${mdBufferedBytesMax}`);
    this.orderBucket = new TokenBucket(options.orderRate, clock);
  }

  get state(): SessionState {
    return this.stateNow;
  }

  /** The logged-in account, 0 while anonymous. */
  get accountId(): number {
    return this.account;
  }

  get cancelScope(): CancelScope {
    return this.cancelScopeNow;
  }

  /** Whether this session may send a message of `type` now. */
  authorize(type: ClientMessageType): GatewayError | null {
    if (this.stateNow === 'closed') throw new Error(`session ${this.id} is closed`);
    if (type === 'login') return this.stateNow === 'authenticated' ? gatewayError(GatewayCode.ALREADY_LOGGED_IN) : null;
    if (this.stateNow === 'anonymous' && !PUBLIC_TYPES.has(type)) return gatewayError(GatewayCode.NOT_LOGGED_IN, type);
    return null;
  }

  /** Records a verified login (the caller checked the API key). */
  login(accountId: number, cancelOnDisconnect: CancelOnDisconnect): void {
    if (this.stateNow !== 'anonymous') throw new Error(`session ${this.id}: login in state ${this.stateNow}`);
    if (!Number.isInteger(accountId) || accountId < 1) throw new Error(`session ${this.id}: account ${accountId}`);
    this.stateNow = 'authenticated';
    this.account = accountId;
    this.cancelScopeNow = cancelScopeOf(cancelOnDisconnect);
  }

  /** Counts a failed login; true when the server should close the connection. */
  loginFailed(): boolean {
    this.loginFailures++;
    return this.loginFailures >= this.options.loginFailuresMax;
  }

  subscribe(channel: WireChannel, symbol: string): GatewayError | null {
    const key = subscriptionKey(channel, symbol);
    if (this.subs.has(key)) return gatewayError(GatewayCode.ALREADY_SUBSCRIBED, key);
    if (this.subs.size >= this.options.subscriptionsMax) return gatewayError(GatewayCode.TOO_MANY_SUBSCRIPTIONS, `at most ${this.options.subscriptionsMax}`);
    this.subs.add(key);
    return null;
  }

  unsubscribe(channel: WireChannel, symbol: string): GatewayError | null {
    return this.subs.delete(subscriptionKey(channel, symbol)) ? null : gatewayError(GatewayCode.NOT_SUBSCRIBED, subscriptionKey(channel, symbol));
  }

  isSubscribed(channel: WireChannel, symbol: string): boolean {
    return this.subs.has(subscriptionKey(channel, symbol));
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /**
   * Called before market data is sent: when the socket holds more than the bound, every
   * subscription is dropped and the message to send (once) is returned.
   */
  checkBackpressure(bufferedBytes: number): MarketDataDroppedMessage | null {
    if (bufferedBytes <= this.options.mdBufferedBytesMax || this.subs.size === 0) return null;
    this.subs.clear();
    const error = gatewayError(GatewayCode.SLOW_CONSUMER, `${bufferedBytes} bytes buffered`);
    return { type: 'md_dropped', code: error.code, name: error.name, message: error.message };
  }

  /**
   * Ends the session; returns the account whose orders cancel-on-disconnect must cancel (which of
   * them: `cancelScope`), or 0.
   */
  close(): number {
    if (this.stateNow === 'closed') return 0;
    const cancelAccount = this.stateNow === 'authenticated' && this.cancelScopeNow !== 'none' ? this.account : 0;
    this.stateNow = 'closed';
    this.subs.clear();
    return cancelAccount;
  }
}
