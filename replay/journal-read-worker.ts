/**
 * The reading half of a threaded replay (threaded-journal-reader.ts): this thread opens the
 * journal, reads and verifies [fromSeq, toSeqExclusive) with JournalReader.groups (the same
 * checks as everywhere: length, format, CRC, sequences, hash chain, tail against the meta head)
 * and hands the verified commands over through the command queue, while the other thread applies.
 *
 *   LMDB ──getRange──▶ JournalReader.groups (verify) ──copy──▶ command queue ──▶ applying thread
 *                                    └── problem: publish what came before, FAILED, the error on `port`
 */
import { workerData, type MessagePort } from 'node:worker_threads';
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
    env = openJournalEnv({ path: data.path, durability: data.durability, fingerprint: data.fingerprint });
    for (const group of new JournalReader(env).groups(data.fromSeq, data.toSeqExclusive)) {
      if (!queue.push(group.commands, group.firstSeq, group.count)) break;
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
