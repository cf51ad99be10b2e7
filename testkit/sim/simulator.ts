// A deterministic simulation of the whole pipeline on one thread (design §1), in the spirit of
// TigerBeetle's simulator: the same journal writer, store, recovery and core as production, run
// step by step under a seeded scheduler that interleaves the stages and injects faults, with the
// pipeline's promises checked after every step. A seed names one run; a failure replays from it.
//
//   client ──submit──▶ queue ──gateway intake (sim-gateway.ts: wire frame, validation, risk,
//     ▲                          translation; or refused)──sequence──▶ ring ──group commit──▶ memory store
//     │                                            │                      (faults: fail, tear, sync)
//     │                                            └──apply ≤ seqJournaled──▶ core ──▶ output
//     └────────ack (first event of each command) ◀── read model, market data ◀── deliver ──┘
//
// A crash drops everything but the store and the client (which lives outside the process): the
// ring, the writer, the engine, the gateway's read model and the undelivered output are gone, and
// recovery rebuilds them from the store through replayJournal and JournalWriter.open (which sets a
// torn tail aside), as the journal host and the server do.

import fc from 'fast-check';
import { assert, fail } from '../../engine/assert.js';
import { command, encodeCommand } from '../../engine/command-codec.js';
import { CMD_SEQ, CMD_TYPE, COMMAND_SIZE, CommandType } from '../../engine/command-layout.js';
import { captureState, stateHash } from '../../engine/engine-state.js';
import { differingStateParts } from '../../engine/state-parts.js';
import { BinaryEventWriter, decodeEvents, MemoryEventOutput } from '../../engine/event-codec.js';
import { EVENT_SIZE, EV_SEQ, EV_TYPE, EventType } from '../../engine/event-layout.js';
import { readI64, writeI64 } from '../../engine/int64.js';
import { checkInvariants } from '../../engine/invariants.js';
import type { MatchingEngine } from '../../engine/matching-engine.js';
import type { EngineConfig } from '../../engine/symbol-config.js';
import { configFingerprint } from '../../journal/config-fingerprint.js';
import { bytesEqual } from '../../journal/group-codec.js';
import { openJournalEnvOn, type JournalEnv } from '../../journal/journal-env.js';
import { JournalWriter } from '../../journal/journal-writer.js';
import { GROUP_COMMANDS_MAX, GROUP_HEADER_BYTES } from '../../journal/record-layout.js';
import { MemoryJournalStore, MemoryStoreFaults, StoreFaultError } from '../../journal/memory-journal-store.js';
import { ReadModel } from '../../replay/read-model.js';
import { replayJournal, saveSnapshot } from '../../replay/recovery.js';
import { decodeReadModel, encodeReadModel } from '../../replay/read-model-codec.js';
import { CommandScript, engineView, stepArb, type Step } from '../random-commands.js';
import { Prng } from './prng.js';
import type { SimCounters } from './sim-counters.js';
import { engineDigest, readModelDigest, SIM_READ_MODEL_LIMITS, SimGateway, simWireConfig } from './sim-gateway.js';
import { Ledger } from './sim-ledger.js';
import { SIM_OPTIONS_DEFAULT, SimFailure, simConfig, type SimOptions } from './sim-options.js';

/** Bounds on the simulated queues (the ring's slots, the client's outstanding work, the output). */
const RING_SLOTS_MAX = 64;
const CLIENT_QUEUE_MAX = 64;
const OUTPUT_QUEUE_MAX = 64;
const BATCH_MAX = 24;
/**
 * A few seeds let the timer producer publish bursts of ticks, more than a journal group holds, so
 * that a commit spans several groups and a torn append can keep some of them: their ring and
 * batches are large enough for two groups.
 */
const BURST_SEED_SHARE = 1 / 16;
const BURST_RING_SLOTS = 2 * GROUP_COMMANDS_MAX;
const BURST_BATCH_MAX = 1024;
const MULTI_GROUP_TEAR_RATE = 0.5;
/** Random steps drawn from fast-check at a time (from a seed the simulator's own PRNG draws). */
const STEP_CHUNK = 32;
/** Bound on the steps the final drain may take: every one moves at least one command. */
const DRAIN_STEPS_MAX = 100_000;

