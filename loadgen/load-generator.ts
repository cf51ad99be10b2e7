import { LatencyHistogram, type LatencyPercentilesNs } from './histogram.js';
import { OpenLoopSchedule, type OpenLoopRunStats, type OpenLoopWait, runOpenLoop } from './open-loop.js';
import { parseCliArgs, parseIntegerOption, parsePositiveOption, UsageError } from '../platform/cli-args.js';
import { runIfMain } from '../platform/run-main.js';
import { type BatchRequest, OrdoClient, type PlaceRequest, ReplyError } from '../client/client.js';
import { SendTicker } from './send-ticker.js';
import type { FrameFormat } from '../protocol/wire-codec.js';

/**
 * Open-loop load over the protocol: N connections share one schedule at the offered rate
 * (bench/lib/open-loop.ts), orders go round-robin over the connections, and each latency is
 * taken from the order's intended send time to its reply (ack or reject), so a stall is
 * charged to every order that should have been sent during it (no coordinated omission).
 *
 *   npx tsx gateway/load-generator.ts --url ws://127.0.0.1:8080/ --connections 4 \
 *       --rate 20000 --duration-ms 10000 [--format msgpack] [--account 1 --api-key KEY]
 *
 * The default order is an IOC limit far from any demo price (a buy at 49 000 or a sell at
 * 51 000 BTC-USD, one lot): each one travels the whole pipeline and leaves the book as it was,
 * so a long run does not pile up open orders.
 */
export interface LoadOptions {
  url: string;
  connections: number;
  /** Offered rate over all connections, orders per second. */
  ratePerSecond: number;
  durationMs: number;
  format: FrameFormat;
  /** Credentials of connection i (all may share one account); none: no login. */
  credentials?: (connection: number) => { account: number; apiKey: string };
  order: (index: number) => PlaceRequest;
  /**
   * How the driver waits for the next intended time: runOpenLoop's waits, or 'ticker': a thread
   * of its own (gateway/send-ticker.ts) wakes the main thread at each intended time, so orders
   * leave on time at sub-millisecond gaps while the main thread sleeps in its event loop (no
   * spinning, replies read as they arrive). For latency runs.
   */
  wait: OpenLoopWait | 'ticker';
  /**
   * hybrid: spin (a synchronous loop: no replies are read meanwhile) when the next order is due
   * within this many ns; 0 never spins. Default: runOpenLoop's.
   */
  spinNs?: number;
  /**
   * hybrid: sleep on a timer when the next order is further than this many ns away; with
   * spinNs 0, 0 makes the driver wake on a timer (about every millisecond) and send what is
   * due, leaving the CPU to the server in between. Default: runOpenLoop's.
   */
  sleepNs?: number;
  /** After the last send, how long to wait for the outstanding replies. */
  drainTimeoutMs: number;
  /**
   * Orders sent first, on the same connections at the same rate and with the same pacing, and not
   * measured: the schedule runs on from them into the measured `durationMs` without a pause, so
   * the measurement starts in the steady state instead of on fresh connections (a new socket's
   * objects make the runtime recompile the send and receive paths on both sides, measured as a
   * worse first second). 0 (the default): none. Their replies are not counted or measured (only
   * the driver's send lag max covers them too).
   */
  warmupMs?: number;
  /**
   * Orders per frame: 1 sends each order in a frame of its own; n > 1 gathers n consecutive
   * orders of one connection into a `batch` frame, sent when the n-th is due (each order's
   * latency still counts from its own intended send time, so waiting for the batch is charged).
   */
  batchSize: number;
  /** Where latencies are recorded (a benchmark merges runs); a fresh one by default. */
  histogram?: LatencyHistogram;
  /**
   * Splits the round trip of each accepted order (single-order frames) at the gateway: its
   * execution report 'new' carries the command's timestamp, stamped by the gateway as it
   * published the order. `toGateway` gets intended send → stamp (pacing, socket, ws, intake,
   * risk), `fromGateway` stamp → ack received (ring, journal commit, core, output ring, reply,
   * socket, client parse). The stamp is wall-clock µs (performance.timeOrigin + now), so both
   * sides must share a machine clock: one process or one host.
   */
  split?: RoundTripSplit;
}

export interface RoundTripSplit {
  readonly toGateway: LatencyHistogram;
  readonly fromGateway: LatencyHistogram;
}

/** Acks waiting for their execution report 'new' (which follows in the same bundle): a bound. */
const SPLIT_PENDING_MAX = 65_536;

