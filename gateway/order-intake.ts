import { performance } from 'node:perf_hooks';
import type { Command } from '../engine/command-codec.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import { GatewayCode, type GatewayError, gatewayError, notLeaderError } from '../protocol/gateway-codes.js';
import type { ReadModel } from '../replay/read-model.js';
import type { FrameFormat } from '../protocol/wire-codec.js';
import type { WireConfig } from '../protocol/wire-config.js';
import type { MassCancelMessage, OrderMessage } from '../protocol/wire-schema.js';
import { CLAIM_FULL, type EngineHost, publishCommand, publishCommands } from '../runtime/engine-host.js';
import type { Connection } from './connection.js';
import type { Connections } from './connections.js';
import type { BatchItem } from './frame-intake.js';
import type { LeadershipView } from './leadership.js';
import type { Logger } from './log.js';
import type { MarketData } from './market-data.js';
import { type OrderCommandContext, orderCommandOf } from './order-commands.js';
import { ackReply, rejectReply } from './order-translation.js';
import type { OrderRateThrottle } from './pre-trade-risk.js';
import type { ServerConfig } from './server-config.js';
import { CODE_ACK, type OrderKind, type ServerMetrics } from './server-metrics.js';
import type { ServerStatus } from './server-status.js';

const BUSY_LOG_INTERVAL_MS = 1_000;

/** Who is answered when a published command's result event comes back. */
type Pending =
  | { readonly kind: 'client'; readonly conn: Connection; readonly requestId: number; readonly format: FrameFormat; readonly receivedMs: number }
  | { readonly kind: 'internal'; readonly settle: (ev: DecodedEvent) => void };

/**
 * Orders into the ring and their results back to whoever sent them:
 *
 *   order ──▶ phase, leader, pending bound ──▶ pre-trade risk ──▶ translate ──▶ throttle ──▶ publish
 *         ──▶ pending[seq] = requester          (a refusal at any step is answered at once)
 *   ACCEPTED / REJECTED event of seq ──▶ settle: ack or reject to the requester, or resolve
 *                                        the promise of an internal command
 *
 * The pending table is bounded by `pendingMax`: at the bound an order is answered BUSY before
 * any check, so an overloaded server spends nothing on what it refuses.
 */
export class OrderIntake {
  private readonly pending = new Map<number, Pending>();
  /** onBatch's orders that passed their checks and their commands, published together. */
  private readonly runMessages: OrderMessage[] = [];
  private readonly runCommands: Command[] = [];
  private busyCount = 0;
  private readonly orderContext: OrderCommandContext;
  private busyLoggedMs = 0;

  constructor(
    private readonly config: ServerConfig,
    private readonly status: ServerStatus,
    wire: WireConfig,
    market: MarketData,
    private readonly readModel: ReadModel,
    private readonly throttle: OrderRateThrottle,
    private readonly host: EngineHost,
    private readonly connections: Connections,
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
    private readonly clockUs: () => number,
    private readonly leadership: LeadershipView,
  ) {
    this.orderContext = { wire, market, readModel };
  }

  /** Commands published whose result event has not come back yet. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Bound, risk, throttle, translate, publish: in that order, so a refusal costs the ring nothing. */
  onOrder(conn: Connection, m: OrderMessage | MassCancelMessage, format: FrameFormat, receivedMs: number): void {
    const c = this.orderCommand(conn, m, format, 0);
    if (c !== null) this.publishOrder(conn, m, format, receivedMs, c);
  }

  /**
   * The orders of a batch frame, each checked as if it came alone, and those that pass published
   * together in consecutive sequences: one ring claim and one wake for the frame instead of one
   * per order. When the ring has no room for all of them, each is published on its own as far
   * as it fits, and the rest answered BUSY, as before.
   */
  onBatch(conn: Connection, items: readonly BatchItem[], format: FrameFormat, receivedMs: number): void {
    const messages = this.runMessages;
    const commands = this.runCommands;
    messages.length = 0;
    commands.length = 0;
    for (const item of items) {
      if (!item.ok) {
        this.connections.send(conn, item.reply, format);
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
    if (this.status.phase !== 'ready') return refuse(gatewayError(GatewayCode.BUSY, `server is ${this.status.phase}`));
    // Read on every order: a node that has just become leader takes this one, and one that has
    // just stepped down refuses it (what it published before is answered from its events).
    if (this.leadership.role() !== 'leader') return refuse(notLeaderError(this.leadership.leaderAddress()));
    // Refused before a slot is claimed: a claimed sequence must reach the journal, and while the
    // journal cannot commit it would only wait in the ring behind the group being retried.
    const storageFault = this.host.storageFault();
    if (storageFault !== null) return refuse(gatewayError(GatewayCode.STORAGE_UNAVAILABLE, storageFault));
    // At the bound first: under overload most orders are refused here, and refusing before the
    // risk checks and the translation spares the server's thread their cost (and the order its
    // throttle token) when the answer is BUSY anyway.
    if (this.pending.size + gathered >= this.config.pendingMax) return refuse(this.busy('results pending at the bound'));
    const account = conn.session.accountId;
    const made = orderCommandOf(m, account, this.clockUs(), this.orderContext);
    if (!made.ok) return refuse(made.error);
    const throttled = this.throttle.admit(conn.session.orderBucket, account);
    if (throttled !== null) return refuse(throttled);
    return made.value;
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
    this.connections.refuse(conn, requestId, format, error);
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

  /**
   * Publishes a command of the gateway's own (account funding, admin, cancel-on-disconnect) and
   * resolves with its result event; null when the ring is full and nothing was published.
   */
  publishInternal(c: Command): Promise<DecodedEvent> | null {
    const seq = publishCommand(this.host, c);
    if (seq < 0) return null;
    return new Promise((settle) => this.pending.set(seq, { kind: 'internal', settle }));
  }

  /** The session that sent the command of `seq` while its result is pending; null for internal commands. */
  requesterOf(seq: number): Connection | null {
    const p = this.pending.get(seq);
    return p !== undefined && p.kind === 'client' ? p.conn : null;
  }

  /**
   * Answers every client command still pending with `error` and forgets all pending commands:
   * only for commands that can no longer be applied (the journal gave up on them at shutdown).
   * Returns how many clients it answered.
   */
  failPending(error: GatewayError): number {
    let answered = 0;
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      if (p.kind === 'internal') continue;
      this.refuseOrder(p.conn, p.requestId, p.format, error);
      answered++;
    }
    return answered;
  }

  /** Answers the requester of a command from its result event (one per command). */
  settle(ev: DecodedEvent): void {
    const p = this.pending.get(ev.seq);
    if (p === undefined) return; // timer ticks, and commands of an earlier run
    this.pending.delete(ev.seq);
    if (p.kind === 'internal') return p.settle(ev);
    const accepted = ev.type === EventType.ACCEPTED;
    this.metrics.orderOut(accepted ? CODE_ACK : ev.code).inc();
    this.metrics.orderLatency.observe((performance.now() - p.receivedMs) / 1_000);
    if (p.conn.closed) return;
    this.connections.send(p.conn, accepted ? ackReply(ev, p.requestId, this.readModel) : rejectReply(ev, p.requestId, this.readModel), p.format);
  }
}
