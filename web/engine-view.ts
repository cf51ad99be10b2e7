import { sparkline } from './charts.js';
import { byId, el } from './dom.js';
import { type EngineFigures, EngineStats } from './engine-stats.js';
import { parsePromText } from './prom-text.js';

/**
 * The engine panel: GET /metrics and GET /health of the page's own origin, read every POLL_MS
 * (one request of each in flight at most), shown as numbers and as small charts of the last
 * minutes.
 */
export const POLL_MS = 1_000;
const FETCH_TIMEOUT_MS = 5_000;

interface Health {
  status?: string;
  role?: string;
  durability?: string;
  seqNext?: number;
  journalLag?: number | null;
  reason?: string;
}

export class EngineView {
  private readonly stats = new EngineStats();
  private readonly drawRate = sparkline(byId('chart-rate'), 2);
  private readonly drawLatency = sparkline(byId('chart-latency'), 2);
  private readonly drawQueues = sparkline(byId('chart-queues'), 2);
  private busy = false;

  start(): void {
    void this.poll();
    window.setInterval(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const [metrics, health] = await Promise.all([fetchText('/metrics'), fetchText('/health')]);
      const figures = metrics === null ? null : this.stats.add({ atMs: performance.now(), samples: parsePromText(metrics) });
      let parsed: Health | null = null;
      try {
        parsed = health === null ? null : (JSON.parse(health) as Health);
      } catch {
        parsed = null;
      }
      this.render(figures, parsed);
    } finally {
      this.busy = false;
    }
  }

  private render(f: EngineFigures | null, h: Health | null): void {
    const us = (s: number | null | undefined): string => (s === null || s === undefined ? '—' : s < 1e-3 ? `${(s * 1e6).toFixed(1)} µs` : `${(s * 1e3).toFixed(2)} ms`);
    const n = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits }));
    const entries: Array<[string, string, string]> = [
      ['status', h?.status === undefined ? 'unreachable' : `${h.status}${h.reason === undefined ? '' : ` (${h.reason})`}`, 'engine-status'],
      ['role', h?.role ?? '—', 'engine-role'],
      ['durability', h?.durability ?? '—', 'engine-durability'],
      ['next sequence', n(h?.seqNext), 'engine-seq'],
      ['orders in / s', n(f?.ordersInPerSec), 'engine-orders-rate'],
      ['acks / s', n(f?.acksPerSec), 'engine-acks-rate'],
      ['refusals / s', n(f?.refusedPerSec), 'engine-refusals-rate'],
      ['ack latency p50', us(f?.latencyP50), 'engine-p50'],
      ['ack latency p90', us(f?.latencyP90), 'engine-p90'],
      ['ack latency p99', us(f?.latencyP99), 'engine-p99'],
      ['journal lag', f?.journalLag === null || f === null ? (h?.durability === 'none' ? 'no journal' : '—') : n(f.journalLag), 'engine-journal-lag'],
      ['ring depth in / out', f === null ? '—' : `${n(f.ringInput)} / ${n(f.ringOutput)}`, 'engine-ring'],
      ['connections', n(f?.connections), 'engine-connections'],
      ['sessions logged in', n(f?.sessions), 'engine-sessions'],
      ['storage', f === null ? '—' : f.storageDegraded ? 'DEGRADED' : 'ok', 'engine-storage'],
    ];
    const list = el('dl', 'figures');
    for (const [label, value, testid] of entries) {
      const dd = el('dd', null, value);
      dd.dataset['testid'] = testid;
      list.append(el('dt', null, label), dd);
    }
    byId('engine-figures').replaceChildren(...list.childNodes);
    if (f === null) return;
    this.drawRate([f.ordersInPerSec, f.acksPerSec]);
    this.drawLatency([f.latencyP50 === null ? null : f.latencyP50 * 1e6, f.latencyP99 === null ? null : f.latencyP99 * 1e6]);
    this.drawQueues([(f.ringInput ?? 0) + (f.ringOutput ?? 0), f.journalLag]);
  }
}

/** The body of a same-origin GET, or null when the server did not answer (any status is an answer). */
async function fetchText(path: string): Promise<string | null> {
  const abort = new AbortController();
  const timer = window.setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    const res = await fetch(path, { cache: 'no-store', signal: abort.signal });
    return await res.text();
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