export const LOAD_CONNECTIONS_MAX = 1_024;
export const LOAD_BATCH_SIZE_MAX = 1_024;

export function defaultOrder(index: number): PlaceRequest {
  const buy = index % 2 === 0;
  return { symbol: 'BTC-USD', side: buy ? 'buy' : 'sell', orderType: 'limit', tif: 'ioc', price: buy ? '49000.00' : '51000.00', qty: '0.0001' };
}

export const LOAD_OPTIONS_DEFAULT: Omit<LoadOptions, 'url'> = {
  connections: 4,
  ratePerSecond: 10_000,
  durationMs: 10_000,
  format: 'json',
  order: defaultOrder,
  wait: 'hybrid',
  drainTimeoutMs: 10_000,
  batchSize: 1,
};

export interface LoadResult {
  offeredRatePerSecond: number;
  /** Replies (acks and rejects) per second over the time from start to the last reply. */
  achievedRatePerSecond: number;
  sent: number;
  acked: number;
  rejected: number;
  /** Requests that failed without a reply (timeout, closed connection, local in-flight bound). */
  failed: number;
  /** Acks per second over the time from start to the last reply. */
  ackedRatePerSecond: number;
  /** Reject counts by code name. */
  rejectsByName: Record<string, number>;
  latencyNs: LatencyPercentilesNs;
  sendLagNsMax: number;
  timedOut: boolean;
}