/** Scheduler actions and their weights; a seed scales the fault weights to vary the mix. */
const enum Action {
  SUBMIT,
  SEQUENCE,
  COMMIT,
  APPLY,
  ACK,
  SNAPSHOT,
  SYNC,
  CRASH,
  TIMER_BURST,
  HOSTILE_FRAME,
}

/** Per-seed fault probabilities, drawn from the seed so that some seeds are calm and some stormy. */
interface FaultRates {
  readonly appendFail: number;
  readonly appendTear: number;
  readonly crashAfterAppend: number;
  readonly crashMidApply: number;
  readonly crashMidAck: number;
  readonly syncFail: number;
  readonly crashWeight: number;
}

/** What the process holds in memory: all of it is lost in a crash. */
interface SimProcess {
  readonly env: JournalEnv;
  readonly writer: JournalWriter;
  readonly engine: MatchingEngine;
  readonly out: MemoryEventOutput;
  readonly ledger: Ledger;
  /** The gateway's read model and market data, fed from the delivered events. */
  readonly gateway: SimGateway;
  /** The last command whose events were delivered. */
  seqDelivered: number;
  /** Sequenced commands not yet applied, by sequence (the ring's occupied slots). */
  readonly ring: Map<number, Uint8Array>;
  /** Events of applied commands not yet delivered, oldest first. */
  readonly output: Array<{ seq: number; events: Uint8Array }>;
  /** Sequences the timer producer published, not yet delivered. */
  readonly timerSeqs: Set<number>;
  seqPublished: number;
  /** Staged in the writer, committed or not: the end of what the journal step has taken. */
  seqStaged: number;
  seqJournaled: number;
}

/** One seed's run. The store and the client outlive crashes; the process does not. */
class Simulation {
  private readonly prng: Prng;
  private readonly config: EngineConfig = simConfig();
  private readonly wire = simWireConfig(this.config);
  /** This seed's share of client orders that come through the gateway as wire frames. */
  private readonly gatewayShare: number;
  private readonly fingerprint: string;
  private readonly faults = new MemoryStoreFaults();
  private readonly store = new MemoryJournalStore({ durability: 'fsync', faults: this.faults });
  private readonly rates: FaultRates;
  /** This seed's ring size: small rings make the gateway meet back-pressure. */
  private readonly ringSlots: number;
  /** Whether the timer bursts in this seed (BURST_SEED_SHARE), and the bounds that follow from it. */
  private readonly burst: boolean;
  private readonly batchMax: number;
  private readonly outputMax: number;
  // The client, outside the process.
  private readonly script = new CommandScript(0);
  private readonly steps: Step[] = [];
  private readonly clientQueue: Uint8Array[] = [];
  /** Commands the gateway sequenced whose outcome the client has not heard, by sequence. */
  private readonly inDoubt = new Map<number, Uint8Array>();
  /** Every acknowledged command, by sequence: each must be in the journal, once. */
  private readonly acked = new Map<number, Uint8Array>();
  private proc: SimProcess;
  /** What the gateway showed when the process died, for the next recovery to compare. */
  private lostReadModel: { readonly seqDelivered: number; readonly digest: string } | null = null;
  step = 0;

