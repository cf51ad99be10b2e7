import { fail } from '../engine/assert.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { captureState, decodeState, restoreSnapshot, stateHash, takeSnapshot } from '../engine/engine-state.js';
import type { EventSink } from '../engine/event-sink.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import { differingStateParts } from '../engine/state-parts.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { configFingerprint } from '../journal/config-fingerprint.js';
import { openJournalEnv, readHead, type Durability, type JournalEnv } from '../journal/journal-env.js';
import { JournalReader } from '../journal/journal-reader.js';
import { SEQ_FIRST } from '../journal/record-layout.js';
import { SnapshotStore, type SnapshotInfo } from '../journal/snapshot-store.js';
import type { CommandRun } from './command-queue.js';
import { groupRun, ThreadedJournalReader } from './threaded-journal-reader.js';

/**
 * Recovery and replay are one code path (design §6): the newest snapshot at or below the target,
 * then the journal after it, verifying on the way every group's checksum, the hash chain,
 * sequence continuity, and the state hash of every snapshot passed. Start-up recovery, the
 * `replay` command, `verify` and `audit` all call `replayJournal`.
 *
 *   snapshot ≤ target ──restore──▶ engine ──apply journal (snapshot.seq, target]──▶ state hash
 *                                     └── at each later snapshot's seq: hash must match
 */
export interface ReplayOptions {
  env: JournalEnv;
  config: EngineConfig;
  /** Last sequence to apply (inclusive); default the journal's end. */
  toSeq?: number;
  /** Ignore snapshots (except to check them on the way): prove that they agree. */
  fromScratch?: boolean;
  /**
   * Where the replayed events go (audit); default: discarded. It and onCommand run between the
   * reads of the journal on this thread, which borrow lmdb-js's buffers (groupsBorrowed): they
   * must not read `env` themselves.
   */
  sink?: EventSink;
  /** Called before each command is applied (audit). */
  onCommand?: (seq: number, view: DataView, offset: number) => void;
  /**
   * Called once with the engine the replay starts from (restored from a snapshot, or empty),
   * before any command, with the read model that snapshot keeps (undefined: none).
   */
  onStart?: (engine: MatchingEngine, savedReadModel: Uint8Array | undefined) => void;
  /** Where the journal is read and verified; default 'auto'. */
  read?: ReplayReadMode;
}

export interface ReplayResult {
  engine: MatchingEngine;
  /** Last sequence applied; -1 for an empty journal. */
  lastSeq: number;
  stateHash: string;
  /** The journal's last sequence (may be past lastSeq when a target was given). */
  journalLastSeq: number;
  snapshotSeq: number | null;
  commandsApplied: number;
  snapshotsVerified: number;
}

/**
 * A snapshot whose state hash the replay did not reproduce. `parts` names the parts of the state
 * that differ (engine/state-parts.ts), where the stored state could be read: empty when the
 * stored state equals the replayed one, so that only the stored hash is wrong; null when unknown.
 */
export class SnapshotMismatchError extends Error {
  override readonly name = 'SnapshotMismatchError';
  constructor(
    readonly seq: number,
    readonly expected: string,
    readonly actual: string,
    readonly parts: readonly string[] | null = null,
  ) {
    super(`snapshot at sequence ${seq}: stored state hash ${expected}, replay reaches ${actual}${describeParts(parts)}`);
  }
}

function describeParts(parts: readonly string[] | null): string {
  if (parts === null) return '';
  if (parts.length === 0) return '; the stored state equals the replayed one, so the stored hash is not its own';
  return `; the parts that differ: ${parts.join(', ')}`;
}

/**
 * Where the journal is read and verified. 'auto': from THREADED_READ_COMMANDS_MIN commands on,
 * on a second thread overlapped with applying (threaded-journal-reader.ts), this thread reading
 * on its own until that thread is ready; below, or when no other thread can open the store (a
 * memory store), on this thread between applies. 'inline': always on this thread. 'thread': all
 * of it on the second thread, waited for (tests, comparisons). The checks, their order and the
 * errors are the same in every mode.
 */
export type ReplayReadMode = 'auto' | 'inline' | 'thread';

/**
 * Below this many commands a replay reads inline: a thread that would be ready only when the
 * replay is nearly done (it starts in 30-150 ms here) would just take CPU from it.
 */
export const THREADED_READ_COMMANDS_MIN = 1 << 18;

export function replayJournal(options: ReplayOptions): ReplayResult {
  const { env, config } = options;
  const sink = options.sink ?? NULL_SINK;
  const head = readHead(env);
  const toSeq = Math.min(options.toSeq ?? head.lastSeq, head.lastSeq);
  const store = new SnapshotStore(env);
  const snapshots = store.list().filter((s) => s.seq <= toSeq);
  const start = options.fromScratch === true ? null : store.newestAtOrBelow(toSeq);
  const fromSeq = start === null ? SEQ_FIRST : start.seq + 1;
  // The reader starts first, so that a thread reads while the snapshot is restored.
  const source = openCommandSource(env, fromSeq, toSeq + 1, options.read ?? 'auto');
  try {
    const engine = start === null ? new MatchingEngine(config, sink) : restoreSnapshot(config, { seq: start.seq, hash: '0x' + start.stateHashHex, state: start.body }, sink);
    if (engine.lastSeq !== fromSeq - 1) fail(`the replay starts at ${fromSeq}, the engine is at ${engine.lastSeq}`);
    options.onStart?.(engine, start?.readModel);
    // Snapshots after the starting point are checked when the replay reaches their sequence.
    const pending = snapshots.filter((s) => s.seq > engine.lastSeq).sort((a, b) => a.seq - b.seq);
    let applied: number;
    try {
      applied = applyRuns(engine, source.runs, pending, options.onCommand);
    } catch (error) {
      // The runs are left where they stopped and never resumed, so reading the store is safe.
      throw error instanceof SnapshotMismatchError ? withDifferingParts(error, store, engine) : error;
    }
    if (engine.lastSeq !== toSeq) fail(`replay stopped at ${engine.lastSeq}, the target is ${toSeq}`);
    return {
      engine,
      lastSeq: engine.lastSeq,
      stateHash: stateHash(engine),
      journalLastSeq: head.lastSeq,
      snapshotSeq: start === null ? null : start.seq,
      commandsApplied: applied,
      snapshotsVerified: (start === null ? 0 : 1) + pending.length,
    };
  } finally {
    source.close();
  }
}

