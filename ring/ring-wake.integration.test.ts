import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { siblingModuleUrl, spawnWorker } from '../platform/worker-spawn.js';
import { BatchConsumer } from './batch-consumer.js';
import { MainThreadConsumer } from './main-thread-consumer.js';
import { RingBuffer } from './ring-buffer.js';
import type { ProducerKind } from './ring-layout.js';
import { nowNs, type WakeWorkerJob } from '../testkit/ring-wake-worker.js';
import { SequenceBarrier } from './sequence-barrier.js';
import { createSequencer } from './sequencer.js';
import { PARK_TIMEOUT_MS, type WaitStrategy } from './wait-strategy.js';

/**
 * A parked thread is woken by the thread that advances what it waits for, for every kind of
 * dependency and every wait strategy: the median wake over many gaps (each long enough for the
 * waiter to park) stays far below PARK_TIMEOUT_MS, which is what a missed wake would cost.
 * Medians, not single samples: on a loaded 2-core machine one wake can take milliseconds.
 */
const workerUrl = siblingModuleUrl(import.meta.url, '../testkit/ring-wake-worker');
const SAMPLES = 30;
const GAP_MS = 3;
const MEDIAN_MS_MAX = PARK_TIMEOUT_MS / 5;
const STRATEGIES: readonly WaitStrategy[] = [
  { kind: 'busy-spin' },
  // A short spin window so the waiter parks within each gap.
  { kind: 'hybrid', spinIterations: 100 },
  { kind: 'blocking' },
];

function start(job: WakeWorkerJob): { ready: Promise<void>; samples: Promise<number[]>; worker: Worker } {
  const worker = spawnWorker(workerUrl, { workerData: job });
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const samples = new Promise<number[]>((resolve, reject) => {
    worker.on('message', (m: 'ready' | number[]) => (m === 'ready' ? onReady() : resolve(m)));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`wake worker exited with ${code} before reporting`)));
  });
  return { ready, samples, worker };
}

function ring(slotCount: number, consumerCount: number, producerKind: ProducerKind): RingBuffer {
  return RingBuffer.create({ slotCount, slotBytes: 64, consumerCount, producerKind });
}

function job(r: RingBuffer, wait: WaitStrategy, role: WakeWorkerJob['role'], more: Partial<WakeWorkerJob> = {}): WakeWorkerJob {
  return { descriptor: r.descriptor, wait, role, consumerIndex: 0, dependsOn: [], count: SAMPLES, gapMs: GAP_MS, released: null, ...more };
}

function medianMs(samplesNs: readonly number[]): number {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  return (sorted[Math.floor(sorted.length / 2)] as number) / 1e6;
}

function expectPromptWakes(samplesNs: readonly number[], what: string): void {
  expect(samplesNs.length, what).toBeGreaterThanOrEqual(SAMPLES / 2);
  expect(samplesNs.every((ns) => ns >= 0), `${what}: clocks agree`).toBe(true);
  expect(medianMs(samplesNs), `${what}: median wake in ms`).toBeLessThan(MEDIAN_MS_MAX);
}

describe('parked threads wake within a few ms of the advance they wait for', () => {
  for (const wait of STRATEGIES) {
    it(`a consumer parked on the producers' cursor (multi producer, ${wait.kind})`, async () => {
      const r = ring(64, 1, 'multi');
      const w = start(job(r, wait, 'consumer'));
      await w.ready;
      const sequencer = createSequencer(r, wait);
      for (let i = 0; i < SAMPLES; i++) {
        await sleep(GAP_MS);
        const seq = sequencer.tryNext(1);
        r.view.setFloat64(r.slotOffset(seq), nowNs(), true);
        sequencer.publish(seq, seq);
      }
      r.close();
      expectPromptWakes(await w.samples, `cursor, ${wait.kind}`);
    });

    it(`a consumer parked on an upstream consumer's sequence (journal → core, ${wait.kind})`, async () => {
      const r = ring(64, 2, 'multi');
      const w = start(job(r, wait, 'consumer', { consumerIndex: 1, dependsOn: [0] }));
      await w.ready;
      const sequencer = createSequencer(r, wait);
      const upstream = new BatchConsumer(r, 0, new SequenceBarrier(r, [], wait));
      for (let i = 0; i < SAMPLES; i++) {
        await sleep(GAP_MS);
        const seq = sequencer.tryNext(1);
        sequencer.publish(seq, seq);
        // The stamp is the upstream release: what the downstream consumer is woken by.
        upstream.poll((view, offset) => view.setFloat64(offset, nowNs(), true));
      }
      r.close();
      expectPromptWakes(await w.samples, `upstream consumer, ${wait.kind}`);
    });

    for (const producerKind of ['single', 'multi'] as const) {
      it(`a ${producerKind} producer parked on a full ring is woken by the consumer's release (${wait.kind})`, async () => {
        const r = ring(2, 1, producerKind);
        const count = SAMPLES + r.slotCount;
        const released = new Float64Array(new SharedArrayBuffer(count * 8));
        const w = start(job(r, wait, 'producer', { count, released: released.buffer as SharedArrayBuffer }));
        await w.ready;
        const consumer = new BatchConsumer(r, 0, new SequenceBarrier(r, [], wait));
        // Bounded: each turn releases at most one slot, and the producer publishes `count`.
        for (let handled = 0, turns = 0; handled < count && turns < 100 * count; turns++) {
          await sleep(GAP_MS);
          // Stamped before the release it dates (the producer may run at once); a turn that
          // finds nothing published stamps the same release again next time.
          released[handled] = nowNs();
          handled += consumer.poll(() => {}, 1);
        }
        const samples = await w.samples;
        r.close();
        expectPromptWakes(samples, `${producerKind} producer, ${wait.kind}`);
      });
    }
  }

  it('the main-thread consumer parked with Atomics.waitAsync is woken by a worker publisher', async () => {
    const r = ring(64, 1, 'single');
    const w = start(job(r, { kind: 'blocking' }, 'publisher'));
    const samples: number[] = [];
    const consumer = new BatchConsumer(r, 0, new SequenceBarrier(r, [], { kind: 'blocking' }));
    // pollTurns 0: park at once, so every sample is a waitAsync wake.
    const handled = await new MainThreadConsumer(consumer, { pollTurns: 0 }).run((view, offset) => {
      samples.push(nowNs() - view.getFloat64(offset, true));
    });
    await w.samples;
    expect(handled).toBe(SAMPLES);
    expectPromptWakes(samples, 'main-thread consumer');
  });
});
