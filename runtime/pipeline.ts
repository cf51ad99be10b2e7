import type { Worker } from 'node:worker_threads';
import { fail } from '../engine/assert.js';
import { CMD_SEQ, CMD_TIMESTAMP_US, COMMAND_SIZE } from '../engine/command-layout.js';
import { type Command, encodeCommand } from '../engine/command-codec.js';
import type { CoreWorkerData, CoreWorkerReport } from './core-worker.js';
import type { Durability } from '../journal/journal-env.js';
import type { JournalStoreDescriptor } from '../journal/journal-store-factory.js';
import { JOURNAL_STATS_DEGRADED, JOURNAL_STATS_LENGTH, type JournalStorageMessage, type JournalWorkerData, type JournalWorkerReport } from './journal-worker.js';
import { CONTROL_STOP, type SnapshotPolicy, type SnapshotWorkerData, type SnapshotWorkerReport } from '../replay/snapshot-follower.js';
import { EVENT_SIZE } from '../engine/event-layout.js';
import { writeI64 } from '../engine/int64.js';
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
} from '../ring/index.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { siblingModuleUrl, spawnWorker } from '../platform/worker-spawn.js';

/**
 * The threaded pipeline (design §1), seen from the main thread:
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
  /**
   * The journal, as the input ring's first consumer: the core then applies only what it has
   * committed. Without it the core gates on the producers (tests and benchmarks of the rings).
   */
  journal?: PipelineJournal | null;
  /**
   * A consumer between the journal and the core that the owner runs (cluster mode: the stream
   * append, cluster/stream-appender.ts): consumer index 1, gated on the journal; the core then
   * applies only what it has released. Needs a journal.
   */
  replicated?: boolean;
  seqBase?: number;
  snapshot?: Uint8Array | null;
  wait?: WaitStrategy;
  /**
   * How the core waits for seqJournaled when there is a journal (else it waits for the
   * producers with `wait`). Default JOURNAL_GATE_WAIT_DEFAULT.
   */
  journalGateWait?: WaitStrategy;
  /** How the journal worker waits for the producers' cursor. Default journalWaitDefault(durability). */
  journalWait?: WaitStrategy;
  mainThreadWait?: MainThreadWait;
  batchMax?: number;
}

export interface PipelineJournal {
  path: string;
  durability: Durability;
  /** configFingerprint(config): the journal opens only under the configuration it was written with. */
  fingerprint: string;
  /** Periodic snapshots by a follower thread (and one at stop); null for none. */
  snapshots?: SnapshotPolicy | null;
  /** LMDB's map size; default MAP_SIZE_BYTES_DEFAULT (tests of a full disk set a small one). */
  mapSizeBytes?: number;
}

/** The core's report, with the journal's when there is one. */
export interface PipelineReport extends CoreWorkerReport {
  journal: JournalWorkerReport | null;
  snapshots: SnapshotWorkerReport | null;
}

export const INPUT_SLOTS_DEFAULT = 4096;
export const OUTPUT_SLOTS_DEFAULT = 16384;
export const BATCH_MAX_DEFAULT = 256;

/**
 * The core's wait for seqJournaled. seqJournaled advances once per commit, and a commit takes
 * two flushes (fdatasync, then the O_DSYNC meta write: 0.25 ms p50 and 0.6 ms p99 on this
 * machine's disk when it is quiet, measured with write + flush loops), so a core that has caught
 * up almost always has a flush ahead of it: the ring's hybrid window (~250 µs of spinning) after
 * every commit takes CPU the journal, producer and main threads need on a 2-core machine, to
 * save a futex wake (tens of µs) that is small beside the flush. Measured in the durable
 * pipeline at 10K commands/s offered (per-thread CPU from /proc, 2 runs each on the loaded
 * machine): core worker 30-40 ms of CPU per second parked at once, 60-130 ms with the hybrid
 * spin. There is no convoy to fear (see HYBRID_SPIN_ITERATIONS_DEFAULT): the journal waits
 * for the producers, never for the core.
 */
export const JOURNAL_GATE_WAIT_DEFAULT: WaitStrategy = { kind: 'blocking' };

/**
 * The journal worker's wait for the producers, by durability (measured on the 2-core machine with
 * bench ws-end-to-end, one order per frame at 10K/s, alternating runs on a quiet machine):
 *
 * - 'fsync': the hybrid window. A commit (two flushes, ~0.3 ms p50) outlasts the gap between
 *   orders (0.1 ms), so after a commit there is nearly always a batch waiting and the window
 *   rarely spins; when the journal does catch up, a spinning journal takes the next order at once,
 *   where a parked one waits for a futex wake and then for a core, which on a loaded 2-core machine
 *   can be milliseconds. Hybrid vs blocking, 3 runs each: RTT p50 1.08 vs 1.19 ms, p99 4.9 vs
 *   5.8 ms, p99.9 7.3 vs 14.5 ms; throughput the same (batched 114K vs 117K/s, 100K/s carried).
 * - 'none' (tests and benchmarks): park at once. A commit takes ~30 µs, so the ~250 µs hybrid window
 *   is longer than the gap between orders and the journal spun without ever parking: 56-68% of a
 *   core, taken from the client, gateway and core threads of the same round trip (machine busy
 *   176-189% -> 151-163%, journal 28-30% of a core; RTT p50 0.70 -> 0.52 ms, p99 about the same).
 */
