import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Command, command } from '../engine/command-codec.js';
import { CommandType } from '../engine/command-layout.js';
import { type DecodedEvent, decodeEvent } from '../engine/event-codec.js';
import { CancelReason, EventType } from '../engine/event-layout.js';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiKeyStore } from './api-keys.js';
import { CLAIM_FULL, type EngineHost, type EngineHostStart, type EngineHostStop, publishCommand, publishCommands } from '../runtime/engine-host.js';
import { createEngineHost } from '../runtime/engine-host-factory.js';
import { type BatchItem, intakeFrame } from './frame-intake.js';
import { GatewayCode, type GatewayError, gatewayError } from '../protocol/gateway-codes.js';
import { Logger } from './log.js';
import { type ChannelMessage, MarketData } from './market-data.js';
import { seedMarketData } from './market-seed.js';
import { type AccountMessage, accountMessages, ackReply, amendCommand, cancelCommand, massCancelCommand, placeCommand, refusalReply, rejectReply } from './order-translation.js';
import { checkAmend, checkMassCancel, checkPlace, OrderRateThrottle } from './pre-trade-risk.js';
import type { ClockNs } from './rate-limiter.js';
import { checkServerConfig, fundingDeposits, type ServerConfig } from './server-config.js';
import { CODE_ACK, type OrderKind, ServerMetrics } from './server-metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';
import { Session, subscriptionKey } from './session.js';
import { encodeFrame, FRAME_BYTES_HARD_FACTOR, type FrameFormat, type RawFrame } from '../protocol/wire-codec.js';
import { type WireConfig, wireConfigFrom } from '../protocol/wire-config.js';
import type { BundledMessage, ClientMessage, MassCancelMessage, OrderMessage, WireChannel } from '../protocol/wire-schema.js';

/**
 * The gateway server (design §1, §7): one HTTP server on the main thread.
 *
 *   ws /ws (and /) ──▶ intake (decode, validate) ──▶ session (auth) ──▶ pre-trade risk ──▶ throttle
 *        ──▶ host.tryPublish ──▶ [journal ──▶] core worker ──▶ output ring
 *   output ring ──▶ onEvent: result events settle `pending` (seq → requester): ack / reject
 *                            account messages to the owning account's sessions
 *                            market-data view; at the end of each drained batch, fan-out
 *   GET /health, GET /metrics, POST /admin/* (token, loopback only)
 *
 * Acknowledgement follows design §1: an ack is sent from the core's ACCEPTED event, and the core
 * reads only commands the journal consumer has committed, so whatever the client is told was
 * accepted is durable (with a journal-backed host; engine-host.ts). A full ring is answered BUSY
 * at once; nothing is dropped without an answer. Market data goes to a session only while its
 * socket keeps up (Session.checkBackpressure); the core never waits for a client.
 */
export interface GatewayServerOptions {
  config: ServerConfig;
  /** Default: createEngineHost (the seam where durability plugs in). */
  host?: EngineHost;
  logger?: Logger;
  /** µs since the Unix epoch: command timestamps (GTD expiry is compared with them). */
  clockUs?: () => number;
  /** Monotonic ns for the throttles. */
  clockNs?: ClockNs;
}

export type ServerPhase = 'starting' | 'ready' | 'stopping' | 'stopped';

export const WS_PATHS: ReadonlySet<string> = new Set(['/ws', '/']);
const ADMIN_BODY_BYTES_MAX = 4_096;
const RETRY_QUEUE_MAX = 100_000;
const RETRY_DELAY_MS = 10;
const DRAIN_POLL_MS = 2;
const PUBLISH_RETRIES_MAX = 5_000;
const BUSY_LOG_INTERVAL_MS = 1_000;
/**
 * Most messages in one bundle frame: a full outbox leaves as a frame at once. An order causes
 * about five messages (ack, execution new and cancelled or fills, balances), so a 64-order batch
 * frame is answered in a few bundles, each far below a client's receive limit.
 */
export const BUNDLE_MESSAGES_MAX = 128;

export function wallClockUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1_000);
}

function monotonicNs(): number {
  return Math.floor(performance.now() * 1e6);
}

/** One WebSocket connection and its session. */
class Connection {
  closed = false;
  corked = false;
  /** Format of account messages: the one the login came in. */
  accountFormat: FrameFormat = 'json';
  /** The login asked for bundles: messages of one turn in accountFormat go out in one frame. */
  bundle = false;
  /** Messages waiting for this turn's bundle (at most BUNDLE_MESSAGES_MAX), in send order. */
  readonly outbox: BundledMessage[] = [];
  /** Format of each subscription's messages: the one its subscribe came in. */
  readonly mdFormats = new Map<string, FrameFormat>();

