import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Xoshiro128 } from '../loadgen/order-flow-gen.js';
import { decodeCommand } from '../engine/command-codec.js';
import { ResultCode } from '../engine/result-code.js';
import { readHead } from '../journal/journal-env.js';
import { siblingModuleUrl } from '../platform/worker-spawn.js';
import { check, JournalChecker } from './crash-check.js';
import { CRASH_INFLIGHT_MAX, RunPlan, crashConfig, encodeRetries, sameCommand, type PlanItem } from './crash-load.js';
import { openJournal, replayJournal } from '../replay/recovery.js';

/**
 * The parent of the crash test: start the child (crash-child.ts) on a data directory,
 * SIGKILL it at a seeded random moment, and with the child dead open the journal and check:
 *
 *   - the child's recovery (READY) ended exactly where the journal ended after the previous
 *     kill, with the state hash of the parent's from-scratch replay of that journal;
 *   - its results came back for sequences READY+1, READY+2, ... in order, each for the command
 *     the plan puts there (crash-load.ts);
 *   - every acknowledged sequence is in the journal, with that command and the outcome the ack
 *     reported; the journal ends at or before the last sequence published, and what it holds
 *     after READY is exactly the start of the run's plan (no gap, no duplicate, no stray);
 *   - no account, transfer id or client order id was ever accepted twice, and money adds up to
 *     the distinct deposits journaled (JournalChecker);
 *   - every `fullReplayEvery` kills and at the end: a from-scratch replayJournal (hash chain from
 *     genesis, every stored snapshot's hash) reaches the parent's hash.
 *
 * The next run retries what the killed one left unacknowledged (a client that never got an ack
 * resends with the same id); retries of commands the journal already holds must be answered
 * as duplicates. A crash may leave a commit half-written: LMDB keeps the previous meta page
 * then, so the group is simply absent, and it was never acknowledged — the checks above are
 * what shows that, kill after kill.
 */
export interface CrashRunOptions {
  dataDir: string;
  /** Kills at random moments; one more restart follows the last (its recovery is checked too). */
  kills: number;
  seed: number;
  /** The child's load, commands per second. */
  ratePerS: number;
  /** After READY, the child runs for a uniform random time in [runMsMin, runMsMax] before the kill. */
  runMsMin: number;
  runMsMax: number;
  /** This share of kills land at a uniform random time in [0, earlyKillMsMax] after the spawn (start-up, recovery, first commands). */
  earlyKillShare: number;
  earlyKillMsMax: number;
  /** A from-scratch replayJournal every this many kills (and always after the last). */
  fullReplayEvery: number;
  readyTimeoutMs: number;
  log?: (line: string) => void;
}

export interface CrashSummary {
  seed: number;
  kills: number;
  restarts: number;
  killsBeforeReady: number;
  /** Kills after which the journal ended before the last sequence announced (PUB): commands in flight, never committed. */
  killsWithUncommitted: number;
  /** Commands announced but never committed, over all kills (each was retried if idempotent); a pump cut short by a full ring announced a few it did not publish. */
  commandsUncommitted: number;
  acks: number;
  journalLastSeq: number;
  stateHash: string;
  /** Retries that reached the journal. */
  retriesJournaled: number;
  /** Retries whose first copy the crash had committed without an ack: answered as duplicates. */
  retriesAnsweredDuplicate: number;
  /** Retries whose first copy the crash had lost (or that were never sent): applied now. */
  retriesApplied: number;
  recoveriesFromSnapshot: number;
  /** Longest replay of the journal at start-up, and longest start-up to READY (replay and threads). */
  recoveryMsMax: number;
  startMsMax: number;
  fullReplays: number;
  elapsedMs: number;
}

interface ReadyLine {
  lastSeq: number;
  stateHash: string;
  snapshotSeq: number | null;
  recoveryMs: number;
  startMs: number;
}

interface AckLine {
  seq: number;
  key: string;
  code: number;
}

/** Every child still running; killCrashChildren() ends them (afterEach, and on any failure). */
const live = new Set<ChildProcess>();

export function killCrashChildren(): void {
  for (const child of live) child.kill('SIGKILL');
}

const EXIT_TIMEOUT_MS = 15_000;