  constructor(
    readonly seed: number,
    private readonly options: SimOptions,
    private readonly counters: SimCounters,
  ) {
    this.prng = new Prng(seed);
    this.fingerprint = configFingerprint(this.config);
    this.burst = this.prng.chance(BURST_SEED_SHARE);
    this.ringSlots = this.burst ? BURST_RING_SLOTS : this.prng.between(2, RING_SLOTS_MAX);
    this.batchMax = this.burst ? BURST_BATCH_MAX : BATCH_MAX;
    this.outputMax = this.burst ? BURST_RING_SLOTS : OUTPUT_QUEUE_MAX;
    this.gatewayShare = this.prng.chance(0.2) ? 1 : this.prng.between(5, 9) / 10;
    const storm = this.prng.chance(0.25) ? 4 : 1;
    this.rates = {
      appendFail: 0.04 * storm,
      appendTear: 0.01 * storm,
      crashAfterAppend: 0.01 * storm,
      crashMidApply: 0.005 * storm,
      crashMidAck: 0.005 * storm,
      syncFail: 0.3,
      crashWeight: 0.3 * storm,
    };
    for (const c of this.script.openingCommands()) this.clientQueue.push(copyCommand(c.view));
    this.proc = this.recover(false);
  }

  async run(): Promise<void> {
    // Indexed by Action, in its order: the stages move work about equally often, the rest is rare.
    const weights = [30, 24, 14, 14, 14, 0.5, 0.5, this.rates.crashWeight, this.burst ? 1 : 0, 1];
    assert(weights.length === Action.HOSTILE_FRAME + 1, 'one weight per action');
    for (this.step = 1; this.step <= this.options.steps; this.step++) {
      this.counters.steps++;
      const action = this.prng.weighted(weights) as Action;
      await this.perform(action);
      this.checkPipelineOrder();
      if (this.step % this.options.replayCheckEvery === 0) this.checkReplayHash();
    }
    this.drain();
    this.checkReplayHash();
    // The last word: a recovery from the store reaches the live state exactly.
    const liveHash = stateHash(this.proc.engine);
    this.crash();
    assert(stateHash(this.proc.engine) === liveHash, `recovered state hash ${stateHash(this.proc.engine)} differs from the live ${liveHash}`);
  }

  private async perform(action: Action): Promise<void> {
    switch (action) {
      case Action.SUBMIT:
        return this.submit();
      case Action.SEQUENCE:
        return this.sequence();
      case Action.COMMIT:
        return this.commit(true);
      case Action.APPLY:
        return this.apply(true);
      case Action.ACK:
        return this.ack(true);
      case Action.SNAPSHOT:
        return this.snapshot();
      case Action.SYNC:
        return this.sync();
      case Action.CRASH:
        this.counters.faults.crashBetweenSteps++;
        return this.crash();
      case Action.TIMER_BURST:
        return this.timerBurst();
      case Action.HOSTILE_FRAME:
        this.proc.gateway.hostileFrame(this.prng);
        this.counters.hostileFrames++;
        return;
      default: {
        const never: never = action;
        fail(`unknown action ${String(never)}`);
      }
    }
  }

  /** The client draws a random command against the state it last saw (stale targets included). */
  private submit(): void {
    if (this.clientQueue.length >= CLIENT_QUEUE_MAX) return;
    if (this.steps.length === 0) this.steps.push(...fc.sample(stepArb, { seed: this.prng.nextU32() | 0, numRuns: STEP_CHUNK }).reverse());
    const step = this.steps.pop() as Step;
    const encoded = this.script.resolve(step, engineView(this.proc.engine));
    this.clientQueue.push(copyCommand(encoded.view));
    this.counters.commandsSubmitted++;
  }

  /**
   * The gateway takes the oldest queued command: BUSY when the ring is full; else its intake
   * (most orders as wire frames, the rest as they are), and the next sequence for what it takes.
   */
  private sequence(): void {
    const p = this.proc;
    const queued = this.clientQueue.shift();
    if (queued === undefined) return;
    if (p.ring.size >= this.ringSlots) {
      this.clientQueue.unshift(queued);
      this.counters.busy++;
      return;
    }
    let bytes = queued;
    if (this.prng.chance(this.gatewayShare)) {
      const outcome = p.gateway.intake(queued);
      if (outcome.kind === 'refused') {
        this.counters.gatewayRefused++;
        return;
      }
      if (outcome.kind === 'order') {
        this.counters.gatewayOrders++;
        this.counters.checks.gatewayTranslation++;
      } else this.counters.rawCommands++;
      bytes = outcome.bytes;
    } else this.counters.rawCommands++;
    const seq = p.seqPublished + 1;
    writeI64(new DataView(bytes.buffer, bytes.byteOffset, COMMAND_SIZE), CMD_SEQ, seq);
    p.ring.set(seq, bytes);
    this.inDoubt.set(seq, bytes.slice());
    p.seqPublished = seq;
    this.counters.commandsSequenced++;
  }

