import { COMMAND_SIZE } from '../engine/command-layout.js';
import type { Pipeline } from './pipeline.js';
import type { SlotHandler } from '../ring/index.js';
import { JOURNAL_STATS_BUCKETS, JOURNAL_STATS_COMMANDS, JOURNAL_STATS_COMMITS, JOURNAL_STATS_FAULTS, JOURNAL_STATS_TORN_SET_ASIDE } from './journal-worker.js';
import type { CommitBatchStats, Durability, EngineHost, EngineHostStart, EngineHostStats, EngineHostStop, OnCommand } from './engine-host.js';

/**
 * What every engine host over the threaded pipeline shares, with or without a journal: publishing
 * (and the optional copy of each sequenced command for tests), the event stream, the depth and
 * journal statistics for /metrics, and a stop that happens once. Subclasses only decide how the
 * pipeline starts (`start`).
 */
export abstract class PipelineBackedHost implements EngineHost {
  abstract readonly durability: Durability;
  protected pipeline: Pipeline | null = null;
  private stopping: Promise<EngineHostStop> | null = null;

  constructor(private readonly onCommand: OnCommand | undefined) {}

  abstract start(): Promise<EngineHostStart>;

  protected running(): Pipeline {
    if (this.pipeline === null) throw new Error('engine host not started');
    return this.pipeline;
  }

  tryPublish(timestampUs: number, write: (view: DataView, offset: number) => void): number {
    const pipeline = this.running();
    const seq = pipeline.tryPublish(timestampUs, write);
    if (seq >= 0 && this.onCommand !== undefined) this.copyCommand(pipeline, this.onCommand, seq);
    return seq;
  }

  tryPublishRun(count: number, write: (k: number, view: DataView, offset: number) => number): number {
    const pipeline = this.running();
    const seqFirst = pipeline.tryPublishRun(count, write);
    if (seqFirst >= 0 && this.onCommand !== undefined) {
      for (let k = 0; k < count; k++) this.copyCommand(pipeline, this.onCommand, seqFirst + k);
    }
    return seqFirst;
  }

  /** Hands onCommand a copy of published command `seq`, read back from its input-ring slot. */
  private copyCommand(pipeline: Pipeline, onCommand: OnCommand, seq: number): void {
    // Only this thread produces, so the slot cannot be claimed again before this copy.
    const offset = pipeline.input.slotOffset(seq - pipeline.seqBase);
    onCommand(seq, pipeline.input.bytes.slice(offset, offset + COMMAND_SIZE));
  }

  consumeEvents(handler: SlotHandler): Promise<number> {
    return this.running().consumeEvents(handler);
  }

  stats(): EngineHostStats {
    const p = this.running();
    const published = p.input.cursor.get();
    const applied = p.input.consumerSequence(p.coreConsumer).get();
    // With a journal it is the input ring's first consumer and the core comes after it.
    const journaled = p.coreConsumer > 0 ? p.input.consumerSequence(0).get() : null;
    return {
      inputDepth: Math.max(0, published - applied),
      outputDepth: Math.max(0, p.output.cursor.get() - p.output.consumerSequence(0).get()),
      journalLag: journaled === null ? null : Math.max(0, published - journaled),
      commitBatches: journaled === null ? null : commitBatches(p.journalStats),
      seqNext: p.seqBase + published + 1,
      storageFaults: journaled === null ? null : (p.journalStats[JOURNAL_STATS_FAULTS] ?? 0),
      tornGroupsSetAside: journaled === null ? null : (p.journalStats[JOURNAL_STATS_TORN_SET_ASIDE] ?? 0),
    };
  }

  storageFault(): string | null {
    return this.pipeline === null ? null : this.pipeline.storageFault();
  }

  watchStorage(listener: (reason: string | null) => void): void {
    this.running().onStorage = (m) => listener(m.type === 'storage-fault' ? m.fault.reason : null);
  }

  stop(): Promise<EngineHostStop> {
    this.stopping ??= this.running()
      .stop()
      .then((r) => ({ lastSeq: r.lastSeq, stateHash: r.stateHash, commands: r.commands, events: r.eventsPublished, snapshotSeq: r.snapshots?.lastSnapshotSeq ?? null }));
    return this.stopping;
  }
}

/** The journal worker's live statistics (journal-worker.ts JOURNAL_STATS_*) as a histogram. */
function commitBatches(s: Float64Array): CommitBatchStats {
  const bounds: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < JOURNAL_STATS_BUCKETS; i++) {
    bounds.push(2 ** i);
    counts.push(s[i] ?? 0);
  }
  counts.push(0);
  return { bounds, counts, sum: s[JOURNAL_STATS_COMMANDS] ?? 0, count: s[JOURNAL_STATS_COMMITS] ?? 0 };
}
