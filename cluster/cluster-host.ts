// A node of an ordo cluster (design §11): the journal-backed engine host with the stream beside
// its journal, and the lease deciding whether it leads. It is the gateway's engine host and its
// LeadershipView at once, so the gateway needs to know nothing of NATS.
//
//   start ─▶ connect ─▶ local journal a prefix of the stream? (else set aside) ─▶ catch up: stream ─▶ local journal
//         ─▶ recovery + pipeline (journal ─▶ stream append ─▶ core) ─▶ live follower: stream ─▶ input ring
//         ─▶ lease free? take it and lead : wait until the leader has opened (its start-up commands
//            are in the stream), catch up, and stand by
//
//   standby ──lease lapsed, taken by CAS──▶ taking over: drain the stream to its end, append a
//            leadership record expecting that end (fails, and drains again, if the old leader's
//            append got in first), stop following ──▶ leader: what the gateway publishes is
//            committed locally, appended to the stream, then applied
//   leader  ──renewal refused, or an append fenced──▶ deposed: nothing more is released; the
//            owner (bin/) exits and its supervisor starts the node again, as a standby
//
// While it does not lead, every publish is refused CLAIM_FULL (the gateway answers BUSY, or
// NOT_LEADER where it asks the view first) so that timer ticks, funding and admin commands of a
// standby never enter its journal: its input ring carries only what it follows.

import { JetStreamApiError } from '@nats-io/jetstream';
import { CMD_TIMESTAMP_US, COMMAND_SIZE } from '../engine/command-layout.js';
import { readI64 } from '../engine/int64.js';
import type { LeadershipView, NodeRole } from '../gateway/leadership.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { openJournal } from '../replay/recovery.js';
import { CLAIM_FULL, type EngineHostStart, type EngineHostStop, type RecoveryListener } from '../runtime/engine-host.js';
import { JournalHost, type JournalHostOptions } from '../runtime/journal-host.js';
import { ensureLocalPrefix } from './local-prefix.js';
import { Lease, LEASE_TTL_MS_DEFAULT } from './lease.js';
import { JS_TIMEOUT_MS, openNatsJournal, type NatsJournal } from './nats-journal.js';
import { StreamAppender } from './stream-appender.js';
import { StreamFollower } from './stream-follower.js';
import { JOURNAL_STREAM, JOURNAL_SUBJECT, recordHeaders, recordMsgId, type StreamRecordHeader } from './stream-record.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ClusterOptions {
  /** NATS servers, any of them: the connection fails over between them. */
  servers: readonly string[];
  /** This node's name, stable across restarts. */
  node: string;
  /** This node's WebSocket address as clients reach it (named in the lease). */
  address: string;
  leaseTtlMs?: number;
  /** Called once when this node is deposed (bin/ exits so that its supervisor restarts it). */
  onDeposed?: (reason: string) => void;
  /** Stream replicas; default 3. */
  replicas?: number;
}

export type ClusterState = 'starting' | 'standby' | 'taking-over' | 'leader' | 'deposed' | 'stopped';

const STANDBY_POLL_MS = 25;
const DRAIN_STALL_MS = 30_000;
const TAKEOVER_ATTEMPTS_MAX = 100;
const WRONG_LAST_SEQUENCE = 10071;
const OPEN_WAIT_LOG_MS = 5_000;

export class ClusterHost extends JournalHost implements LeadershipView {
  readonly node: string;
  private nats: NatsJournal | null = null;
  private lease: Lease | null = null;
  private follower: StreamFollower | null = null;
  private appender: StreamAppender | null = null;
  private state: ClusterState = 'starting';
  private timer: NodeJS.Timeout | null = null;
  /** Takeovers done by this node: the leadership records it appended. */
  takeovers = 0;

  constructor(
    private readonly hostOptions: JournalHostOptions,
    private readonly cluster: ClusterOptions,
  ) {
    super({ ...hostOptions, pipeline: { ...hostOptions.pipeline, replicated: true } });
    this.node = cluster.node;
  }

  get clusterState(): ClusterState {
    return this.state;
  }

  role(): NodeRole {
    return this.state === 'leader' && this.lease !== null && this.lease.held() && this.appender?.isFenced !== true ? 'leader' : 'standby';
  }

  leaderAddress(): string | undefined {
    return this.lease?.holder()?.address;
  }

  takeoverCount(): number {
    return this.takeovers;
  }

