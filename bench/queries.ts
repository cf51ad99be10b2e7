// The trading clients' queries under order flow, over WebSocket on one machine: the gateway
// server in a worker thread (bench/ws-server-thread.ts), the clients on the main thread.
//
//   set-up   the query account places `openOrders` resting buys (batch frames, prices far below
//            where the flow trades, so none ever fills): its open_orders answer is that long
//   flow     `flowRate` orders/s offered open loop from `flowConnections` other accounts
//            (runLoad): GTC buys and sells of one lot at one price, alternating, so each sell
//            crosses a resting buy (or rests and is crossed by the next buy) and the book stays
//            a few orders deep; every order travels the whole pipeline and most make a trade
//   queries  while the flow runs, on the query account's own connection, open loop (a schedule
//            per kind), each at its `<kind>Rate` per second: every page of its open orders
//            (openOrders: 10 pages of 1000), the first page alone (openOrdersPage), order_status of
//            one of them (orderStatus), balances, symbols; and the latest 1000 fills of a flow
//            account on a connection of its own (fills). Each latency from the query's intended
//            send time to its reply, parsed, on the client
//
// Each run's flow first sends `warmupMs` of unmeasured orders; the queries start after it and run
// `measureMs`, inside the flow's measured part, which outlasts them by FLOW_TAIL_MS. Each run
// first sends the same flow alone, without queries: the flow's figures beside it.
//
//   node dist-bench/bench/suite.js --profile quick --only queries

import { OrdoClient, type BatchRequest, type PlaceRequest } from '../client/client.js';
import { LatencyHistogram } from '../loadgen/histogram.js';
import { type LoadResult, runLoad } from '../loadgen/load-generator.js';
import { OpenLoopSchedule, runOpenLoop } from '../loadgen/open-loop.js';
import { runIfMain } from '../platform/run-main.js';
import { OPEN_ORDERS_LIMIT_MAX } from '../protocol/wire-schema.js';
import { stringParam, wholeParam, type Benchmark } from './lib/benchmark.js';
import { figure, latencyAtRate, percentileLabel, type BenchParams, type BenchResult, type Figure, type LatencyRun } from './lib/results.js';
import { standaloneMain } from './ring-bench-harness.js';
import { benchApiKey } from './ws-server-worker.js';
import { CpuShares } from './cpu-shares.js';
import { ServerThread } from './ws-server-thread.js';

// All 10 000 open orders at 10/s: on this 2-core machine, as one answer (before pages), each cost
// the gateway thread ~14.5 ms of CPU and the client ~10 ms to parse (2.1 MB of JSON), and at 20/s
// under the flow the client fell behind until the gateway cut its connection. Pages of 1000 bound
// each answer; the whole set is still 2.1 MB, so the rate stays.
const COMMON = { openOrders: 10_000, flowRate: 10_000, flowConnections: 4, openOrdersRate: 10, openOrdersPageRate: 20, orderStatusRate: 100, balancesRate: 50, fillsRate: 10, symbolsRate: 10, format: 'json' };

export const queries: Benchmark = {
  name: 'queries',
  description:
    'The clients\' queries answered from the gateway\'s read model while orders flow: on an account with 10 000 open orders, all of them (10 pages, 10/s), the first page (20/s), order_status (100/s), balances (50/s), symbols (10/s), and a trading account\'s latest 1000 fills (10/s), open loop, while 10 000 orders/s (GTC, crossing one another) are offered from four other connections; latency from each query\'s intended send time to its parsed reply, beside the order flow\'s achieved rate.',
  defaults: {
    quick: { ...COMMON, runs: 1, measureMs: 5_000, warmupMs: 1_000 },
    full: { ...COMMON, runs: 3, measureMs: 20_000, warmupMs: 2_000 },
  },
  run: runQueries,
};

