import { wireCodeName } from '../protocol/gateway-codes.js';
import { ADMISSION_REFUSALS, type AdmissionRefusal } from './admission.js';
import type { EngineHostStats } from '../runtime/engine-host.js';
import { Counter, Gauge, Registry } from 'prom-client';
import { JOURNAL_STATS_BUCKETS } from '../runtime/journal-worker.js';
import type { LeadershipView } from './leadership.js';
import { type CounterCell, CounterCells, exponentialBuckets, HistogramCell, histogramView, processMetrics } from './metrics.js';

/**
 * The server's metrics (GET /metrics), one prom-client registry per server (several servers
 * share a test process), with the process's own metrics merged in (metrics.ts). Per-order and
 * per-event figures are cells fetched once (`orderIn`, `orderOut`, `orderLatency`, `events`),
 * so the hot path does a property increment, not a label lookup; prom-client reads them when
 * scraped. Rare events (refusals, cuts, authentication failures) are prom-client counters.
 */
export type OrderKind = 'place' | 'cancel' | 'amend' | 'mass_cancel';

/** Code 0 on the wire of this metric means "acknowledged". */
export const CODE_ACK = 0;

/** Why the server cut a connection it had admitted. */
export type ConnectionCut = 'anonymous_deadline' | 'heartbeat' | 'http_timeout';
const CONNECTION_CUTS: readonly ConnectionCut[] = ['anonymous_deadline', 'heartbeat', 'http_timeout'];
/** What became of a failed or slowed authentication. */
export type AuthOutcome = 'bad_key' | 'throttled' | 'delayed';
const AUTH_OUTCOMES: readonly AuthOutcome[] = ['bad_key', 'throttled', 'delayed'];
export type AuthKind = 'login' | 'admin';

export interface ServerGauges {
  connections(): number;
  loggedIn(): number;
  pending(): number;
  hostStats(): EngineHostStats | null;
  /** Why the journal is degraded, or null (EngineHost.storageFault); absent: never degraded. */
  storageFault?(): string | null;
  /** This node's place in a cluster; absent: a node that always leads. */
  leadership?: LeadershipView;
}

export class ServerMetrics {
  /** This server's metrics and the process's, as GET /metrics exports them. */
  readonly registry: Registry;
  private readonly ordersIn: Record<OrderKind, CounterCell>;
  private readonly ordersOutCells: CounterCells;
  private readonly ordersOut = new Map<number, CounterCell>();
  readonly framesRefused: Counter;
  readonly mdDropped: Counter;
  readonly events: CounterCell;
  readonly timerTicksSkipped: Counter;
  /** Frame received → reply sent, for orders that reached the engine (acks and core rejects). */
  readonly orderLatency = new HistogramCell(exponentialBuckets(10e-6, 2, 18));
  readonly eventBatch = new HistogramCell(exponentialBuckets(1, 2, 12));
  private readonly refusals: Counter<'reason'>;
  private readonly cuts: Counter<'reason'>;
  private readonly auths: Counter<'kind' | 'outcome'>;

