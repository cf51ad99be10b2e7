/**
 * Reading and verifying the journal on a second thread while this one applies (issue 4): a
 * replay's two halves cost about the same per command (SHA-256 + CRC + copy of each group there,
 * MatchingEngine.apply here), so overlapping them bounds a replay by the slower half instead of
 * their sum.
 *
 *   journal-read-worker: JournalReader.groups (verify) ──▶ command queue (SharedArrayBuffer, 4 × 1 MiB)
 *                                                                │ runs, in sequence order
 *   this thread: runs() ◀─────────────────────────────────────────┘ ──▶ MatchingEngine.apply
 *
 * The verification is JournalReader's, unchanged; only where it runs moves. What reaches the
 * caller is the same as an inline read: the verified commands in order, then either the end or
 * the reader's error (JournalCorruptError with its kind and sequence), after every command that
 * preceded the problem. A torn or missing tail is the reader's verdict too (checkTail).
 *
 * Blocking: runs() parks this thread in Atomics.wait while the reader is behind. A replay is a
 * synchronous call that holds its thread from start to end anyway (start-up recovery, the CLI,
 * audit); the wait blocks nothing that the replay did not already block, and frees the core for
 * the reader on a 2-core machine where spinning would steal it.
 */
import { once } from 'node:events';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { assert } from '../engine/assert.js';
import { siblingModuleUrl, spawnWorker } from '../engine/worker-spawn.js';
import type { JournalEnv } from '../journal/journal-env.js';
import { CommandQueueReader, createCommandQueue, QUEUE_DONE, type CommandRun } from './command-queue.js';
import type { JournalReadWorkerData } from './journal-read-worker.js';
import { deserializeReadError, type ReadErrorMessage } from './read-error.js';

/**
 * How long the reader may show no sign of life before the replay fails: covers the thread's
 * start (loading its modules, tsx's transform under the tests: seconds on a loaded machine) and
 * any single group's verification (about 1 ms), with a wide margin.
 */
export const READER_STALL_MS_DEFAULT = 60_000;
/** After FAILED, the error message is already queued on the port; this bounds a late arrival. */
const ERROR_WAIT_MS = 1_000;

export interface ThreadedReadOptions {
  readonly env: JournalEnv;
  readonly fromSeq: number;
  readonly toSeqExclusive: number;
  readonly stallMs?: number;
}

export class ThreadedJournalReader {
  private readonly queue: CommandQueueReader;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly stallMs: number;
  private closed = false;

  /** Starts the reader thread at once, so that it reads while the caller prepares (a snapshot restore). */
  constructor(options: ThreadedReadOptions) {
    assert(options.toSeqExclusive > options.fromSeq, `threaded read of the empty range [${options.fromSeq}, ${options.toSeqExclusive})`);
    this.stallMs = options.stallMs ?? READER_STALL_MS_DEFAULT;
    const buffer = createCommandQueue();
    const { port1, port2 } = new MessageChannel();
    const workerData: JournalReadWorkerData = {
      kind: 'ordo-journal-read',
      path: options.env.path,
      durability: options.env.durability,
      fingerprint: options.env.fingerprint,
      fromSeq: options.fromSeq,
      toSeqExclusive: options.toSeqExclusive,
      queue: buffer,
      port: port2,
    };
    this.worker = spawnWorker(siblingModuleUrl(import.meta.url, './journal-read-worker'), { workerData, transferList: [port2] });
    // Its errors are reported through the queue and the port; one that escapes them (the module
    // failing to load) shows as the stall error. An 'error' event without a listener would crash.
    this.worker.on('error', () => {});
    this.worker.unref();
    this.queue = new CommandQueueReader(buffer);
    this.port = port1;
  }

  /** The verified commands, run by run, in order; each run is valid until the next is taken. */
  *runs(): Generator<CommandRun, void, undefined> {
    assert(!this.closed, 'runs() of a closed threaded reader');
    try {
      // Bounded: the reader publishes at most (range / SLOT_COMMANDS + 1) runs, then ends.
      for (;;) {
        const next = this.queue.next(this.stallMs);
        if (next === QUEUE_DONE) return;
        if (typeof next === 'number') throw this.readerError();
        yield next;
      }
    } finally {
      this.close();
    }
  }

  /** Resolves once the reader thread has exited (after the end, its error, or close()). */
  async exited(): Promise<void> {
    if (this.worker.threadId === -1) return;
    await once(this.worker, 'exit');
  }

  /** Stops the reader (idempotent); call when the replay ends early. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.cancel();
    this.port.close();
  }

  private readerError(): Error {
    const deadline = Date.now() + ERROR_WAIT_MS;
    // Bounded by the deadline.
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received !== undefined) return deserializeReadError(received.message as ReadErrorMessage);
      if (Date.now() > deadline) return new Error('journal reader thread failed without reporting why');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