  /** The timer producer publishes more ticks than a group holds, as far as the ring has room. */
  private timerBurst(): void {
    const p = this.proc;
    const count = Math.min(GROUP_COMMANDS_MAX + this.prng.between(1, BURST_BATCH_MAX), this.ringSlots - p.ring.size);
    for (let index = 0; index < count; index++) {
      const view = new DataView(new ArrayBuffer(COMMAND_SIZE));
      const seq = p.seqPublished + 1;
      encodeCommand(command({ type: CommandType.TIMER_TICK, seq, timestampUs: p.engine.nowUs }), view, 0);
      p.ring.set(seq, new Uint8Array(view.buffer));
      p.timerSeqs.add(seq);
      p.seqPublished = seq;
    }
    this.counters.timerTicks += count;
  }

  /**
   * The journal worker: stages what is published (adding to what a failed commit left staged) and
   * commits it as one transaction. A failed append stores nothing, leaves the batch staged and
   * seqJournaled where it was, and is retried; a torn append or a failed sync kills the process.
   */
  private commit(faulty: boolean): void {
    const p = this.proc;
    const available = p.seqPublished - p.seqStaged;
    const retrying = p.seqStaged > p.seqJournaled;
    if (available === 0 && !retrying) return;
    const takeMax = Math.min(available, p.writer.stageRoomCommands());
    // A burst seed's journal sometimes takes all it can, as a worker behind a busy ring does.
    const takeAll = this.burst && takeMax > this.batchMax && this.prng.chance(0.5);
    const count = takeMax === 0 ? 0 : takeAll ? takeMax : this.prng.between(retrying ? 0 : 1, Math.min(this.batchMax, takeMax));
    if (count > 0) {
      const batch = new Uint8Array(count * COMMAND_SIZE);
      for (let index = 0; index < count; index++) batch.set(p.ring.get(p.seqStaged + 1 + index) as Uint8Array, index * COMMAND_SIZE);
      p.writer.stage(batch, p.seqStaged + 1, count);
      p.seqStaged += count;
    }
    if (faulty && this.prng.chance(this.rates.appendFail)) {
      this.faults.failNextAppend('EIO');
      this.expectStoreFault(() => p.writer.commit());
      this.counters.faults.appendFailed++;
      assert((this.store.metaHead()?.lastSeq ?? -1) === p.seqJournaled, 'a failed append moved the head');
      assert(p.writer.seqCommitted() === p.seqJournaled, 'a failed append moved the writer');
      return;
    }
    // Commits of several groups are rare (burst seeds only) and the only ones a tear can cut in
    // the middle, so they are torn more often.
    const groupCount = Math.ceil((p.seqStaged - p.seqJournaled) / GROUP_COMMANDS_MAX);
    if (faulty && this.prng.chance(groupCount > 1 ? MULTI_GROUP_TEAR_RATE : this.rates.appendTear)) {
      // A prefix of the transaction's groups reaches the store, never all of them; a commit of
      // several groups keeps at least one, as nothing kept is the single-group case.
      // Half the tears also cut the next group short, as a write stopped mid-page would.
      const partialBytes = this.prng.chance(0.5) ? this.prng.between(1, GROUP_HEADER_BYTES + COMMAND_SIZE - 1) : 0;
      this.faults.tearNextAppend('EIO', groupCount > 1 ? this.prng.between(1, groupCount - 1) : 0, partialBytes);
      this.expectStoreFault(() => p.writer.commit());
      this.counters.faults.appendTorn++;
      if (partialBytes > 0) this.counters.faults.appendTornPartial++;
      return this.crash();
    }
    const seqCommitted = p.writer.commit();
    assert(seqCommitted === p.seqStaged, `the writer committed to ${seqCommitted}, ${p.seqStaged} was staged`);
    assert(this.store.metaHead()?.lastSeq === seqCommitted, 'the head does not name the commit');
    this.counters.commits++;
    this.counters.commandsJournaled += seqCommitted - p.seqJournaled;
    if (faulty && this.prng.chance(this.rates.crashAfterAppend)) {
      this.counters.faults.crashAfterAppend++;
      return this.crash();
    }
    p.seqJournaled = seqCommitted;
  }