  constructor(
    readonly session: Session,
    readonly ws: WebSocket,
  ) {}

  get id(): number {
    return this.session.id;
  }
}

type Pending =
  | { readonly kind: 'client'; readonly conn: Connection; readonly requestId: number; readonly format: FrameFormat; readonly receivedMs: number }
  | { readonly kind: 'internal'; readonly settle: (ev: DecodedEvent) => void };

export class GatewayServer {
  private phaseNow: ServerPhase = 'starting';
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly wire: WireConfig;
  private readonly market: MarketData;
  private readonly apiKeys: ApiKeyStore;
  private readonly adminKeys: ApiKeyStore | null;
  private readonly throttle: OrderRateThrottle;
  private readonly host: EngineHost;
  private readonly log: Logger;
  private readonly clockUs: () => number;
  private readonly clockNs: ClockNs;
  readonly metrics: ServerMetrics;

  private readonly connections = new Set<Connection>();
  private readonly byAccount = new Map<number, Set<Connection>>();
  private readonly bySubscription = new Map<string, Set<Connection>>();
  private readonly pending = new Map<number, Pending>();
  private readonly corked: Connection[] = [];
  /** Internal commands (cancel-on-disconnect) that met a full ring, retried until published. */
  private readonly retries: Command[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly accountOut: AccountMessage[] = [];
  private readonly mdOut: ChannelMessage[] = [];
  /** onBatch's orders that passed their checks and their commands, published together. */
  private readonly runMessages: OrderMessage[] = [];
  private readonly runCommands: Command[] = [];
  private nextSessionId = 1;
  private loggedIn = 0;
  private tradingDisabled = false;
  private lastEventSeq = -1;
  private eventsInBatch = 0;
  private busyCount = 0;
  private busyLoggedMs = 0;
  private startInfo: EngineHostStart | null = null;
  private eventsDone: Promise<number> | null = null;
  private stopping: Promise<EngineHostStop> | null = null;

  private constructor(private readonly config: ServerConfig, options: GatewayServerOptions) {
    checkServerConfig(config);
    this.wire = wireConfigFrom(config.engine, config.risk);
    this.market = new MarketData(this.wire);
    this.apiKeys = new ApiKeyStore(config.apiKeys);
    this.adminKeys = config.adminToken === null ? null : new ApiKeyStore([{ account: 1, ...config.adminToken }]);
    this.clockUs = options.clockUs ?? wallClockUs;
    this.clockNs = options.clockNs ?? monotonicNs;
    this.throttle = new OrderRateThrottle(config.orderRate, this.clockNs);
    this.host = options.host ?? createEngineHost({ config: config.engine, dataDir: config.dataDir, durability: config.durability });
    this.log = (options.logger ?? Logger.stdout(config.logLevel)).with({ component: 'gateway' });
    this.metrics = new ServerMetrics({
      connections: () => this.connections.size,
      loggedIn: () => this.loggedIn,
      pending: () => this.pending.size,
      hostStats: () => (this.startInfo === null || this.phaseNow === 'stopped' ? null : this.host.stats()),
    });
    this.http = createServer((req, res) => this.onHttp(req, res));
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    // UTF-8 of text frames is checked by the intake (MALFORMED_JSON, connection kept), not by ws (close 1007).
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, skipUTF8Validation: true, maxPayload: config.intake.codec.frameBytesMax * FRAME_BYTES_HARD_FACTOR });
  }

  /**
   * Listens at once (GET /health answers 503 until ready), starts the engine host (recovery),
   * funds the configured accounts that do not exist yet, starts the timer, and resolves ready.
   */
  static async start(options: GatewayServerOptions): Promise<GatewayServer> {
    const server = new GatewayServer(options.config, options);
    await server.listen();
    try {
      await server.startEngine();
    } catch (e) {
      server.http.close();
      throw e;
    }
    return server;
  }

  get phase(): ServerPhase {
    return this.phaseNow;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://${this.config.host}:${this.port}/ws`;
  }

  get httpUrl(): string {
    return `http://${this.config.host}:${this.port}`;
  }

  get durability(): string {
    return this.host.durability;
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.config.port, this.config.host, () => {
        this.http.off('error', reject);
        this.log.info('listening', { host: this.config.host, port: this.port, durability: this.host.durability });
        resolve();
      });
    });
  }

  private async startEngine(): Promise<void> {
    const started = await this.host.start();
    this.startInfo = started;
    if (started.state !== null) seedMarketData(this.market, started.state);
    this.lastEventSeq = started.seqNext - 1;
    this.eventsDone = this.host.consumeEvents((view, offset, _seq, endOfBatch) => this.onEvent(decodeEvent(view, offset), endOfBatch));
    // A throw in the event handler is a bug: the state the gateway shows would be wrong, so the
    // process stops loudly instead of serving on.
    this.eventsDone.catch((e: unknown) => {
      this.log.error('event handler failed', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      process.nextTick(() => {
        throw e;
      });
    });
    await this.fundAccounts(started);
    if (this.config.timerIntervalMs > 0) {
      this.timer = setInterval(() => this.tick(), this.config.timerIntervalMs);
      this.timer.unref();
    }
    this.phaseNow = 'ready';
    this.log.info('ready', { seqNext: started.seqNext, recovered: started.state !== null, durability: this.host.durability });
  }

  /** Creates and funds each configured account the recovered state does not have (journaled commands). */
  private async fundAccounts(started: EngineHostStart): Promise<void> {
    const existing = new Set((started.state?.accounts ?? []).map((a) => a.id));
    for (const account of this.config.accounts) {
      if (existing.has(account.id)) continue;
      const created = await this.publishAndAwait(command({ type: CommandType.ACCOUNT_CREATE, timestampUs: this.clockUs(), accountId: account.id }));
      if (created.type !== EventType.ACCEPTED) throw new Error(`creating account ${account.id}: engine code ${created.code}`);
      for (const d of fundingDeposits(this.config, account)) {
        const ev = await this.publishAndAwait(command({ type: CommandType.DEPOSIT, timestampUs: this.clockUs(), accountId: d.accountId, symbolId: d.assetId, qty: d.amount, targetId: d.transferId }));
        if (ev.type !== EventType.ACCEPTED) throw new Error(`funding account ${account.id}: engine code ${ev.code}`);
      }
      this.log.info('account funded', { account: account.id, deposits: account.deposits.length });
    }
  }

  /** Publishes an internal command (waiting out a full ring, bounded) and resolves with its result event. */
  private async publishAndAwait(c: Command): Promise<DecodedEvent> {
    for (let attempt = 0; attempt < PUBLISH_RETRIES_MAX; attempt++) {
      const result = this.publishInternal(c);
      if (result !== null) return result;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    throw new Error(`command type ${c.type}: the input ring stayed full`);
  }

  private publishInternal(c: Command): Promise<DecodedEvent> | null {
    const seq = publishCommand(this.host, c);
    if (seq < 0) return null;
    return new Promise((settle) => this.pending.set(seq, { kind: 'internal', settle }));
  }

  private tick(): void {
    if (this.phaseNow !== 'ready') return;
    const seq = publishCommand(this.host, command({ type: CommandType.TIMER_TICK, timestampUs: this.clockUs() }));
    // A skipped tick is harmless: the next one (or any command) expires what is due.
    if (seq < 0) this.metrics.timerTicksSkipped.inc();
  }

  // ───────────────────────────── HTTP ─────────────────────────────

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') {
      const ready = this.phaseNow === 'ready';
      return json(res, ready ? 200 : 503, { status: this.phaseNow, durability: this.host.durability, ...(this.startInfo === null ? {} : { seqNext: this.startInfo.seqNext }) });
    }
    if (path === '/metrics' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
      res.end(this.metrics.render());
      return;
    }
    if (path !== undefined && path.startsWith('/admin/')) {
      if (req.method !== 'POST') return json(res, 405, { error: 'POST only' });
      this.onAdmin(path, req, res).catch((e: unknown) => {
        this.log.error('admin request failed', { path, error: e instanceof Error ? e.message : String(e) });
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
      });
      return;
    }
    json(res, 404, { error: 'not found' });
  }

  /**
   * Admin endpoints, for an operator on this machine: a bearer token (stored hashed) and a
   * loopback peer, whatever address the server binds.
   *
   *   POST /admin/kill-switch {"account": N}  block the account: the core cancels all its orders
   *                                           (reason kill_switch) and refuses new ones
   *   POST /admin/kill-switch {"all": true}   cancel every order of every account, and refuse
   *                                           new orders at the gateway (TRADING_DISABLED)
   *   POST /admin/unblock {"account": N}      unblock the account
   *   POST /admin/resume {}                   lift the gateway's TRADING_DISABLED
   */
  private async onAdmin(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.adminKeys === null) return json(res, 404, { error: 'admin endpoints are not configured' });
    if (!isLoopback(req.socket.remoteAddress)) return json(res, 403, { error: 'admin endpoints answer loopback peers only' });
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (!this.adminKeys.verify(1, token)) {
      this.log.warn('admin auth failed', { path });
      return json(res, 401, { error: 'bad admin token' });
    }
    const body = await readBody(req, ADMIN_BODY_BYTES_MAX);
    if (body === null) return json(res, 400, { error: `body must be a JSON object of at most ${ADMIN_BODY_BYTES_MAX} bytes` });
    if (this.phaseNow !== 'ready') return json(res, 503, { error: `server is ${this.phaseNow}` });
    const account = body['account'];
    const accountOk = typeof account === 'number' && Number.isInteger(account) && account >= 1 && account <= this.config.engine.maxAccounts;
    let c: Command;
    switch (path) {
      case '/admin/kill-switch':
        if (body['all'] === true && account === undefined) {
          this.tradingDisabled = true;
          c = massCancelCommand(0, 0, CancelReason.KILL_SWITCH, this.clockUs());
        } else if (accountOk && body['all'] === undefined) {
          c = command({ type: CommandType.ACCOUNT_BLOCK, timestampUs: this.clockUs(), accountId: account });
        } else return json(res, 400, { error: 'body: {"account": N} or {"all": true}' });
        break;
      case '/admin/unblock':
        if (!accountOk) return json(res, 400, { error: 'body: {"account": N}' });
        c = command({ type: CommandType.ACCOUNT_UNBLOCK, timestampUs: this.clockUs(), accountId: account });
        break;
      case '/admin/resume':
        this.tradingDisabled = false;
        this.log.info('admin resume: trading enabled');
        return json(res, 200, { tradingDisabled: false });
      default:
        return json(res, 404, { error: 'not found' });
    }
    const ev = await this.publishAndAwait(c);
    const accepted = ev.type === EventType.ACCEPTED;
    this.log.warn(`admin ${path.slice('/admin/'.length)}`, { seq: ev.seq, account: accountOk ? account : 0, accepted, code: ev.code, tradingDisabled: this.tradingDisabled });
    json(res, accepted ? 200 : 409, { seq: ev.seq, accepted, ...(accepted ? {} : { code: ev.code, name: rejectReply(ev, 0).name }), tradingDisabled: this.tradingDisabled });
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!WS_PATHS.has(path)) return refuse('404 Not Found');
    if (this.phaseNow !== 'ready') return refuse('503 Service Unavailable');
    if (this.connections.size >= this.config.connectionsMax) return refuse('503 Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  // ───────────────────────────── connections ─────────────────────────────

  private onConnection(ws: WebSocket): void {
    const session = new Session(this.nextSessionId++, { ...this.config.session, orderRate: this.config.orderRate.perSession }, this.clockNs);
    const conn = new Connection(session, ws);
    this.connections.add(conn);
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: RawFrame, isBinary: boolean) => this.onFrame(conn, data, isBinary));
    ws.on('close', (code: number) => this.closeConnection(conn, `closed ${code}`));
    ws.on('error', (e: Error) => this.log.debug('socket error', { session: conn.id, error: e.message }));
    this.log.debug('connection', { session: conn.id });
  }

  /** Ends a session once: forgets its routes and, when it opted in, cancels its account's orders. */
  private closeConnection(conn: Connection, why: string): void {
    if (conn.closed) return;
    conn.closed = true;
    const account = conn.session.accountId;
    const cancelAccount = conn.session.close();
    this.connections.delete(conn);
    this.unsubscribeAll(conn);
    if (account !== 0) {
      this.loggedIn--;
      const sessions = this.byAccount.get(account);
      sessions?.delete(conn);
      if (sessions !== undefined && sessions.size === 0) this.byAccount.delete(account);
    }
    this.log.info('session closed', { session: conn.id, account, why, cancelOnDisconnect: cancelAccount !== 0 });
    if (cancelAccount !== 0) this.publishRetried(massCancelCommand(cancelAccount, 0, CancelReason.DISCONNECT, this.clockUs()), 'cancel on disconnect');
  }

  /** Publishes an internal command that must not be lost: a full ring queues it for a retry. */
  private publishRetried(c: Command, what: string): void {
    const settled = this.publishInternal(c);
    if (settled !== null) {
      settled.then((ev) => this.log.info(what, { seq: ev.seq, account: c.accountId, accepted: ev.type === EventType.ACCEPTED, code: ev.code }), () => undefined);
      return;
    }
    if (this.retries.length >= RETRY_QUEUE_MAX) {
      this.log.error(`${what} lost: retry queue full`, { account: c.accountId });
      return;
    }
    this.retries.push(c);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      const queued = this.retries.splice(0, this.retries.length);
      for (const c of queued) this.publishRetried(c, 'cancel on disconnect (retried)');
    }, RETRY_DELAY_MS);
  }

  private unsubscribeAll(conn: Connection): void {
    for (const key of conn.mdFormats.keys()) this.bySubscription.get(key)?.delete(conn);
    conn.mdFormats.clear();
  }

  private send(conn: Connection, message: BundledMessage, format: FrameFormat): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (conn.bundle && format === conn.accountFormat) {
      // Gathered until the end of this turn (flushCorked): one frame, one ws header, one parse
      // on the client, instead of one per message.
      if (conn.outbox.length >= BUNDLE_MESSAGES_MAX) this.flushBundle(conn);
      conn.outbox.push(message);
      this.corkForTurn(conn);
      return;
    }
    this.sendFrame(conn, encodeFrame(message, format));
  }

  private sendFrame(conn: Connection, frame: string | Uint8Array): void {
    // What was gathered before this frame leaves before it: the connection sees messages in order.
    if (conn.outbox.length > 0) this.flushBundle(conn);
    this.corkForTurn(conn);
    conn.ws.send(frame, { binary: typeof frame !== 'string' });
  }

  /** Sends the gathered messages: one alone as itself, several as one `bundle` frame. */
  private flushBundle(conn: Connection): void {
    const out = conn.outbox;
    if (out.length === 0) return;
    if (conn.ws.readyState === WebSocket.OPEN) {
      const frame = out.length === 1 ? encodeFrame(out[0] as BundledMessage, conn.accountFormat) : encodeFrame({ type: 'bundle', messages: out }, conn.accountFormat);
      conn.ws.send(frame, { binary: typeof frame !== 'string' });
    }
    out.length = 0;
  }

  /**
   * Frames produced in one event-loop turn leave in one write: the socket is corked at the first
   * and uncorked at the end of the turn (flushCorked), where the bundles are sent too.
   */
  private corkForTurn(conn: Connection): void {
    if (conn.corked) return;
    conn.corked = true;
    rawSocket(conn.ws)?.cork();
    this.corked.push(conn);
    if (this.corked.length === 1) setImmediate(() => this.flushCorked());
  }

  private flushCorked(): void {
    for (const conn of this.corked) {
      this.flushBundle(conn);
      conn.corked = false;
      rawSocket(conn.ws)?.uncork();
      if (conn.ws.bufferedAmount > this.config.connectionBufferedBytesMax) {
        // Account messages are never dropped, so a connection that stops reading them is cut.
        this.log.warn('connection closed: not reading', { session: conn.id, account: conn.session.accountId, bufferedBytes: conn.ws.bufferedAmount });
        this.closeConnection(conn, 'buffered bytes over the bound');
        conn.ws.terminate();
      }
    }
    this.corked.length = 0;
  }

  private refuse(conn: Connection, requestId: number | null, format: FrameFormat, error: GatewayError): void {
    this.send(conn, refusalReply(error, requestId), format);
  }

  // ───────────────────────────── client messages ─────────────────────────────

  private onFrame(conn: Connection, data: RawFrame, isBinary: boolean): void {
    if (conn.closed) return;
    const receivedMs = performance.now();
    const intake = intakeFrame(data, isBinary, this.config.intake);
    try {
      switch (intake.kind) {
        case 'refused':
          this.metrics.framesRefused.inc();
          return this.send(conn, intake.reply, intake.format);
        case 'batch': {
          const denied = conn.session.authorize('batch');
          if (denied !== null) return this.refuse(conn, intake.id, intake.format, denied);
          return this.onBatch(conn, intake.items, intake.format, receivedMs);
        }
        case 'message':
          return this.onMessage(conn, intake.message, intake.format, receivedMs);
        default: {
          const unknown: never = intake;
          throw new Error(`unknown intake ${JSON.stringify(unknown)}`);
        }
      }
    } catch (e) {
      // Nothing reached the ring for this frame (publishing is the last step and cannot throw
      // after it), so answering INTERNAL_ERROR is true: the request had no effect.
      this.log.error('frame handler failed', { session: conn.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      this.refuse(conn, null, intake.format, gatewayError(GatewayCode.INTERNAL_ERROR));
    }
  }

  private onMessage(conn: Connection, m: Exclude<ClientMessage, { type: 'batch' }>, format: FrameFormat, receivedMs: number): void {
    const denied = conn.session.authorize(m.type);
    if (denied !== null) return this.refuse(conn, m.id, format, denied);
    switch (m.type) {
      case 'login':
        return this.onLogin(conn, m.id, m.account, m.apiKey, { cancelOnDisconnect: m.cancelOnDisconnect ?? false, bundle: m.bundle ?? false }, format);
      case 'place':
      case 'cancel':
      case 'amend':
      case 'mass_cancel':
        return this.onOrder(conn, m, format, receivedMs);
      case 'subscribe':
        return this.onSubscribe(conn, m.id, m.channel, m.symbol, format);
      case 'unsubscribe': {
        const error = conn.session.unsubscribe(m.channel, m.symbol);
        if (error !== null) return this.refuse(conn, m.id, format, error);
        const key = subscriptionKey(m.channel, m.symbol);
        this.bySubscription.get(key)?.delete(conn);
        conn.mdFormats.delete(key);
        return this.send(conn, { type: 'unsubscribed', id: m.id, channel: m.channel, symbol: m.symbol }, format);
      }
      case 'ping':
        return this.send(conn, { type: 'pong', id: m.id }, format);
      default: {
        const unknown: never = m;
        throw new Error(`unknown message ${JSON.stringify(unknown)}`);
      }
    }
  }

  private onLogin(conn: Connection, id: number, account: number, apiKey: string, options: { cancelOnDisconnect: boolean; bundle: boolean }, format: FrameFormat): void {
    const { cancelOnDisconnect } = options;
    if (!this.apiKeys.verify(account, apiKey)) {
      const closeNow = conn.session.loginFailed();
      this.log.warn('login failed', { session: conn.id, account, closing: closeNow });
      this.refuse(conn, id, format, gatewayError(GatewayCode.AUTH_FAILED));
      if (closeNow) {
        this.flushBundle(conn);
        conn.ws.close(1008, 'too many failed logins');
      }
      return;
    }
    conn.session.login(account, cancelOnDisconnect);
    conn.accountFormat = format;
    conn.bundle = options.bundle;
    this.loggedIn++;
    let sessions = this.byAccount.get(account);
    if (sessions === undefined) {
      sessions = new Set();
      this.byAccount.set(account, sessions);
    }
    sessions.add(conn);
    this.log.info('login', { session: conn.id, account, cancelOnDisconnect });
    this.send(conn, { type: 'logged_in', id, account, cancelOnDisconnect }, format);
  }

  private onSubscribe(conn: Connection, id: number, channel: WireChannel, symbolName: string, format: FrameFormat): void {
    const symbol = this.wire.symbolByName(symbolName);
    if (symbol === undefined) return this.refuse(conn, id, format, gatewayError(GatewayCode.UNKNOWN_SYMBOL, symbolName));
    const error = conn.session.subscribe(channel, symbolName);
    if (error !== null) return this.refuse(conn, id, format, error);
    // Publish what is pending first, so the snapshot and its seq are as of a flush.
    if (this.market.hasPending) this.flushMarketData();
    const key = subscriptionKey(channel, symbolName);
    let subscribers = this.bySubscription.get(key);
    if (subscribers === undefined) {
      subscribers = new Set();
      this.bySubscription.set(key, subscribers);
    }
    subscribers.add(conn);
    conn.mdFormats.set(key, format);
    this.send(conn, { type: 'subscribed', id, channel, symbol: symbolName, seq: this.market.channelSeq(channel, symbol.id) }, format);
    if (channel === 'book') this.send(conn, this.market.bookSnapshot(symbol.id), format);
    if (channel === 'bbo') this.send(conn, this.market.bboSnapshot(symbol.id), format);
  }

  /** Bound, risk, throttle, translate, publish: in that order, so a refusal costs the ring nothing. */
  private onOrder(conn: Connection, m: OrderMessage | MassCancelMessage, format: FrameFormat, receivedMs: number): void {
    const c = this.orderCommand(conn, m, format, 0);
    if (c !== null) this.publishOrder(conn, m, format, receivedMs, c);
  }

  /**
   * The orders of a batch frame, each checked as if it came alone, and those that pass published
   * together in consecutive sequences: one ring claim and one wake for the frame instead of one
   * per order. When the ring has no room for all of them, each is published on its own as far
   * as it fits, and the rest answered BUSY, as before.
   */
  private onBatch(conn: Connection, items: readonly BatchItem[], format: FrameFormat, receivedMs: number): void {
    const messages = this.runMessages;
    const commands = this.runCommands;
    messages.length = 0;
    commands.length = 0;
    for (const item of items) {
      if (!item.ok) {
        this.send(conn, item.reply, format);
        continue;
      }
      const c = this.orderCommand(conn, item.message, format, commands.length);
      if (c === null) continue;
      messages.push(item.message);
      commands.push(c);
    }
    if (commands.length === 0) return;
    // A lone order takes the single path; a run that does not fit goes order by order.
    const seqFirst = commands.length > 1 ? publishCommands(this.host, commands) : CLAIM_FULL;
    for (let k = 0; k < commands.length; k++) {
      const m = messages[k] as OrderMessage;
      if (seqFirst >= 0) this.addPending(seqFirst + k, conn, m.id, format, receivedMs);
      else this.publishOrder(conn, m, format, receivedMs, commands[k] as Command);
    }
    messages.length = 0;
    commands.length = 0;
  }

  /**
   * An order's command, or null when it is refused (answered here). `gathered`: commands of the
   * same frame checked but not yet published, which count against the pending bound.
   */
  private orderCommand(conn: Connection, m: OrderMessage | MassCancelMessage, format: FrameFormat, gathered: number): Command | null {
    this.metrics.orderIn(m.type as OrderKind);
    const refuse = (error: GatewayError): null => this.refuseOrder(conn, m.id, format, error);
    if (this.phaseNow !== 'ready') return refuse(gatewayError(GatewayCode.BUSY, `server is ${this.phaseNow}`));
    // At the bound first: under overload most orders are refused here, and refusing before the
    // risk checks and the translation spares the server's thread their cost (and the order its
    // throttle token) when the answer is BUSY anyway.
    if (this.pending.size + gathered >= this.config.pendingMax) return refuse(this.busy('results pending at the bound'));
    const account = conn.session.accountId;
    const timestampUs = this.clockUs();
    let c: Command;
    switch (m.type) {
      case 'place': {
        if (this.tradingDisabled) return refuse(gatewayError(GatewayCode.TRADING_DISABLED));
        const checked = checkPlace(m, this.wire, this.market);
        if (!checked.ok) return refuse(checked.error);
        c = placeCommand(m, checked.value, account, timestampUs);
        break;
      }
      case 'amend': {
        if (this.tradingDisabled) return refuse(gatewayError(GatewayCode.TRADING_DISABLED));
        const checked = checkAmend(m, this.wire, this.market);
        if (!checked.ok) return refuse(checked.error);
        c = amendCommand(m, checked.value, account, timestampUs);
        break;
      }
      case 'cancel':
        c = cancelCommand(m, account, timestampUs);
        break;
      case 'mass_cancel': {
        const checked = checkMassCancel(m, this.wire);
        if (!checked.ok) return refuse(checked.error);
        c = massCancelCommand(account, checked.value, CancelReason.USER, timestampUs);
        break;
      }
      default: {
        const unknown: never = m;
        throw new Error(`unknown order message ${JSON.stringify(unknown)}`);
      }
    }
    const throttled = this.throttle.admit(conn.session.orderBucket, account);
    if (throttled !== null) return refuse(throttled);
    return c;
  }

  /** Publishes one checked order, or answers BUSY when the ring is full. */
  private publishOrder(conn: Connection, m: OrderMessage | MassCancelMessage, format: FrameFormat, receivedMs: number, c: Command): void {
    const seq = publishCommand(this.host, c);
    if (seq < 0) {
      this.refuseOrder(conn, m.id, format, this.busy('input ring full'));
      return;
    }
    this.addPending(seq, conn, m.id, format, receivedMs);
  }

  /** Answers an order's refusal and counts it by code: every refused order goes through here. */
  private refuseOrder(conn: Connection, requestId: number, format: FrameFormat, error: GatewayError): null {
    this.metrics.orderOut(error.code).inc();
    this.refuse(conn, requestId, format, error);
    return null;
  }

  private addPending(seq: number, conn: Connection, requestId: number, format: FrameFormat, receivedMs: number): void {
    if (this.pending.has(seq)) throw new Error(`sequence ${seq} published twice`);
    this.pending.set(seq, { kind: 'client', conn, requestId, format, receivedMs });
  }

  private busy(why: string): GatewayError {
    this.busyCount++;
    const nowMs = performance.now();
    if (nowMs - this.busyLoggedMs >= BUSY_LOG_INTERVAL_MS) {
      this.log.warn('busy', { why, since: this.busyCount });
      this.busyLoggedMs = nowMs;
      this.busyCount = 0;
    }
    return gatewayError(GatewayCode.BUSY);
  }

  // ───────────────────────────── events ─────────────────────────────

  private onEvent(ev: DecodedEvent, endOfBatch: boolean): void {
    // Events come in command order; a step back would mean the output ring is corrupt.
    if (ev.seq < this.lastEventSeq) throw new Error(`event of command ${ev.seq} after one of ${this.lastEventSeq}`);
    this.lastEventSeq = ev.seq;
    this.metrics.events.inc();
    this.eventsInBatch++;
    if (ev.type === EventType.ACCEPTED || ev.type === EventType.REJECTED) this.settle(ev);
    const out = this.accountOut;
    out.length = 0;
    accountMessages(ev, this.wire, out);
    for (const m of out) {
      const sessions = this.byAccount.get(m.accountId);
      if (sessions === undefined) continue;
      for (const conn of sessions) this.send(conn, m.message, conn.accountFormat);
    }
    this.market.apply(ev);
    if (endOfBatch) {
      this.metrics.eventBatch.observe(this.eventsInBatch);
      this.eventsInBatch = 0;
      if (this.market.hasPending) this.flushMarketData();
    }
  }

  /** Answers the requester of a command from its result event (one per command). */
  private settle(ev: DecodedEvent): void {
    const p = this.pending.get(ev.seq);
    if (p === undefined) return; // timer ticks, and commands of an earlier run
    this.pending.delete(ev.seq);
    if (p.kind === 'internal') return p.settle(ev);
    const accepted = ev.type === EventType.ACCEPTED;
    this.metrics.orderOut(accepted ? CODE_ACK : ev.code).inc();
    this.metrics.orderLatency.observe((performance.now() - p.receivedMs) / 1_000);
    if (p.conn.closed) return;
    this.send(p.conn, accepted ? ackReply(ev, p.requestId) : rejectReply(ev, p.requestId), p.format);
  }

  private flushMarketData(): void {
    const out = this.mdOut;
    out.length = 0;
    this.market.flush(out);
    for (const cm of out) {
      const subscribers = this.bySubscription.get(subscriptionKey(cm.channel, cm.message.symbol));
      if (subscribers === undefined || subscribers.size === 0) continue;
      let jsonFrame: string | Uint8Array | null = null;
      let msgpackFrame: string | Uint8Array | null = null;
      for (const conn of subscribers) {
        const dropped = conn.session.checkBackpressure(conn.ws.bufferedAmount);
        if (dropped !== null) {
          this.metrics.mdDropped.inc();
          this.log.warn('market data dropped: slow consumer', { session: conn.id, account: conn.session.accountId, bufferedBytes: conn.ws.bufferedAmount });
          const format = conn.mdFormats.get(subscriptionKey(cm.channel, cm.message.symbol)) ?? 'json';
          this.unsubscribeAll(conn);
          this.send(conn, dropped, format);
          continue;
        }
        if (conn.mdFormats.get(subscriptionKey(cm.channel, cm.message.symbol)) === 'msgpack') {
          msgpackFrame ??= encodeFrame(cm.message, 'msgpack');
          this.sendFrame(conn, msgpackFrame);
        } else {
          jsonFrame ??= encodeFrame(cm.message, 'json');
          this.sendFrame(conn, jsonFrame);
        }
      }
    }
  }

  // ───────────────────────────── shutdown ─────────────────────────────

  /**
   * Graceful shutdown: stop accepting (new connections refused, new orders BUSY), wait for the
   * results of what is in the engine, close every session (cancel-on-disconnect runs as usual),
   * wait for those, then stop the engine host (drain; the journal-backed host snapshots), and
   * close. Resolves with the host's report (last sequence, state hash).
   */
  stop(): Promise<EngineHostStop> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<EngineHostStop> {
    if (this.phaseNow === 'starting') throw new Error('stop before start finished');
    this.phaseNow = 'stopping';
    this.log.info('stopping', { connections: this.connections.size, pending: this.pending.size });
    if (this.timer !== null) clearInterval(this.timer);
    const httpClosed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.waitFor(() => this.pending.size === 0, this.config.drainTimeoutMs);
    for (const conn of [...this.connections]) {
      // Replies gathered for this turn's bundle leave before the close frame.
      this.flushBundle(conn);
      this.closeConnection(conn, 'server shutdown');
      conn.ws.close(1001, 'server shutting down');
    }
    await this.waitFor(() => this.pending.size === 0 && this.retries.length === 0, this.config.drainTimeoutMs);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.retries.length > 0 || this.pending.size > 0) this.log.error('stopping with commands unanswered', { retries: this.retries.length, pending: this.pending.size });
    const report = await this.host.stop();
    this.flushCorked();
    this.http.closeAllConnections();
    await httpClosed;
    this.phaseNow = 'stopped';
    this.log.info('stopped', { lastSeq: report.lastSeq, stateHash: report.stateHash, commands: report.commands });
    return report;
  }

  private async waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    return true;
  }
}

function json(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}

/** Reads a JSON object body of at most `bytesMax` bytes; null when it is not one. */
function readBody(req: IncomingMessage, bytesMax: number): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Record<string, unknown> | null): void => {
      if (done) return;
      done = true;
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > bytesMax) {
        finish(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => finish(null));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return finish({});
      try {
        const value: unknown = JSON.parse(text);
        finish(typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
      } catch {
        finish(null);
      }
    });
  });
}

/** The TCP socket under a ws connection, for cork/uncork (ws keeps it as `_socket`). */
function rawSocket(ws: WebSocket): Socket | null {
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  return socket !== undefined && typeof socket.cork === 'function' ? socket : null;
}
