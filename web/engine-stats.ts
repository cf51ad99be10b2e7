import { bucketsOf, quantileBetween, type Sample, sumOf } from './prom-text.js';

/**
 * The engine's live figures from successive readings of /metrics: rates are the counters'
 * increase over the last reading's interval; latency percentiles are over the observations of
 * the last WINDOW_READINGS intervals (a steadier picture than one second's); gauges are as read.
 */
export const WINDOW_READINGS = 10;
const LATENCY = 'ordo_gateway_order_latency_seconds';

export interface Reading {
  readonly atMs: number;
  readonly samples: readonly Sample[];
}

export interface EngineFigures {
  ordersInPerSec: number | null;
  acksPerSec: number | null;
  refusedPerSec: number | null;
  /** Seconds; null without orders in the window. */
  latencyP50: number | null;
  latencyP90: number | null;
  latencyP99: number | null;
  journalLag: number | null;
  ringInput: number | null;
  ringOutput: number | null;
  connections: number | null;
  sessions: number | null;
  storageDegraded: boolean;
}

export class EngineStats {
  private readonly readings: Reading[] = [];

  add(reading: Reading): EngineFigures {
    this.readings.push(reading);
    if (this.readings.length > WINDOW_READINGS + 1) this.readings.shift();
    return this.figures();
  }

  figures(): EngineFigures {
    const now = this.readings[this.readings.length - 1];
    const prev = this.readings[this.readings.length - 2];
    const oldest = this.readings[0];
    const s = now?.samples ?? [];
    const rate = (name: string, match: Record<string, string> = {}): number | null => {
      if (now === undefined || prev === undefined || now.atMs <= prev.atMs) return null;
      const a = sumOf(prev.samples, name, match);
      const b = sumOf(now.samples, name, match);
      if (a === null || b === null) return null;
      return Math.max(0, b - a) / ((now.atMs - prev.atMs) / 1000);
    };
    const outAll = rate('ordo_gateway_orders_out_total');
    const acks = rate('ordo_gateway_orders_out_total', { code: '0' });
    const after = bucketsOf(s, LATENCY);
    const before = oldest === undefined || oldest === now ? after.map(([b]) => [b, 0] as [number, number]) : bucketsOf(oldest.samples, LATENCY);
    const finite = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);
    return {
      ordersInPerSec: rate('ordo_gateway_orders_in_total'),
      acksPerSec: acks,
      refusedPerSec: outAll === null || acks === null ? null : Math.max(0, outAll - acks),
      latencyP50: quantileBetween(before, after, 0.5),
      latencyP90: quantileBetween(before, after, 0.9),
      latencyP99: quantileBetween(before, after, 0.99),
      journalLag: finite(sumOf(s, 'ordo_journal_lag_commands')),
      ringInput: finite(sumOf(s, 'ordo_ring_depth', { ring: 'input' })),
      ringOutput: finite(sumOf(s, 'ordo_ring_depth', { ring: 'output' })),
      connections: finite(sumOf(s, 'ordo_gateway_connections')),
      sessions: finite(sumOf(s, 'ordo_gateway_sessions_logged_in')),
      storageDegraded: (sumOf(s, 'ordo_storage_degraded') ?? 0) > 0,
    };
  }
}