/** Applies every run in order, checking each pending snapshot's hash at its sequence; returns the count. */
function applyRuns(engine: MatchingEngine, runs: Iterable<CommandRun>, pending: readonly SnapshotInfo[], onCommand: ReplayOptions['onCommand']): number {
  let applied = 0;
  let next = 0;
  let snapshotSeq = pending[0]?.seq ?? -1;
  for (const run of runs) {
    const view = run.view;
    const seqEnd = run.firstSeq + run.count;
    let offset = run.offset;
    for (let seq = run.firstSeq; seq < seqEnd; seq++, offset += COMMAND_SIZE) {
      if (onCommand !== undefined) onCommand(seq, view, offset);
      engine.apply(view, offset);
      if (seq === snapshotSeq) {
        const snap = pending[next] as SnapshotInfo;
        const actual = stateHash(engine).slice(2);
        if (actual !== snap.stateHashHex) throw new SnapshotMismatchError(seq, snap.stateHashHex, actual);
        next++;
        snapshotSeq = pending[next]?.seq ?? -1;
      }
    }
    applied += run.count;
  }
  if (next !== pending.length) fail(`replay passed ${next} of the ${pending.length} snapshots on its way`);
  return applied;
}

/** The mismatch with the parts of the state in which the stored snapshot and the engine differ. */
function withDifferingParts(error: SnapshotMismatchError, store: SnapshotStore, engine: MatchingEngine): SnapshotMismatchError {
  if (error.parts !== null) return error;
  const stored = store.newestAtOrBelow(error.seq);
  if (stored === null || stored.seq !== error.seq) return error;
  let parts: string[];
  try {
    parts = differingStateParts(decodeState(stored.body), captureState(engine));
  } catch {
    return error; // a body this build cannot read: the hashes alone say what is known
  }
  return new SnapshotMismatchError(error.seq, error.expected, error.actual, parts);
}

interface CommandSource {
  readonly runs: Iterable<CommandRun>;
  close(): void;
}

function openCommandSource(env: JournalEnv, fromSeq: number, toSeqExclusive: number, mode: ReplayReadMode): CommandSource {
  const commands = toSeqExclusive - fromSeq;
  const threaded = commands > 0 && (mode === 'thread' || (mode === 'auto' && commands >= THREADED_READ_COMMANDS_MIN && env.descriptor !== null));
  if (threaded) {
    const reader = new ThreadedJournalReader({ env, fromSeq, toSeqExclusive, waitForThread: mode === 'thread' });
    return { runs: reader.runs(), close: () => reader.close() };
  }
  return { runs: inlineRuns(env, fromSeq, toSeqExclusive), close: () => {} };
}

/**
 * The journal read on this thread: each verified group's commands as one run, borrowed from
 * lmdb-js (no copy, no allocation per group): applyRuns applies a run whole before it takes the next.
 */
function* inlineRuns(env: JournalEnv, fromSeq: number, toSeqExclusive: number): Generator<CommandRun, void, undefined> {
  for (const group of new JournalReader(env).groupsBorrowed(fromSeq, toSeqExclusive)) yield groupRun(group);
}

export interface OpenOptions {
  path: string;
  config: EngineConfig;
  durability: Durability;
}

/** Opens the journal of a data directory under a configuration (creating it when absent). */
export function openJournal(options: OpenOptions): JournalEnv {
  return openJournalEnv({ path: options.path, durability: options.durability, fingerprint: configFingerprint(options.config) });
}

/** Writes a snapshot of `engine` (with the read model at the same sequence, when given) into the store and prunes old ones. */
export function saveSnapshot(env: JournalEnv, engine: MatchingEngine, retain: number, readModel?: Uint8Array): string {
  if (engine.lastSeq < 0) fail('no snapshot of an engine that has applied nothing');
  const snapshot = takeSnapshot(engine);
  const store = new SnapshotStore(env, retain);
  store.put({ seq: snapshot.seq, stateHashHex: snapshot.hash.slice(2), body: snapshot.state, ...(readModel === undefined ? {} : { readModel }) });
  store.prune(retain);
  return snapshot.hash;
}

/** An EventSink that discards everything (recovery rebuilds state; events were delivered live). */
export const NULL_SINK: EventSink = {
  beginCommand() {},
  endCommand() {},
  accepted() {},
  rejected() {},
  trade() {},
  cancelled() {},
  amended() {},
  stopTriggered() {},
  balance() {},
  bookLevel() {},
};
