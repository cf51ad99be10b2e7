import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterCells, exponentialBuckets, HistogramCell, histogramView, LABEL_SETS_MAX, processMetrics } from './metrics.js';
import { ServerMetrics } from './server-metrics.js';

const NO_HOST = { connections: () => 0, loggedIn: () => 0, pending: () => 0, hostStats: () => null };

describe('metric cells exported through prom-client', () => {
  it('a histogram view exports what prom-client exports for the same observations', async () => {
    const bounds = exponentialBuckets(10e-6, 2, 18);
    const values = [0, 5e-6, 10e-6, 11e-6, 0.001, 0.02, 0.5, 3, 1e9, 0.00032];
    const cell = new HistogramCell(bounds);
    const ours = new Registry();
    histogramView(ours, 'h_seconds', 'help', bounds, () => cell);
    const theirs = new Registry();
    const reference = new Histogram({ name: 'h_seconds', help: 'help', buckets: bounds, registers: [theirs] });
    for (const v of values) {
      cell.observe(v);
      reference.observe(v);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('h_seconds_bucket{le="0.00001"} 3');
    expect(text).toContain('h_seconds_bucket{le="+Inf"} 10');
    expect(text).toContain('h_seconds_count 10');
  });

  it('a histogram view without figures exports its family and no samples', async () => {
    const r = new Registry();
    histogramView(r, 'b', 'batches', [1, 2, 4], () => null);
    expect(await r.metrics()).toBe('# HELP b batches\n# TYPE b histogram\n');
  });

  it('refuses figures with other bounds than the view was made with', async () => {
    const r = new Registry();
    histogramView(r, 'b', 'batches', [1, 2, 4], () => ({ bounds: [1, 2, 8], counts: [0, 0, 0, 0], sum: 0, count: 0 }));
    await expect(r.metrics()).rejects.toThrow(/other bounds/);
  });

  it('counter cells are read when scraped, one series per label set, zero until counted', async () => {
    const r = new Registry();
    const cells = new CounterCells(r, 'c_total', 'things', ['type']);
    const a = cells.cell({ type: 'a' });
    cells.cell({ type: 'b' });
    a.inc();
    a.inc(2);
    expect(cells.cell({ type: 'a' })).toBe(a);
    expect(await r.metrics()).toBe('# HELP c_total things\n# TYPE c_total counter\nc_total{type="a"} 3\nc_total{type="b"} 0\n');
    a.inc();
    expect(await r.metrics()).toContain('c_total{type="a"} 4\n');
    expect(() => a.inc(-1)).toThrow(/increment/);
  });

  it('bounds the label sets of a cell family', () => {
    const cells = new CounterCells(new Registry(), 'c_total', 'things', ['n']);
    for (let i = 0; i < LABEL_SETS_MAX; i++) cells.cell({ n: String(i) });
    expect(() => cells.cell({ n: 'one more' })).toThrow(/label sets/);
  });
});

describe('ServerMetrics', () => {
  it('keeps every metric name, label and type that dashboards read', async () => {
    const m = new ServerMetrics({ ...NO_HOST, connections: () => 7, storageFault: () => 'ENOSPC' });
    m.orderIn('place');
    m.orderOut(0).inc();
    m.orderOut(3001).inc();
    m.orderLatency.observe(0.000_15);
    m.connectionRefused('host_cap');
    m.authFailed('login', 'throttled');
    m.framesRefused.inc();
    const text = await m.render();
    for (const line of [
      '# TYPE ordo_gateway_orders_in_total counter',
      'ordo_gateway_orders_in_total{type="place"} 1',
      'ordo_gateway_orders_in_total{type="mass_cancel"} 0',
      'ordo_gateway_orders_out_total{code="0",name="OK"} 1',
      'ordo_gateway_orders_out_total{code="3001",name="UNKNOWN_ORDER"} 1',
      '# TYPE ordo_gateway_order_latency_seconds histogram',
      'ordo_gateway_order_latency_seconds_bucket{le="0.00016"} 1',
      'ordo_gateway_order_latency_seconds_count 1',
      'ordo_gateway_frames_refused_total 1',
      'ordo_gateway_md_dropped_total 0',
      'ordo_engine_events_total 0',
      'ordo_gateway_timer_ticks_skipped_total 0',
      '# TYPE ordo_engine_event_batch_size histogram',
      'ordo_gateway_connections_refused_total{reason="host_cap"} 1',
      'ordo_gateway_connections_refused_total{reason="path"} 0',
      'ordo_gateway_connections_cut_total{reason="heartbeat"} 0',
      'ordo_gateway_auth_failures_total{kind="login",outcome="throttled"} 1',
      'ordo_gateway_auth_failures_total{kind="admin",outcome="bad_key"} 0',
      '# TYPE ordo_gateway_connections gauge',
      'ordo_gateway_connections 7',
      'ordo_gateway_sessions_logged_in 0',
      'ordo_gateway_pending_results 0',
      'ordo_ring_depth{ring="input"} 0',
      'ordo_ring_depth{ring="output"} 0',
      // prom-client spells NaN "Nan"; Prometheus reads either (Go's ParseFloat ignores case).
      'ordo_journal_lag_commands Nan',
      '# TYPE ordo_storage_faults_total counter',
      'ordo_storage_faults_total 0',
      'ordo_storage_degraded 1',
      '# TYPE ordo_journal_commit_batch_size histogram',
    ])
      expect(text.split('\n')).toContain(line);
  });

  it('exports the journal commit batches and the torn groups set aside as the host reports them', async () => {
    const bounds = Array.from({ length: 16 }, (_, i) => 2 ** i);
    const counts = bounds.map((_, i) => (i === 3 ? 2 : 0)).concat([0]);
    const stats = { inputDepth: 1, outputDepth: 2, journalLag: 3, seqNext: 10, storageFaults: 4, tornGroupsSetAside: 2, commitBatches: { bounds, counts, sum: 15, count: 2 } };
    const text = await new ServerMetrics({ ...NO_HOST, hostStats: () => stats }).render();
    for (const line of ['ordo_journal_commit_batch_size_bucket{le="4"} 0', 'ordo_journal_commit_batch_size_bucket{le="8"} 2', 'ordo_journal_commit_batch_size_bucket{le="+Inf"} 2', 'ordo_journal_commit_batch_size_sum 15', 'ordo_storage_faults_total 4', 'ordo_journal_torn_groups_set_aside 2', 'ordo_journal_lag_commands 3', 'ordo_ring_depth{ring="output"} 2'])
      expect(text.split('\n')).toContain(line);
  });

  it("exports this node's place in a cluster as its leadership view says, and takeovers where the view counts them", async () => {
    let role: 'leader' | 'standby' = 'standby';
    let leader: string | undefined;
    const view = { node: 'n1', role: () => role, leaderAddress: () => leader };
    const metrics = new ServerMetrics({ ...NO_HOST, leadership: view });
    const lines = async (m: ServerMetrics): Promise<string[]> => (await m.render()).split('\n').filter((l) => l.startsWith('ordo_node_') || l.startsWith('ordo_cluster_'));
    expect(await lines(metrics)).toEqual(['ordo_node_leader{node="n1"} 0', 'ordo_node_leader_known{node="n1"} 0']);
    role = 'leader';
    leader = 'ws://127.0.0.1:1/ws';
    expect(await lines(metrics)).toEqual(['ordo_node_leader{node="n1"} 1', 'ordo_node_leader_known{node="n1"} 1']);
    let takeovers = 2;
    const counted = new ServerMetrics({ ...NO_HOST, leadership: { ...view, takeoverCount: () => takeovers } });
    expect(await lines(counted)).toContain('ordo_cluster_takeovers_total{node="n1"} 2');
    takeovers = 3;
    expect(await lines(counted)).toContain('ordo_cluster_takeovers_total{node="n1"} 3');
    expect(await lines(new ServerMetrics(NO_HOST))).toEqual([]);
  });

  it("adds the process's metrics, collected once for however many servers the process runs", async () => {
    const a = new ServerMetrics(NO_HOST);
    const b = new ServerMetrics(NO_HOST);
    const text = await a.render();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds']) expect(text).toContain(`# TYPE ${name} `);
    // The same metric objects: one GC observer and one event-loop monitor per process.
    expect(a.registry.getSingleMetric('nodejs_gc_duration_seconds')).toBe(b.registry.getSingleMetric('nodejs_gc_duration_seconds'));
    expect(a.registry.getSingleMetric('nodejs_gc_duration_seconds')).toBe(processMetrics().getSingleMetric('nodejs_gc_duration_seconds'));
    // Their own metrics stay their own.
    a.orderIn('cancel');
    expect(await b.render()).toContain('ordo_gateway_orders_in_total{type="cancel"} 0');
    const resources = process.getActiveResourcesInfo().length;
    for (let i = 0; i < 200; i++) await new ServerMetrics(NO_HOST).render();
    // Scraping schedules one setImmediate (the event-loop lag probe); nothing stays behind.
    await new Promise((resolve) => setImmediate(resolve));
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(resources);
  });
});