/** The query account; the flow's accounts follow it (2, 3, ...). */
const QUERY_ACCOUNT = 1;
const SYMBOL = 'BTC-USD';
/** Where the flow trades: its buys and sells meet here. */
const FLOW_PRICE = '50000.00';
/**
 * The query account's resting buys spread over this many whole-dollar levels from
 * RESTING_PRICE_LOW (and their cents): far below the flow's price, so never crossed, and inside
 * the demo's price band (10% around 50 000).
 */
const RESTING_PRICE_LOW = 46_000;
const RESTING_PRICE_LEVELS = 2_000;
const LOT = '0.0001';
/** Orders per batch frame while the open orders are placed (the demo's batchOrdersMax). */
const PLACE_BATCH = 64;
/** How long the flow runs on after the query window, so that every query meets the flow. */
const FLOW_TAIL_MS = 1_000;
/** Headroom for the flow's connections and logins before its warm-up starts. */
const FLOW_CONNECT_SLACK_MS = 300;
/** Unmeasured queries of each kind before the first run, one at a time. */
const QUERY_WARMUPS = 5;
const REPLY_TIMEOUT_MS = 60_000;

type QueryKind = 'openOrders' | 'openOrdersPage' | 'orderStatus' | 'balances' | 'fills' | 'symbols';
const QUERY_KINDS: readonly QueryKind[] = ['openOrders', 'openOrdersPage', 'orderStatus', 'balances', 'fills', 'symbols'];

/** Each kind's latencies in one run; achieved: answers per second, first intended send to last reply. */
interface QueryRun {
  kinds: Record<QueryKind, LatencyRun>;
  flow: LoadResult;
  /** The same flow with no queries, just before. */
  flowAlone: LoadResult;
}

async function runQueries(params: BenchParams): Promise<BenchResult> {
  const startedMs = Date.now();
  const openOrders = wholeParam(params, 'openOrders', 1, 10_000);
  const flowRate = wholeParam(params, 'flowRate', 1, 1_000_000);
  const flowConnections = wholeParam(params, 'flowConnections', 2, 64);
  const rates = Object.fromEntries(QUERY_KINDS.map((kind) => [kind, wholeParam(params, `${kind}Rate`, 1, 10_000)])) as Record<QueryKind, number>;
  const runs = wholeParam(params, 'runs', 1, 20);
  const measureMs = wholeParam(params, 'measureMs', 100, 600_000);
  const warmupMs = wholeParam(params, 'warmupMs', 0, 600_000);
  const format = stringParam(params, 'format');
  if (format !== 'json' && format !== 'msgpack') throw new Error(`format ${format}: json or msgpack`);
  // Buys and sells alternate over the connections, so an even count keeps every account on one side.
  if (flowConnections % 2 !== 0) throw new Error(`flowConnections ${flowConnections}: an even number, so each account only buys or only sells`);
  const flowAccounts = Array.from({ length: flowConnections }, (_, i) => QUERY_ACCOUNT + 1 + i);
  const server = await ServerThread.start([QUERY_ACCOUNT, ...flowAccounts], 'fsync');
  const client = await OrdoClient.connect(server.url, { format, requestTimeoutMs: REPLY_TIMEOUT_MS });
  // A flow account's own connection, for its fills (the query account's orders never fill).
  const trader = await OrdoClient.connect(server.url, { format, requestTimeoutMs: REPLY_TIMEOUT_MS });
  const results: QueryRun[] = [];
  const cpu = new CpuShares();
  let replyBytes = 0;
  try {
    await client.login(QUERY_ACCOUNT, benchApiKey(QUERY_ACCOUNT));
    await trader.login(flowAccounts[0] as number, benchApiKey(flowAccounts[0] as number));
    const orderIds = await placeRestingBuys(client, openOrders);
    const clients: QueryClients = { client, trader, orderIds, openOrders };
    // Unmeasured: the first answers compile the server's and the client's paths for long replies.
    for (let k = 0; k < QUERY_WARMUPS; k++) {
      const orders = await client.openOrders();
      if (orders.length !== openOrders) throw new Error(`open_orders answered ${orders.length} orders, expected ${openOrders}`);
      replyBytes = JSON.stringify(orders).length;
      await client.queryBalances();
    }
    const flowOptions = (): Parameters<typeof runLoad>[0] => ({
      url: server.url,
      connections: flowConnections,
      ratePerSecond: flowRate,
      warmupMs,
      durationMs: measureMs + FLOW_TAIL_MS + FLOW_CONNECT_SLACK_MS,
      format,
      batchSize: 1,
      order: flowOrder,
      credentials: (c) => ({ account: flowAccounts[c] as number, apiKey: benchApiKey(flowAccounts[c] as number) }),
      // Wakes on a timer (about every ms) and sends what is due: no spinning on a shared core.
      wait: 'hybrid',
      spinNs: 0,
      sleepNs: 0,
      drainTimeoutMs: REPLY_TIMEOUT_MS,
    });
    const oneRun = async (): Promise<Omit<QueryRun, 'flowAlone'>> => {
      const flow = runLoad(flowOptions());
      // Handled now, awaited below: a flow that fails during the query window is not unhandled.
      void flow.catch(() => undefined);
      // The query window opens once the flow has connected and warmed up.
      await new Promise((resolve) => setTimeout(resolve, FLOW_CONNECT_SLACK_MS + warmupMs));
      const windows = await Promise.all(QUERY_KINDS.map((kind) => queryWindow(clients, kind, rates[kind], measureMs)));
      return { kinds: Object.fromEntries(QUERY_KINDS.map((kind, i) => [kind, windows[i] as LatencyRun])) as Record<QueryKind, LatencyRun>, flow: await flow };
    };
    for (let run = 0; run < runs; run++) {
      // The same flow alone first: what the queries cost the flow is the difference.
      const flowAlone = await cpu.measure('flow alone', server, () => runLoad(flowOptions()));
      results.push({ ...(await cpu.measure('flow and queries', server, oneRun)), flowAlone });
    }
  } finally {
    await client.close();
    await trader.close();
    await server.stop();
  }
  return result(params, { rates, flowRate, flowConnections, openOrders, measureMs, warmupMs, replyBytes, format, cpu: cpu.summary() }, results, Date.now() - startedMs);
}

