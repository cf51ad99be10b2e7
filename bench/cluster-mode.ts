// Cluster mode beside single-node mode, from the same run (design §11): the same closed-loop
// order flow over WebSocket clients, `window` orders in flight, against
//
//   single   `ordo run` alone (fsync): an order is acknowledged once its command is on this disk
//   cluster  the leader of `ordo run --cluster` with a hot standby and three nats-servers on this
//            machine (fsync): acknowledged once on the leader's disk AND in the stream's quorum
//
// in alternating runs (single, cluster, single, ...), so that both meet the same machine. Figures:
// orders acknowledged per second and the acknowledgement latency (client send to ack) p50 and p99,
// over one client per demo account (a session's order rate is throttled at 10K/s),
// each labelled single or cluster. Every process here shares this machine's 2 cores, so the
// cluster's figures include three NATS servers and a standby competing with the leader.
//
//   npx tsx bench/cluster-mode.ts [--profile quick|full] [--set orders=20000] [--set window=64]
//   node dist-bench/bench/suite.js --only cluster-mode

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrdoClient, ReplyError } from '../client/client.js';
import { ClusterFixture } from '../testkit/cluster-fixture.js';
import { natsServerMissing } from '../cluster/local-nats-cluster.js';
import { runIfMain } from '../platform/run-main.js';
import { wholeParam, type Benchmark } from './lib/benchmark.js';
import { figure, type BenchParams, type BenchResult } from './lib/results.js';
import { standaloneMain } from './ring-bench-harness.js';

export const clusterMode: Benchmark = {
  name: 'cluster-mode',
  description: 'Orders acknowledged per second and ack latency (closed loop, one WebSocket client per demo account), single node vs the leader of a cluster (standby + 3 nats-servers on the same machine), fsync, alternating runs.',
  defaults: {
    quick: { orders: 5_000, window: 32, runs: 1 },
    full: { orders: 20_000, window: 64, runs: 3 },
  },
  run: runClusterMode,
};

interface RunFigures {
  ordersPerSecond: number;
  ackP50Us: number;
  ackP99Us: number;
  /** Orders refused BUSY or NOT_LEADER (a leader whose lease renewal ran late counts itself a standby for a moment), each sent again. */
  refused: number;
}

/** Refusals an order is sent again after: the node was busy, or not (yet, for a moment) the leader. */
const RETRIED = new Set(['BUSY', 'NOT_LEADER']);
/** Bound on refusals per run before the run fails: a node that stays refusing is a failure, not a figure. */
const REFUSALS_MAX = 10_000;

/**
 * `orders` IOC orders (alternating sides, never resting), `window` in flight, spread over one
 * client per demo account (each session's order-rate throttle is 10K/s); throughput and latency.
 */
async function drive(url: string, accounts: ReadonlyArray<{ account: number; apiKey: string }>, orders: number, window: number, tag: string): Promise<RunFigures> {
  const clients: OrdoClient[] = [];
  try {
    for (const account of accounts) {
      const client = await OrdoClient.connect(url, { requestTimeoutMs: 30_000, inFlightMax: Math.max(window, 16) });
      clients.push(client);
      await client.login(account.account, account.apiKey);
    }
    const latenciesUs: number[] = [];
    let sent = 0;
    let refused = 0;
    const startedMs = performance.now();
    const worker = async (w: number): Promise<void> => {
      const client = clients[w % clients.length] as OrdoClient;
      while (sent < orders) {
        const n = sent++;
        const buy = n % 2 === 0;
        const t0 = performance.now();
        // Bounded: each refusal counts towards REFUSALS_MAX.
        for (let attempt = 0; ; attempt++) {
          try {
            await client.place({ symbol: 'BTC-USD', side: buy ? 'buy' : 'sell', orderType: 'limit', price: buy ? '46000.00' : '54000.00', qty: '0.001', tif: 'ioc', clOrdId: `${tag}-${n}-${attempt}` });
            break;
          } catch (e) {
            if (!(e instanceof ReplyError && RETRIED.has(e.codeName)) || ++refused > REFUSALS_MAX) throw e;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
        // From the first send: a refusal and its retry are in the order's latency.
        latenciesUs.push((performance.now() - t0) * 1000);
      }
    };
    await Promise.all(Array.from({ length: window }, (_, w) => worker(w)));
    const elapsedS = (performance.now() - startedMs) / 1000;
    latenciesUs.sort((a, b) => a - b);
    const at = (p: number): number => latenciesUs[Math.min(latenciesUs.length - 1, Math.floor(p * latenciesUs.length))] ?? Number.NaN;
    return { ordersPerSecond: orders / elapsedS, ackP50Us: at(0.5), ackP99Us: at(0.99), refused };
  } finally {
    for (const client of clients) client.close();
  }
}

async function runClusterMode(params: BenchParams): Promise<BenchResult> {
  const orders = wholeParam(params, 'orders', 100, 10_000_000);
  const window = wholeParam(params, 'window', 1, 4096);
  const runs = wholeParam(params, 'runs', 1, 20);
  const missing = natsServerMissing();
  if (missing !== null) throw new Error(`cluster-mode: ${missing}`);
  const startedMs = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'ordo-bench-cluster-'));
  // Nodes a and b form the cluster; s is the single node, on its own journal, NATS unused.
  const fixture = await ClusterFixture.start(root, ['a', 'b', 's']);
  try {
    await fixture.startNode('a');
    await fixture.startNode('b');
    await fixture.startNode('s', undefined, 'single');
    const secrets = (name: string): Array<{ account: number; apiKey: string }> => fixture.secretsOf(name).accounts;
    const single: RunFigures[] = [];
    const cluster: RunFigures[] = [];
    // Warm-up of both (JIT, page cache), not measured.
    await drive(fixture.node('s').url, secrets('s'), Math.min(orders, 1000), window, 'warm-s');
    await drive(fixture.node('a').url, secrets('a'), Math.min(orders, 1000), window, 'warm-c');
    for (let run = 0; run < runs; run++) {
      single.push(await drive(fixture.node('s').url, secrets('s'), orders, window, `s${run}`));
      cluster.push(await drive(fixture.node('a').url, secrets('a'), orders, window, `c${run}`));
    }
    const figures: BenchResult['figures'] = {};
    for (const [label, list] of [['single', single], ['cluster', cluster]] as const) {
      figures[`${label}OrdersPerSecond`] = figure(list.map((r) => r.ordersPerSecond), 'orders/s', 'higher');
      figures[`${label}AckP50Us`] = figure(list.map((r) => r.ackP50Us), 'us', 'lower');
      figures[`${label}AckP99Us`] = figure(list.map((r) => r.ackP99Us), 'us', 'lower');
      figures[`${label}Refused`] = figure(list.map((r) => r.refused), 'orders', 'lower');
    }
    return {
      name: clusterMode.name,
      description: clusterMode.description,
      params,
      durability: 'fsync',
      figures,
      latency: [],
      notes: [
        `closed loop: ${orders} IOC orders per run, ${window} in flight over one client per demo account; runs alternate single and cluster (${runs} each, after one unmeasured warm-up of each)`,
        'single: ordo run alone; cluster: leader of ordo run --cluster with a standby following it and three nats-servers (R3 stream, file storage), all on this machine',
      ],
      durationMs: Date.now() - startedMs,
    };
  } finally {
    await fixture.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, (argv) => standaloneMain(clusterMode, argv));