  constructor(gauges: ServerGauges) {
    const r = new Registry();
    const ordersIn = new CounterCells(r, 'ordo_gateway_orders_in_total', 'Order messages received (each order of a batch counts), by type.', ['type']);
    this.ordersIn = { place: ordersIn.cell({ type: 'place' }), cancel: ordersIn.cell({ type: 'cancel' }), amend: ordersIn.cell({ type: 'amend' }), mass_cancel: ordersIn.cell({ type: 'mass_cancel' }) };
    this.ordersOutCells = new CounterCells(r, 'ordo_gateway_orders_out_total', 'Order results sent, by result code (0 OK = acknowledged; 10000+ gateway refusals; below, the engine).', ['code', 'name']);
    this.orderOut(CODE_ACK);
    this.framesRefused = new Counter({ name: 'ordo_gateway_frames_refused_total', help: 'Frames refused before any message was read from them (malformed, oversize, bad schema).', registers: [r] });
    this.mdDropped = new Counter({ name: 'ordo_gateway_md_dropped_total', help: 'Sessions cut off from market data as slow consumers.', registers: [r] });
    this.events = new CounterCells(r, 'ordo_engine_events_total', 'Events handled from the output ring.').cell();
    this.timerTicksSkipped = new Counter({ name: 'ordo_gateway_timer_ticks_skipped_total', help: 'Timer ticks not published because the input ring was full.', registers: [r] });
    histogramView(r, 'ordo_gateway_order_latency_seconds', 'From an order frame received to its ack or engine reject sent.', this.orderLatency.bounds, () => this.orderLatency);
    histogramView(r, 'ordo_engine_event_batch_size', 'Events handled per drained batch of the output ring.', this.eventBatch.bounds, () => this.eventBatch);
    this.refusals = new Counter({ name: 'ordo_gateway_connections_refused_total', help: 'WebSocket upgrades refused, by reason (path, not_ready, connections_max, anonymous_share, host_cap).', labelNames: ['reason'], registers: [r] });
    for (const reason of ADMISSION_REFUSALS) this.refusals.inc({ reason }, 0);
    this.cuts = new Counter({ name: 'ordo_gateway_connections_cut_total', help: 'Connections the server ended, by reason (anonymous_deadline, heartbeat, http_timeout).', labelNames: ['reason'], registers: [r] });
    for (const reason of CONNECTION_CUTS) this.cuts.inc({ reason }, 0);
    this.auths = new Counter({ name: 'ordo_gateway_auth_failures_total', help: 'Failed or slowed authentications, by kind (login, admin) and outcome (bad_key, throttled, delayed).', labelNames: ['kind', 'outcome'], registers: [r] });
    for (const kind of ['login', 'admin'] as const) for (const outcome of AUTH_OUTCOMES) this.auths.inc({ kind, outcome }, 0);
    const gauge = (name: string, help: string, read: () => number, labels: Readonly<Record<string, string>> = {}): Gauge =>
      new Gauge({
        name,
        help,
        labelNames: Object.keys(labels),
        registers: [r],
        collect(): void {
          this.set(labels, read());
        },
      });
    gauge('ordo_gateway_connections', 'Open WebSocket connections.', () => gauges.connections());
    gauge('ordo_gateway_sessions_logged_in', 'Logged-in sessions.', () => gauges.loggedIn());
    gauge('ordo_gateway_pending_results', 'Commands in the engine awaiting their result event.', () => gauges.pending());
    new Gauge({
      name: 'ordo_ring_depth',
      help: 'Slots published and not yet consumed, by ring.',
      labelNames: ['ring'],
      registers: [r],
      collect(): void {
        const s = gauges.hostStats();
        this.set({ ring: 'input' }, s?.inputDepth ?? 0);
        this.set({ ring: 'output' }, s?.outputDepth ?? 0);
      },
    });
    gauge('ordo_journal_lag_commands', 'Commands published and not yet committed to the journal (NaN: no journal).', () => gauges.hostStats()?.journalLag ?? NaN);
    // The journal worker counts its failed commits; exported as the host reports them.
    new Counter({
      name: 'ordo_storage_faults_total',
      help: 'Journal commits that failed with a storage fault (ENOSPC, EIO, ...); each retry counts.',
      registers: [r],
      collect(): void {
        this.reset();
        this.inc(gauges.hostStats()?.storageFaults ?? 0);
      },
    });
    const leadership = gauges.leadership;
    if (leadership !== undefined) {
      const node = { node: leadership.node };
      gauge('ordo_node_leader', 'Whether this node leads (takes orders) now: 1, or 0 for a standby.', () => (leadership.role() === 'leader' ? 1 : 0), node);
      gauge('ordo_node_leader_known', 'Whether this node knows the leader\'s address (it can send clients there): 1 or 0.', () => (leadership.leaderAddress() === undefined ? 0 : 1), node);
      const takeovers = leadership.takeoverCount;
      if (takeovers !== undefined) {
        new Counter({
          name: 'ordo_cluster_takeovers_total',
          help: 'Times this node took the lease over and became the leader since it started.',
          labelNames: ['node'],
          registers: [r],
          collect(): void {
            this.reset();
            this.inc(node, takeovers.call(leadership));
          },
        });
      }
    }
    gauge('ordo_journal_torn_groups_set_aside', 'Groups of a torn append (never committed, never acknowledged) the journal set aside for audit when it opened at start-up (NaN: no journal).', () => gauges.hostStats()?.tornGroupsSetAside ?? NaN);
    gauge('ordo_storage_degraded', '1 while the journal cannot commit (new orders refused STORAGE_UNAVAILABLE), else 0.', () => ((gauges.storageFault?.() ?? null) === null ? 0 : 1));
    // The journal owns this histogram; exported as the host reports it.
    const batchBounds = Array.from({ length: JOURNAL_STATS_BUCKETS }, (_, i) => 2 ** i);
    histogramView(r, 'ordo_journal_commit_batch_size', 'Commands per journal commit.', batchBounds, () => gauges.hostStats()?.commitBatches ?? null);
    this.registry = Registry.merge([r, processMetrics()]);
  }

  connectionRefused(reason: AdmissionRefusal): void {
    this.refusals.inc({ reason });
  }

  connectionCut(reason: ConnectionCut): void {
    this.cuts.inc({ reason });
  }

  authFailed(kind: AuthKind, outcome: AuthOutcome): void {
    this.auths.inc({ kind, outcome });
  }

  orderIn(kind: OrderKind): void {
    this.ordersIn[kind].inc();
  }

  /** The counter of one result code (codes are a closed set, so the label sets stay bounded). */
  orderOut(code: number): CounterCell {
    let cell = this.ordersOut.get(code);
    if (cell === undefined) {
      cell = this.ordersOutCells.cell({ code: String(code), name: code === CODE_ACK ? 'OK' : wireCodeName(code) });
      this.ordersOut.set(code, cell);
    }
    return cell;
  }

  /** The exposition in Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
