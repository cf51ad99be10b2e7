/**
 * The snapshot follower (design §5): a thread that replays the journal into its own copy of the
 * engine and writes snapshots of that copy, by count and by time, so that taking one never
 * stalls the matching core. It reads only committed groups (LMDB readers see committed
 * transactions), so every snapshot is of a state the journal can reproduce.
 *
 *   journal (LMDB) ──read new groups──▶ follower engine ──every N commands or T ms──▶ snapshots db (+ prune)
 *
 * On stop it catches up to the journal's end and takes a final snapshot (clean shutdown).
 *
 * Unless the policy says not to, it also keeps a read model (read-model.ts) from its engine's
 * events and saves it in each snapshot, so that a restart from a snapshot gets back the history
 * the engine's state has not got: finished orders, fills, and when live orders were placed. It
 * then starts from the newest snapshot in the store (state and read model), not from the state
 * it is handed, and catches up from there like any other time.
 */
import { storageFaultOf } from '../journal/commit-retry.js';
import { parentPort, workerData } from 'node:worker_threads';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import { fail } from '../engine/assert.js';
import { decodeSnapshot, restoreSnapshot } from '../engine/engine-state.js';
import { NULL_SINK, saveSnapshot } from './recovery.js';
import { openJournalEnvFrom, type JournalEnv } from '../journal/journal-env.js';
import type { JournalStoreDescriptor } from '../journal/journal-store-factory.js';
import { configFingerprint } from '../journal/config-fingerprint.js';
import { JournalReader } from '../journal/journal-reader.js';
import { BinaryEventWriter, ForwardingEventOutput } from '../engine/event-codec.js';
import { captureState } from '../engine/engine-state.js';
import { SnapshotStore } from '../journal/snapshot-store.js';
import { READ_MODEL_LIMITS_DEFAULT, ReadModel, type ReadModelLimits } from './read-model.js';
import { decodeReadModel, encodeReadModel } from './read-model-codec.js';

export interface SnapshotPolicy {
  /** Take a snapshot once this many commands were applied since the last one. */
  everyCommands: number;
  /** ...or once this much time passed with at least one command applied. */
  everyMs: number;
  /** Snapshots kept; older ones are pruned. */
  retain: number;
  /** The windows of the read model kept in each snapshot (default READ_MODEL_LIMITS_DEFAULT); null: none kept. */
  readModel?: ReadModelLimits | null;
}

export const SNAPSHOT_POLICY_DEFAULT: SnapshotPolicy = { everyCommands: 1_000_000, everyMs: 60_000, retain: 3 };
/** How often the follower looks for new groups when idle. */
const POLL_MS = 20;
/** Control word indices in the shared Int32Array. */
export const CONTROL_STOP = 0;

export interface SnapshotWorkerData {
  kind: 'ordo-snapshots';
  /** The journal's store, opened in this thread. */
  store: JournalStoreDescriptor;
  config: EngineConfig;
  policy: SnapshotPolicy;
  /** Int32Array over this: [CONTROL_STOP] set to 1 (and notified) to stop. */
  control: SharedArrayBuffer;
  /**
   * The state the core starts from (engine-state.ts encoding; null: empty), at seqBase - 1. The
   * owner has just recovered it from the journal, so the follower restores it instead of
   * replaying the journal a second time at start-up.
   */
  snapshot: Uint8Array | null;
  seqBase: number;
}

export interface SnapshotWorkerReport {
  type: 'stopped';
  snapshots: number;
  lastSnapshotSeq: number;
  lastSnapshotHash: string;
  appliedSeq: number;
  /** Snapshots that failed with a storage fault and were skipped (the journal still holds everything). */
  snapshotFaults: number;
}

/** Applies every committed command after the engine's last; returns how many. */
function catchUp(env: JournalEnv, engine: MatchingEngine): number {
  // lmdb-js renews its read transaction on event-loop turns; this loop blocks in Atomics.wait
  // and never turns, so without a reset it would keep reading the snapshot it started with.
  env.store.refresh();
  let applied = 0;
  const reader = new JournalReader(env);
  for (const group of reader.groups(engine.lastSeq + 1)) {
    const view = new DataView(group.commands.buffer, group.commands.byteOffset, group.commands.byteLength);
    for (let i = 0; i < group.count; i++) engine.apply(view, i * COMMAND_SIZE);
    applied += group.count;
  }
  return applied;
}

