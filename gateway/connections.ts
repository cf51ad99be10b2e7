import { CommandType } from '../engine/command-layout.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { type GatewayError, GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import { encodeFrame, FRAME_BYTES_HARD_FACTOR, type FrameFormat, type RawFrame } from '../protocol/wire-codec.js';
import type { BundledMessage, LoginMessage } from '../protocol/wire-schema.js';
import { CLOSE_ANONYMOUS_DEADLINE, type AdmissionRefusal, HostCounts, refusalStatus } from './admission.js';
import type { ApiKeyStore } from './api-keys.js';
import { LoginThrottle } from './auth-throttle.js';
import { BUNDLE_MESSAGES_MAX, Connection, rawSocket } from './connection.js';
import type { Logger } from './log.js';
import { refusalReply } from './order-translation.js';
import type { ClockNs } from './rate-limiter.js';
import type { ServerConfig } from './server-config.js';
import type { ServerMetrics } from './server-metrics.js';
import type { ServerStatus } from './server-status.js';
import { Session } from './session.js';

export const WS_PATHS: ReadonlySet<string> = new Set(['/ws', '/']);
/** How long a peer cut by the server has to answer the close frame before its socket is dropped. */
const CLOSE_GRACE_MS = 1_000;

/** What the rest of the gateway does when a connection's frame arrives or its session ends. */
export interface ConnectionHooks {
  onFrame(conn: Connection, data: RawFrame, isBinary: boolean): void;
  /**
   * After a session ended and left the account routes. `cancelAccount` is the account whose
   * orders cancel-on-disconnect asks to cancel (the session's own or all: session.cancelScope),
   * 0 when the session did not opt in.
   */
  onClosed(conn: Connection, cancelAccount: number): void;
  /** Where orders go when this node is a standby, told in the `logged_in` reply; null on the leader. */
  standbyNotice(): { readonly role: 'standby'; readonly leader: string | null } | null;
}

/**
 * The WebSocket connections and everything that leaves through them:
 *
 *   upgrade ──▶ admission (path, phase, connectionsMax, anonymous share, per-host cap; admission.ts)
 *           ──▶ open ──▶ login (throttled: auth-throttle.ts) ──▶ close (once)
 *   open ──▶ anonymous deadline; heartbeat pings while any connection is open
 *   send ──▶ bundle (login asked for it) or frame ──▶ socket corked for the turn
 *        ──▶ end of turn (setImmediate): bundles out, uncork, cut a connection over its bound
 *
 * Frames a turn produces leave in one write per socket. Account messages are never dropped, so
 * a connection that stops reading them is cut once its buffered bytes pass the bound; market
 * data has its own, earlier cut-off (market-data-fanout.ts).
 */
export class Connections {
  private readonly all = new Set<Connection>();
  private readonly hosts: HostCounts;
  private readonly loginThrottle: LoginThrottle;
  /** Anonymous sessions at once: the share of connectionsMax they may fill. */
  private readonly anonymousMax: number;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly byAccount = new Map<number, Set<Connection>>();
  private readonly corked: Connection[] = [];
  private readonly wss: WebSocketServer;
  private nextSessionId = 1;
  private loggedInNow = 0;

