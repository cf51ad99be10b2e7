// The gateway server of bench/ws-end-to-end.ts, in a worker thread of its own so the load
// generator (main thread) and the server do not share an event loop, as a client process and
// the server would not. Inside it, the server starts the core worker as usual.
//
//   main thread: runLoad (clients) ──ws──▶ this worker: GatewayServer ──rings──▶ core worker

import { parentPort, workerData } from 'node:worker_threads';
import { hashApiKey } from '../gateway/api-keys.js';
import { GatewayServer } from '../gateway/server.js';
import { defaultServerConfig, type ServerConfig } from '../gateway/server-config.js';
import { currentThreadId } from '../platform/thread-cpu.js';

export interface WsServerWorkerData {
  kind: 'ordo-ws-bench-server';
  accounts: number[];
  /** A fresh directory of this run: the journal starts empty, so start-up recovers nothing. */
  dataDir: string;
  durability: 'fsync' | 'none';
}

/** ready: the server's port, durability and thread id (for per-thread CPU; null off Linux). */
export type WsServerWorkerMessage = { type: 'ready'; port: number; durability: string; tid: number | null } | { type: 'stopped'; lastSeq: number; stateHash: string };

/** The bench's API key of an account (the server stores only its hash). */
export function benchApiKey(account: number): string {
  return `bench-api-key-account-${account}`;
}

const UNTHROTTLED = { ratePerSecond: 1_000_000, burst: 1_000_000 };

/** The demo configuration, the benchmark's accounts funded, throttles out of the way. */
export function benchServerConfig(accounts: readonly number[], dataDir: string, durability: 'fsync' | 'none'): ServerConfig {
  const base = defaultServerConfig();
  const deposits = [
    { asset: 'USD', amount: '1000000000' },
    { asset: 'BTC', amount: '100000' },
    { asset: 'ETH', amount: '100000' },
  ];
  return {
    ...base,
    port: 0,
    dataDir,
    durability,
    accounts: accounts.map((id) => ({ id, deposits })),
    apiKeys: accounts.map((a) => hashApiKey(a, benchApiKey(a))),
    orderRate: { perSession: UNTHROTTLED, perAccount: UNTHROTTLED, accountsMax: 1_000 },
    session: { ...base.session, orderRate: UNTHROTTLED },
    logLevel: 'error',
  };
}

async function main(data: WsServerWorkerData): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('ws bench server runs in a worker');
  const server = await GatewayServer.start({ config: benchServerConfig(data.accounts, data.dataDir, data.durability) });
  port.on('message', (m: { type: string }) => {
    if (m.type !== 'stop') return;
    server.stop().then((r) => {
      port.postMessage({ type: 'stopped', lastSeq: r.lastSeq, stateHash: r.stateHash } satisfies WsServerWorkerMessage);
      port.close();
    });
  });
  port.postMessage({ type: 'ready', port: server.port, durability: server.durability, tid: currentThreadId() } satisfies WsServerWorkerMessage);
}

if (parentPort !== null && workerData !== null && (workerData as { kind?: string }).kind === 'ordo-ws-bench-server') {
  void main(workerData as WsServerWorkerData);
}
