// A benchmark's server in a worker thread of its own (bench/ws-server-worker.ts: the gateway over
// the threaded pipeline; bench/ws-echo-worker.ts: the trivial echo server), so the clients on the
// main thread and the server do not share an event loop, as a client process and a server would not.

import type { Worker } from 'node:worker_threads';
import { siblingModuleUrl, spawnWorker } from '../platform/worker-spawn.js';
import { makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import type { WsEchoWorkerData, WsEchoWorkerMessage } from './ws-echo-worker.js';
import type { WsServerWorkerData, WsServerWorkerMessage } from './ws-server-worker.js';

export class ServerThread {
  private constructor(
    private readonly worker: Worker,
    readonly port: number,
    readonly durability: string,
    /** The journal's directory, removed by stop; null for the echo server (no journal). */
    private readonly dataDir: string | null,
    /** The gateway server's thread, for its CPU time (null off Linux). */
    readonly tid: number | null,
  ) {}

  /** A server over a journal in a fresh directory (removed by stop), in the given durability. */
  static start(accounts: number[], durability: 'fsync' | 'none'): Promise<ServerThread> {
    const dataDir = makeTempDir('ordo-bench-ws-');
    const data: WsServerWorkerData = { kind: 'ordo-ws-bench-server', accounts, dataDir, durability };
    const worker = spawnWorker(siblingModuleUrl(import.meta.url, './ws-server-worker'), { workerData: data });
    return new Promise((resolve, reject) => {
      const fail = (e: unknown): void => {
        removeDir(dataDir);
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      worker.once('error', fail);
      worker.once('message', (m: WsServerWorkerMessage) => {
        if (m.type !== 'ready') return fail(new Error(`ws bench server said ${m.type} first`));
        resolve(new ServerThread(worker, m.port, m.durability, dataDir, m.tid));
      });
    });
  }

  /** The trivial echo server (bench/ws-echo-worker.ts): no pipeline, the floor of a round trip. */
  static startEcho(): Promise<ServerThread> {
    const data: WsEchoWorkerData = { kind: 'ordo-ws-bench-echo' };
    const worker = spawnWorker(siblingModuleUrl(import.meta.url, './ws-echo-worker'), { workerData: data });
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: WsEchoWorkerMessage) => {
        if (m.type !== 'ready') return reject(new Error(`ws bench echo server said ${m.type} first`));
        resolve(new ServerThread(worker, m.port, 'echo', null, m.tid));
      });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  async stop(): Promise<WsServerWorkerMessage | WsEchoWorkerMessage> {
    const stopped = new Promise<WsServerWorkerMessage | WsEchoWorkerMessage>((resolve) => this.worker.once('message', resolve));
    this.worker.postMessage({ type: 'stop' });
    try {
      const report = await stopped;
      await this.worker.terminate();
      return report;
    } finally {
      if (this.dataDir !== null) removeDir(this.dataDir);
    }
  }
}
