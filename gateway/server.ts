import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { command } from '../engine/command-codec.js';
import { CommandType } from '../engine/command-layout.js';
import { decodeEvent } from '../engine/event-codec.js';
import { GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import { type WireConfig, wireConfigFrom } from '../protocol/wire-config.js';
import { type EngineHost, type EngineHostStart, type EngineHostStop, publishCommand } from '../runtime/engine-host.js';
import { createEngineHost } from '../runtime/engine-host-factory.js';
import { ReadModel } from '../replay/read-model.js';
import { fundAccounts } from './account-funding.js';
import { DashboardAssets, defaultDashboardDir } from './dashboard-assets.js';
import { httpServerOptions } from './admission.js';
import { addAdminRoutes } from './admin-routes.js';
import { ApiKeyStore } from './api-keys.js';
import { AdminThrottle } from './auth-throttle.js';
import type { Connection } from './connection.js';
import { Connections } from './connections.js';
import { EventDispatch } from './event-dispatch.js';
import { HttpRoutes } from './http-routes.js';
import { InternalCommands } from './internal-commands.js';
import { type LeadershipView, singleNodeLeadership } from './leadership.js';
import { type LogDestination, Logger } from './log.js';
import { MarketData } from './market-data.js';
import { MarketDataFanout } from './market-data-fanout.js';
import { seedMarketData } from './market-seed.js';
import { MessageRouter } from './message-router.js';
import { OrderIntake } from './order-intake.js';
import { OrderRateThrottle } from './pre-trade-risk.js';
import type { ClockNs } from './rate-limiter.js';
import { checkServerConfig, type ServerConfig } from './server-config.js';
import { QueryHandlers } from './query-handlers.js';
import { ServerMetrics } from './server-metrics.js';
import { SessionOrders } from './session-orders.js';
import { type ServerPhase, ServerStatus } from './server-status.js';
import { addStatusRoutes } from './status-routes.js';

export { BUNDLE_MESSAGES_MAX } from './connection.js';
export { WS_PATHS } from './connections.js';
export type { ServerPhase } from './server-status.js';

/**
 * The gateway server (design §1, §7): one HTTP server on the main thread, composed of parts that
 * each own one concern.
 *
 *   ws /ws (and /) ──▶ connections.ts (admission, sessions, outbound bundles and corking)
 *        ──▶ message-router.ts (intake, authorize, handler by message type)
 *        ──▶ order-intake.ts (pre-trade risk, throttle, publish, pending seq → requester)
 *        ──▶ host.tryPublish ──▶ [journal ──▶] core worker ──▶ output ring
 *   output ring ──▶ event-dispatch.ts: result events settle the pending table: ack / reject
 *                                      account messages to the owning account's sessions
 *                                      market-data view; at the end of each batch,
 *                                      market-data-fanout.ts
 *   GET /health, GET /metrics (status-routes.ts), POST /admin/* (admin-routes.ts)
 *   GET /, GET /assets/* (the web dashboard's built files: dashboard-assets.ts)
 *
 * This class only builds the parts, starts them in order and stops them in order.
 *
 * Acknowledgement follows design §1: an ack is sent from the core's ACCEPTED event, and the core
 * reads only commands the journal consumer has committed, so whatever the client is told was
 * accepted is durable (with a journal-backed host; engine-host-factory.ts). A full ring is
 * answered BUSY at once; nothing is dropped without an answer. Market data goes to a session
 * only while its socket keeps up (Session.checkBackpressure); the core never waits for a client.
 */
export interface GatewayServerOptions {
  config: ServerConfig;
  /** Default: createEngineHost (the seam where durability plugs in). */
  host?: EngineHost;
  /** Where log lines go (at config.logLevel); default stdout. Tests pass a stream and read it. */
  logDestination?: LogDestination;
  /** µs since the Unix epoch: command timestamps (GTD expiry is compared with them). */
  clockUs?: () => number;
  /** Monotonic ns for the throttles. */
  clockNs?: ClockNs;
  /** How long sessions stay open after stop() begins, answering new orders BUSY; default SHUTDOWN_NOTICE_MS. */
  shutdownNoticeMs?: number;
  /**
   * Whether this node leads, and where the leader is (replication supplies it in cluster mode).
   * Default: a single node that always leads, named config.node, else ORDO_NODE, else "single",
   * whose leader address is its own.
   */
  leadership?: LeadershipView;
  /** The web dashboard's build folder; default dist/web of the package (dashboard-assets.ts). */
  webDir?: string;
}

const DRAIN_POLL_MS = 2;
/**
 * At least this long between the start of a shutdown and the close of the sessions: orders a
 * client sent just before it learnt of the shutdown are answered BUSY rather than lost with the
 * connection, and /health answers 503 "stopping" meanwhile for the load balancer to see.
 */
export const SHUTDOWN_NOTICE_MS = 500;

export function wallClockUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1_000);
}