export async function runLoad(partial: Partial<LoadOptions> & Pick<LoadOptions, 'url'>): Promise<LoadResult> {
  const options: LoadOptions = { ...LOAD_OPTIONS_DEFAULT, ...partial };
  const { connections, ratePerSecond, durationMs } = options;
  if (!Number.isInteger(connections) || connections < 1 || connections > LOAD_CONNECTIONS_MAX) throw new RangeError(`connections ${connections} outside [1, ${LOAD_CONNECTIONS_MAX}]`);
  const batchSize = options.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > LOAD_BATCH_SIZE_MAX) throw new RangeError(`batchSize ${batchSize} outside [1, ${LOAD_BATCH_SIZE_MAX}]`);
  const clients = await Promise.all(Array.from({ length: connections }, () => OrdoClient.connect(options.url, { format: options.format, requestTimeoutMs: options.drainTimeoutMs })));
  try {
    if (options.credentials !== undefined) {
      const credentials = options.credentials;
      await Promise.all(clients.map((c, i) => {
        const { account, apiKey } = credentials(i);
        return c.login(account, apiKey);
      }));
    }
    const measured = OpenLoopSchedule.forDuration(ratePerSecond, durationMs).count;
    const warmupMs = options.warmupMs ?? 0;
    if (!Number.isInteger(warmupMs) || warmupMs < 0) throw new RangeError(`warmupMs ${warmupMs}`);
    // One schedule for both: orders [0, warm) warm up, [warm, warm + measured) are measured.
    const warm = warmupMs === 0 ? 0 : OpenLoopSchedule.forDuration(ratePerSecond, warmupMs).count;
    const schedule = new OpenLoopSchedule({ ratePerSecond, count: warm + measured });
    const histogram = options.histogram ?? new LatencyHistogram();
    const counts = { acked: 0, rejected: 0, failed: 0, lastReplyNs: 0, warmSettled: 0 };
    // The measured orders' time starts at the first one's intended send time.
    const measuredStartNs = schedule.intendedNs(warm);
    const rejectsByName: Record<string, number> = {};
    // Outstanding replies are counted, not kept: a long run holds no array of promises.
    let outstanding = 0;
    let onDrained: (() => void) | null = null;
    const settled = (): void => {
      outstanding--;
      if (outstanding === 0 && onDrained !== null) onDrained();
    };
    // Replies come through the client's callbacks, not promises: a promise and its handlers per
    // order were a measurable share of the client's CPU, which this machine's server shares.
    const onReply = (index: number, error: Error | null): void => {
      if (index < warm) {
        counts.warmSettled++;
        return settled();
      }
      if (error === null) counts.acked++;
      else if (error instanceof ReplyError) {
        counts.rejected++;
        rejectsByName[error.codeName] = (rejectsByName[error.codeName] ?? 0) + 1;
      } else counts.failed++;
      if (error === null || error instanceof ReplyError) {
        const nowNs = schedule.elapsedNs();
        histogram.record(schedule.latencyNs(index, nowNs));
        counts.lastReplyNs = Math.max(counts.lastReplyNs, nowNs - measuredStartNs);
      }
      settled();
    };
    const splitter = options.split === undefined || batchSize !== 1 ? null : new SplitRecorder(schedule, options.split);
    if (splitter !== null) for (const c of clients) c.executions.on((r) => r.exec === 'new' && splitter.reported(r.orderId, r.timestampUs));
    // Orders gathered per connection for its next batch frame (at most batchSize each).
    const gathered: Array<{ orders: BatchRequest[]; indices: number[] }> = clients.map(() => ({ orders: [], indices: [] }));
    const sendBatch = (connection: number): void => {
      const g = gathered[connection] as { orders: BatchRequest[]; indices: number[] };
      if (g.orders.length === 0) return;
      const indices = g.indices;
      outstanding += indices.length;
      (clients[connection] as OrdoClient).batchWith(g.orders, (k, error) => onReply(indices[k] as number, error));
      g.orders = [];
      g.indices = [];
    };
    const send = (index: number): void => {
      const connection = index % connections;
      if (batchSize === 1) {
        outstanding++;
        return (clients[connection] as OrdoClient).placeWith(options.order(index), (error, ack) => {
          if (splitter !== null && ack !== null && index >= warm) splitter.acked(ack.orderId, index);
          onReply(index, error);
        });
      }
      const g = gathered[connection] as { orders: BatchRequest[]; indices: number[] };
      // Object.assign, not a spread: the same object, several times cheaper (see OrdoClient.batchWith).
      g.orders.push(Object.assign({ type: 'place' as const }, options.order(index)));
      g.indices.push(index);
      if (g.orders.length >= batchSize) sendBatch(connection);
    };
    const stats = options.wait === 'ticker' ? await runTicked(schedule, send) : await runOpenLoop({
      schedule,
      wait: options.wait,
      ...(options.spinNs === undefined ? {} : { spinNs: options.spinNs }),
      ...(options.sleepNs === undefined ? {} : { sleepNs: options.sleepNs }),
      send,
    });
    for (let connection = 0; connection < connections; connection++) sendBatch(connection);
    // Every request settles: on its reply, on the request timeout or when its connection closes.
    if (outstanding > 0) await new Promise<void>((resolve) => (onDrained = resolve));
    const completed = counts.acked + counts.rejected;
    if (counts.warmSettled + completed + counts.failed !== stats.sentCount) throw new Error(`load accounting: ${counts.warmSettled} + ${completed} + ${counts.failed} != ${stats.sentCount}`);
    return {
      offeredRatePerSecond: ratePerSecond,
      achievedRatePerSecond: counts.lastReplyNs === 0 ? 0 : Math.round((completed * 1e9) / counts.lastReplyNs),
      ackedRatePerSecond: counts.lastReplyNs === 0 ? 0 : Math.round((counts.acked * 1e9) / counts.lastReplyNs),
      sent: stats.sentCount - warm,
      acked: counts.acked,
      rejected: counts.rejected,
      failed: counts.failed,
      rejectsByName,
      latencyNs: histogram.percentiles(),
      sendLagNsMax: stats.sendLagNsMax,
      timedOut: stats.timedOut,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** Wall-clock µs now, as the gateway stamps commands (server.ts wallClockUs, unrounded). */
function wallNowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1_000;
}

/** RoundTripSplit's recorder: an ack notes its order, the report 'new' after it splits the trip. */
class SplitRecorder {
  private readonly acks = new Map<number, { index: number; ackedWallUs: number }>();

  constructor(
    private readonly schedule: OpenLoopSchedule,
    private readonly split: RoundTripSplit,
  ) {}

  acked(orderId: number, index: number): void {
    if (this.acks.size < SPLIT_PENDING_MAX) this.acks.set(orderId, { index, ackedWallUs: wallNowUs() });
  }

  reported(orderId: number, stampUs: number): void {
    const ack = this.acks.get(orderId);
    if (ack === undefined) return;
    this.acks.delete(orderId);
    // The intended time on the wall clock: now, less how long ago it was on the schedule's clock.
    const intendedWallUs = wallNowUs() - (this.schedule.elapsedNs() - this.schedule.intendedNs(ack.index)) / 1_000;
    // Two clocks read µs apart may disagree by a µs or so: a negative share counts as 0.
    this.split.toGateway.record(Math.max(0, Math.round((stampUs - intendedWallUs) * 1_000)));
    this.split.fromGateway.record(Math.max(0, Math.round((ack.ackedWallUs - stampUs) * 1_000)));
  }
}

/** The ticked driver's wait for a tick: a safety net only, every intended time brings one. */
const TICK_WAIT_MS_MAX = 100;

/**
 * runOpenLoop along `schedule`, woken at each intended time by a SendTicker thread instead of
 * polling the clock (the same rules: everything due goes out in order, the schedule never moves).
 */
async function runTicked(schedule: OpenLoopSchedule, send: (index: number) => void): Promise<OpenLoopRunStats> {
  const ticker = await SendTicker.spawn(schedule.ratePerSecond, schedule.count);
  try {
    schedule.start();
    ticker.begin(schedule);
    return await runOpenLoop({ schedule, send, wait: () => ticker.next(TICK_WAIT_MS_MAX) });
  } finally {
    await ticker.stop();
  }
}

export function formatLoadResult(r: LoadResult): string {
  const us = (ns: number): string => (ns / 1_000).toFixed(1);
  const l = r.latencyNs;
  const rejects = Object.entries(r.rejectsByName).map(([name, n]) => `${name}=${n}`).join(' ');
  return [
    `offered ${r.offeredRatePerSecond}/s, achieved ${r.achievedRatePerSecond}/s${r.timedOut ? ' (driver timed out)' : ''}`,
    `sent ${r.sent}: acked ${r.acked}, rejected ${r.rejected}${rejects === '' ? '' : ` (${rejects})`}, failed ${r.failed}; acked ${r.ackedRatePerSecond}/s`,
    `latency from intended send, µs: p50 ${us(l.p50)}  p90 ${us(l.p90)}  p99 ${us(l.p99)}  p99.9 ${us(l.p999)}  p99.99 ${us(l.p9999)}  max ${us(l.max)}`,
    `driver send lag max ${us(r.sendLagNsMax)} µs`,
  ].join('\n');
}

export const LOAD_USAGE =
  'usage: load-generator [--url ws://host:port/] [--connections N] [--rate N] [--duration-ms N] [--format json|msgpack] [--batch-size N] [--account A --api-key KEY]';
const LOAD_DURATION_MS_MAX = 24 * 3_600_000;
const ACCOUNT_ID_MAX = 2 ** 32 - 1;

/** The command line of the load generator as runLoad's options; a bad one is a UsageError. */
export function parseLoadArgs(argv: readonly string[]): Partial<LoadOptions> & { url: string } {
  const { values } = parseCliArgs(
    {
      args: [...argv],
      options: {
        url: { type: 'string', default: 'ws://127.0.0.1:8080/' },
        connections: { type: 'string', default: String(LOAD_OPTIONS_DEFAULT.connections) },
        rate: { type: 'string', default: String(LOAD_OPTIONS_DEFAULT.ratePerSecond) },
        'duration-ms': { type: 'string', default: String(LOAD_OPTIONS_DEFAULT.durationMs) },
        format: { type: 'string', default: 'json' },
        'batch-size': { type: 'string', default: '1' },
        account: { type: 'string' },
        'api-key': { type: 'string' },
      },
    },
    LOAD_USAGE,
  );
  const format = values.format;
  if (format !== 'json' && format !== 'msgpack') throw new UsageError(`--format: ${JSON.stringify(format)} is not json or msgpack`);
  const account = values.account === undefined ? undefined : parseIntegerOption(values.account, '--account', 1, ACCOUNT_ID_MAX);
  const apiKey = values['api-key'];
  if ((account === undefined) !== (apiKey === undefined)) throw new UsageError('--account and --api-key go together');
  return {
    url: values.url,
    connections: parseIntegerOption(values.connections, '--connections', 1, LOAD_CONNECTIONS_MAX),
    ratePerSecond: parsePositiveOption(values.rate, '--rate'),
    durationMs: parseIntegerOption(values['duration-ms'], '--duration-ms', 1, LOAD_DURATION_MS_MAX),
    format,
    batchSize: parseIntegerOption(values['batch-size'], '--batch-size', 1, LOAD_BATCH_SIZE_MAX),
    ...(account !== undefined && apiKey !== undefined ? { credentials: () => ({ account, apiKey }) } : {}),
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const result = await runLoad(parseLoadArgs(argv));
  process.stdout.write(`${formatLoadResult(result)}\n`);
  return result.failed === 0 ? 0 : 1;
}

runIfMain(import.meta.url, main);
