import type { Worker } from 'node:worker_threads';
import { fail } from './assert.js';
import { CMD_SEQ, CMD_TIMESTAMP_US, COMMAND_SIZE } from './command-layout.js';
import { type Command, encodeCommand } from './command-codec.js';
import type { CoreWorkerData, CoreWorkerReport } from './core-worker.js';
import { EVENT_SIZE } from './event-layout.js';
import { writeI64 } from './int64.js';
import {
  BatchConsumer,
  CLAIM_CLOSED,
  CLAIM_FULL,
  MainThreadConsumer,
  type MainThreadWait,
  MultiProducerSequencer,
  RingBuffer,
  SequenceBarrier,
  type SlotHandler,
  WAIT_HYBRID_DEFAULT,
  type WaitStrategy,
} from './ring/index.js';
import type { EngineConfig } from './symbol-config.js';
import { siblingModuleUrl, spawnWorker } from './worker-spawn.js';

/**
 * The threaded pipeline (DESIGN §1), seen from the main thread:
 *
 *   producers (main thread) ──▶ input ring ──▶ [journal consumer] ──▶ core worker ──▶ output ring ──▶ event handler (main thread)
 *
 * Producers claim with tryNext only, so the main thread never blocks: a full ring is returned as
 * CLAIM_FULL for the caller to answer BUSY. The command sequence of input-ring position p is
 * seqBase + p (seqBase is where the journal ends, 0 for a new one). Which consumers the core
 * waits for is configuration: with a journal consumer the core gates on it, without one on the
 * producers' cursor; it is the same core code either way.
 */
export interface PipelineOptions {
  config: EngineConfig;
  inputSlots?: number;
  outputSlots?: number;
  /** Input-ring consumers that run before the core, e.g. the journal; their indices come first. */
  upstreamConsumers?: number;
  seqBase?: number;
  snapshot?: Uint8Array | null;
  wait?: WaitStrategy;
  mainThreadWait?: MainThreadWait;
  batchMax?: number;
}

export const INPUT_SLOTS_DEFAULT = 4096;
export const OUTPUT_SLOTS_DEFAULT = 16384;
export const BATCH_MAX_DEFAULT = 256;
export { CLAIM_CLOSED, CLAIM_FULL };

export class Pipeline {
  readonly input: RingBuffer;
  readonly output: RingBuffer;
  readonly seqBase: number;
  /** Index of the core's consumer record on the input ring (after any upstream consumers). */
  readonly coreConsumer: number;
  private readonly producer: MultiProducerSequencer;
  private readonly worker: Worker;
  private readonly report: Promise<CoreWorkerReport>;
  private readonly mainThreadWait: MainThreadWait | undefined;
  private eventsDone: Promise<number> | null = null;

  private constructor(options: PipelineOptions, ready: (p: Pipeline) => void, failed: (e: Error) => void) {
    const upstream = options.upstreamConsumers ?? 0;
    this.seqBase = options.seqBase ?? 0;
    this.coreConsumer = upstream;
    this.mainThreadWait = options.mainThreadWait;
    this.input = RingBuffer.create({ slotCount: options.inputSlots ?? INPUT_SLOTS_DEFAULT, slotBytes: COMMAND_SIZE, consumerCount: upstream + 1, producerKind: 'multi' });
    this.output = RingBuffer.create({ slotCount: options.outputSlots ?? OUTPUT_SLOTS_DEFAULT, slotBytes: EVENT_SIZE, consumerCount: 1, producerKind: 'single' });
    const wait = options.wait ?? WAIT_HYBRID_DEFAULT;
    this.producer = new MultiProducerSequencer(this.input, wait);
    const data: CoreWorkerData = {
      kind: 'ordo-core',
      input: this.input.descriptor,
      output: this.output.descriptor,
      coreConsumer: this.coreConsumer,
      gateOn: Array.from({ length: upstream }, (_, i) => i),
      config: options.config,
      seqBase: this.seqBase,
      snapshot: options.snapshot ?? null,
      wait,
      batchMax: options.batchMax ?? BATCH_MAX_DEFAULT,
    };
    this.worker = spawnWorker(siblingModuleUrl(import.meta.url, './core-worker'), { workerData: data });
    this.report = new Promise<CoreWorkerReport>((resolve, reject) => {
      this.worker.on('message', (m: { type: string }) => {
        if (m.type === 'ready') ready(this);
        else if (m.type === 'stopped') resolve(m as CoreWorkerReport);
      });
      const onFailure = (e: Error): void => {
        failed(e);
        reject(e);
      };
      this.worker.on('error', onFailure);
      this.worker.on('exit', (code) => {
        if (code !== 0) onFailure(new Error(`core worker exited with code ${code}`));
      });
    });
    // A failure before stop() is awaited must not be an unhandled rejection; stop() rethrows it.
    this.report.catch(() => {});
  }

  /** Starts the core worker; resolves once it has its state and is consuming. */
  static start(options: PipelineOptions): Promise<Pipeline> {
    return new Promise<Pipeline>((resolve, reject) => {
      new Pipeline(options, resolve, reject);
    });
  }

  /**
   * Claims one input slot without blocking, lets `write` fill the command at `offset` of `view`,
   * stamps its sequence and timestamp, and publishes it. Returns the command sequence, or
   * CLAIM_FULL (back-pressure: answer BUSY) or CLAIM_CLOSED; nothing is written then.
   */
  tryPublish(timestampUs: number, write: (view: DataView, offset: number) => void): number {
    const position = this.producer.tryNext(1);
    if (position === CLAIM_FULL || position === CLAIM_CLOSED) return position;
    const offset = this.input.slotOffset(position);
    const view = this.input.view;
    write(view, offset);
    const seq = this.seqBase + position;
    writeI64(view, offset + CMD_SEQ, seq);
    writeI64(view, offset + CMD_TIMESTAMP_US, timestampUs);
    this.producer.publish(position, position);
    return seq;
  }

  /** tryPublish of a command given as fields (its seq is assigned here; its timestamp is kept). */
  tryPublishCommand(c: Command): number {
    return this.tryPublish(c.timestampUs, (view, offset) => encodeCommand({ ...c, seq: 0 }, view, offset));
  }

  /**
   * Starts the main-thread consumer of the output ring: `handler` sees every event record in
   * order. Resolves with the number of events once the core has stopped and all are handled.
   */
  consumeEvents(handler: SlotHandler): Promise<number> {
    if (this.eventsDone !== null) fail('the output ring has one consumer');
    const consumer = new BatchConsumer(this.output, 0, new SequenceBarrier(this.output, [], WAIT_HYBRID_DEFAULT));
    this.eventsDone = new MainThreadConsumer(consumer, this.mainThreadWait).run(handler);
    return this.eventsDone;
  }

  /**
   * Clean shutdown: producers must have stopped (the caller's); closing the input ring fixes its
   * last sequence, the core drains to it, publishes its last events and reports. Resolves after
   * the event consumer has handled everything.
   */
  async stop(): Promise<CoreWorkerReport> {
    this.input.close();
    const report = await this.report;
    if (this.eventsDone !== null) {
      const handled = await this.eventsDone;
      if (handled !== report.eventsPublished) fail(`event consumer handled ${handled} of ${report.eventsPublished} events`);
    }
    await this.worker.terminate();
    return report;
  }
}
