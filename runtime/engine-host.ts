import { type Command, encodeCommand } from '../engine/command-codec.js';
import type { EngineState } from '../engine/engine-state.js';
import { CLAIM_CLOSED, CLAIM_FULL, Pipeline, type PipelineOptions } from './pipeline.js';
import type { MainThreadWait, SlotHandler } from '../ring/index.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { JournalHost } from './journal-host.js';
import { PipelineBackedHost } from './pipeline-backed-host.js';

/**
 * The seam between the gateway server and whatever runs the engine behind it. The server sees
 * only this interface:
 *
 *   start() ──▶ recovered state (for the market-data view) and the first sequence of this run
 *   tryPublish(timestampUs, write) ──▶ command sequence | CLAIM_FULL (answer BUSY) | CLAIM_CLOSED
 *   consumeEvents(handler) ──▶ every event record, in order, on the main thread
 *   stop() ──▶ drains, (snapshots,) reports the last sequence and the state hash
 *
 * Two implementations are meant to exist:
 *
 *   PipelineHost (here)   the threaded pipeline without a journal: an empty engine every start,
 *                         durability "none". Acks mean "applied by the core", not "on disk".
 *   journal-backed host   recovery from the data directory (snapshot + journal replay), then the
 *                         same Pipeline with the journal consumer upstream of the core
 *                         (upstreamConsumers: 1, seqBase = journal end, snapshot = recovered
 *                         state), durability "fsync". Because the core reads only what the journal
 *                         consumer has committed (design §1), every event, and so every ack the
 *                         server sends from one, is of a durable command: the server needs no
 *                         change. It plugs in at `createEngineHost` below.
 */
export type Durability = 'none' | 'fsync';

export interface EngineHostStart {
  /** Sequence the first command published in this run will get (0 for a new engine). */
  readonly seqNext: number;
  /** The state recovery ended in, for the market-data view and start-up funding; null when empty. */
  readonly state: EngineState | null;
}

export interface CommitBatchStats {
  /** Upper bounds of the buckets (commands per commit), ascending; counts has one more (+Inf). */
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export interface EngineHostStats {
  /** Commands published to the input ring and not yet applied by the core. */
  readonly inputDepth: number;
  /** Events published by the core and not yet handled by the gateway. */
  readonly outputDepth: number;
  /** Commands published and not yet committed to the journal; null without a journal. */
  readonly journalLag: number | null;
  readonly commitBatches: CommitBatchStats | null;
}

export interface EngineHostStop {
  readonly lastSeq: number;
  readonly stateHash: string;
  readonly commands: number;
  readonly events: number;
  /** Sequence of the snapshot taken at shutdown; null when the host takes none. */
  readonly snapshotSeq: number | null;
}

export interface EngineHost {
  readonly durability: Durability;
  start(): Promise<EngineHostStart>;
  tryPublish(timestampUs: number, write: (view: DataView, offset: number) => void): number;
  /**
   * Several commands in consecutive sequences, all or none (Pipeline.tryPublishRun): `write`
   * fills the k-th and returns its timestamp. The first sequence, or CLAIM_FULL / CLAIM_CLOSED.
   */
  tryPublishRun(count: number, write: (k: number, view: DataView, offset: number) => number): number;
  consumeEvents(handler: SlotHandler): Promise<number>;
  stats(): EngineHostStats;
  stop(): Promise<EngineHostStop>;
}

export { CLAIM_CLOSED, CLAIM_FULL };

/**
 * tryPublish of a command given as fields; the host stamps its sequence over whatever `c.seq`
 * says (the gateway's commands carry 0), the command keeps its timestamp. `c` is encoded as it
 * is, without a copy: this runs once per order.
 */
export function publishCommand(host: EngineHost, c: Command): number {
  return host.tryPublish(c.timestampUs, (view, offset) => encodeCommand(c, view, offset));
}

/**
 * publishCommand for several commands at once, all or none: sequences first .. first + n - 1 in
 * the given order, claimed and published in one step. The first sequence, or CLAIM_FULL /
 * CLAIM_CLOSED with nothing published.
 */
export function publishCommands(host: EngineHost, commands: readonly Command[]): number {
  return host.tryPublishRun(commands.length, (k, view, offset) => {
    const c = commands[k] as Command;
    encodeCommand(c, view, offset);
    return c.timestampUs;
  });
}

export interface PipelineHostOptions {
  config: EngineConfig;
  pipeline?: Omit<PipelineOptions, 'config' | 'journal' | 'seqBase' | 'snapshot'>;
  /**
   * Called with each command's bytes as sequenced (tests replay them into an in-process engine
   * to check the live state). The bytes are a copy; the sequence is stamped in them.
   */
  onCommand?: (seq: number, bytes: Uint8Array) => void;
}

/** The engine host over the threaded pipeline, without a journal (durability "none"). */
export class PipelineHost extends PipelineBackedHost {
  readonly durability: Durability = 'none';

  constructor(private readonly options: PipelineHostOptions) {
    super(options.onCommand);
  }

  async start(): Promise<EngineHostStart> {
    if (this.pipeline !== null) throw new Error('engine host started twice');
    this.pipeline = await Pipeline.start({ ...this.options.pipeline, config: this.options.config });
    return { seqNext: this.pipeline.seqBase, state: null };
  }
}

export interface EngineHostOptions {
  config: EngineConfig;
  /** Where the journal and snapshots live. */
  dataDir: string;
  durability: Durability;
  onCommand?: PipelineHostOptions['onCommand'];
  /** How the server's thread waits for output-ring events; default GATEWAY_EVENT_WAIT. */
  eventWait?: MainThreadWait;
}

/**
 * The server's wait for events: a few idle event-loop turns, then Atomics.waitAsync. The ring's
 * main-thread default polls 256 idle turns (~130 µs or more) before it parks, which a steady
 * flow never reaches: at 10K orders/s an order's events come every 100 µs, so the server's
 * thread polled without pause, a whole core on a 2-core machine that also runs the journal,
 * the core, the snapshot follower and (in ws-end-to-end) the client. Parked, it sleeps in its
 * event loop, which also wakes for the client's frames, and an event costs it one wake (2.7-20
 * µs, bench/ring-hop-latency.ts) instead of a core. The few turns catch events that follow a
 * batch closely (a burst in progress) without parking.
 */
export const GATEWAY_EVENT_WAIT: MainThreadWait = { pollTurns: 4 };

/**
 * The one place the server's engine host is chosen: the journal-backed host (recovery from
 * `dataDir`, then the pipeline with the journal consumer gating the core), in the durability the
 * configuration asks for. PipelineHost (no journal) remains for tests that want none.
 */
export function createEngineHost(options: EngineHostOptions): EngineHost {
  return new JournalHost({
    config: options.config,
    dataDir: options.dataDir,
    durability: options.durability,
    pipeline: { mainThreadWait: options.eventWait ?? GATEWAY_EVENT_WAIT },
    ...(options.onCommand === undefined ? {} : { onCommand: options.onCommand }),
  });
}