  override async start(listener?: RecoveryListener): Promise<EngineHostStart> {
    const { dataDir, config, durability } = this.hostOptions;
    const nats = await openNatsJournal({ servers: this.cluster.servers, name: this.node, ...(this.cluster.replicas === undefined ? {} : { replicas: this.cluster.replicas }) });
    this.nats = nats;
    const lease = new Lease(nats.kv, { node: this.node, address: this.cluster.address }, this.cluster.leaseTtlMs ?? LEASE_TTL_MS_DEFAULT);
    this.lease = lease;
    const prefix = await ensureLocalPrefix(nats.jsm, dataDir, config, durability);
    // Catch up into the local journal until this node either takes a free lease or finds the
    // leader open (its start-up commands in the stream), so that recovery below sees it all.
    const catchUp = new StreamFollower(nats.js, 0, prefix.startStreamSeq, () => undefined);
    let term = 0;
    const env = openJournal({ path: dataDir, config, durability });
    try {
      const writer = JournalWriter.open(env);
      catchUp.seqNext = writer.seqCommitted() + 1;
      // Staged, and committed a transaction at a time (not a flush per message); whatever is
      // staged is committed before the catch-up is judged done.
      catchUp.sink = (commands, firstSeq, count) => {
        if (writer.stageRoomCommands() < count) writer.commit();
        writer.stage(commands, firstSeq, count);
      };
      const commitStaged = (): void => {
        if (writer.seqStagedEnd() > writer.seqCommitted() + 1) writer.commit();
      };
      await catchUp.start();
      const waitingSinceMs = performance.now();
      let loggedMs = waitingSinceMs;
      // Bounded by the leader: it opens once its start-up is done; the wait is logged meanwhile.
      for (;;) {
        if (await lease.observe()) {
          term = await lease.take();
          if (term > 0) {
            this.scheduleTick(); // renewals from now on, through the recovery below
            break;
          }
        } else if (lease.holderOpen()) {
          await catchUp.drainTo((await nats.jsm.streams.info(JOURNAL_STREAM)).state.last_seq, DRAIN_STALL_MS);
          break;
        }
        if (performance.now() - loggedMs > OPEN_WAIT_LOG_MS) {
          loggedMs = performance.now();
          process.stderr.write(`ordo: node ${this.node} waits for the leader ${lease.holder()?.node ?? '(none)'} to open\n`);
        }
        await sleep(STANDBY_POLL_MS);
      }
      await catchUp.stop();
      commitStaged();
    } finally {
      await env.close();
    }
    const started = await super.start(listener);
    const pipeline = this.running();
    if (pipeline.seqBase !== catchUp.seqNext) throw new Error(`recovered to ${pipeline.seqBase}, caught up to ${catchUp.seqNext}`);
    this.appender = new StreamAppender(nats.js, pipeline.input, 1, pipeline.seqBase, (reason) => this.depose(reason));
    void this.appender.run().catch((e: unknown) => this.depose(`stream append failed: ${e instanceof Error ? e.message : String(e)}`));
    this.follower = new StreamFollower(nats.js, catchUp.seqNext, catchUp.streamSeqHandled + 1, (commands, firstSeq, count) => this.publishFollowed(commands, firstSeq, count));
    await this.follower.start();
    if (term > 0) await this.takeOver(term);
    else {
      this.state = 'standby';
      await lease.open(); // this node's start-up is done: when it takes over, it is open
      this.scheduleTick();
    }
    return started;
  }

  /** The owner's start-up is done (accounts funded): a standby that starts now may catch up and serve. */
  async markOpen(): Promise<void> {
    await this.lease?.open();
  }

  /** Followed commands into the input ring, in order; waits out a full ring (the core catches up). */
  private async publishFollowed(commands: Uint8Array, firstSeq: number, count: number): Promise<void> {
    const pipeline = this.running();
    const view = new DataView(commands.buffer, commands.byteOffset, commands.byteLength);
    // Bounded by the core: it frees the ring as it applies.
    for (;;) {
      const seq = pipeline.tryPublishRun(count, (k, ringView, offset) => {
        new Uint8Array(ringView.buffer, offset, COMMAND_SIZE).set(commands.subarray(k * COMMAND_SIZE, (k + 1) * COMMAND_SIZE));
        return readI64(view, k * COMMAND_SIZE + CMD_TIMESTAMP_US);
      });
      if (seq === firstSeq) return;
      if (seq >= 0) throw new Error(`followed commands from ${firstSeq} got sequence ${seq}`);
      if (seq !== CLAIM_FULL) throw new Error('the input ring closed under the follower');
      await sleep(1);
    }
  }

