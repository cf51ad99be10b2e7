// One of the threads of runSeedsParallel (seed-workers.ts): claims the next seed from the shared
// counter until the seeds, the budget or another thread's failure end the run, and posts what it
// did. Each seed is the same run it is on one thread: a seed owns all its state.

import { parentPort, workerData } from 'node:worker_threads';
import { newCounters } from './sim-counters.js';
import { SimFailure, type SimOptions } from './sim-options.js';
import { runSeed } from './simulator.js';
import { SHARED_NEXT, SHARED_STOP, type SeedWorkerData, type SeedWorkerMessage } from './seed-worker-protocol.js';

async function main(data: SeedWorkerData): Promise<SeedWorkerMessage> {
  const shared = new Int32Array(data.shared);
  const counters = newCounters();
  let ran = 0;
  const options: SimOptions = data.options;
  while (Atomics.load(shared, SHARED_STOP) === 0 && Date.now() < data.deadlineMs) {
    const index = Atomics.add(shared, SHARED_NEXT, 1);
    if (index >= data.count) break;
    try {
      await runSeed(data.first + index, counters, options);
    } catch (error) {
      Atomics.store(shared, SHARED_STOP, 1);
      const failure = error instanceof SimFailure ? error : null;
      const cause = failure?.cause instanceof Error ? failure.cause : error instanceof Error ? error : null;
      return { type: 'failed', seed: data.first + index, step: failure?.step ?? 0, message: cause?.message ?? String(error), stack: cause?.stack ?? '' };
    }
    ran++;
  }
  return { type: 'done', ran, counters };
}

main(workerData as SeedWorkerData).then(
  (message) => parentPort?.postMessage(message),
  (error: unknown) => parentPort?.postMessage({ type: 'failed', seed: -1, step: 0, message: String(error), stack: error instanceof Error ? (error.stack ?? '') : '' } satisfies SeedWorkerMessage),
);