function monotonicNs(): number {
  return Math.floor(performance.now() * 1e6);
}

export class GatewayServer {
  private readonly status = new ServerStatus();
  private readonly http: Server;
  private readonly wire: WireConfig;
  private readonly market: MarketData;
  /** What the queries are answered from: fed every event before the replies it causes. */
  private readonly readModel: ReadModel;
  private readonly apiKeys = new ApiKeyStore([]);
  private readonly host: EngineHost;
  private readonly log: Logger;
  private readonly clockUs: () => number;
  private readonly leadership: LeadershipView;
  readonly metrics: ServerMetrics;

  private readonly connections: Connections;
  private readonly intake: OrderIntake;
  private readonly commands: InternalCommands;
  private readonly fanout: MarketDataFanout;
  private readonly router: MessageRouter;
  private readonly events: EventDispatch;
  private readonly sessionOrders: SessionOrders;
  private timer: NodeJS.Timeout | null = null;
  private startInfo: EngineHostStart | null = null;
  private eventsDone: Promise<number> | null = null;
  private stopping: Promise<EngineHostStop> | null = null;
  private readonly shutdownNoticeMs: number;

  private constructor(
    private readonly config: ServerConfig,
    options: GatewayServerOptions,
  ) {
    checkServerConfig(config);
    this.wire = wireConfigFrom(config.engine, config.risk);
    this.market = new MarketData(this.wire);
    this.readModel = new ReadModel(config.readModel);
    this.clockUs = options.clockUs ?? wallClockUs;
    const clockNs = options.clockNs ?? monotonicNs;
    this.shutdownNoticeMs = options.shutdownNoticeMs ?? SHUTDOWN_NOTICE_MS;
    if (!Number.isInteger(this.shutdownNoticeMs) || this.shutdownNoticeMs < 0 || this.shutdownNoticeMs > 60_000) throw new Error(`shutdownNoticeMs ${this.shutdownNoticeMs}`);
    this.host = options.host ?? createEngineHost({ config: config.engine, dataDir: config.dataDir, durability: config.durability });
    this.log = Logger.create(config.logLevel, options.logDestination).with({ component: 'gateway' });
    const single = singleNodeLeadership(config.node ?? process.env['ORDO_NODE'] ?? 'single');
    // Its own address is known once it listens (port 0 picks one); nothing reads it before.
    this.leadership = options.leadership ?? { ...single, leaderAddress: () => (this.http.listening ? this.url : undefined) };
    this.metrics = new ServerMetrics({
      connections: () => this.connections.size,
      loggedIn: () => this.connections.loggedIn,
      pending: () => this.intake.pendingCount,
      hostStats: () => (this.startInfo === null || this.status.phase === 'stopped' ? null : this.host.stats()),
      storageFault: () => (this.startInfo === null || this.status.phase === 'stopped' ? null : this.host.storageFault()),
      leadership: this.leadership,
    });
    // Only the leader journals: a session that ends on a standby (a client moving to the leader,
    // typically) cancels nothing, or its "account" scope would cancel the account's live orders.
    this.sessionOrders = new SessionOrders(config.engine.maxOpenOrdersPerAccount, this.clockUs, (c) => {
      if (this.leadership.role() === 'leader') this.commands.publishRetried(c, 'cancel on disconnect');
      else this.log.info('cancel on disconnect skipped: this node is a standby', { account: c.accountId });
    });
    // The trading keys follow the journal (seeded at start, then the key events); the configured
    // ones are journaled once, for accounts that never had a key (account-funding.ts).
    this.connections = new Connections(config, this.status, this.apiKeys, clockNs, this.log, this.metrics, {
      onFrame: (conn, data, isBinary) => this.router.onFrame(conn, data, isBinary),
      onClosed: (conn, cancelAccount) => {
        this.fanout.unsubscribeAll(conn);
        this.sessionOrders.sessionClosed(conn, cancelAccount);
      },
      standbyNotice: () => (this.leadership.role() === 'leader' ? null : { role: 'standby', leader: this.leadership.leaderAddress() ?? null }),
    });
    const throttle = new OrderRateThrottle(config.orderRate, clockNs);
    this.intake = new OrderIntake(config, this.status, this.wire, this.market, this.readModel, throttle, this.host, this.connections, this.metrics, this.log, this.clockUs, this.leadership);
    this.commands = new InternalCommands(this.intake, this.log);
    this.fanout = new MarketDataFanout(this.wire, this.market, this.connections, this.metrics, this.log);
    this.events = new EventDispatch(this.wire, this.market, this.readModel, this.intake, this.connections, this.fanout, this.metrics);
    const queries = new QueryHandlers(this.readModel, this.wire, this.market, this.connections);
    // One entry per client message type (the type does not compile with one missing).
    const intake = this.intake;
    this.router = new MessageRouter(
      {
        login: (conn, m, format) => this.connections.login(conn, m, format),
        place: (conn, m, format, receivedMs) => intake.onOrder(conn, m, format, receivedMs),
        cancel: (conn, m, format, receivedMs) => intake.onOrder(conn, m, format, receivedMs),
        amend: (conn, m, format, receivedMs) => intake.onOrder(conn, m, format, receivedMs),
        mass_cancel: (conn, m, format, receivedMs) => intake.onOrder(conn, m, format, receivedMs),
        batch: (conn, batch, format, receivedMs) => intake.onBatch(conn, batch.items, format, receivedMs),
        subscribe: (conn, m, format) => this.fanout.subscribe(conn, m, format),
        unsubscribe: (conn, m, format) => this.fanout.unsubscribe(conn, m, format),
        ping: (conn, m, format) => this.connections.send(conn, { type: 'pong', id: m.id }, format),
        open_orders: (conn, m, format) => queries.openOrders(conn, m, format),
        order_status: (conn, m, format) => queries.orderStatus(conn, m, format),
        balances: (conn, m, format) => queries.balances(conn, m, format),
        fills: (conn, m, format) => queries.fills(conn, m, format),
        symbols: (conn, m, format) => queries.symbols(conn, m, format),
      },
      config.intake,
      this.connections,
      this.metrics,
      this.log,
    );
    const routes = new HttpRoutes(this.log);
    addStatusRoutes(routes, { status: this.status, host: this.host, metrics: this.metrics, leadership: this.leadership, hostStarted: () => this.startInfo !== null });
    const dashboard = DashboardAssets.load(options.webDir ?? defaultDashboardDir());
    if (dashboard.built) this.log.info('dashboard', { dir: dashboard.dir, files: dashboard.files, bytes: dashboard.bytes });
    else this.log.warn('dashboard not built: GET / says so; `make build` builds it', { dir: dashboard.dir });
    dashboard.addRoutes(routes);
    addAdminRoutes(routes, {
      adminKeys: config.adminToken === null ? null : new ApiKeyStore([{ account: 1, ...config.adminToken }]),
      maxAccounts: config.engine.maxAccounts,
      readModel: this.readModel,
      wire: this.wire,
      status: this.status,
      commands: this.commands,
      leadership: this.leadership,
      log: this.log,
      throttle: new AdminThrottle(config.authThrottle, clockNs),
      onAuthFailure: (outcome) => this.metrics.authFailed('admin', outcome),
      clockUs: this.clockUs,
    });
    this.http = createServer(httpServerOptions(config.admission), (req, res) => routes.handle(req, res));
    this.connections.attach(this.http);
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
    return this.status.phase;
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
    // The read model is rebuilt as recovery replays: from the snapshot the replay starts at (the
    // read model it keeps, or else its state alone) or empty, then every replayed event, so the
    // history (finished orders, fills, placement times) is back within the read model's windows.
    // A host without recovery hands over its state only.
    let replayed = false;
    const started = await this.host.start({
      replayStart: (state, lastSeq, saved) => {
        replayed = true;
        // A snapshot that keeps the read model gives back its history too; one without, only the state.
        if (saved !== null) {
          this.readModel.restore(saved);
          if (this.readModel.lastSeq !== lastSeq) throw new Error(`the snapshot at ${lastSeq} keeps a read model at ${this.readModel.lastSeq}`);
        } else if (state !== null) this.readModel.seed(state, lastSeq);
      },
      replayedEvent: (ev) => this.readModel.apply(ev),
    });
    this.startInfo = started;
    this.host.watchStorage((reason) => {
      if (reason !== null) this.log.error('storage fault: journal commit failed, new orders refused STORAGE_UNAVAILABLE until a retry commits', { reason });
      else this.log.info('storage recovered: journal commits again, orders accepted');
    });
    if (started.state !== null) {
      seedMarketData(this.market, started.state);
      if (!replayed) this.readModel.seed(started.state, started.seqNext - 1);
      const liveOrders = started.state.books.reduce((n, b) => n + b.orders.length, 0);
      if (this.readModel.sizes.liveOrders !== liveOrders) throw new Error(`read model rebuilt with ${this.readModel.sizes.liveOrders} live orders, the recovered state has ${liveOrders}`);
      for (const record of started.state.apiKeys) for (const [keyId, hex] of record.keys) this.apiKeys.addHex(record.account, keyId, hex);
    }
    this.events.startAt(started.seqNext);
    const { events, sessionOrders, intake } = this;
    const requesterOf = (seq: number): Connection | null => intake.requesterOf(seq);
    this.eventsDone = this.host.consumeEvents((view, offset, _seq, endOfBatch) => {
      const ev = decodeEvent(view, offset);
      // Before the dispatch, which settles the command and forgets who sent it.
      sessionOrders.onEvent(ev, requesterOf);
      events.onEvent(ev, endOfBatch);
    });
    // A throw in the event handler is a bug: the state the gateway shows would be wrong, so the
    // process stops loudly instead of serving on.
    this.eventsDone.catch((e: unknown) => {
      this.log.error('event handler failed', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      process.nextTick(() => {
        throw e;
      });
    });
    await fundAccounts(this.config, started, this.commands, this.clockUs, this.log);
    if (this.config.timerIntervalMs > 0) {
      this.timer = setInterval(() => this.tick(), this.config.timerIntervalMs);
      this.timer.unref();
    }
    this.status.phase = 'ready';
    this.log.info('ready', { seqNext: started.seqNext, recovered: started.state !== null, durability: this.host.durability });
    const torn = this.host.stats().tornGroupsSetAside ?? 0;
    if (torn > 0) this.log.warn('journal: groups of a torn append set aside for audit (past the head: never committed, never acknowledged)', { groups: torn, seqNext: started.seqNext });
  }

  private tick(): void {
    // While the journal cannot commit a tick would only wait in the ring; the next one will do.
    // A standby's clock is the leader's: its ticks come in the replicated journal.
    if (this.status.phase !== 'ready' || this.host.storageFault() !== null || this.leadership.role() !== 'leader') return;
    const seq = publishCommand(this.host, command({ type: CommandType.TIMER_TICK, timestampUs: this.clockUs() }));
    // A skipped tick is harmless: the next one (or any command) expires what is due.
    if (seq < 0) this.metrics.timerTicksSkipped.inc();
  }

  /**
   * Graceful shutdown: stop accepting (new connections refused, new orders BUSY, /health 503
   * "stopping"; the listener stays open so /health can say so), wait for the results of what is
   * in the engine and for at least the shutdown notice, close every session with 1001
   * (cancel-on-disconnect runs as usual), wait for those, then stop the engine host (drain; the
   * journal-backed host snapshots), and close. Resolves with the host's report.
   */
  stop(): Promise<EngineHostStop> {
    // The last lines (stopped, or why not) are out before the caller learns it stopped.
    this.stopping ??= this.shutdown().finally(() => this.log.flush());
    return this.stopping;
  }

  private async shutdown(): Promise<EngineHostStop> {
    if (this.status.phase === 'starting') throw new Error('stop before start finished');
    this.status.phase = 'stopping';
    this.log.info('stopping', { connections: this.connections.size, pending: this.intake.pendingCount });
    if (this.timer !== null) clearInterval(this.timer);
    const noticeEndMs = performance.now() + Math.min(this.shutdownNoticeMs, this.config.drainTimeoutMs);
    // The notice matters only to open sessions: with none, the drain ends as soon as results do.
    await this.waitFor(() => this.intake.pendingCount === 0 && (this.connections.size === 0 || performance.now() >= noticeEndMs), this.config.drainTimeoutMs);
    if (this.host.storageFault() !== null) return this.shutdownWithoutJournal();
    // Replies gathered for this turn's bundle leave before the close frame.
    this.connections.closeAll('server shutdown', 1001, 'server shutting down');
    await this.waitFor(() => this.intake.pendingCount === 0 && this.commands.queued === 0, this.config.drainTimeoutMs);
    this.commands.stopRetrying();
    if (this.commands.queued > 0 || this.intake.pendingCount > 0) this.log.error('stopping with commands unanswered', { retries: this.commands.queued, pending: this.intake.pendingCount });
    let report: EngineHostStop;
    try {
      report = await this.host.stop();
    } catch (e) {
      // A storage fault that began during the drain outlasted it: the listener still closes.
      await this.closeHttp();
      throw e;
    }
    await this.closeHttp();
    this.log.info('stopped', { lastSeq: report.lastSeq, stateHash: report.stateHash, commands: report.commands });
    return report;
  }

  /**
   * The shutdown while the journal cannot write and orders wait for it. Stopping the host makes
   * the journal give up after a bounded number of retries (or commit, should the fault clear
   * meanwhile, and then every order is answered from its event as usual); only after that is it
   * certain that what is still pending will never be applied, so only then are those orders
   * answered STORAGE_UNAVAILABLE, before the sessions close. Rejects when the journal gave up:
   * there is no final state to report, and the journal holds everything acknowledged.
   */
  private async shutdownWithoutJournal(): Promise<EngineHostStop> {
    this.commands.stopRetrying();
    this.log.error('stopping while the journal cannot write', { pending: this.intake.pendingCount, reason: this.host.storageFault() });
    let report: EngineHostStop | null = null;
    let failure: unknown = null;
    try {
      report = await this.host.stop();
    } catch (e) {
      failure = e;
    }
    const answered = this.intake.failPending(gatewayError(GatewayCode.STORAGE_UNAVAILABLE, 'not journaled before shutdown'));
    this.connections.closeAll('server shutdown', 1001, 'server shutting down');
    await this.closeHttp();
    if (report === null) {
      this.log.error('stopped without journaling every order taken', { answeredUnavailable: answered, error: failure instanceof Error ? failure.message : String(failure) });
      throw failure instanceof Error ? failure : new Error(String(failure));
    }
    this.log.info('stopped', { lastSeq: report.lastSeq, stateHash: report.stateHash, commands: report.commands });
    return report;
  }

  /** The last step of a shutdown: corked replies out, every HTTP connection closed. */
  private async closeHttp(): Promise<void> {
    this.connections.flushCorked();
    const httpClosed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await httpClosed;
    this.status.phase = 'stopped';
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
