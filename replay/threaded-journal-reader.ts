/**
 * Reading and verifying the journal on a second thread while this one applies: a
 * replay's two halves cost about the same per command (SHA-256 + CRC of each group there,
 * MatchingEngine.apply here), so overlapping them bounds a replay by the slower half instead of
 * their sum.
 *
 *   this thread: JournalReader.groups ──▶ runs ──▶ MatchingEngine.apply      (while the thread starts)
 *                        │ at a group boundary, once the reader thread is ready: start it there
 *   journal-read-worker: JournalReader.groupsBorrowed (verify, ahead) ──▶ command queue (a ring of 65536 commands, 8 MiB)
 *                                                                          │ runs, in sequence order
 *   this thread: runs() ◀───────────────────────────────────────────────────┘ ──▶ MatchingEngine.apply
 *
 * Starting a thread costs 30-150 ms here (its modules, LMDB's); reading inline meanwhile makes
 * that time useful instead of a wait. Once ready, the thread verifies from the range's start while
 * it waits for the handover, and whenever the queue is full: it gets ahead while this thread
 * builds its engine (hundreds of ms for a large configuration) or is held up, so that the
 * applying waits for it less afterwards (journal-read-worker.ts). The verification is
 * JournalReader's on both sides, and the handover is checked like any other link of the chain
 * (journal-read-worker.ts). What reaches the
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
import { siblingModuleUrl, spawnWorker } from '../platform/worker-spawn.js';
import type { JournalEnv } from '../journal/journal-env.js';
import { JournalReader, type JournalGroup } from '../journal/journal-reader.js';
import { CommandQueueReader, createCommandQueue, QUEUE_DONE, type CommandRun } from './command-queue.js';
import type { JournalReadWorkerData } from './journal-read-worker.js';
import { deserializeReadError, type ReadErrorMessage } from './read-error.js';

/**
 * How long the reader thread may show no sign of life before the replay fails: covers its start
 * when waited for (loading its modules, tsx's transform under the tests: seconds on a loaded
 * machine) and any single group's verification (about 1 ms), with a wide margin.
 */
export const READER_STALL_MS_DEFAULT = 60_000;
/** After FAILED, the error message is already queued on the port; this bounds a late arrival. */
const ERROR_WAIT_MS = 1_000;

export interface ThreadedReadOptions {
  readonly env: JournalEnv;
  readonly fromSeq: number;
  readonly toSeqExclusive: number;
  /** Read nothing on this thread: wait for the reader thread and let it read the whole range (tests). */
  readonly waitForThread?: boolean;
  readonly stallMs?: number;
  /** The reader thread verifies ahead of what it hands over (default true; journal-read-worker.ts). */
  readonly verifyAhead?: boolean;
  /** Capacity of the command queue in commands (default QUEUE_COMMANDS_DEFAULT); tests take less, so that a small journal wraps the queue. */
  readonly queueCommands?: number;
}

/** A group's commands as one run, over the group's own bytes (borrowed ones stay borrowed). */
export function groupRun(group: JournalGroup): CommandRun {
  return { firstSeq: group.firstSeq, count: group.count, view: new DataView(group.commands.buffer, group.commands.byteOffset, group.commands.byteLength), offset: 0 };
}

export class ThreadedJournalReader {
  private readonly queue: CommandQueueReader;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly stallMs: number;
  private readonly env: JournalEnv;
  private readonly fromSeq: number;
  private readonly toSeqExclusive: number;
  private readonly waitForThread: boolean;
  private closed = false;
  /** Where this thread handed the read over to the reader thread; null while it has not. */
  handoverSeq: number | null = null;

  /** Starts the reader thread at once, so that it reads while the caller prepares (a snapshot restore). */
  constructor(options: ThreadedReadOptions) {
    assert(options.toSeqExclusive > options.fromSeq, `threaded read of the empty range [${options.fromSeq}, ${options.toSeqExclusive})`);
    this.stallMs = options.stallMs ?? READER_STALL_MS_DEFAULT;
    this.env = options.env;
    this.fromSeq = options.fromSeq;
    this.toSeqExclusive = options.toSeqExclusive;
    this.waitForThread = options.waitForThread ?? false;
    const store = options.env.descriptor;
    assert(store !== null, 'a threaded read needs a journal another thread can open (not a memory store)');
    const buffer = createCommandQueue(options.queueCommands);
    const { port1, port2 } = new MessageChannel();
    const workerData: JournalReadWorkerData = {
      kind: 'ordo-journal-read',
      store,
      fingerprint: options.env.fingerprint,
      fromSeq: options.fromSeq,
      toSeqExclusive: options.toSeqExclusive,
      queue: buffer,
      port: port2,
      verifyAhead: options.verifyAhead ?? true,
    };
    this.worker = spawnWorker(siblingModuleUrl(import.meta.url, './journal-read-worker'), { workerData, transferList: [port2] });
    // Its errors are reported through the queue and the port; one that escapes them (the module
    // failing to load) shows as the stall error. An 'error' event without a listener would crash.
    this.worker.on('error', () => {});
    this.worker.unref();
    this.queue = new CommandQueueReader(buffer);
    this.port = port1;
  }

  /**
   * The verified commands, run by run, in order; each run is valid until the next is taken, and
   * the caller reads nothing else from `env` meanwhile (runs read here borrow lmdb-js's buffers).
   */
  *runs(): Generator<CommandRun, void, undefined> {
    assert(!this.closed, 'runs() of a closed threaded reader');
    try {
      let startSeq = this.fromSeq;
      if (this.waitForThread) this.queue.awaitProducerReady(this.stallMs);
      else {
        const handover = yield* this.inlineUntilThreadReady();
        if (handover === null) return;
        startSeq = handover;
      }
      this.handoverSeq = startSeq;
      this.queue.start(startSeq);
      // Bounded: every run holds at least one command of the range, then the queue ends.
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

  /**
   * Reads and yields groups on this thread until the reader thread is ready; returns the
   * sequence to hand over at (a group boundary), or null when this thread read the whole range.
   */
  private *inlineUntilThreadReady(): Generator<CommandRun, number | null, undefined> {
    // Borrowed: the caller uses each run before it takes the next (runs() says so).
    const groups = new JournalReader(this.env).groupsBorrowed(this.fromSeq, this.toSeqExclusive);
    let seqNext = this.fromSeq;
    try {
      // Bounded by the range: every step yields a group or ends.
      for (;;) {
        if (seqNext < this.toSeqExclusive && this.queue.producerReady()) return seqNext;
        const step = groups.next();
        if (step.done === true) return null;
        const group = step.value;
        yield groupRun(group);
        seqNext = group.firstSeq + group.count;
      }
    } finally {
      groups.return();
    }
  }

  /** True once the reader thread is loaded and waits to be started (the handover is at the next group). */
  threadReady(): boolean {
    return this.queue.producerReady();
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
