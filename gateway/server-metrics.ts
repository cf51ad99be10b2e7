import { wireCodeName } from '../protocol/gateway-codes.js';
import { ADMISSION_REFUSALS, type AdmissionRefusal } from './admission.js';
import type { EngineHostStats } from '../runtime/engine-host.js';
import { Counter, type CounterChild, exponentialBuckets, Gauge, Histogram, type HistogramChild, Registry } from './metrics.js';

/**
 * The server's metrics (GET /metrics). Per-order updates go through children fetched once
 * (`orderIn`, `orderOut`), so the hot path does a property increment, not a label lookup.
 */
export type OrderKind = 'place' | 'cancel' | 'amend' | 'mass_cancel';
const ORDER_KINDS: readonly OrderKind[] = ['place', 'cancel', 'amend', 'mass_cancel'];

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
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly ordersIn: Record<OrderKind, CounterChild>;
  private readonly ordersOutFamily: Counter;
  private readonly ordersOut = new Map<number, CounterChild>();
  readonly framesRefused: CounterChild;
  readonly mdDropped: CounterChild;
  readonly events: CounterChild;
  readonly timerTicksSkipped: CounterChild;
  /** Frame received → reply sent, for orders that reached the engine (acks and core rejects). */
  readonly orderLatency: HistogramChild;
  readonly eventBatch: HistogramChild;
  private readonly refusals = new Map<AdmissionRefusal, CounterChild>();
  private readonly cuts = new Map<ConnectionCut, CounterChild>();
  private readonly auths = new Map<string, CounterChild>();

  constructor(gauges: ServerGauges) {
    const r = this.registry;
    const ordersIn = r.register(new Counter('ordo_gateway_orders_in_total', 'Order messages received (each order of a batch counts), by type.'));
    this.ordersIn = { place: ordersIn.child({ type: 'place' }), cancel: ordersIn.child({ type: 'cancel' }), amend: ordersIn.child({ type: 'amend' }), mass_cancel: ordersIn.child({ type: 'mass_cancel' }) };
    for (const kind of ORDER_KINDS) this.ordersIn[kind].inc(0);
    this.ordersOutFamily = r.register(new Counter('ordo_gateway_orders_out_total', 'Order results sent, by result code (0 OK = acknowledged; 10000+ gateway refusals; below, the engine).'));
    this.orderOut(CODE_ACK);
    this.framesRefused = r.register(new Counter('ordo_gateway_frames_refused_total', 'Frames refused before any message was read from them (malformed, oversize, bad schema).')).child();
    this.mdDropped = r.register(new Counter('ordo_gateway_md_dropped_total', 'Sessions cut off from market data as slow consumers.')).child();
    this.events = r.register(new Counter('ordo_engine_events_total', 'Events handled from the output ring.')).child();
    this.timerTicksSkipped = r.register(new Counter('ordo_gateway_timer_ticks_skipped_total', 'Timer ticks not published because the input ring was full.')).child();
    this.orderLatency = r
      .register(new Histogram('ordo_gateway_order_latency_seconds', 'From an order frame received to its ack or engine reject sent.', exponentialBuckets(10e-6, 2, 18)))
      .child();
    this.eventBatch = r.register(new Histogram('ordo_engine_event_batch_size', 'Events handled per drained batch of the output ring.', exponentialBuckets(1, 2, 12))).child();
    const refused = r.register(new Counter('ordo_gateway_connections_refused_total', 'WebSocket upgrades refused, by reason (path, not_ready, connections_max, anonymous_share, host_cap).'));
    for (const reason of ADMISSION_REFUSALS) this.refusals.set(reason, refused.child({ reason }));
    const cut = r.register(new Counter('ordo_gateway_connections_cut_total', 'Connections the server ended, by reason (anonymous_deadline, heartbeat, http_timeout).'));
    for (const reason of CONNECTION_CUTS) this.cuts.set(reason, cut.child({ reason }));
    const auth = r.register(new Counter('ordo_gateway_auth_failures_total', 'Failed or slowed authentications, by kind (login, admin) and outcome (bad_key, throttled, delayed).'));
    for (const kind of ['login', 'admin'] as const) for (const outcome of AUTH_OUTCOMES) this.auths.set(`${kind}:${outcome}`, auth.child({ kind, outcome }));
    for (const child of [...this.refusals.values(), ...this.cuts.values(), ...this.auths.values()]) child.inc(0);
    r.register(new Gauge('ordo_gateway_connections', 'Open WebSocket connections.', (g) => g.child().set(gauges.connections())));
    r.register(new Gauge('ordo_gateway_sessions_logged_in', 'Logged-in sessions.', (g) => g.child().set(gauges.loggedIn())));
    r.register(new Gauge('ordo_gateway_pending_results', 'Commands in the engine awaiting their result event.', (g) => g.child().set(gauges.pending())));
    r.register(new Gauge('ordo_ring_depth', 'Slots published and not yet consumed, by ring.', (g) => {
      const s = gauges.hostStats();
      g.child({ ring: 'input' }).set(s?.inputDepth ?? 0);
      g.child({ ring: 'output' }).set(s?.outputDepth ?? 0);
    }));
    r.register(new Gauge('ordo_journal_lag_commands', 'Commands published and not yet committed to the journal (NaN: no journal).', (g) => g.child().set(gauges.hostStats()?.journalLag ?? NaN)));
    r.register({
      name: 'ordo_storage_faults_total',
      render(out: string[]): void {
        // The journal worker counts its failed commits; rendered as the host reports them.
        out.push('# HELP ordo_storage_faults_total Journal commits that failed with a storage fault (ENOSPC, EIO, ...); each retry counts.', '# TYPE ordo_storage_faults_total counter');
        out.push(`ordo_storage_faults_total ${gauges.hostStats()?.storageFaults ?? 0}`);
      },
    });
    r.register(new Gauge('ordo_storage_degraded', '1 while the journal cannot commit (new orders refused STORAGE_UNAVAILABLE), else 0.', (g) => g.child().set((gauges.storageFault?.() ?? null) === null ? 0 : 1)));
    r.register({
      name: 'ordo_journal_commit_batch_size',
      render(out: string[]): void {
        // The journal owns this histogram; it is rendered as the host reports it.
        const c = gauges.hostStats()?.commitBatches ?? null;
        out.push('# HELP ordo_journal_commit_batch_size Commands per journal commit.', '# TYPE ordo_journal_commit_batch_size histogram');
        if (c === null) return;
        let cumulative = 0;
        c.bounds.forEach((b, i) => {
          cumulative += c.counts[i] ?? 0;
          out.push(`ordo_journal_commit_batch_size_bucket{le="${b}"} ${cumulative}`);
        });
        out.push(`ordo_journal_commit_batch_size_bucket{le="+Inf"} ${c.count}`, `ordo_journal_commit_batch_size_sum ${c.sum}`, `ordo_journal_commit_batch_size_count ${c.count}`);
      },
    });
  }

  connectionRefused(reason: AdmissionRefusal): void {
    (this.refusals.get(reason) as CounterChild).inc();
  }

  connectionCut(reason: ConnectionCut): void {
    (this.cuts.get(reason) as CounterChild).inc();
  }

  authFailed(kind: AuthKind, outcome: AuthOutcome): void {
    (this.auths.get(`${kind}:${outcome}`) as CounterChild).inc();
  }

  orderIn(kind: OrderKind): void {
    this.ordersIn[kind].inc();
  }

  /** The counter of one result code (codes are a closed set, so the label sets stay bounded). */
  orderOut(code: number): CounterChild {
    let child = this.ordersOut.get(code);
    if (child === undefined) {
      child = this.ordersOutFamily.child({ code: String(code), name: code === CODE_ACK ? 'OK' : wireCodeName(code) });
      this.ordersOut.set(code, child);
    }
    return child;
  }

  render(): string {
    return this.registry.render();
  }
}