  /** The core applies journaled commands only, in order; a crash may cut the batch. */
  private apply(faulty: boolean): void {
    const p = this.proc;
    const available = p.seqJournaled - p.engine.lastSeq;
    const room = this.outputMax - p.output.length;
    if (available === 0 || room === 0) return;
    const count = this.prng.between(1, Math.min(this.batchMax, available, room));
    const crashAt = faulty && this.prng.chance(this.rates.crashMidApply) ? this.prng.below(count) : -1;
    for (let index = 0; index < count; index++) {
      if (index === crashAt) {
        this.counters.faults.crashMidApply++;
        return this.crash();
      }
      const seq = p.engine.lastSeq + 1;
      const bytes = p.ring.get(seq);
      assert(bytes !== undefined, `sequence ${seq} is journaled but not in the ring`);
      p.out.clear();
      p.engine.apply(new DataView(bytes.buffer, bytes.byteOffset, COMMAND_SIZE), 0);
      assert(p.engine.lastSeq === seq, `the core applied ${seq} and stands at ${p.engine.lastSeq}`);
      const events = p.out.bytes().slice();
      p.ring.delete(seq);
      p.output.push({ seq, events });
      p.ledger.fold(events);
      checkInvariants(p.engine);
      this.counters.checks.invariants++;
      p.ledger.checkMoney(p.engine);
      this.counters.checks.money++;
      this.counters.commandsApplied++;
    }
  }

  /** The gateway turns each command's events into the client's acknowledgement. */
  private ack(faulty: boolean): void {
    const p = this.proc;
    if (p.output.length === 0) return;
    const count = this.prng.between(1, Math.min(this.batchMax, p.output.length));
    const crashAt = faulty && this.prng.chance(this.rates.crashMidAck) ? this.prng.below(count) : -1;
    const delivered = p.output.splice(0, crashAt === -1 ? count : crashAt);
    for (const { seq, events } of delivered) {
      checkOutcome(seq, events);
      // The read model first (event-dispatch.ts), so that the answer below is already reflected.
      p.gateway.deliver(decodeEvents(events));
      p.seqDelivered = seq;
      // The timer's ticks have no client to hear of them.
      if (p.timerSeqs.delete(seq)) continue;
      const bytes = this.inDoubt.get(seq);
      assert(bytes !== undefined, `an acknowledgement for sequence ${seq}, which the client is not waiting for`);
      assert(!this.acked.has(seq), `sequence ${seq} acknowledged twice`);
      const head = this.store.metaHead()?.lastSeq ?? -1;
      assert(seq <= head, `sequence ${seq} acknowledged while the journal's committed head is ${head}`);
      this.counters.checks.ackDurable++;
      this.inDoubt.delete(seq);
      this.acked.set(seq, bytes);
      this.counters.acks++;
    }
    if (crashAt !== -1) {
      this.counters.faults.crashMidAck++;
      return this.crash();
    }
    if (p.output.length === 0) this.checkReadModel();
  }

  /** With every applied command delivered, the read model agrees with the core. */
  private checkReadModel(): void {
    const p = this.proc;
    assert(p.seqDelivered === p.engine.lastSeq, `read model check with ${p.seqDelivered} delivered and ${p.engine.lastSeq} applied`);
    const model = readModelDigest(p.gateway.readModel, this.config);
    const core = engineDigest(p.engine);
    assert(model === core, `the read model at ${p.seqDelivered} differs from the core:\n${model}\n--- core ---\n${core}`);
    this.counters.checks.readModelEngine++;
  }