  /** The lease's heartbeat: renewals while this node holds it, observation while it stands by. */
  private scheduleTick(): void {
    if (this.state === 'deposed' || this.state === 'stopped' || this.lease === null) return;
    const delayMs = this.lease.term > 0 ? this.lease.renewEveryMs : STANDBY_POLL_MS;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => this.scheduleTick());
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const lease = this.lease as Lease;
    try {
      if (lease.term > 0) {
        if ((await lease.renew()) === 'lost') this.depose('lease lost: another node holds it');
      } else if (this.state === 'standby') {
        if (this.follower?.error) throw this.follower.error;
        if (await lease.observe()) {
          await lease.open(); // not held yet: only marks the value the take writes
          const term = await lease.take();
          if (term > 0) await this.takeOver(term);
        }
      }
    } catch (e) {
      // NATS unreachable for a moment: the next tick tries again. A failed follower is not that.
      if (this.follower?.error) this.depose(`stream follower failed: ${this.follower.error.message}`);
      else if (this.state === 'taking-over') this.depose(`takeover failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Holding the lease in `term`: drain the stream, append the leadership record, lead. */
  private async takeOver(term: number): Promise<void> {
    const nats = this.nats as NatsJournal;
    const follower = this.follower as StreamFollower;
    this.state = 'taking-over';
    let recordSeq = 0;
    for (let attempt = 0; recordSeq === 0; attempt++) {
      if (attempt >= TAKEOVER_ATTEMPTS_MAX || !(this.lease as Lease).held()) throw new Error(`no leadership record appended after ${attempt} attempts`);
      const last = (await nats.jsm.streams.info(JOURNAL_STREAM)).state.last_seq;
      await follower.drainTo(last, DRAIN_STALL_MS);
      const record: StreamRecordHeader = { kind: 'leader', term, firstSeq: follower.seqNext, count: 0 };
      try {
        const payload = new TextEncoder().encode(JSON.stringify({ node: this.node, address: this.cluster.address }));
        const ack = await nats.js.publish(JOURNAL_SUBJECT, payload, { msgID: recordMsgId(record), expect: { lastSequence: last }, headers: recordHeaders(record), timeout: JS_TIMEOUT_MS });
        recordSeq = ack.seq;
      } catch (e) {
        // The old leader's append got in after the drain: drain again.
        if (!(e instanceof JetStreamApiError && e.code === WRONG_LAST_SEQUENCE)) throw e;
      }
    }
    await follower.drainTo(recordSeq, DRAIN_STALL_MS);
    await follower.stop();
    const pipeline = this.running();
    (this.appender as StreamAppender).startLeading({ leadFromPosition: follower.seqNext - pipeline.seqBase, term, streamLastSeq: recordSeq });
    this.takeovers++;
    this.state = 'leader';
    process.stderr.write(`ordo: node ${this.node} leads (term ${term}) from command ${follower.seqNext}, stream message ${recordSeq}\n`);
  }

  private depose(reason: string): void {
    if (this.state === 'deposed' || this.state === 'stopped') return;
    this.state = 'deposed';
    this.appender?.abandon();
    if (this.timer !== null) clearTimeout(this.timer);
    process.stderr.write(`ordo: node ${this.node} deposed: ${reason}\n`);
    this.cluster.onDeposed?.(reason);
  }

  override tryPublish(timestampUs: number, write: (view: DataView, offset: number) => void): number {
    if (this.role() !== 'leader') return CLAIM_FULL;
    return super.tryPublish(timestampUs, write);
  }

  override tryPublishRun(count: number, write: (k: number, view: DataView, offset: number) => number): number {
    if (this.role() !== 'leader') return CLAIM_FULL;
    return super.tryPublishRun(count, write);
  }

  override async stop(): Promise<EngineHostStop> {
    // What a deposed node holds past the fence is never released to its core, so no drain can end.
    if (this.state === 'deposed') throw new Error(`node ${this.node} is deposed: its pipeline holds commands that were never acknowledged and cannot drain; exit instead`);
    const wasLeader = this.state === 'leader';
    this.state = 'stopped';
    if (this.timer !== null) clearTimeout(this.timer);
    await this.follower?.stop();
    const report = await super.stop();
    if (wasLeader) await this.lease?.release();
    await this.nats?.nc.close();
    return report;
  }
}

