import { GatewayCode } from '../protocol/gateway-codes.js';
import type {
  AckReply,
  BalanceReport,
  CancelOnDisconnect,
  ExecutionReport,
  LoggedInReply,
  MarketDataDroppedMessage,
  MarketDataMessage,
  PongReply,
  RejectReply,
  SubscribedReply,
  UnsubscribedReply,
  WireBalance,
  WireChannel,
  WireFill,
  WireOrder,
  WireSymbol,
} from '../protocol/wire-schema.js';
import { AddressRotation, ROTATION_POLICY_DEFAULT, type RotationPolicy } from './address-rotation.js';
import type { ClientBook } from './client-book.js';
import { type AmendRequest, type BatchRequest, CLIENT_OPTIONS_DEFAULT, type ClientOptions, NoReplyError, OrdoClient, type PlaceRequest, ReplyError, Stream } from './client.js';

/**
 * A client of a cluster: given the nodes' addresses, it keeps one connection to the leader and
 * follows the leader when it moves (docs/protocol.md, "Following the leader").
 *
 *   const client = await FailoverClient.connect(['ws://a:8080/ws', 'ws://b:8080/ws'], { login: { account: 7, apiKey } });
 *   client.events.on((e) => console.log(e.kind, e.address));
 *   await client.subscribe('book', 'BTC-USD');
 *   await client.place({ ... });
 *
 *   search ──▶ connect (address-rotation.ts: the named leader, else the next address; bounded
 *              attempts, backoff) ──▶ login ──▶ a standby? leave it for the leader it names
 *          ──▶ resubscribe every subscription (each book starts again from a snapshot) ──▶ connected
 *   NOT_LEADER on an order, or the connection closed ──▶ search again
 *
 * The rule for orders: nothing is ever sent twice by this client. An order refused NOT_LEADER
 * was not taken (the caller may send it again once connected). An order that got no answer
 * because the connection closed or the request timed out fails with OutcomeUnknownError (also
 * on `unknownOutcomes`): it may have been applied; the caller asks `orderStatus({ clOrdId })`
 * once connected again. Requests made while no leader is connected fail at once, not sent.
 * A connection that is left for another keeps nothing but its pending replies: its account
 * messages and market data stop at once (reports missed meanwhile are read by query).
 */
export interface FailoverLogin {
  readonly account: number;
  readonly apiKey: string;
  readonly cancelOnDisconnect?: CancelOnDisconnect;
  readonly bundle?: boolean;
}

export interface FailoverOptions extends ClientOptions, RotationPolicy {
  /** Logged in again on every connection; without it the client only reads market data (and stays on any node). */
  readonly login?: FailoverLogin;
  /** For tests: the backoff's jitter. */
  readonly random?: () => number;
  /**
   * How often the connection is probed with a `ping` while it is idle or busy alike; 0: never.
   * A leader that stops answering (paused, cut off) closes no connection: the probe is how the
   * client notices and moves.
   */
  readonly probeIntervalMs: number;
  /** A probe unanswered this long drops the connection, and the client searches for the leader. */
  readonly probeTimeoutMs: number;
  /** A listener on `events` from the start: it sees the first search too, which connect() awaits. */
  readonly onEvent?: (event: FailoverEvent) => void;
}

export const PROBE_DEFAULT = { probeIntervalMs: 1_000, probeTimeoutMs: 3_000 } as const;

export type EntryRequest = 'place' | 'cancel' | 'amend' | 'mass_cancel';

/** What the client did while following the leader. */
export type FailoverEvent =
  /** A leader took the client: logged in (when a login is given) and every subscription renewed. */
  | { readonly kind: 'connected'; readonly address: string; readonly attempt: number; readonly subscriptions: number }
  /**
   * The client left a node: its connection closed, it refused an order NOT_LEADER, it said at
   * login it is a standby, or it stopped answering the probe (the connection is dropped).
   */
  | { readonly kind: 'left'; readonly address: string; readonly why: 'closed' | 'not_leader' | 'standby' | 'silent'; readonly leader: string | null }
  /** One attempt of a search failed (the search goes on while it has attempts). */
  | { readonly kind: 'attempt_failed'; readonly address: string; readonly attempt: number; readonly error: string }
  /** The search spent its attempts: the client is closed for good. */
  | { readonly kind: 'gave_up'; readonly attempts: number };