  private snapshot(): void {
    const p = this.proc;
    if (p.engine.lastSeq < 0 || this.store.getSnapshot(p.engine.lastSeq) !== undefined) return;
    // As the server's snapshot follower does, the read model at the same sequence goes beside the
    // state: here the gateway's own, when it has taken every applied command's events; a snapshot
    // without one stands for a store written before read models were kept.
    const withModel = p.seqDelivered === p.engine.lastSeq;
    saveSnapshot(p.env, p.engine, 2, withModel ? encodeReadModel(p.gateway.readModel.exportState()) : undefined);
    this.counters.snapshots++;
    if (withModel) this.counters.snapshotsWithReadModel++;
  }

  /** A failed sync means the process cannot know what reached the disk: it dies and recovers. */
  private async sync(): Promise<void> {
    const failing = this.prng.chance(this.rates.syncFail);
    if (failing) this.faults.failNextSync('EIO');
    let failed = false;
    try {
      await this.store.sync();
    } catch (error) {
      if (!(error instanceof StoreFaultError)) throw error;
      failed = true;
    }
    assert(failed === failing, `sync ${failed ? 'failed' : 'succeeded'} unasked`);
    if (!failed) return;
    this.counters.faults.syncFailed++;
    this.crash();
  }

  /**
   * The process dies: all but the store and the client is gone. The client learns nothing of the
   * commands in doubt; it sends its transfers again with the same transfer ids (idempotency makes
   * that safe) and gives up on the rest.
   */
  private crash(): void {
    this.counters.crashes++;
    // What the gateway had shown for everything delivered: a rebuild must show the same.
    this.lostReadModel = { seqDelivered: this.proc.seqDelivered, digest: readModelDigest(this.proc.gateway.readModel, this.config) };
    // A fault armed for an operation the dead process never made must not fire in the next one.
    this.faults.takeAppendFault();
    this.faults.takeSyncFault();
    const transfers = [...this.inDoubt.values()].filter((bytes) => {
      const type = bytes[CMD_TYPE];
      return type === CommandType.DEPOSIT || type === CommandType.WITHDRAW;
    });
    this.inDoubt.clear();
    for (const bytes of transfers.reverse()) {
      if (this.clientQueue.length >= CLIENT_QUEUE_MAX) break;
      this.clientQueue.unshift(bytes);
      this.counters.transfersResubmitted++;
    }
    this.proc = this.recover(true);
  }

  /**
   * Start-up as the journal host does it: replay (from the newest snapshot, or at random from
   * scratch), then open the writer where the journal ends. Then the checks a recovery owes: the
   * journal holds every acknowledged command, and a replay from scratch reaches the same state.
   */
  private recover(afterCrash: boolean): SimProcess {
    if (afterCrash) this.counters.recoveries++;
    const env = openJournalEnvOn(this.store, this.fingerprint);
    const out = new MemoryEventOutput();
    // The server's rebuild of its read model: the one the starting snapshot keeps, or else seeded
    // from its state, then every replayed event.
    const gateway = new SimGateway(this.wire);
    const onStart = (engine: MatchingEngine, saved: Uint8Array | undefined): void => {
      if (saved !== undefined) {
        gateway.readModel.restore(decodeReadModel(saved));
        assert(gateway.readModel.lastSeq === engine.lastSeq, `the snapshot at ${engine.lastSeq} keeps a read model at ${gateway.readModel.lastSeq}`);
        this.counters.readModelsRestored++;
      } else if (engine.lastSeq >= 0) gateway.readModel.seed(captureState(engine), engine.lastSeq);
    };
    const recovered = replayJournal({ env, config: this.config, sink: new BinaryEventWriter(out), read: 'inline', fromScratch: this.prng.chance(0.3), onStart });
    for (const ev of decodeEvents(out.bytes())) gateway.readModel.apply(ev);
    out.clear();
    const state = captureState(recovered.engine);
    gateway.reseedMarket(state);
    assert(readModelDigest(gateway.readModel, this.config) === engineDigest(recovered.engine, state), `the read model rebuilt at ${recovered.lastSeq} differs from the recovered core`);
    this.counters.checks.readModelRebuilt++;
    // The journal writer sets a torn tail aside: never committed, never acknowledged.
    const writer = JournalWriter.open(env);
    this.counters.tornTailsCut += writer.tornGroupsSetAside;
    assert((this.store.lastGroupKey() ?? -1) <= recovered.lastSeq, 'a group past the head outlived the writer\'s open');
    assert(writer.seqStagedEnd() === recovered.lastSeq + 1, `the writer continues at ${writer.seqStagedEnd()}, the replay ended at ${recovered.lastSeq}`);
    const ledger = this.checkFromScratch(env, recovered.stateHash);
    ledger.checkMoney(recovered.engine);
    this.counters.checks.money++;
    const seqEnd = recovered.lastSeq;
    return { env, writer, engine: recovered.engine, out, ledger, gateway, seqDelivered: seqEnd, ring: new Map(), output: [], timerSeqs: new Set(), seqPublished: seqEnd, seqStaged: seqEnd, seqJournaled: seqEnd };
  }