interface FollowerStart {
  engine: MatchingEngine;
  /** Null when the policy keeps none. */
  readModel: ReadModel | null;
}

/**
 * Without a read model: the state handed over. With one: the newest snapshot's state and read
 * model (a snapshot without one, or none at all, seeds it from the state: what history that state
 * has lost stays lost); catching up then replays the journal after it.
 */
function startingPoint(env: JournalEnv, data: SnapshotWorkerData): FollowerStart {
  const limits = data.policy.readModel === undefined ? READ_MODEL_LIMITS_DEFAULT : data.policy.readModel;
  if (limits === null) {
    const engine = data.snapshot === null ? new MatchingEngine(data.config, NULL_SINK) : restoreSnapshot(data.config, decodeSnapshot(data.snapshot), NULL_SINK);
    if (engine.lastSeq !== data.seqBase - 1) fail(`snapshot follower starts after ${engine.lastSeq}, the journal continues at ${data.seqBase}`);
    return { engine, readModel: null };
  }
  const readModel = new ReadModel(limits);
  const sink = new BinaryEventWriter(new ForwardingEventOutput((ev) => readModel.apply(ev)));
  const newest = new SnapshotStore(env).newestAtOrBelow(data.seqBase - 1);
  if (newest === null) return { engine: new MatchingEngine(data.config, sink), readModel };
  const engine = restoreSnapshot(data.config, { seq: newest.seq, hash: '0x' + newest.stateHashHex, state: newest.body }, sink);
  if (newest.readModel !== undefined) readModel.restore(decodeReadModel(newest.readModel));
  else readModel.seed(captureState(engine), engine.lastSeq);
  if (readModel.lastSeq !== engine.lastSeq) fail(`snapshot ${newest.seq} keeps a read model at ${readModel.lastSeq}`);
  return { engine, readModel };
}

async function main(data: SnapshotWorkerData): Promise<SnapshotWorkerReport> {
  const control = new Int32Array(data.control);
  const env = openJournalEnvFrom(data.store, configFingerprint(data.config));
  const { engine, readModel } = startingPoint(env, data);
  const report: SnapshotWorkerReport = { type: 'stopped', snapshots: 0, lastSnapshotSeq: -1, lastSnapshotHash: '', appliedSeq: engine.lastSeq, snapshotFaults: 0 };
  let sinceSnapshot = 0;
  let lastSnapshotMs = Date.now();
  let retryNotBeforeMs = 0;
  const snapshot = (): void => {
    try {
      report.lastSnapshotHash = saveSnapshot(env, engine, data.policy.retain, readModel === null ? undefined : encodeReadModel(readModel.exportState()));
    } catch (error) {
      // A snapshot only shortens recovery; the journal holds every command. So a storage fault
      // (a full disk) skips this one, and the next is tried a period later, not at every poll.
      const fault = storageFaultOf(error);
      if (fault === null) throw error;
      report.snapshotFaults++;
      retryNotBeforeMs = Date.now() + data.policy.everyMs;
      return;
    }
    report.lastSnapshotSeq = engine.lastSeq;
    report.snapshots++;
    sinceSnapshot = 0;
    lastSnapshotMs = Date.now();
  };
  parentPort?.postMessage({ type: 'ready' });
  // Bounded by the pipeline's lifetime: the loop ends when the owner sets the stop word.
  while (Atomics.load(control, CONTROL_STOP) === 0) {
    Atomics.wait(control, CONTROL_STOP, 0, POLL_MS);
    sinceSnapshot += catchUp(env, engine);
    const due = Date.now() >= retryNotBeforeMs && (sinceSnapshot >= data.policy.everyCommands || (sinceSnapshot > 0 && Date.now() - lastSnapshotMs >= data.policy.everyMs));
    if (due) snapshot();
  }
  // Clean shutdown: the journal is complete now; snapshot whatever the last one missed.
  sinceSnapshot += catchUp(env, engine);
  if (sinceSnapshot > 0 || (report.snapshots === 0 && engine.lastSeq >= 0)) snapshot();
  report.appliedSeq = engine.lastSeq;
  await env.close();
  return report;
}

if (parentPort !== null && (workerData as { kind?: string } | null)?.kind === 'ordo-snapshots') {
  main(workerData as SnapshotWorkerData).then(
    (report) => parentPort?.postMessage(report),
    (error: unknown) => {
      throw error;
    },
  );
}
