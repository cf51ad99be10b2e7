/**
 * The reading half of a threaded replay (threaded-journal-reader.ts): once loaded, this thread
 * opens the journal, says it is ready, and verifies from the range's first sequence while it
 * waits to be told where to hand over from (the other thread builds its engine, or reads on its
 * own, until then). It verifies with JournalReader.groupsBorrowed (the same checks as everywhere:
 * length, format, CRC, sequences, hash chain, tail against the meta head) and hands the verified
 * commands over through the command queue, while the other thread applies.
 *
 *   ready ─▶ LMDB ──groupsBorrowed (verify, ahead)──▶ verified up to verifiedEnd
 *                         start seq ─▶ reread verified groups ──copy──▶ command queue ──▶ applying thread
 *                                                      └── problem: publish what came before, FAILED, the error on `port`
 *
 * Verification runs ahead of the handover whenever there is nothing to hand over (not started
 * yet, or the queue full): a replay's reading costs about as much per command as its applying,
 * so time this thread would spend waiting (while the other thread builds a large engine, or is
 * descheduled on a busy machine) becomes verification that the applying need not wait for
 * later. What is ahead is only a sequence (verifiedEnd): nothing is held but the queue. Copying
 * reads a verified group again; every read from the first to the last happens in one synchronous
 * stretch of this thread (its waits are Atomics.wait, never the event loop), so lmdb-js keeps one
 * read transaction throughout (it renews it only on a later event-loop turn) and LMDB returns the
 * bytes that were verified.
 *
 * A start after the range's first sequence is a group boundary of the other thread's inline read.
 * Unless this thread has verified past it already, the read begins again one command earlier, so
 * that the group holding it (the last one read there) is its anchor: read and checked again, the
 * chain goes on from its hash, and the link across the handover is checked like any other; that
 * one command is not handed over again.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { assert } from '../engine/assert.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { openJournalEnvFrom, type JournalEnv } from '../journal/journal-env.js';
import type { JournalStoreDescriptor } from '../journal/journal-store-factory.js';
import { JournalReader, type JournalGroup } from '../journal/journal-reader.js';
import { GROUP_COMMANDS_MAX } from '../journal/record-layout.js';
import { CommandQueueWriter, type CommandQueueDescriptor } from './command-queue.js';
import { serializeReadError } from './read-error.js';

export interface JournalReadWorkerData {
  readonly kind: 'ordo-journal-read';
  /** The journal's store, opened again in this thread. */
  readonly store: JournalStoreDescriptor;
  readonly fingerprint: string;
  /** The range to replay: [fromSeq, toSeqExclusive); the other thread may have read a prefix. */
  readonly fromSeq: number;
  readonly toSeqExclusive: number;
  readonly queue: CommandQueueDescriptor;
  /** Where the error goes, posted before the queue says FAILED. */
  readonly port: MessagePort;
  /** Verify ahead of the handover (default); false verifies only what is handed over next (tests of both paths). */
  readonly verifyAhead: boolean;
}

/** One verifying pass over [readFromSeq, toSeqExclusive): how far it got, and how it ended. */
class Verification {
  private readonly groups: Generator<JournalGroup, void, undefined>;
  /** The key of the first group verified (the copy starts there); null before it. */
  firstKey: number | null = null;
  /** Everything before this sequence (from the first group on) is verified. */
  verifiedEnd: number;
  /** Set when the pass ended: 'done', or the problem that stopped it. */
  private ended: { readonly error: unknown } | 'done' | null = null;

  constructor(reader: JournalReader, readFromSeq: number, toSeqExclusive: number) {
    this.groups = reader.groupsBorrowed(readFromSeq, toSeqExclusive);
    this.verifiedEnd = readFromSeq;
  }

  /** Verifies one more group and returns it (borrowed: valid until the next read), or null once the pass has ended. */
  step(): JournalGroup | null {
    if (this.ended !== null) return null;
    try {
      const next = this.groups.next();
      if (next.done === true) {
        this.ended = 'done';
        return null;
      }
      this.firstKey ??= next.value.groupFirstSeq;
      this.verifiedEnd = next.value.firstSeq + next.value.count;
      return next.value;
    } catch (error) {
      this.ended = { error };
      return null;
    }
  }

  /** After the last verified command was handed over: throws the problem that ended the pass, if any. */
  finish(): void {
    assert(this.ended !== null, 'verification finished before it ended');
    if (this.ended !== 'done') throw this.ended.error;
  }