export function journalWaitDefault(durability: Durability): WaitStrategy {
  switch (durability) {
    case 'fsync':
      return WAIT_HYBRID_DEFAULT;
    case 'none':
      return { kind: 'blocking' };
    default: {
      const unreachable: never = durability;
      throw new Error(`unknown durability ${String(unreachable)}`);
    }
  }
}
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
  private readonly journalWorker: Worker | null = null;
  private readonly journalReport: Promise<JournalWorkerReport> | null = null;
  private readonly snapshotWorker: Worker | null = null;
  private readonly snapshotReport: Promise<SnapshotWorkerReport> | null = null;
  private readonly snapshotControl = new Int32Array(new SharedArrayBuffer(8));
  /** The journal worker's live statistics (journal-worker.ts JOURNAL_STATS_*); empty without a journal. */
  readonly journalStats: Float64Array;
  private readonly mainThreadWait: MainThreadWait | undefined;
  private eventsDone: Promise<number> | null = null;
  /** The last storage fault the journal worker posted; stays after recovery (see storageFault()). */
  private storageReason: string | null = null;
  /** Told of every storage fault and recovery the journal worker posts (the host logs them). */
  onStorage: ((m: JournalStorageMessage) => void) | null = null;

  private constructor(options: PipelineOptions, ready: (p: Pipeline) => void, failed: (e: Error) => void) {
    if (options.replicated && !options.journal) fail('a replicated pipeline needs a journal');
    const upstream = options.journal ? (options.replicated ? 2 : 1) : 0;
    this.journalStats = new Float64Array(new SharedArrayBuffer(options.journal ? JOURNAL_STATS_LENGTH * 8 : 0));
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
      gateWait: upstream > 0 ? (options.journalGateWait ?? JOURNAL_GATE_WAIT_DEFAULT) : wait,
      batchMax: options.batchMax ?? BATCH_MAX_DEFAULT,
    };
    // Both workers must be consuming before the pipeline is ready.
    let waiting = (options.journal ? 2 : 1) + (options.journal?.snapshots ? 1 : 0);
    const onReady = (): void => {
      if (--waiting === 0) ready(this);
    };
    this.worker = spawnWorker(siblingModuleUrl(import.meta.url, './core-worker'), { workerData: data });
    this.report = watchWorker<CoreWorkerReport>(this.worker, 'core', onReady, failed);
    if (options.journal) {
      const store: JournalStoreDescriptor = {
        kind: 'lmdb',
        path: options.journal.path,
        durability: options.journal.durability,
        ...(options.journal.mapSizeBytes === undefined ? {} : { mapSizeBytes: options.journal.mapSizeBytes }),
      };
      const journalData: JournalWorkerData = {
        kind: 'ordo-journal',
        input: this.input.descriptor,
        journalConsumer: 0,
        store,
        fingerprint: options.journal.fingerprint,
        seqBase: this.seqBase,
        wait: options.journalWait ?? journalWaitDefault(options.journal.durability),
        stats: this.journalStats.buffer as SharedArrayBuffer,
      };
      this.journalWorker = spawnWorker(siblingModuleUrl(import.meta.url, './journal-worker'), { workerData: journalData });
      this.journalReport = watchWorker<JournalWorkerReport>(this.journalWorker, 'journal', onReady, failed, (m) => this.onJournalMessage(m));
      if (options.journal.snapshots) {
        const snapshotData: SnapshotWorkerData = {
          kind: 'ordo-snapshots',
          store,
          config: options.config,
          policy: options.journal.snapshots,
          control: this.snapshotControl.buffer as SharedArrayBuffer,
          snapshot: options.snapshot ?? null,
          seqBase: this.seqBase,
        };
        this.snapshotWorker = spawnWorker(siblingModuleUrl(import.meta.url, '../replay/snapshot-follower'), { workerData: snapshotData });
        this.snapshotReport = watchWorker<SnapshotWorkerReport>(this.snapshotWorker, 'snapshot', onReady, failed);
      }
    }
  }

  /**
   * The reason the journal is degraded (its last commit failed and is being retried), or null
   * when it is not. The flag is the worker's own (shared memory, current); the reason arrives by
   * message, so a fault seen before its message reads as a generic one.
   */
  storageFault(): string | null {
    if (this.journalStats.length === 0 || this.journalStats[JOURNAL_STATS_DEGRADED] !== 1) return null;
    return this.storageReason ?? 'storage: commit failed';
  }

  private onJournalMessage(m: { type: string }): void {
    if (m.type !== 'storage-fault' && m.type !== 'storage-recovered') return;
    const message = m as JournalStorageMessage;
    if (message.type === 'storage-fault') this.storageReason = message.fault.reason;
    this.onStorage?.(message);
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

  /**
   * tryPublish for `count` commands at once: claims `count` consecutive slots (all or none), lets
   * `write(k, view, offset)` fill the k-th and return its timestamp, stamps each sequence and
   * timestamp, and publishes them with one wake of the consumers. A producer with several
   * commands in hand (a gateway's batch frame) pays the claim and the wake once. Returns the
   * first command's sequence (the k-th has it + k), or CLAIM_FULL / CLAIM_CLOSED, nothing written.
   * A run longer than the ring never fits: CLAIM_FULL (publish it in shorter runs).
   */
  tryPublishRun(count: number, write: (k: number, view: DataView, offset: number) => number): number {
    if (count > this.input.slotCount) return CLAIM_FULL;
    const positionHi = this.producer.tryNext(count);
    if (positionHi === CLAIM_FULL || positionHi === CLAIM_CLOSED) return positionHi;
    const positionLo = positionHi - count + 1;
    const view = this.input.view;
    for (let k = 0; k < count; k++) {
      const offset = this.input.slotOffset(positionLo + k);
      const timestampUs = write(k, view, offset);
      writeI64(view, offset + CMD_SEQ, this.seqBase + positionLo + k);
      writeI64(view, offset + CMD_TIMESTAMP_US, timestampUs);
    }
    this.producer.publish(positionLo, positionHi);
    return this.seqBase + positionLo;
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
  async stop(): Promise<PipelineReport> {
    this.input.close();
    let journal: JournalWorkerReport | null = null;
    try {
      journal = this.journalReport === null ? null : await this.journalReport;
    } catch (e) {
      // The journal gave up (a storage fault outlasted the shutdown): what it did not commit is
      // never applied, so the core cannot drain to the ring's end. End every thread instead.
      await this.abandon();
      throw e;
    }
    const core = await this.report;
    if (journal !== null && journal.lastSeq !== core.lastSeq) fail(`journal ends at ${journal.lastSeq}, the core at ${core.lastSeq}`);
    if (this.eventsDone !== null) {
      const handled = await this.eventsDone;
      if (handled !== core.eventsPublished) fail(`event consumer handled ${handled} of ${core.eventsPublished} events`);
    }
    // The journal is complete: the follower catches up, takes the shutdown snapshot and stops.
    Atomics.store(this.snapshotControl, CONTROL_STOP, 1);
    Atomics.notify(this.snapshotControl, CONTROL_STOP);
    const snapshots = this.snapshotReport === null ? null : await this.snapshotReport;
    if (snapshots !== null && snapshots.appliedSeq !== core.lastSeq) fail(`snapshot follower stopped at ${snapshots.appliedSeq}, the core at ${core.lastSeq}`);
    await this.worker.terminate();
    if (this.journalWorker !== null) await this.journalWorker.terminate();
    if (this.snapshotWorker !== null) await this.snapshotWorker.terminate();
    return { ...core, journal, snapshots };
  }

  /**
   * Ends the worker threads without a drain and closes the output ring behind the core, so the
   * event consumer ends on what the core published. No snapshot: the state is the journal's.
   */
  private async abandon(): Promise<void> {
    await this.worker.terminate();
    if (this.journalWorker !== null) await this.journalWorker.terminate();
    if (this.snapshotWorker !== null) await this.snapshotWorker.terminate();
    // The core, the output ring's only producer, has ended: closing it here races with no one.
    if (!this.output.isClosed()) this.output.close();
    if (this.eventsDone !== null) await this.eventsDone.catch(() => 0);
  }
}

/** Resolves with the worker's 'stopped' report; any error or abnormal exit goes to `failed` and rejects. */
function watchWorker<R>(worker: Worker, name: string, ready: () => void, failed: (e: Error) => void, other?: (m: { type: string }) => void): Promise<R> {
  const report = new Promise<R>((resolve, reject) => {
    let stopped = false;
    worker.on('message', (m: { type: string }) => {
      if (m.type === 'ready') ready();
      else if (m.type === 'stopped') {
        stopped = true;
        resolve(m as R);
      } else other?.(m);
    });
    const onFailure = (e: Error): void => {
      failed(e);
      reject(e);
    };
    worker.on('error', onFailure);
    worker.on('exit', (code) => {
      if (code !== 0 && !stopped) onFailure(new Error(`${name} worker exited with code ${code}`));
    });
  });
  // A failure before stop() is awaited must not be an unhandled rejection; stop() rethrows it.
  report.catch(() => {});
  return report;
}