/** An order sent that got no answer: it may or may not have been applied. Never retried by the client. */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';

  constructor(
    readonly request: EntryRequest,
    /** The order's client order id, when the request named one: what to ask order_status about. */
    readonly clOrdId: string | undefined,
    readonly address: string,
    override readonly cause: Error,
  ) {
    super(`${request}${clOrdId === undefined ? '' : ` ${clOrdId}`} sent to ${address}: outcome unknown (${cause.message})`);
  }
}

type Subscription = { readonly channel: WireChannel; readonly symbol: string };

/** How often a connection being left is checked for replies still pending. */
const DRAIN_POLL_MS = 10;
const PROBE_MS_LIMIT = 600_000;

export class FailoverClient {
  readonly executions = new Stream<ExecutionReport>();
  readonly balances = new Stream<BalanceReport>();
  readonly marketData = new Stream<MarketDataMessage>();
  readonly dropped = new Stream<MarketDataDroppedMessage>();
  readonly gaps = new Stream<{ symbol: string; expectedSeq: number; gotSeq: number }>();
  readonly unmatched = new Stream<RejectReply>();
  readonly events = new Stream<FailoverEvent>();
  readonly unknownOutcomes = new Stream<OutcomeUnknownError>();

  private readonly rotation: AddressRotation;
  private readonly clientOptions: ClientOptions;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly addressOfClient = new WeakMap<OrdoClient, string>();
  /** Connections left after NOT_LEADER, open until their pending replies are in. */
  private readonly draining = new Set<OrdoClient>();
  private current: OrdoClient | null = null;
  private currentAddress: string | null = null;
  /** Removes the forwarding of the current connection's streams. */
  private unforward: Array<() => void> = [];
  private searching: Promise<void> | null = null;
  private connectedWaiters: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | null = null;
  private closedByCaller = false;
  private failure: Error | null = null;
  /** Ends the backoff the search is waiting out (close() does not wait for it). */
  private wake: (() => void) | null = null;

  private constructor(
    addresses: readonly string[],
    readonly options: FailoverOptions,
  ) {
    this.rotation = new AddressRotation(addresses, options, options.random);
    const { probeIntervalMs, probeTimeoutMs } = options;
    if (!Number.isInteger(probeIntervalMs) || probeIntervalMs < 0 || probeIntervalMs > PROBE_MS_LIMIT) throw new Error(`probeIntervalMs ${probeIntervalMs}: 0..${PROBE_MS_LIMIT}`);
    if (!Number.isInteger(probeTimeoutMs) || probeTimeoutMs < 1 || probeTimeoutMs > PROBE_MS_LIMIT) throw new Error(`probeTimeoutMs ${probeTimeoutMs}: 1..${PROBE_MS_LIMIT}`);
    const { format, requestTimeoutMs, inFlightMax, receiveBytesMax, localAddress } = options;
    this.clientOptions = { format, requestTimeoutMs, inFlightMax, receiveBytesMax, ...(localAddress === undefined ? {} : { localAddress }) };
  }

  /**
   * Connects to the leader among `addresses` (one address works too) and logs in; rejects when
   * the search gives up, with the last attempt's error.
   */
  static async connect(addresses: string | readonly string[], options: Partial<FailoverOptions> = {}): Promise<FailoverClient> {
    const full: FailoverOptions = { ...CLIENT_OPTIONS_DEFAULT, ...ROTATION_POLICY_DEFAULT, ...PROBE_DEFAULT, ...options };
    const client = new FailoverClient(typeof addresses === 'string' ? [addresses] : addresses, full);
    if (full.onEvent !== undefined) client.events.on(full.onEvent);
    await client.search(null);
    if (client.current === null) throw client.failure ?? new Error('closed while connecting');
    return client;
  }