  close(): void {
    this.groups.return();
  }
}

/** Verifies ahead until the consumer starts the queue: its start sequence, or null when it cancelled. */
function verifyUntilStarted(queue: CommandQueueWriter, verification: Verification, ahead: boolean): number | null {
  // Bounded: each turn verifies one group of the range, or waits for the consumer's decision.
  for (;;) {
    if (queue.cancelled) return null;
    const startSeq = queue.startSeq();
    if (startSeq !== null) return startSeq;
    if (!ahead || verification.step() === null) return queue.awaitStart();
  }
}

/**
 * Hands [startSeq, toSeqExclusive) over, verified: copies verified groups into the queue, and
 * verifies further whenever the queue has no room or nothing verified is left to copy (a group
 * verified when the copy has caught up goes into the queue from that same read). Ends with the
 * queue's end, or throws the verification's problem after every command before it.
 */
function handOver(queue: CommandQueueWriter, reader: JournalReader, verification: Verification, startSeq: number, toSeqExclusive: number, ahead: boolean): void {
  let copySeq = startSeq;
  /** The key of the group holding copySeq, once a group is verified. */
  let copyKey: number | null = null;
  // Bounded: every turn verifies one group of the range or copies one; each happens once per group.
  for (;;) {
    if (queue.cancelled) return;
    let group: JournalGroup | null;
    if (copySeq >= verification.verifiedEnd) {
      group = verification.step();
      if (group === null) break;
      copyKey ??= group.groupFirstSeq;
      if (!queue.canPush(group.count)) continue; // it waits, verified, for room
    } else {
      // No room for a group: verify ahead instead of waiting (while there is anything left to verify).
      if (ahead && !queue.canPush(GROUP_COMMANDS_MAX) && verification.step() !== null) continue;
      copyKey ??= verification.firstKey as number;
      group = reader.rereadBorrowed(copyKey);
    }
    const copied = pushFrom(queue, group, copySeq, toSeqExclusive);
    if (copied === null) return;
    copySeq = copied;
    copyKey = group.firstSeq + group.count;
  }
  verification.finish();
  assert(copySeq === verification.verifiedEnd, `handed over up to ${copySeq}, verified up to ${verification.verifiedEnd}`);
  queue.end();
}

/** Pushes the commands of `group` from copySeq to toSeqExclusive; returns where the copy stands, or null when the consumer cancelled. */
function pushFrom(queue: CommandQueueWriter, group: JournalGroup, copySeq: number, toSeqExclusive: number): number | null {
  const from = Math.max(copySeq, group.firstSeq);
  const end = Math.min(group.firstSeq + group.count, toSeqExclusive);
  if (end <= from) return copySeq;
  const commands = group.commands.subarray((from - group.firstSeq) * COMMAND_SIZE, (end - group.firstSeq) * COMMAND_SIZE);
  return queue.push(commands, from, end - from) ? end : null;
}

async function main(data: JournalReadWorkerData): Promise<void> {
  const queue = new CommandQueueWriter(data.queue);
  let env: JournalEnv | null = null;
  let verification: Verification | null = null;
  try {
    env = openJournalEnvFrom(data.store, data.fingerprint);
    const reader = new JournalReader(env);
    verification = new Verification(reader, data.fromSeq, data.toSeqExclusive);
    queue.announceReady();
    const startSeq = verifyUntilStarted(queue, verification, data.verifyAhead);
    if (startSeq === null) return; // the other thread read everything itself, or stopped
    if (startSeq > verification.verifiedEnd) {
      // The other thread read [fromSeq, startSeq) itself, faster than this one verified: anchor at its last group.
      verification.close();
      verification = new Verification(reader, startSeq - 1, data.toSeqExclusive);
    }
    handOver(queue, reader, verification, startSeq, data.toSeqExclusive, data.verifyAhead);
  } catch (error) {
    if (queue.cancelled) return;
    data.port.postMessage(serializeReadError(error));
    queue.announceReady(); // a consumer waiting for the thread hears of the problem, not of a stall
    queue.fail();
  } finally {
    verification?.close();
    data.port.close();
    await env?.close();
  }
}

const data = workerData as JournalReadWorkerData;
if (data?.kind !== 'ordo-journal-read') throw new Error('journal-read-worker: started without its workerData');
await main(data);
