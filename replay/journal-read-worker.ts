/**
 * The reading half of a threaded replay (threaded-journal-reader.ts): once loaded, this thread
 * says it is ready and waits for the sequence to start at (the other thread reads on its own
 * until then), opens the journal, reads and verifies [start, toSeqExclusive) with
 * JournalReader.groupsBorrowed (the same checks as everywhere: length, format, CRC, sequences,
 * hash chain, tail against the meta head) and hands the verified commands over through the
 * command queue, while the other thread applies.
 *
 *   ready ─▶ start seq ─▶ LMDB ──groupsBorrowed (verify)──copy──▶ command queue ──▶ applying thread
 *                                         └── problem: publish what came before, FAILED, the error on `port`
 *
 * A start after the range's first sequence is a group boundary of the other thread's inline read.
 * This read then begins one command earlier, so that the group holding it (the last one read
 * there) is its anchor: read and checked again, the chain goes on from its hash, and the link
 * across the handover is checked like any other; that one command is not handed over again.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import type { Durability } from '../journal/journal-env.js';
import { openJournalEnv, type JournalEnv } from '../journal/journal-env.js';
import { JournalReader } from '../journal/journal-reader.js';
import { CommandQueueWriter } from './command-queue.js';
import { serializeReadError } from './read-error.js';

export interface JournalReadWorkerData {
  readonly kind: 'ordo-journal-read';
  readonly path: string;
  readonly durability: Durability;
  readonly fingerprint: string;
  /** The range to replay: [fromSeq, toSeqExclusive); the other thread may have read a prefix. */
  readonly fromSeq: number;
  readonly toSeqExclusive: number;
  readonly queue: SharedArrayBuffer;
  /** Where the error goes, posted before the queue says FAILED. */
  readonly port: MessagePort;
}

async function main(data: JournalReadWorkerData): Promise<void> {
  const queue = new CommandQueueWriter(data.queue);
  let env: JournalEnv | null = null;
  try {
    const startSeq = queue.awaitStart();
    if (startSeq === null) return; // the other thread read everything itself
    env = openJournalEnv({ path: data.path, durability: data.durability, fingerprint: data.fingerprint });
    const readFromSeq = startSeq > data.fromSeq ? startSeq - 1 : startSeq;
    // Borrowed views: each group is copied into the queue before the next one is read.
    for (const group of new JournalReader(env).groupsBorrowed(readFromSeq, data.toSeqExclusive)) {
      const skip = Math.max(0, startSeq - group.firstSeq);
      if (skip >= group.count) continue;
      if (!queue.push(group.commands.subarray(skip * COMMAND_SIZE), group.firstSeq + skip, group.count - skip)) break;
    }
    queue.end();
  } catch (error) {
    if (queue.cancelled) return;
    data.port.postMessage(serializeReadError(error));
    queue.fail();
  } finally {
    data.port.close();
    await env?.close();
  }
}

const data = workerData as JournalReadWorkerData;
if (data?.kind !== 'ordo-journal-read') throw new Error('journal-read-worker: started without its workerData');
await main(data);