/** The child process of one run, its stdout parsed into READY, PUB and ACK lines. */
class CrashChild {
  readonly process: ChildProcess;
  ready: ReadyLine | null = null;
  readonly acks: AckLine[] = [];
  /** The highest PUB line: a bound on the sequences published (the child writes it before publishing them). */
  seqPublishedMax = -1;
  stderr = '';
  killedByUs = false;
  /** Resolves once the process has exited and its stdout is fully read. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly readyWaiters: Array<() => void> = [];

  constructor(
    readonly dataDir: string,
    run: number,
    retries: readonly PlanItem[],
    ratePerS: number,
  ) {
    const script = siblingModuleUrl(import.meta.url, './crash-child');
    const loader = script.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const args = [...loader, fileURLToPath(script), '--data', dataDir, '--run', String(run), '--rate', String(ratePerS), '--retry', encodeRetries(retries)];
    // The repository root, so that `--import tsx` resolves from its node_modules.
    const cwd = fileURLToPath(new URL(script.pathname.includes('/dist/') ? '../../' : '../', script));
    this.process = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.process);
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (chunk: string) => {
      if (this.stderr.length < 64_000) this.stderr += chunk;
    });
    const lines = createInterface({ input: this.process.stdout! });
    lines.on('line', (line) => this.onLine(line));
    const stdoutDone = new Promise<void>((resolve) => lines.on('close', resolve));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      this.process.on('exit', (code, signal) => {
        live.delete(this.process);
        for (const w of this.readyWaiters.splice(0)) w();
        resolve({ code, signal });
      });
    });
    this.closed = Promise.all([exited, stdoutDone]).then(([e]) => e);
  }

  private onLine(line: string): void {
    const [tag, a, b, c, , e, f] = line.split(' ');
    switch (tag) {
      case 'READY':
        this.ready = { lastSeq: Number(a), stateHash: b as string, snapshotSeq: c === '-' ? null : Number(c), recoveryMs: Number(e), startMs: Number(f) };
        for (const w of this.readyWaiters.splice(0)) w();
        return;
      case 'PUB':
        this.seqPublishedMax = Math.max(this.seqPublishedMax, Number(a));
        return;
      case 'ACK':
        this.acks.push({ seq: Number(a), key: b as string, code: Number(c) });
        return;
      default:
        this.stderr += `unexpected stdout line: ${line}\n`;
    }
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Resolves when READY arrived or the process ended, whichever first, or after timeoutMs. */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.ready !== null || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async kill(): Promise<void> {
    check(this.running, () => `the child exited by itself before the kill: ${this.process.exitCode ?? this.process.signalCode}\n${this.stderr}`);
    this.killedByUs = true;
    this.process.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the child did not exit within ${EXIT_TIMEOUT_MS} ms of SIGKILL`)), EXIT_TIMEOUT_MS);
    });
    try {
      const { signal } = await Promise.race([this.closed, timeout]);
      check(signal === 'SIGKILL', () => `the child ended with ${signal}, not SIGKILL\n${this.stderr}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runCrashCycles(options: CrashRunOptions): Promise<CrashSummary> {
  const startedMs = Date.now();
  const config = crashConfig();
  const rng = new Xoshiro128(options.seed);
  const checker = new JournalChecker(config);
  const log = options.log ?? (() => {});
  const summary: CrashSummary = {
    seed: options.seed,
    kills: 0,
    restarts: 0,
    killsBeforeReady: 0,
    killsWithUncommitted: 0,
    commandsUncommitted: 0,
    acks: 0,
    journalLastSeq: -1,
    stateHash: checker.stateHash(),
    retriesJournaled: 0,
    retriesAnsweredDuplicate: 0,
    retriesApplied: 0,
    recoveriesFromSnapshot: 0,
    recoveryMsMax: 0,
    startMsMax: 0,
    fullReplays: 0,
    elapsedMs: 0,
  };
  let retries: PlanItem[] = [];
  for (let run = 0; run <= options.kills; run++) {
    const last = run === options.kills;
    const child = new CrashChild(options.dataDir, run, retries, options.ratePerS);
    const early = !last && rng.nextUnit() < options.earlyKillShare;
    if (early) {
      await delay(rng.nextUnit() * options.earlyKillMsMax);
    } else {
      await child.waitReady(options.readyTimeoutMs);
      check(child.ready !== null, () => `run ${run}: no READY within ${options.readyTimeoutMs} ms\n${child.stderr}`);
      if (!last) await delay(options.runMsMin + rng.nextUnit() * (options.runMsMax - options.runMsMin));
    }
    await child.kill();
    if (run > 0) summary.restarts++;
    if (!last) summary.kills++;
    const plan = new RunPlan(run, retries);
    await verifyRun(run, child, plan, checker, summary);
    if (child.ready === null) summary.killsBeforeReady++;
    else retries = plan.unacknowledged(child.acks.length);
    if (!last && (summary.kills % options.fullReplayEvery === 0)) await fullReplay(options.dataDir, checker, summary);
    log(
      `run ${run}: ${child.ready === null ? 'killed before READY' : `READY at ${child.ready.lastSeq} (${child.ready.snapshotSeq === null ? 'no snapshot' : `snapshot ${child.ready.snapshotSeq}`}, replay ${child.ready.recoveryMs} ms, start ${child.ready.startMs} ms)`}, ` +
        `${child.acks.length} acks, published to ${child.seqPublishedMax}, journal ends at ${checker.seqVerified}; ${retries.length} to retry`,
    );
  }
  await fullReplay(options.dataDir, checker, summary);
  summary.journalLastSeq = checker.seqVerified;
  summary.stateHash = checker.stateHash();
  summary.elapsedMs = Date.now() - startedMs;
  return summary;
}

/** With the child dead: the checks listed at the top of this file, for one run. */
async function verifyRun(run: number, child: CrashChild, plan: RunPlan, checker: JournalChecker, summary: CrashSummary): Promise<void> {
  const config = checker.config;
  const seqBefore = checker.seqVerified;
  const hashBefore = checker.stateHash();
  const env = openJournal({ path: child.dataDir, config, durability: 'fsync' });
  let stretch;
  try {
    const head = readHead(env).lastSeq;
    check(head >= seqBefore, () => `run ${run}: the journal ends at ${head}, before the ${seqBefore} it reached earlier`);
    // LMDB writes the head in the transaction of its groups: a kill never leaves a torn tail
    // (a group past the head) for the writer to set aside, nor has any run set one aside.
    const lastKey = env.store.lastGroupKey() ?? -1;
    check(lastKey <= head, () => `run ${run}: group ${lastKey} lies past the meta head ${head}: a torn tail on LMDB`);
    check(env.store.listSetAsideGroups(1).length === 0, () => `run ${run}: a torn tail was set aside on LMDB`);
    stretch = checker.advance(env);
    check(checker.seqVerified === head, () => `run ${run}: read to ${checker.seqVerified}, meta head says ${head}`);
  } finally {
    await env.close();
  }
  checker.checkBalances();
  const ready = child.ready;
  if (ready === null) {
    check(child.acks.length === 0 && child.seqPublishedMax < 0, () => `run ${run}: acks or publications without READY`);
    check(stretch.length === 0, () => `run ${run}: the journal grew by ${stretch.length} commands in a run that never got READY`);
    return;
  }
  // Recovery: exactly the journal's end, and the parent's from-scratch state there.
  check(ready.lastSeq === seqBefore, () => `run ${run}: recovered to ${ready.lastSeq}, the journal ended at ${seqBefore}`);
  check(ready.stateHash === hashBefore, () => `run ${run}: recovered state hash ${ready.stateHash}, from-scratch replay ${hashBefore}`);
  summary.recoveryMsMax = Math.max(summary.recoveryMsMax, ready.recoveryMs);
  summary.startMsMax = Math.max(summary.startMsMax, ready.startMs);
  if (ready.snapshotSeq !== null) summary.recoveriesFromSnapshot++;
  // Acks: in sequence order from READY + 1, each for the command the plan puts there.
  child.acks.forEach((ack, index) => {
    check(ack.seq === ready.lastSeq + 1 + index, () => `run ${run}: ack ${index} is for sequence ${ack.seq}, expected ${ready.lastSeq + 1 + index}`);
    check(ack.key === plan.at(index).key, () => `run ${run}: ack for ${ack.seq} names ${ack.key}, the plan has ${plan.at(index).key}`);
  });
  const lastAck = child.acks.at(-1);
  const journalEnd = checker.seqVerified;
  check(lastAck === undefined || lastAck.seq <= journalEnd, () => `run ${run}: sequence ${lastAck?.seq} was acknowledged but the journal ends at ${journalEnd}: acknowledged commands lost`);
  check(journalEnd <= Math.max(seqBefore, child.seqPublishedMax), () => `run ${run}: the journal ends at ${journalEnd}, past the last sequence published ${child.seqPublishedMax}`);
  check(stretch.length <= child.acks.length + CRASH_INFLIGHT_MAX, () => `run ${run}: ${stretch.length} commands journaled with ${child.acks.length} acks: more than ${CRASH_INFLIGHT_MAX} in flight`);
  // The stretch journaled by this run is the start of its plan, and acks report its outcomes.
  stretch.forEach((c, index) => {
    const item = plan.at(index);
    const journaled = decodeCommand(new DataView(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength), 0);
    check(sameCommand(journaled, item), () => `run ${run}: sequence ${c.seq} holds ${JSON.stringify(journaled)}, the plan has ${item.key}`);
    const ack = child.acks[index];
    if (ack !== undefined) check(ack.code === c.code, () => `run ${run}: sequence ${c.seq} (${item.key}) was acknowledged with ${ack.code}, replay gives ${c.code}`);
    if (index >= plan.retryFrom && index < plan.newFrom) {
      summary.retriesJournaled++;
      if (c.code === ResultCode.OK) summary.retriesApplied++;
      else if (c.code === ResultCode.TRANSFER_ALREADY_APPLIED || c.code === ResultCode.DUPLICATE_CLIENT_ORDER_ID) summary.retriesAnsweredDuplicate++;
    }
  });
  summary.acks += child.acks.length;
  if (child.seqPublishedMax > journalEnd) {
    summary.killsWithUncommitted++;
    summary.commandsUncommitted += child.seqPublishedMax - journalEnd;
  }
}

/** The whole journal from genesis, ignoring snapshots but checking each on the way. */
async function fullReplay(dataDir: string, checker: JournalChecker, summary: CrashSummary): Promise<void> {
  const config = checker.config;
  const env = openJournal({ path: dataDir, config, durability: 'fsync' });
  try {
    const scratch = replayJournal({ env, config, fromScratch: true });
    check(scratch.lastSeq === checker.seqVerified, () => `from-scratch replay ends at ${scratch.lastSeq}, the checker at ${checker.seqVerified}`);
    check(scratch.stateHash === checker.stateHash(), () => `from-scratch replay hash ${scratch.stateHash}, the checker ${checker.stateHash()}`);
    summary.fullReplays++;
  } finally {
    await env.close();
  }
}