  constructor(
    private readonly config: ServerConfig,
    private readonly status: ServerStatus,
    private readonly apiKeys: ApiKeyStore,
    private readonly clockNs: ClockNs,
    private readonly log: Logger,
    private readonly metrics: ServerMetrics,
    private readonly hooks: ConnectionHooks,
  ) {
    this.hosts = new HostCounts(config.admission.connectionsPerHostMax);
    this.loginThrottle = new LoginThrottle(config.authThrottle, clockNs);
    this.anonymousMax = Math.max(1, Math.floor((config.connectionsMax * config.admission.anonymousPercentMax) / 100));
    // UTF-8 of text frames is checked by the intake (MALFORMED_JSON, connection kept), not by ws (close 1007).
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, skipUTF8Validation: true, maxPayload: config.intake.codec.frameBytesMax * FRAME_BYTES_HARD_FACTOR });
  }

  get size(): number {
    return this.all.size;
  }

  get loggedIn(): number {
    return this.loggedInNow;
  }

  /** Listens on the HTTP server for WebSocket upgrades and for requests it cuts off (slow headers). */
  attach(http: Server): void {
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    http.on('clientError', (e: NodeJS.ErrnoException, socket: Socket) => {
      const timedOut = e.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      if (timedOut) this.metrics.connectionCut('http_timeout');
      this.log.debug('http client error', { code: e.code ?? '', peer: socket.remoteAddress ?? '' });
      if (socket.writable) socket.write(timedOut ? 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      socket.destroy();
    });
  }

  /** The HTTP server's `upgrade` listener: admits a WebSocket or answers the refusal on the raw socket. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const host = socket.remoteAddress ?? '';
    const refusal = this.refusal(path, host);
    if (refusal !== null) {
      this.metrics.connectionRefused(refusal);
      socket.end(`HTTP/1.1 ${refusalStatus(refusal)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, host));
  }

  private refusal(path: string, host: string): AdmissionRefusal | null {
    if (!WS_PATHS.has(path)) return 'path';
    if (this.status.phase !== 'ready') return 'not_ready';
    if (this.all.size >= this.config.connectionsMax) return 'connections_max';
    // Every new connection is anonymous: room beyond the share is kept for logged-in sessions.
    if (this.all.size - this.loggedInNow >= this.anonymousMax) return 'anonymous_share';
    if (this.hosts.full(host)) return 'host_cap';
    return null;
  }

  private open(ws: WebSocket, host: string): void {
    const session = new Session(this.nextSessionId++, { ...this.config.session, orderRate: this.config.orderRate.perSession }, this.clockNs);
    const conn = new Connection(session, ws, host);
    this.hosts.opened(host);
    this.all.add(conn);
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: RawFrame, isBinary: boolean) => {
      conn.pingsUnanswered = 0;
      this.hooks.onFrame(conn, data, isBinary);
    });
    ws.on('pong', () => {
      conn.pingsUnanswered = 0;
    });
    ws.on('close', (code: number) => this.close(conn, `closed ${code}`));
    ws.on('error', (e: Error) => this.log.debug('socket error', { session: conn.id, error: e.message }));
    conn.anonymousTimer = setTimeout(() => this.anonymousDeadline(conn), this.config.admission.anonymousDeadlineMs);
    conn.anonymousTimer.unref();
    this.startHeartbeat();
    this.log.debug('connection', { session: conn.id, host });
  }

  /** A session that neither logged in nor subscribed in time gives its slot back. */
  private anonymousDeadline(conn: Connection): void {
    conn.anonymousTimer = null;
    if (conn.closed || conn.session.state !== 'anonymous' || conn.session.subscriptionCount > 0) return;
    this.metrics.connectionCut('anonymous_deadline');
    this.cut(conn, 'anonymous deadline', CLOSE_ANONYMOUS_DEADLINE, `no login or subscription within ${this.config.admission.anonymousDeadlineMs} ms`);
  }

  /** Ends a session at once and closes its socket; a peer that does not answer the close frame is dropped soon after. */
  private cut(conn: Connection, why: string, code: number, reason: string): void {
    this.flushBundle(conn);
    this.close(conn, why);
    conn.ws.close(code, reason);
    setTimeout(() => conn.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Pings run while any connection is open, so an idle server keeps no timer. */
  private startHeartbeat(): void {
    const intervalMs = this.config.admission.heartbeatIntervalMs;
    if (this.heartbeat !== null || intervalMs === 0) return;
    this.heartbeat = setInterval(() => this.beat(), intervalMs);
    this.heartbeat.unref();
  }

  /** Terminates connections silent for `heartbeatMissesMax` pings (cancel-on-disconnect applies) and pings the rest. */
  private beat(): void {
    if (this.all.size === 0) {
      if (this.heartbeat !== null) clearInterval(this.heartbeat);
      this.heartbeat = null;
      return;
    }
    for (const conn of [...this.all]) {
      if (conn.pingsUnanswered >= this.config.admission.heartbeatMissesMax) {
        this.metrics.connectionCut('heartbeat');
        this.log.warn('connection closed: heartbeat missed', { session: conn.id, account: conn.session.accountId, pings: conn.pingsUnanswered });
        this.close(conn, 'heartbeat missed');
        conn.ws.terminate();
        continue;
      }
      if (conn.ws.readyState !== WebSocket.OPEN) continue;
      conn.pingsUnanswered++;
      conn.ws.ping();
    }
  }

  /**
   * A login passes the throttle (auth-throttle.ts) before its key is checked: refused with
   * LOGIN_THROTTLED, delayed (the account is under attack), or verified at once.
   */
  login(conn: Connection, m: LoginMessage, format: FrameFormat): void {
    if (conn.loginInFlight) return this.refuse(conn, m.id, format, gatewayError(GatewayCode.LOGIN_THROTTLED, 'a login is in progress'));
    const verdict = this.loginThrottle.check(conn.host, m.account);
    switch (verdict.kind) {
      case 'verify':
        return this.verifyLogin(conn, m, format);
      case 'refuse':
        this.metrics.authFailed('login', 'throttled');
        return this.loginRefused(conn, m, format, gatewayError(GatewayCode.LOGIN_THROTTLED, verdict.why));
      case 'delay': {
        this.metrics.authFailed('login', 'delayed');
        conn.loginInFlight = true;
        setTimeout(() => {
          conn.loginInFlight = false;
          if (!conn.closed && conn.session.state === 'anonymous') this.verifyLogin(conn, m, format);
        }, verdict.delayMs).unref();
        return;
      }
      default: {
        const unknown: never = verdict;
        throw new Error(`unknown login verdict ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Counts a refused login against the connection: after loginFailuresMax of them it is closed. */
  private loginRefused(conn: Connection, m: LoginMessage, format: FrameFormat, error: GatewayError): void {
    const closeNow = conn.session.loginFailed();
    this.log.warn('login failed', { session: conn.id, account: m.account, host: conn.host, code: error.name, closing: closeNow });
    this.refuse(conn, m.id, format, error);
    if (closeNow) {
      this.flushBundle(conn);
      conn.ws.close(1008, 'too many failed logins');
    }
  }

  /** Verifies the API key and routes the account's messages to this connection from now on. */
  private verifyLogin(conn: Connection, m: LoginMessage, format: FrameFormat): void {
    const { id, account, apiKey } = m;
    const cancelOnDisconnect = m.cancelOnDisconnect ?? false;
    const keyId = this.apiKeys.match(account, apiKey);
    if (keyId === 0) {
      this.loginThrottle.failed(conn.host, account);
      this.metrics.authFailed('login', 'bad_key');
      return this.loginRefused(conn, m, format, gatewayError(GatewayCode.AUTH_FAILED));
    }
    this.loginThrottle.succeeded(conn.host, account);
    if (conn.anonymousTimer !== null) clearTimeout(conn.anonymousTimer);
    conn.anonymousTimer = null;
    conn.session.login(account, cancelOnDisconnect);
    conn.keyId = keyId;
    conn.accountFormat = format;
    conn.bundle = m.bundle ?? false;
    this.loggedInNow++;
    let sessions = this.byAccount.get(account);
    if (sessions === undefined) {
      sessions = new Set();
      this.byAccount.set(account, sessions);
    }
    sessions.add(conn);
    this.log.info('login', { session: conn.id, account, cancelOnDisconnect });
    // A standby says so at login, so a client learns where to send orders before its first one.
    const standby = this.hooks.standbyNotice();
    this.send(conn, standby === null ? { type: 'logged_in', id, account, cancelOnDisconnect } : { type: 'logged_in', id, account, cancelOnDisconnect, ...standby }, format);
  }

  /**
   * The key events as the core applies them: an added key works from the next login; a revoked
   * one no longer does, and the sessions logged in with it are closed (1008, "API key revoked").
   */
  onKeyEvent(ev: DecodedEvent): void {
    if (ev.type !== EventType.ACCEPTED) return;
    if ((ev.commandType === CommandType.ACCOUNT_CREATE || ev.commandType === CommandType.API_KEY_ADD) && ev.keyHex !== '') {
      this.apiKeys.addHex(ev.accountId, ev.orderId, ev.keyHex);
    } else if (ev.commandType === CommandType.API_KEY_REVOKE) {
      this.apiKeys.revoke(ev.accountId, ev.orderId);
      for (const conn of [...(this.byAccount.get(ev.accountId) ?? [])]) {
        if (conn.keyId !== ev.orderId) continue;
        this.flushBundle(conn);
        this.close(conn, 'api key revoked');
        conn.ws.close(1008, 'API key revoked');
      }
    }
  }

  /** Ends a session once: forgets its routes, then tells the hooks (cancel-on-disconnect, subscriptions). */
  close(conn: Connection, why: string): void {
    if (conn.closed) return;
    conn.closed = true;
    const account = conn.session.accountId;
    const cancelAccount = conn.session.close();
    if (conn.anonymousTimer !== null) clearTimeout(conn.anonymousTimer);
    conn.anonymousTimer = null;
    this.all.delete(conn);
    this.hosts.closed(conn.host);
    if (account !== 0) {
      this.loggedInNow--;
      const sessions = this.byAccount.get(account);
      sessions?.delete(conn);
      if (sessions !== undefined && sessions.size === 0) this.byAccount.delete(account);
    }
    this.log.info('session closed', { session: conn.id, account, why, cancelOnDisconnect: cancelAccount === 0 ? 'none' : conn.session.cancelScope });
    this.hooks.onClosed(conn, cancelAccount);
  }

  /** Shutdown: every connection's gathered replies leave before its close frame. */
  closeAll(why: string, code: number, reason: string): void {
    for (const conn of [...this.all]) {
      this.flushBundle(conn);
      this.close(conn, why);
      conn.ws.close(code, reason);
    }
  }

  /** Sends a message to every session logged in to the account, each in its login's format. */
  sendToAccount(accountId: number, message: BundledMessage): void {
    const sessions = this.byAccount.get(accountId);
    if (sessions === undefined) return;
    for (const conn of sessions) this.send(conn, message, conn.accountFormat);
  }

  send(conn: Connection, message: BundledMessage, format: FrameFormat): void {
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

  /** Sends an encoded frame (market data encodes once for all its subscribers). */
  sendFrame(conn: Connection, frame: string | Uint8Array): void {
    // What was gathered before this frame leaves before it: the connection sees messages in order.
    if (conn.outbox.length > 0) this.flushBundle(conn);
    this.corkForTurn(conn);
    conn.ws.send(frame, { binary: typeof frame !== 'string' });
  }

  refuse(conn: Connection, requestId: number | null, format: FrameFormat, error: GatewayError): void {
    this.send(conn, refusalReply(error, requestId), format);
  }

  /** Sends the gathered messages: one alone as itself, several as one `bundle` frame. */
  flushBundle(conn: Connection): void {
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

  flushCorked(): void {
    for (const conn of this.corked) {
      this.flushBundle(conn);
      conn.corked = false;
      rawSocket(conn.ws)?.uncork();
      if (conn.ws.bufferedAmount > this.config.connectionBufferedBytesMax) {
        // Account messages are never dropped, so a connection that stops reading them is cut.
        this.log.warn('connection closed: not reading', { session: conn.id, account: conn.session.accountId, bufferedBytes: conn.ws.bufferedAmount });
        this.close(conn, 'buffered bytes over the bound');
        conn.ws.terminate();
      }
    }
    this.corked.length = 0;
  }
}