/** The query account's resting buys: `count` of them, in batch frames, every one acked; their order ids. */
async function placeRestingBuys(client: OrdoClient, count: number): Promise<number[]> {
  const ids: number[] = [];
  // Bounded: count / PLACE_BATCH frames, each awaited before the next.
  for (let first = 0; first < count; first += PLACE_BATCH) {
    const orders: BatchRequest[] = [];
    for (let k = first; k < Math.min(count, first + PLACE_BATCH); k++) {
      const price = `${RESTING_PRICE_LOW + (k % RESTING_PRICE_LEVELS)}.${String(k % 100).padStart(2, '0')}`;
      orders.push({ type: 'place', symbol: SYMBOL, side: 'buy', orderType: 'limit', tif: 'gtc', price, qty: LOT });
    }
    // A refusal (the open-order limit, the band) rejects here and fails the benchmark.
    for (const ack of await Promise.all(client.batch(orders))) ids.push(ack.orderId);
  }
  return ids;
}

interface QueryClients {
  /** The query account's connection. */
  client: OrdoClient;
  /** A flow account's connection, for fills. */
  trader: OrdoClient;
  /** The query account's open orders. */
  orderIds: readonly number[];
  openOrders: number;
}

/**
 * The flow's order `index`: buys on even indices, sells on odd ones, one lot at one price, GTC.
 * Orders go round-robin over an even number of connections, so each account only buys or only
 * sells (no self-trade), and each sell meets a buy: the book stays a few orders deep.
 */
export function flowOrder(index: number): PlaceRequest {
  return { symbol: SYMBOL, side: index % 2 === 0 ? 'buy' : 'sell', orderType: 'limit', tif: 'gtc', price: FLOW_PRICE, qty: LOT };
}

/**
 * `rate` queries of one kind per second for `measureMs`, open loop, each latency from its intended
 * send time to its reply; resolves once all are answered. A wrong answer (not every open order),
 * or none, fails the benchmark.
 */
