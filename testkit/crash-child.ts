/**
 * The crash test's child process: the journal-backed engine host the server runs on
 * (recovery from the data directory, then the durable pipeline), a continuous load, and acknowledge each command only once its result event
 * has come back from the core — the core applies only what the journal worker has committed, so
 * in 'fsync' mode an event means the command is on disk. The parent kills this process with
 * SIGKILL at random moments and checks every acknowledgement against the journal.
 *
 *   data dir ──JournalHost.start: replayJournal (snapshot + tail)──▶ Pipeline (seqBase = lastSeq + 1)
 *   plan (crash-load.ts) ──tryPublish──▶ input ring ──journal (fsync)──▶ core ──▶ output ring ──▶ ACK lines
 *
 * stdout, one line each (pipes are written synchronously on Linux, so a line written before the
 * kill reaches the parent):
 *   READY <lastSeq> <stateHash> <snapshotSeq|-> <commandsReplayed> <recoveryMs> <startMs>
 *   PUB <seq>                  a bound on the sequences published so far, written before they are (not an acknowledgement)
 *   ACK <seq> <key> <code>     durable: the command's ACCEPTED (code 0) or REJECTED event arrived
 *
 * Usage: node --import tsx replay/crash-child.ts --data <dir> --run <n> [--retry run:counter,...]
 *        [--rate <commands/s>] [--max-ms <ms>]
 */
import { parseCliArgs, parseIntegerOption, parsePositiveOption, UsageError } from '../platform/cli-args.js';
import { fail } from '../engine/assert.js';
import { encodeCommand } from '../engine/command-codec.js';
import { EV_CODE, EV_SEQ, EV_TYPE, EventType } from '../engine/event-layout.js';
import { readI64 } from '../engine/int64.js';
import { CLAIM_CLOSED, CLAIM_FULL } from '../runtime/pipeline.js';
import { JournalHost } from '../runtime/journal-host.js';
import { CRASH_INFLIGHT_MAX, RunPlan, crashConfig, decodeRetries } from './crash-load.js';

/** Snapshots often enough that short runs take some, so kills also land during snapshot writes. */
const SNAPSHOT_POLICY = { everyCommands: 2_000, everyMs: 250, retain: 3 };
const RATE_DEFAULT = 20_000;
/** The child exits by itself after this long, so it can never outlive a parent that vanished. */
const MAX_MS_DEFAULT = 120_000;
const PUMP_INTERVAL_MS = 1;
const CRASH_CHILD_USAGE = 'usage: crash-child --data <dir> --run <n> [--retry run:counter,...] [--rate <commands/s>] [--max-ms <ms>]';

async function main(): Promise<void> {
  const options = {
    data: { type: 'string' },
    run: { type: 'string' },
    retry: { type: 'string', default: '' },
    rate: { type: 'string', default: String(RATE_DEFAULT) },
    'max-ms': { type: 'string', default: String(MAX_MS_DEFAULT) },
  } as const;
  // A bad argument is reported by die() with exit code 1 like any other failure: exit code 2
  // already means that the parent went away.
  const { values } = parseCliArgs({ args: process.argv.slice(2), options }, CRASH_CHILD_USAGE);
  if (values.data === undefined || values.run === undefined) throw new UsageError(`--data and --run are required\n${CRASH_CHILD_USAGE}`);
  const dataDir = values.data;
  const run = parseIntegerOption(values.run, '--run', 0, Number.MAX_SAFE_INTEGER);
  const ratePerS = parsePositiveOption(values.rate, '--rate');
  const maxMs = parseIntegerOption(values['max-ms'], '--max-ms', 1, Number.MAX_SAFE_INTEGER);
  // The parent went away (EPIPE on stdout): nobody is left to acknowledge to.
  process.stdout.on('error', () => process.exit(2));
  setTimeout(() => {
    process.stderr.write(`crash child: ran for ${maxMs} ms without being killed, exiting\n`);
    process.exit(3);
  }, maxMs).unref();

  const startedMs = Date.now();
  const host = new JournalHost({ config: crashConfig(), dataDir, durability: 'fsync', snapshots: SNAPSHOT_POLICY, pipeline: { inputSlots: 1024, outputSlots: 16384 } });
  const { seqNext: seqBase } = await host.start();
  const recovered = host.recovery ?? fail('no recovery report after start');
  if (seqBase !== recovered.lastSeq + 1) fail(`the run starts at ${seqBase}, recovery ended at ${recovered.lastSeq}`);
  const startMs = Date.now() - startedMs;
  process.stdout.write(`READY ${recovered.lastSeq} ${recovered.stateHash} ${recovered.snapshotSeq ?? '-'} ${recovered.commandsReplayed} ${recovered.recoveryMs} ${startMs}\n`);

  const plan = new RunPlan(run, decodeRetries(values.retry ?? ''));
  let published = 0; // plan index of the next command to publish
  let acked = 0; // plan index of the next command to acknowledge
  let ackedWritten = 0; // acks written to stdout (the parent has those even if killed now)
  let lines = '';
  void host
    .consumeEvents((view, offset, _position, endOfBatch) => {
      const type = view.getUint8(offset + EV_TYPE);
      if (type === EventType.ACCEPTED || type === EventType.REJECTED) {
        const seq = readI64(view, offset + EV_SEQ);
        if (seq !== seqBase + acked) fail(`result for sequence ${seq}, expected ${seqBase + acked}`);
        // The result event is the proof of durability: only now is the command acknowledged.
        lines += `ACK ${seq} ${plan.at(acked).key} ${view.getInt32(offset + EV_CODE, true)}\n`;
        acked++;
      }
      if (endOfBatch && lines !== '') {
        process.stdout.write(lines);
        lines = '';
        ackedWritten = acked;
      }
    })
    .catch(die);

  // A token bucket paces the load; the in-flight bound keeps what a crash can lose within reach
  // of the parent's retries (RunPlan.unacknowledged).
  let tokens = 0;
  let lastPumpMs = performance.now();
  const pump = (): void => {
    const nowMs = performance.now();
    tokens = Math.min(CRASH_INFLIGHT_MAX, tokens + ((nowMs - lastPumpMs) * ratePerS) / 1000);
    lastPumpMs = nowMs;
    // Bounded by acks written, not just handled: an ack still in `lines` dies with the process.
    const publishMax = Math.min(Math.floor(tokens), CRASH_INFLIGHT_MAX - (published - ackedWritten));
    // Announced before publishing: the journal thread may commit what is published before a line
    // written after the loop (a kill in between left the journal past the last PUB under load).
    if (publishMax > 0) process.stdout.write(`PUB ${seqBase + published + publishMax - 1}\n`);
    const publishEnd = published + publishMax;
    while (published < publishEnd) {
      const item = plan.at(published);
      const timestampUs = Date.now() * 1000;
      const seq = host.tryPublish(timestampUs, (view, offset) => encodeCommand({ ...item.command, timestampUs }, view, offset));
      if (seq === CLAIM_FULL) break;
      if (seq === CLAIM_CLOSED) fail('input ring closed under load');
      if (seq !== seqBase + published) fail(`published sequence ${seq}, expected ${seqBase + published}`);
      published++;
      tokens--;
    }
    setTimeout(pump, PUMP_INTERVAL_MS);
  };
  pump();
}

function die(error: unknown): never {
  const text = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`crash child: ${text}\n`);
  process.exit(1);
}

main().catch(die);
