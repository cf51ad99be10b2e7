/**
 * The journal consumer's thread (design §1, §5): the first consumer of the input ring. It drains
 * what the producers have published, stages it as one transaction, commits, and only then
 * releases the batch — and releasing is what advances seqJournaled, the sequence the core is
 * gated on. So the core never applies, and no client is ever acknowledged for, a command that
 * is not yet in the journal (on disk, in 'fsync' mode).
 *
 *   input ring ──BatchConsumer(journal, gated on producers)──▶ stage … stage ──endOfBatch──▶ commit (fdatasync)
 *                                                                                            └─▶ release = seqJournaled
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fail } from '../engine/assert.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { BatchConsumer, RingBuffer, SequenceBarrier, type RingDescriptor, type WaitStrategy } from '../ring/index.js';
import { openJournalEnvFrom } from '../journal/journal-env.js';
import type { JournalStoreDescriptor } from '../journal/journal-store-factory.js';
import { JournalWriter, TXN_COMMANDS_MAX } from '../journal/journal-writer.js';
import { commitWithRetry, type StorageFault } from '../journal/commit-retry.js';

export interface JournalWorkerData {
  kind: 'ordo-journal';
  input: RingDescriptor;
  /** This consumer's index on the input ring (0: it runs first). */
  journalConsumer: number;
  /** The journal's store, opened in this thread. */
  store: JournalStoreDescriptor;
  fingerprint: string;
  /** Command sequence of input-ring position 0: the journal's next sequence. */
  seqBase: number;
  wait: WaitStrategy;
  /** Float64Array over this, written by this thread only, read by the owner for metrics: see JOURNAL_STATS_*. */
  stats: SharedArrayBuffer | null;
}

/**
 * Live statistics, one writer (this thread): [0, BUCKETS) commits whose size is at most
 * 2^index commands, then the commit count, the commands committed, the last sequence
 * committed, the storage faults (failed commit attempts), whether the journal is degraded
 * (1 from a failed commit until the retried group commits, else 0), and the groups of a torn
 * append the writer set aside when it opened (written once, before ready). Plain stores: the figures
 * serve /metrics, and the degraded flag only decides whether the gateway refuses new orders
 * early; a stale read costs one order a refusal or a wait, never a wrong acknowledgement.
 */
export const JOURNAL_STATS_BUCKETS = 16;
export const JOURNAL_STATS_COMMITS = JOURNAL_STATS_BUCKETS;
export const JOURNAL_STATS_COMMANDS = JOURNAL_STATS_BUCKETS + 1;
export const JOURNAL_STATS_LAST_SEQ = JOURNAL_STATS_BUCKETS + 2;
export const JOURNAL_STATS_FAULTS = JOURNAL_STATS_BUCKETS + 3;
export const JOURNAL_STATS_DEGRADED = JOURNAL_STATS_BUCKETS + 4;
export const JOURNAL_STATS_TORN_SET_ASIDE = JOURNAL_STATS_BUCKETS + 5;
export const JOURNAL_STATS_LENGTH = JOURNAL_STATS_BUCKETS + 6;

/** Posted to the owner when a commit fails (degraded) and when the retried group commits. */
export type JournalStorageMessage = { type: 'storage-fault'; fault: StorageFault; attempt: number } | { type: 'storage-recovered'; faults: number };

export interface JournalWorkerReport {
  type: 'stopped';
  lastSeq: number;
  commits: number;
  commands: number;
  /** Commands per commit: the group-commit batch sizes, bucketed by powers of two (index = log2 bound). */
  batchSizeBuckets: number[];
}