  /** The address of the leader the client is connected to; null while it searches. */
  get address(): string | null {
    return this.currentAddress;
  }

  get connected(): boolean {
    return this.current !== null;
  }

  /** Resolves once a leader has the client (at once when one has); rejects when the search gives up. */
  whenConnected(): Promise<void> {
    if (this.current !== null) return Promise.resolve();
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.connectedWaiters === null) {
      let resolve = (): void => undefined;
      let reject = (_e: Error): void => undefined;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // A caller that never waits must not see an unhandled rejection.
      promise.catch(() => undefined);
      this.connectedWaiters = { promise, resolve, reject };
    }
    return this.connectedWaiters.promise;
  }

  place(order: PlaceRequest): Promise<AckReply> {
    return this.entry('place', order.clOrdId, (c) => c.place(order));
  }

  cancel(order: number | { clOrdId: string }): Promise<AckReply> {
    return this.entry('cancel', typeof order === 'number' ? undefined : order.clOrdId, (c) => c.cancel(order));
  }

  amend(amend: AmendRequest): Promise<AckReply> {
    return this.entry('amend', undefined, (c) => c.amend(amend));
  }

  massCancel(symbol?: string): Promise<AckReply> {
    return this.entry('mass_cancel', undefined, (c) => c.massCancel(symbol));
  }

  /** Several orders in one frame; each settles on its own reply, under the same rule as one order. */
  batch(orders: readonly BatchRequest[]): Array<Promise<AckReply>> {
    const c = this.current;
    if (c === null) return orders.map(() => Promise.reject(this.notConnected()));
    return c.batch(orders).map((p, k) => {
      const order = orders[k] as BatchRequest;
      return p.catch((e: unknown) => {
        throw this.entryFailed(c, order.type, order.type === 'amend' ? undefined : order.clOrdId, e);
      });
    });
  }

  ping(): Promise<PongReply> {
    return this.read((c) => c.ping());
  }

  openOrders(symbol?: string): Promise<WireOrder[]> {
    return this.read((c) => c.openOrders(symbol));
  }

  orderStatus(which: { orderId: number } | { clOrdId: string }): Promise<WireOrder> {
    return this.read((c) => c.orderStatus(which));
  }

  queryBalances(): Promise<WireBalance[]> {
    return this.read((c) => c.queryBalances());
  }

  fills(options: { symbol?: string; fromSeq?: number; limit?: number } = {}): Promise<WireFill[]> {
    return this.read((c) => c.fills(options));
  }

  symbols(): Promise<WireSymbol[]> {
    return this.read((c) => c.symbols());
  }

  /**
   * Subscribes, and renews the subscription on every connection until unsubscribed. Asked while
   * the client searches, it fails at once but is made on the next connection all the same.
   */
  subscribe(channel: WireChannel, symbol: string): Promise<SubscribedReply> {
    this.subscriptions.set(`${channel} ${symbol}`, { channel, symbol });
    return this.read((c) => c.subscribe(channel, symbol));
  }

  unsubscribe(channel: WireChannel, symbol: string): Promise<UnsubscribedReply> {
    this.subscriptions.delete(`${channel} ${symbol}`);
    return this.read((c) => c.unsubscribe(channel, symbol));
  }

  /** The local book of a `book` subscription on the current connection (rebuilt from a snapshot after each move). */
  book(symbol: string): ClientBook | undefined {
    return this.current?.book(symbol);
  }

  /** Closes the connection and stops any search; requests fail from now on. */
  async close(): Promise<void> {
    this.closedByCaller = true;
    this.fail(new Error('client closed'));
    this.wake?.();
    const c = this.current;
    this.detach();
    const closing = [...this.draining, ...(c === null ? [] : [c])].map((d) => d.close());
    this.draining.clear();
    await Promise.all(closing);
    await this.searching;
  }

  private entry(request: EntryRequest, clOrdId: string | undefined, send: (c: OrdoClient) => Promise<AckReply>): Promise<AckReply> {
    const c = this.current;
    if (c === null) return Promise.reject(this.notConnected());
    return send(c).catch((e: unknown) => {
      throw this.entryFailed(c, request, clOrdId, e);
    });
  }

  /** What an order's failure means: NOT_LEADER moves the client; no reply is an unknown outcome. */
  private entryFailed(c: OrdoClient, request: EntryRequest, clOrdId: string | undefined, e: unknown): Error {
    if (e instanceof ReplyError && e.code === GatewayCode.NOT_LEADER) {
      this.leave(c, 'not_leader', e.reply.leader ?? null);
      return e;
    }
    if (e instanceof NoReplyError && e.sent) {
      const unknown = new OutcomeUnknownError(request, clOrdId, this.addressOf(c), e);
      this.unknownOutcomes.emit(unknown);
      return unknown;
    }
    return e instanceof Error ? e : new Error(String(e));
  }

  /** A query or subscription: safe to repeat, so its failure is passed on as it is. */
  private read<T>(send: (c: OrdoClient) => Promise<T>): Promise<T> {
    const c = this.current;
    return c === null ? Promise.reject(this.notConnected()) : send(c);
  }

  private notConnected(): Error {
    return this.failure ?? new NoReplyError('not connected: looking for the leader', false);
  }

  private addressOf(c: OrdoClient): string {
    return this.addressOfClient.get(c) ?? '';
  }

  /** Leaves the current connection (once) and searches for the leader. */
  private leave(c: OrdoClient, why: 'closed' | 'not_leader' | 'silent', leader: string | null): void {
    if (c !== this.current || this.closedByCaller) return;
    const address = this.currentAddress ?? '';
    this.detach();
    this.events.emit({ kind: 'left', address, why, leader });
    if (why === 'not_leader') this.drainAndClose(c);
    // Its pending requests fail now (outcome unknown), not after a closing handshake it would not answer.
    if (why === 'silent') c.terminate();
    // A throw of a caller's event listener ends the search: the client fails rather than hangs.
    this.searching ??= this.search(leader)
      .catch((e: unknown) => this.fail(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        this.searching = null;
      });
  }

  /** Stops forwarding the current connection's messages; it is no longer where requests go. */
  private detach(): void {
    for (const off of this.unforward) off();
    this.unforward = [];
    this.current = null;
    this.currentAddress = null;
  }

  /**
   * A node that refused an order as a standby may still answer orders it took as the leader:
   * its connection closes once those replies are in (or have timed out, which bounds the wait).
   */
  private drainAndClose(c: OrdoClient): void {
    this.draining.add(c);
    const deadlineMs = Date.now() + this.options.requestTimeoutMs + DRAIN_POLL_MS;
    const poll = (): void => {
      if (c.inFlight > 0 && c.open && Date.now() < deadlineMs) {
        setTimeout(poll, DRAIN_POLL_MS).unref();
        return;
      }
      this.draining.delete(c);
      void c.close();
    };
    poll();
  }

  /** Tries addresses until a leader takes the client or the attempts are spent. */
  private async search(leader: string | null): Promise<void> {
    let named: string | null = leader;
    let lastError = 'no attempt made';
    for (;;) {
      if (this.closedByCaller) return;
      const next = this.rotation.next(named);
      if (next === null) {
        const attempts = this.rotation.attemptsMade;
        this.events.emit({ kind: 'gave_up', attempts });
        this.fail(new Error(`no leader found in ${attempts} attempts: ${lastError}`));
        return;
      }
      if (next.delayMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, next.delayMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
      if (this.closedByCaller) return;
      const outcome = await this.attempt(next.address);
      if (outcome.kind === 'leader') {
        this.rotation.connected();
        this.events.emit({ kind: 'connected', address: next.address, attempt: next.attempt, subscriptions: this.subscriptions.size });
        this.connectedWaiters?.resolve();
        this.connectedWaiters = null;
        return;
      }
      if (outcome.kind === 'standby') {
        this.events.emit({ kind: 'left', address: next.address, why: 'standby', leader: outcome.leader });
        lastError = `${next.address} is a standby (${outcome.leader === null ? 'no leader known' : `leader ${outcome.leader}`})`;
        named = outcome.leader;
        continue;
      }
      lastError = outcome.error;
      this.events.emit({ kind: 'attempt_failed', address: next.address, attempt: next.attempt, error: outcome.error });
      named = null;
    }
  }

  /** One attempt: connect, log in, renew the subscriptions. Adopts the connection only when all of that worked on a leader. */
  private async attempt(address: string): Promise<{ kind: 'leader' } | { kind: 'standby'; leader: string | null } | { kind: 'failed'; error: string }> {
    let c: OrdoClient;
    try {
      c = await this.connectWithin(address, this.options.requestTimeoutMs);
    } catch (e) {
      return { kind: 'failed', error: e instanceof Error ? e.message : String(e) };
    }
    this.addressOfClient.set(c, address);
    const forwarding = this.forward(c);
    try {
      const login = this.options.login;
      if (login !== undefined) {
        const reply: LoggedInReply = await c.login(login.account, login.apiKey, {
          ...(login.cancelOnDisconnect === undefined ? {} : { cancelOnDisconnect: login.cancelOnDisconnect }),
          ...(login.bundle === undefined ? {} : { bundle: login.bundle }),
        });
        if (reply.role === 'standby') {
          for (const off of forwarding) off();
          await c.close();
          return { kind: 'standby', leader: reply.leader ?? null };
        }
      }
      // One after another: each book's snapshot comes after its reply, from this connection only.
      for (const s of this.subscriptions.values()) await c.subscribe(s.channel, s.symbol);
      if (!c.open || this.closedByCaller) throw new Error(this.closedByCaller ? 'client closed' : 'connection closed while renewing subscriptions');
    } catch (e) {
      for (const off of forwarding) off();
      await c.close();
      return { kind: 'failed', error: e instanceof Error ? e.message : String(e) };
    }
    this.current = c;
    this.currentAddress = address;
    this.unforward = forwarding;
    // Registered last: a close before this point failed the attempt instead.
    this.unforward.push(c.closed.on(() => this.leave(c, 'closed', null)));
    if (this.options.probeIntervalMs > 0) this.unforward.push(this.probe(c));
    return { kind: 'leader' };
  }

  /**
   * A connection, or a failure once `timeoutMs` passed: a node that accepts TCP and never answers
   * the upgrade (paused) would otherwise hold the search. One that opens too late is closed.
   */
  private connectWithin(address: string, timeoutMs: number): Promise<OrdoClient> {
    return new Promise((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new Error(`no WebSocket connection to ${address} within ${timeoutMs} ms`));
      }, timeoutMs);
      OrdoClient.connect(address, this.clientOptions).then(
        (c) => {
          clearTimeout(timer);
          if (late) void c.close();
          else resolve(c);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /**
   * Pings the connection every probeIntervalMs, one probe at a time; one unanswered for
   * probeTimeoutMs means the node stopped answering, and the client leaves it. Returns the stop.
   */
  private probe(c: OrdoClient): () => void {
    let sentAtMs: number | null = null;
    const timer = setInterval(() => {
      const nowMs = Date.now();
      if (sentAtMs !== null) {
        if (nowMs - sentAtMs >= this.options.probeTimeoutMs) this.leave(c, 'silent', null);
        return;
      }
      sentAtMs = nowMs;
      c.ping().then(
        () => {
          sentAtMs = null;
        },
        () => undefined,
      );
    }, this.options.probeIntervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The connection's messages on this client's streams; returns the functions that stop each. */
  private forward(c: OrdoClient): Array<() => void> {
    return [
      c.executions.on((m) => this.executions.emit(m)),
      c.balances.on((m) => this.balances.emit(m)),
      c.marketData.on((m) => this.marketData.emit(m)),
      c.dropped.on((m) => this.dropped.emit(m)),
      c.gaps.on((m) => this.gaps.emit(m)),
      c.unmatched.on((m) => this.unmatched.emit(m)),
    ];
  }

  /** The client will not connect again: waiters and later requests get `error`. */
  private fail(error: Error): void {
    this.failure ??= error;
    this.connectedWaiters?.reject(this.failure);
    this.connectedWaiters = null;
  }
}