async function queryWindow(clients: QueryClients, kind: QueryKind, rate: number, measureMs: number): Promise<LatencyRun> {
  const { client, trader, orderIds, openOrders } = clients;
  const schedule = OpenLoopSchedule.forDuration(rate, measureMs);
  const histogram = new LatencyHistogram();
  const replies: Array<Promise<void>> = [];
  // The first failure, kept: a reply's promise must not reject unhandled while sends go on.
  let failure: unknown = null;
  const failed = (error: unknown): void => {
    failure ??= error;
  };
  let lastReplyNs = 0;
  const answered = (index: number): void => {
    const nowNs = schedule.elapsedNs();
    histogram.record(schedule.latencyNs(index, nowNs));
    lastReplyNs = Math.max(lastReplyNs, nowNs);
  };
  /** The query of `kind` numbered `index`, resolved once its answer is checked (a wrong one rejects). */
  const ask = async (index: number): Promise<void> => {
    switch (kind) {
      case 'openOrders': {
        const orders = await client.openOrders();
        if (orders.length !== openOrders) throw new Error(`open_orders answered ${orders.length} orders, expected ${openOrders}`);
        return;
      }
      case 'openOrdersPage': {
        const page = await client.openOrdersPage();
        if (page.orders.length !== Math.min(openOrders, OPEN_ORDERS_LIMIT_MAX) || page.more !== openOrders > OPEN_ORDERS_LIMIT_MAX) throw new Error(`the first open_orders page held ${page.orders.length} orders`);
        return;
      }
      case 'orderStatus': {
        const orderId = orderIds[(index * 7919) % orderIds.length] as number;
        const order = await client.orderStatus({ orderId });
        if (order.orderId !== orderId || order.status !== 'new') throw new Error(`order_status of ${orderId} answered ${order.orderId} ${order.status}`);
        return;
      }
      case 'balances':
        if ((await client.queryBalances()).length === 0) throw new Error('balances answered no assets');
        return;
      case 'fills':
        if ((await trader.fills()).length === 0) throw new Error('fills answered none for a trading account');
        return;
      case 'symbols':
        if ((await client.symbols()).length === 0) throw new Error('symbols answered none');
        return;
      default: {
        const unknown: never = kind;
        throw new Error(`unknown query kind ${String(unknown)}`);
      }
    }
  };
  const send = (index: number): void => {
    replies.push(ask(index).then(() => answered(index)).catch(failed));
  };
  // Replies are read between sends: a timer wakes the driver, it never spins.
  const stats = await runOpenLoop({ schedule, send, wait: 'hybrid', spinNs: 0, sleepNs: 0 });
  if (stats.timedOut) throw new Error(`the ${kind} driver overran its schedule`);
  await Promise.all(replies);
  if (failure !== null) {
    const message = failure instanceof Error ? failure.message : String(failure);
    // The gateway cuts a connection whose unread replies pass connectionBufferedBytesMax.
    throw new Error(`${kind} at ${rate}/s: ${message} (a closed connection here usually means replies came faster than the client read them)`);
  }
  if (histogram.count !== schedule.count) throw new Error(`${kind}: ${histogram.count} latencies for ${schedule.count} queries`);
  return { histogram, achievedRatePerSecond: lastReplyNs === 0 ? 0 : Math.round((histogram.count * 1e9) / lastReplyNs) };
}

interface Setting {
  rates: Record<QueryKind, number>;
  flowRate: number;
  flowConnections: number;
  openOrders: number;
  measureMs: number;
  warmupMs: number;
  replyBytes: number;
  format: string;
  /** CpuShares' summary of the runs. */
  cpu: string;
}

