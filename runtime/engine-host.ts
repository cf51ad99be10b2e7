import { type Command, encodeCommand } from '../engine/command-codec.js';
import type { EngineState } from '../engine/engine-state.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import type { ReadModelState } from '../replay/read-model.js';
import { CLAIM_CLOSED, CLAIM_FULL } from './pipeline.js';
import type { SlotHandler } from '../ring/index.js';

/**
 * The seam between the gateway server and whatever runs the engine behind it. The server sees
 * only this interface:
 *
 *   start() ──▶ recovered state (for the market-data view) and the first sequence of this run
 *   tryPublish(timestampUs, write) ──▶ command sequence | CLAIM_FULL (answer BUSY) | CLAIM_CLOSED
 *   consumeEvents(handler) ──▶ every event record, in order, on the main thread
 *   stop() ──▶ drains, (snapshots,) reports the last sequence and the state hash
 *
 * This file holds the interface and what every host shares, and imports no implementation, so
 * the implementations can import it without a circle:
 *
 *   engine-host.ts          this interface, its types, publishCommand(s)
 *      ▲            ▲
 *   pipeline-backed-host.ts (the threaded pipeline's publish, events, stats, stop)
 *      ▲            ▲
 *   pipeline-host.ts        journal-host.ts
 *   (no journal: an empty   (recovery from the data directory, then the same pipeline with the
 *   engine every start,     journal consumer upstream of the core; every event, and so every
 *   durability "none")      ack the server sends from one, is of a durable command)
 *      ▲            ▲
 *   engine-host-factory.ts  the one place the server's host is chosen (createEngineHost)
 */
export type Durability = 'none' | 'fsync';

/** Receives a copy of each command's bytes as sequenced, the sequence stamped in them (tests). */
export type OnCommand = (seq: number, bytes: Uint8Array) => void;

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
  /** The sequence the input ring will assign next (the last published + 1). */
  readonly seqNext: number;
  /** Commits that failed with a storage fault (each retry counts); null without a journal. */
  readonly storageFaults: number | null;
  /**
   * Groups of a torn append (past the journal's head: never committed, never acknowledged) that
   * the journal set aside for audit when it opened at start-up; null without a journal.
   */
  readonly tornGroupsSetAside: number | null;
}

export interface EngineHostStop {
  readonly lastSeq: number;
  readonly stateHash: string;
  readonly commands: number;
  readonly events: number;
  /** Sequence of the snapshot taken at shutdown; null when the host takes none. */
  readonly snapshotSeq: number | null;
}

/**
 * Who rebuilds a projection of the events (the gateway's read model) during recovery: told the
 * state the replay starts from (and the read model saved with it, when the snapshot keeps one),
 * then every event of the replayed commands, in order. A host without recovery calls neither
 * (the projection then starts from the returned state).
 */
export interface RecoveryListener {
  replayStart(state: EngineState | null, lastSeq: number, savedReadModel: ReadModelState | null): void;
  replayedEvent(ev: DecodedEvent): void;
}

export interface EngineHost {
  readonly durability: Durability;
  start(recovery?: RecoveryListener): Promise<EngineHostStart>;
  tryPublish(timestampUs: number, write: (view: DataView, offset: number) => void): number;
  /**
   * Several commands in consecutive sequences, all or none (Pipeline.tryPublishRun): `write`
   * fills the k-th and returns its timestamp. The first sequence, or CLAIM_FULL / CLAIM_CLOSED.
   */
  tryPublishRun(count: number, write: (k: number, view: DataView, offset: number) => number): number;
  consumeEvents(handler: SlotHandler): Promise<number>;
  stats(): EngineHostStats;
  /**
   * Why the journal cannot commit now (e.g. "storage: ENOSPC ..."), or null when it can. Cheap:
   * the gateway asks once per order and refuses new orders while it is not null.
   */
  storageFault(): string | null;
  /** `listener` hears each fault (its reason) and the recovery (null) as the journal reports them. */
  watchStorage(listener: (reason: string | null) => void): void;
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
