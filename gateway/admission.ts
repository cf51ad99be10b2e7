import type { ServerOptions } from 'node:http';
import { ConfigError } from './config-error.js';

/**
 * Who may open a WebSocket, and how long a connection may stay without earning its place
 * (docs/protocol.md "Admission"):
 *
 *   upgrade ──▶ connectionsMax ──▶ anonymous share ──▶ per-host cap ──▶ open
 *   open ──▶ anonymous deadline (login or subscribe in time, or close 4008)
 *        ──▶ heartbeat: a ws ping every interval; `heartbeatMissesMax` unanswered ones end it
 *   HTTP ──▶ headersTimeout / requestTimeout: a slow request header is cut off (408)
 *
 * Anonymous sessions may fill only a share of connectionsMax, so a flood of connections that
 * never log in leaves room for traders; the per-host cap keeps one address from taking even that
 * share alone.
 */
export interface AdmissionOptions {
  /** Open WebSocket connections one remote address may hold. */
  readonly connectionsPerHostMax: number;
  /** Percent of connectionsMax that anonymous sessions may fill; the rest is kept for logged-in ones. */
  readonly anonymousPercentMax: number;
  /** An anonymous session that neither logs in nor subscribes within this is closed (code 4008). */
  readonly anonymousDeadlineMs: number;
  /** node:http headersTimeout: the whole request header must arrive within this. */
  readonly headersTimeoutMs: number;
  /** node:http requestTimeout: the whole request must arrive within this (not less than headersTimeoutMs). */
  readonly requestTimeoutMs: number;
  /** How often node:http looks for requests past those timeouts: a cut-off comes at most this late. */
  readonly timeoutCheckIntervalMs: number;
  /** Period of the server's ws pings; 0 turns the heartbeat off. */
  readonly heartbeatIntervalMs: number;
  /** Pings in a row without a pong (or any frame) after which the connection is terminated. */
  readonly heartbeatMissesMax: number;
}

export const ADMISSION_OPTIONS_DEFAULT: AdmissionOptions = {
  connectionsPerHostMax: 64,
  anonymousPercentMax: 50,
  anonymousDeadlineMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  timeoutCheckIntervalMs: 1_000,
  heartbeatIntervalMs: 15_000,
  heartbeatMissesMax: 2,
};

/** Close code of an anonymous session past its deadline (application range 4000-4999). */
export const CLOSE_ANONYMOUS_DEADLINE = 4008;
const TIMEOUT_MS_MAX = 3_600_000;

export function checkAdmissionOptions(a: AdmissionOptions, connectionsMax: number): void {
  const inRange = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max;
  if (!inRange(a.connectionsPerHostMax, 1, connectionsMax)) throw new ConfigError(`config admission.connectionsPerHostMax ${a.connectionsPerHostMax}: 1..connectionsMax`);
  if (!inRange(a.anonymousPercentMax, 1, 100)) throw new ConfigError(`config admission.anonymousPercentMax ${a.anonymousPercentMax}: 1..100`);
  if (!inRange(a.anonymousDeadlineMs, 1, TIMEOUT_MS_MAX)) throw new ConfigError(`config admission.anonymousDeadlineMs ${a.anonymousDeadlineMs}`);
  if (!inRange(a.headersTimeoutMs, 1, TIMEOUT_MS_MAX)) throw new ConfigError(`config admission.headersTimeoutMs ${a.headersTimeoutMs}`);
  if (!inRange(a.requestTimeoutMs, a.headersTimeoutMs, TIMEOUT_MS_MAX)) throw new ConfigError(`config admission.requestTimeoutMs ${a.requestTimeoutMs}: headersTimeoutMs..${TIMEOUT_MS_MAX}`);
  if (!inRange(a.timeoutCheckIntervalMs, 1, a.headersTimeoutMs)) throw new ConfigError(`config admission.timeoutCheckIntervalMs ${a.timeoutCheckIntervalMs}: 1..headersTimeoutMs`);
  if (!(a.heartbeatIntervalMs === 0 || inRange(a.heartbeatIntervalMs, 1, TIMEOUT_MS_MAX))) throw new ConfigError(`config admission.heartbeatIntervalMs ${a.heartbeatIntervalMs}`);
  if (!inRange(a.heartbeatMissesMax, 1, 100)) throw new ConfigError(`config admission.heartbeatMissesMax ${a.heartbeatMissesMax}`);
}

/** The node:http server's options that bound a slow request. */
export function httpServerOptions(a: AdmissionOptions): ServerOptions {
  return { headersTimeout: a.headersTimeoutMs, requestTimeout: a.requestTimeoutMs, connectionsCheckingInterval: a.timeoutCheckIntervalMs };
}

/** Why an upgrade was refused: the label of the refusal metric and the HTTP status line. */
export type AdmissionRefusal = 'path' | 'not_ready' | 'connections_max' | 'anonymous_share' | 'host_cap';
export const ADMISSION_REFUSALS: readonly AdmissionRefusal[] = ['path', 'not_ready', 'connections_max', 'anonymous_share', 'host_cap'];

export function refusalStatus(r: AdmissionRefusal): string {
  switch (r) {
    case 'path':
      return '404 Not Found';
    case 'not_ready':
    case 'connections_max':
    case 'anonymous_share':
      return '503 Service Unavailable';
    case 'host_cap':
      return '429 Too Many Requests';
    default: {
      const unknown: never = r;
      throw new Error(`unknown refusal ${String(unknown)}`);
    }
  }
}

/** Open connections per remote address; an address leaves the map with its last connection. */
export class HostCounts {
  private readonly counts = new Map<string, number>();

  constructor(private readonly perHostMax: number) {
    if (!Number.isInteger(perHostMax) || perHostMax < 1) throw new RangeError(`perHostMax ${perHostMax}`);
  }

  full(host: string): boolean {
    return (this.counts.get(host) ?? 0) >= this.perHostMax;
  }

  opened(host: string): void {
    const n = (this.counts.get(host) ?? 0) + 1;
    if (n > this.perHostMax) throw new Error(`host ${host}: ${n} connections over the cap`);
    this.counts.set(host, n);
  }

  closed(host: string): void {
    const n = this.counts.get(host);
    if (n === undefined || n < 1) throw new Error(`host ${host}: closed without being open`);
    if (n === 1) this.counts.delete(host);
    else this.counts.set(host, n - 1);
  }

  get hosts(): number {
    return this.counts.size;
  }
}