  /**
   * One replay of the whole journal from scratch, for what a recovery owes: it reaches `stateHash`;
   * every acknowledged command is in the journal byte for byte (the reader checks that each
   * sequence comes once, in order); a read model built from its events, at the last command the
   * crash had delivered, equals the one the crash lost; and its events rebuild the ledger, which
   * it returns.
   */
  private checkFromScratch(env: JournalEnv, stateHashExpected: string): Ledger {
    const out = new MemoryEventOutput();
    const ledger = new Ledger(this.config.assets.length);
    const model = new ReadModel(SIM_READ_MODEL_LIMITS);
    const lost = this.lostReadModel;
    this.lostReadModel = null;
    const fold = (seqNext: number): void => {
      const bytes = out.bytes();
      ledger.fold(bytes);
      if (lost !== null) {
        for (const ev of decodeEvents(bytes)) model.apply(ev);
        if (seqNext === lost.seqDelivered + 1) {
          const digest = readModelDigest(model, this.config);
          assert(digest === lost.digest, `the read model rebuilt to ${lost.seqDelivered} differs from the one the crash lost:\n${digest}\n--- lost ---\n${lost.digest}`);
          this.counters.checks.readModelAcked++;
        }
      }
      out.clear();
    };
    let found = 0;
    const onCommand = (seq: number, view: DataView, offset: number): void => {
      fold(seq);
      const acked = this.acked.get(seq);
      if (acked === undefined) return;
      assert(bytesEqual(acked, new Uint8Array(view.buffer, view.byteOffset + offset, COMMAND_SIZE)), `acknowledged command ${seq} differs in the journal`);
      found++;
    };
    const scratch = replayJournal({ env, config: this.config, sink: new BinaryEventWriter(out), read: 'inline', fromScratch: true, onCommand });
    fold(scratch.lastSeq + 1);
    assert(lost === null || lost.seqDelivered <= scratch.lastSeq, `the crash had delivered ${lost?.seqDelivered}, the journal ends at ${scratch.lastSeq}`);
    assert(found === this.acked.size, `${this.acked.size - found} acknowledged commands are missing from the journal`);
    this.counters.checks.journalHoldsAcked++;
    assert(scratch.stateHash === stateHashExpected, `a replay from scratch reaches ${scratch.stateHash}, expected ${stateHashExpected}`);
    this.counters.checks.replayHash++;
    return ledger;
  }