function result(params: BenchParams, s: Setting, runs: readonly QueryRun[], durationMs: number): BenchResult {
  const figures: Record<string, Figure> = {};
  for (const kind of QUERY_KINDS) {
    const percentiles = runs.map((r) => r.kinds[kind].histogram.percentiles());
    for (const name of ['p50', 'p99', 'max'] as const) {
      figures[`${kind}Latency${percentileLabel(name)}Ns`] = figure(percentiles.map((p) => p[name]), 'ns', 'lower');
    }
    figures[`${kind}AnsweredPerSecond`] = figure(runs.map((r) => r.kinds[kind].achievedRatePerSecond), 'queries/s', 'higher');
  }
  figures.flowAchievedOrdersPerSecond = figure(runs.map((r) => r.flow.achievedRatePerSecond), 'orders/s', 'higher');
  figures.flowRefusals = figure(runs.map((r) => r.flow.rejected + r.flow.failed + r.flowAlone.rejected + r.flowAlone.failed), 'orders', 'lower');
  for (const name of ['p50', 'p99'] as const) figures[`flowLatency${percentileLabel(name)}Ns`] = figure(runs.map((r) => r.flow.latencyNs[name]), 'ns', 'lower');
  figures.flowAloneAchievedOrdersPerSecond = figure(runs.map((r) => r.flowAlone.achievedRatePerSecond), 'orders/s', 'higher');
  for (const name of ['p50', 'p99'] as const) figures[`flowAloneLatency${percentileLabel(name)}Ns`] = figure(runs.map((r) => r.flowAlone.latencyNs[name]), 'ns', 'lower');
  const rejects = new Map<string, number>();
  for (const r of runs) {
    for (const byName of [r.flow.rejectsByName, r.flowAlone.rejectsByName]) for (const [name, n] of Object.entries(byName)) rejects.set(name, (rejects.get(name) ?? 0) + n);
  }
  return {
    name: queries.name,
    description: queries.description,
    params,
    durability: 'fsync',
    figures,
    // The latency table and plots: all the open orders, the heaviest query (the others: their figures above).
    latency: [latencyAtRate(s.rates.openOrders, runs.map((r) => r.kinds.openOrders))],
    notes: [
      `Offered per second: ${QUERY_KINDS.map((k) => `${k} ${s.rates[k]}`).join(', ')}; all but fills on the query account's connection, fills on a flow account's. The latency table and plots are openOrders' (every page of ${s.openOrders} orders, asked one page after another, ${(s.replyBytes / 1e6).toFixed(2)} MB of ${s.format} in all as the client re-serialises them); the others' are their *Latency* figures. A latency includes the server's building and writing the answer and the client's parse.`,
      `Order flow: ${s.flowRate}/s offered open loop over ${s.flowConnections} connections of other accounts (GTC limits of one lot at ${FLOW_PRICE}, buys and sells alternating, so most orders trade and the book stays a few orders deep), single-order frames; its driver wakes on a timer (~1 ms) and sends what is due. ${s.warmupMs} ms of unmeasured flow first, then ${s.measureMs} ms of queries inside the flow's measured ${s.measureMs + FLOW_TAIL_MS + FLOW_CONNECT_SLACK_MS} ms. Each run first sends the same flow alone (no queries, flowAlone* figures): the flow's latency from each order's intended send time to its ack, with and without the queries, says what answering them costs the orders. Refusals (both) ${rejects.size === 0 ? 'none' : [...rejects].map(([k, v]) => `${k}=${v}`).join(' ')}.`,
      `The query driver (its own connection, the query account's) shares the main thread with the flow's ${s.flowConnections} connections; it wakes on a timer too, so a query may leave up to ~1 ms after its intended time, which its latency includes. Server and clients share the machine: main thread + gateway worker + journal, core and snapshot-follower workers.`,
      `CPU, % of one core over each whole flow (warm-up and measured part; with queries: their window and the tail too; median over runs): ${s.cpu}. "client" is the main thread (the flow's connections and the query connection), "gateway" the gateway server's thread (which builds and writes every query's answer), "others" the core, journal and snapshot-follower workers and the runtime's helpers; 200% is the whole 2-core machine.`,
      `durability 'fsync': the flow's acks are of journaled commands; queries never enter the ring or the journal.`,
    ],
    durationMs,
  };
}

runIfMain(import.meta.url, (argv) => standaloneMain(queries, argv));