async function main(data: JournalWorkerData): Promise<JournalWorkerReport> {
  const ring = RingBuffer.attach(data.input);
  const env = openJournalEnvFrom(data.store, data.fingerprint);
  const writer = JournalWriter.open(env);
  if (writer.seqStagedEnd() !== data.seqBase) fail(`journal continues at ${writer.seqStagedEnd()}, the ring starts at ${data.seqBase}`);
  const consumer = new BatchConsumer(ring, data.journalConsumer, new SequenceBarrier(ring, [], data.wait));
  // A batch is bounded by what one transaction may carry and by the ring itself.
  const batchMax = Math.min(TXN_COMMANDS_MAX, ring.slotCount);
  let batchFirst = -1;
  let commits = 0;
  const buckets = new Array<number>(JOURNAL_STATS_BUCKETS).fill(0);
  const stats = data.stats === null ? null : new Float64Array(data.stats);
  if (stats !== null && stats.length !== JOURNAL_STATS_LENGTH) fail('journal stats buffer has the wrong length');
  if (stats !== null) stats[JOURNAL_STATS_TORN_SET_ASIDE] = writer.tornGroupsSetAside;
  parentPort?.postMessage({ type: 'ready' });
  const commands = consumer.run((_view, _offset, position, endOfBatch) => {
    if (batchFirst < 0) batchFirst = position;
    if (!endOfBatch) return;
    stageRange(ring, writer, batchFirst, position, data.seqBase);
    // Until this returns nothing of the batch is released, so the core applies none of it and
    // producers cannot claim its slots: the batch waits in the ring for its retry, in order.
    const seqCommitted = commitWithRetry(writer, {
      sleepMs,
      onFault: (fault, attempt) => {
        if (stats !== null) {
          stats[JOURNAL_STATS_FAULTS]! += 1;
          stats[JOURNAL_STATS_DEGRADED] = 1;
        }
        // The first failure of a group and then every tenth: the owner logs each message.
        if (attempt === 1 || attempt % 10 === 0) parentPort?.postMessage({ type: 'storage-fault', fault, attempt } satisfies JournalStorageMessage);
      },
      onRecovered: (faults) => {
        if (stats !== null) stats[JOURNAL_STATS_DEGRADED] = 0;
        parentPort?.postMessage({ type: 'storage-recovered', faults } satisfies JournalStorageMessage);
      },
      shouldGiveUp: () => ring.isClosed(),
    });
    if (seqCommitted !== data.seqBase + position) fail(`journal committed to ${seqCommitted}, the batch ends at ${data.seqBase + position}`);
    const size = position - batchFirst + 1;
    const bucket = Math.min(JOURNAL_STATS_BUCKETS - 1, Math.ceil(Math.log2(size)));
    buckets[bucket]! += 1;
    commits++;
    if (stats !== null) {
      stats[bucket]! += 1;
      stats[JOURNAL_STATS_COMMITS] = commits;
      stats[JOURNAL_STATS_COMMANDS]! += size;
      stats[JOURNAL_STATS_LAST_SEQ] = seqCommitted;
    }
    batchFirst = -1;
    // Returning releases the batch: seqJournaled advances only now, after the commit.
  }, batchMax);
  const lastSeq = writer.seqCommitted();
  await env.close();
  return { type: 'stopped', lastSeq, commits, commands, batchSizeBuckets: buckets };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this worker thread: it has nothing else to do while its commit waits for the disk. */
function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** Stages ring positions [first, last] (inclusive), in two runs when they wrap the ring's end. */
function stageRange(ring: RingBuffer, writer: JournalWriter, first: number, last: number, seqBase: number): void {
  let position = first;
  for (let run = 0; position <= last; run++) {
    if (run > 1) fail('a batch wraps the ring at most once');
    const slot = position % ring.slotCount;
    const count = Math.min(last - position + 1, ring.slotCount - slot);
    const offset = ring.slotOffset(position);
    writer.stage(ring.bytes.subarray(offset, offset + count * COMMAND_SIZE), seqBase + position, count);
    position += count;
  }
}

if (parentPort !== null && (workerData as { kind?: string } | null)?.kind === 'ordo-journal') {
  main(workerData as JournalWorkerData).then(
    (report) => parentPort?.postMessage(report),
    (error: unknown) => {
      throw error;
    },
  );
}