  /** The live state equals a fresh replay of the journal to the same sequence. */
  private checkReplayHash(): void {
    const engine = this.proc.engine;
    if (engine.lastSeq < 0) return;
    const replayed = replayJournal({ env: this.proc.env, config: this.config, toSeq: engine.lastSeq, read: 'inline', fromScratch: this.prng.chance(0.5) });
    assert(replayed.lastSeq === engine.lastSeq, `the replay stopped at ${replayed.lastSeq}, the core is at ${engine.lastSeq}`);
    if (replayed.stateHash !== stateHash(engine)) {
      const parts = differingStateParts(captureState(engine), captureState(replayed.engine));
      fail(`live state hash ${stateHash(engine)} differs from the replay's ${replayed.stateHash} at ${engine.lastSeq}, in: ${parts.join(', ')}`);
    }
    this.counters.checks.replayHash++;
  }

  private checkPipelineOrder(): void {
    const p = this.proc;
    const applied = p.engine.lastSeq;
    assert(applied <= p.seqJournaled && p.seqJournaled <= p.seqStaged && p.seqStaged <= p.seqPublished, `pipeline order: applied ${applied}, journaled ${p.seqJournaled}, staged ${p.seqStaged}, published ${p.seqPublished}`);
    assert(p.ring.size === p.seqPublished - applied && p.ring.size <= this.ringSlots, `ring holds ${p.ring.size}, published ${p.seqPublished}, applied ${applied}`);
    assert(p.output.length <= this.outputMax && this.clientQueue.length <= CLIENT_QUEUE_MAX, 'a queue outgrew its bound');
    assert((this.store.metaHead()?.lastSeq ?? -1) === p.writer.seqCommitted(), 'the store head and the writer disagree');
    this.counters.checks.pipelineOrder++;
  }

  /** Everything in flight goes through without faults, so the end state covers every command sequenced. */
  private drain(): void {
    for (let turn = 0; turn < DRAIN_STEPS_MAX; turn++) {
      const p = this.proc;
      // Downstream first, so that a full ring or output always has room made for it.
      if (p.output.length > 0) this.ack(false);
      else if (p.seqJournaled > p.engine.lastSeq) this.apply(false);
      else if (p.seqPublished > p.seqJournaled) this.commit(false);
      else if (this.clientQueue.length > 0) this.sequence();
      else return;
      this.checkPipelineOrder();
    }
    fail(`the pipeline did not drain in ${DRAIN_STEPS_MAX} steps`);
  }

  private expectStoreFault(operation: () => void): void {
    try {
      operation();
    } catch (error) {
      if (error instanceof StoreFaultError) return;
      throw error;
    }
    fail('an injected store fault did not fire');
  }
}

/**
 * A command's events hold exactly one ACCEPTED or REJECTED (expiries due at its timestamp may come
 * before it), and every event names the command's sequence.
 */
function checkOutcome(seq: number, events: Uint8Array): void {
  assert(events.byteLength >= EVENT_SIZE && events.byteLength % EVENT_SIZE === 0, `sequence ${seq}: ${events.byteLength} bytes of events`);
  const view = new DataView(events.buffer, events.byteOffset, events.byteLength);
  let outcomes = 0;
  for (let offset = 0; offset < events.byteLength; offset += EVENT_SIZE) {
    const type = view.getUint8(offset + EV_TYPE);
    if (type === EventType.ACCEPTED || type === EventType.REJECTED) outcomes++;
    assert(readI64(view, offset + EV_SEQ) === seq, `sequence ${seq}: an event names sequence ${readI64(view, offset + EV_SEQ)}`);
  }
  assert(outcomes === 1, `sequence ${seq}: ${outcomes} outcome events`);
}

function copyCommand(view: DataView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, COMMAND_SIZE).slice();
}

/** Runs one seed; a failed check becomes a SimFailure naming the seed and the step. */
export async function runSeed(seed: number, counters: SimCounters, options: SimOptions = SIM_OPTIONS_DEFAULT): Promise<void> {
  let simulation: Simulation | null = null;
  try {
    simulation = new Simulation(seed, options, counters);
    await simulation.run();
  } catch (error) {
    throw new SimFailure(seed, simulation?.step ?? 0, options.steps, error);
  }
  counters.seeds++;
}
