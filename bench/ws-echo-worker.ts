// The floor under bench/ws-end-to-end.ts's round trips: a trivial echo server in a worker thread,
// as the gateway server is there, answering each order at once with an ack (gateway/testing/
// fake-server.ts: the gateway's own frame intake, then a reply by rule; no ring, no journal, no
// core). A round trip to it is what the client library, ws, loopback TCP and two event-loop
// wake-ups cost on this machine, with nothing of the pipeline.
//
//   main thread: runLoad (clients) ──ws──▶ this worker: FakeServer ──ack──▶ clients

import { parentPort, workerData } from 'node:worker_threads';
import { FakeServer } from '../testkit/fake-server.js';
import { currentThreadId } from '../platform/thread-cpu.js';

export interface WsEchoWorkerData {
  kind: 'ordo-ws-bench-echo';
}

/** ready: the echo server's port and thread id (null off Linux); stopped once it has closed. */
export type WsEchoWorkerMessage = { type: 'ready'; port: number; tid: number | null } | { type: 'stopped' };

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('ws bench echo server runs in a worker');
  const server = await FakeServer.start();
  server.keepsReceived = false;
  port.on('message', (m: { type: string }) => {
    if (m.type !== 'stop') return;
    void server.close().then(() => {
      port.postMessage({ type: 'stopped' } satisfies WsEchoWorkerMessage);
      port.close();
    });
  });
  port.postMessage({ type: 'ready', port: Number(new URL(server.url).port), tid: currentThreadId() } satisfies WsEchoWorkerMessage);
}

if (parentPort !== null && workerData !== null && (workerData as { kind?: string }).kind === 'ordo-ws-bench-echo') {
  void main();
}
