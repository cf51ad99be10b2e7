import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { OrdoClient, ReplyError } from '../client/client.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { decodeCommand } from '../engine/command-codec.js';
import { stateHash } from '../engine/engine-state.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import { defaultServerConfig } from '../gateway/server-config.js';
import { NULL_SINK } from '../replay/recovery.js';
import { JOURNAL_STREAM, readRecordHeader } from '../cluster/stream-record.js';
import { freePorts, NatsCluster } from '../cluster/local-nats-cluster.js';
import { EXIT_DEPOSED } from '../bin/cluster-node.js';

/**
 * A whole cluster on this machine for the replication tests and the cluster soak: three NATS
 * servers (cluster/local-nats-cluster.ts) and ordo nodes run as child processes (`ordo run --cluster`), an
 * order flow that follows the leader, and the checks every scenario ends with: every
 * acknowledged command is in the stream at its sequence, no client order id is in it twice, and
 * each node's state hash equals a replay of the stream to the sequence the node stopped at.
 */
/** The repository (also when this runs compiled from dist-bench/testkit/). */
const ROOT = new URL('..', import.meta.url).pathname.replace(/dist-bench\/$/, '');
const START_TIMEOUT_MS = 60_000;
/** The lease the cluster soak measures failover with: the product's default. */
export const TEST_LEASE_MS = 600;
/**
 * The lease the test suite's cluster scenarios run with. The suite runs them beside every other
 * test on two cores, where a node's event loop can stand still for longer than 600 ms and lose a
 * lease that the scenario did not mean to move; the scenarios test what happens when it moves,
 * not how fast, which the soak measures.
 */
export const SUITE_LEASE_MS = 1_500;

export interface OrdoNode {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  readonly url: string;
  child: ChildProcess | null;
  stderr: string;
  /** The server's log (JSON lines on stdout), its last 200 KB. */
  stdout: string;
  exitCode: number | null;
  /** Its start while under way (a test's, or supervision's). */
  starting: Promise<OrdoNode> | null;
}

export class ClusterFixture {
  readonly nodes = new Map<string, OrdoNode>();
  /** Restart a node that exits deposed (75) at once, as `make cluster`'s supervisor does. */
  private supervising = false;
  /** Restarts made by supervision. */
  restarts = 0;

  private constructor(
    readonly root: string,
    readonly nats: NatsCluster,
  ) {}

  static async start(root: string, nodeNames: readonly string[] = ['a', 'b']): Promise<ClusterFixture> {
    const nats = await NatsCluster.start(join(root, 'nats'));
    const fixture = new ClusterFixture(root, nats);
    const ports = await freePorts(nodeNames.length);
    nodeNames.forEach((name, i) => {
      const port = ports[i] as number;
      fixture.nodes.set(name, { name, port, dataDir: join(root, name), url: `ws://127.0.0.1:${port}/ws`, child: null, stderr: '', stdout: '', exitCode: null, starting: null });
    });
    return fixture;
  }

  node(name: string): OrdoNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** The demo secrets the first node made, shared with every node (as make cluster does). */
  secrets(): { accounts: Array<{ account: number; apiKey: string }> } {
    for (const node of this.nodes.values()) {
      const path = join(node.dataDir, 'demo-secrets.json');
      if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as { accounts: Array<{ account: number; apiKey: string }> };
    }
    throw new Error('no node has made the demo secrets yet');
  }

  /** The demo secrets node `name` uses. */
  secretsOf(name: string): { accounts: Array<{ account: number; apiKey: string }> } {
    return JSON.parse(readFileSync(join(this.node(name).dataDir, 'demo-secrets.json'), 'utf8')) as { accounts: Array<{ account: number; apiKey: string }> };
  }

  /**
   * Starts `ordo run --cluster` for node `name` (or a plain single node: `mode` 'single', for
   * benchmarks beside it); resolves once it serves (a standby: once caught up).
   */
  startNode(name: string, leaseMs = SUITE_LEASE_MS, mode: 'cluster' | 'single' = 'cluster'): Promise<OrdoNode> {
    const node = this.node(name);
    if (node.child !== null) throw new Error(`node ${name} runs`);
    mkdirSync(node.dataDir, { recursive: true });
    const shared = [...this.nodes.values()].map((n) => join(n.dataDir, 'demo-secrets.json')).find((p) => existsSync(p));
    const own = join(node.dataDir, 'demo-secrets.json');
    if (shared !== undefined && shared !== own && !existsSync(own)) copyFileSync(shared, own);
    const clusterArgs = mode === 'single' ? [] : ['--cluster', this.nats.servers.join(','), '--node', name, '--lease-ms', String(leaseMs)];
    // Log level info: the server logs its stop (last sequence and state hash) at info.
    const args = ['--import', 'tsx', 'bin/ordo.ts', 'run', '--port', String(node.port), '--data', node.dataDir, '--log-level', 'info', ...clusterArgs];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => {
      node.stdout = (node.stdout + chunk.toString('utf8')).slice(-200_000);
    });
    node.child = child;
    node.exitCode = null;
    child.stderr?.on('data', (chunk: Buffer) => {
      node.stderr += chunk.toString('utf8');
    });
    child.once('exit', (code, signal) => {
      node.exitCode = code ?? (signal === null ? -1 : 128);
      if (node.child === child) node.child = null;
      if (this.supervising && code === EXIT_DEPOSED && node.child === null) {
        this.restarts++;
        // A restart that fails leaves the node down, which the test's own waits then report.
        this.startNode(name, leaseMs, mode).catch(() => undefined);
      }
    });
    const from = node.stderr.length;
    const starting = new Promise<OrdoNode>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${name} did not start: ${node.stderr.slice(from)}`)), START_TIMEOUT_MS);
      const onData = (): void => {
        if (!node.stderr.slice(from).includes('ordo: serving ')) return;
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve(node);
      };
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node ${name} exited ${code}: ${node.stderr.slice(from)}`));
      });
    });
    node.starting = starting;
    const settled = (): void => {
      if (node.starting === starting) node.starting = null;
    };
    starting.then(settled, settled);
    return starting;
  }

  /** Each node's state and the ends of its output: what a failed wait reports. */
  describe(): string {
    return [...this.nodes.values()]
      .map((n) => `node ${n.name}: ${n.child === null ? `exited ${n.exitCode}` : 'running'}\n  stderr …${n.stderr.slice(-1_500)}\n  log …${n.stdout.slice(-2_500)}`)
      .join('\n');
  }

  /** Which node leads now, by the nodes' own words (their last "leads" line), among those running. */
  leaderByLog(): string | null {
    let best: { name: string; term: number } | null = null;
    for (const node of this.nodes.values()) {
      if (node.child === null) continue;
      for (const m of node.stderr.matchAll(/node (\S+) leads \(term (\d+)\)/g)) {
        const term = Number(m[2]);
        if (best === null || term > best.term) best = { name: node.name, term };
      }
    }
    return best?.name ?? null;
  }

  /**
   * Node `name` serving: waits for a start under way, or starts it if it is down; a start that
   * fails (deposed while starting, and restarted by supervision) is waited for again, a few times.
   */
  async running(name: string): Promise<OrdoNode> {
    const node = this.node(name);
    const attempts = 5;
    for (let attempt = 1; ; attempt++) {
      try {
        if (node.starting !== null) return await node.starting;
        if (node.child !== null) return node;
        return await this.startNode(name);
      } catch (error) {
        if (attempt === attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /**
   * From now on, a node that exits deposed is started again at once (it rejoins as a standby),
   * as a supervisor would; without it, both nodes deposed in one NATS failure would leave the
   * cluster without a leader until the test restarted them.
   */
  supervise(): void {
    this.supervising = true;
  }

  /** Sends `signal` and, for SIGKILL and SIGTERM, waits for the exit. */
  async signal(name: string, signal: NodeJS.Signals): Promise<void> {
    const node = this.node(name);
    const child = node.child;
    if (child === null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited;
  }

  /** Waits until node `name` has exited by itself; its exit code. */
  async exited(name: string, timeoutMs = 20_000): Promise<number> {
    const node = this.node(name);
    const deadline = Date.now() + timeoutMs;
    while (node.child !== null) {
      if (Date.now() > deadline) throw new Error(`node ${name} did not exit: ${node.stderr.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return node.exitCode ?? -1;
  }

  /** SIGTERM: a clean stop; the sequence and state hash the node printed. */
  async stopNode(name: string): Promise<{ lastSeq: number; stateHash: string }> {
    const node = this.node(name);
    const from = node.stdout.length;
    await this.signal(name, 'SIGTERM');
    for (const line of node.stdout.slice(from).split('\n')) {
      if (!line.includes('"msg":"stopped"')) continue;
      const stopped = JSON.parse(line) as { lastSeq?: unknown; stateHash?: unknown };
      if (typeof stopped.lastSeq === 'number' && typeof stopped.stateHash === 'string') return { lastSeq: stopped.lastSeq, stateHash: stopped.stateHash };
    }
    throw new Error(`node ${name} logged no stop with a state hash: ${node.stderr.slice(-1000)} ${node.stdout.slice(-1000)}`);
  }

  async stop(): Promise<void> {
    this.supervising = false;
    for (const node of this.nodes.values()) {
      if (node.child !== null) await this.signal(node.name, 'SIGKILL');
    }
    await this.nats.stop();
  }
}

/** Every command in the stream, in order, each as its own bytes; and the leadership records. */
export async function readJournalStream(servers: readonly string[]): Promise<{ commands: Uint8Array[]; leaders: number }> {
  const nc = await connect({ servers: [...servers] });
  try {
    const jsm = await jetstreamManager(nc);
    const last = (await jsm.streams.info(JOURNAL_STREAM)).state.last_seq;
    const commands: Uint8Array[] = [];
    let leaders = 0;
    if (last === 0) return { commands, leaders };
    const consumer = await jetstream(nc).consumers.get(JOURNAL_STREAM, { opt_start_seq: 1 });
    const messages = await consumer.consume();
    for await (const m of messages) {
      const r = readRecordHeader(m.headers, m.data.byteLength, m.seq);
      if (r.kind === 'leader') leaders++;
      else {
        if (r.firstSeq !== commands.length) throw new Error(`stream message ${m.seq} starts at ${r.firstSeq}, expected ${commands.length}`);
        for (let k = 0; k < r.count; k++) commands.push(m.data.slice(k * COMMAND_SIZE, (k + 1) * COMMAND_SIZE));
      }
      if (m.seq >= last) break;
    }
    await messages.stop();
    return { commands, leaders };
  } finally {
    await nc.close();
  }
}

/** The state hash of the demo configuration's engine after the commands [0, toSeq]. */
export function replayHash(commands: readonly Uint8Array[], toSeq: number): string {
  const engine = new MatchingEngine(defaultServerConfig().engine, NULL_SINK);
  for (let seq = 0; seq <= toSeq; seq++) {
    const bytes = commands[seq];
    if (bytes === undefined) throw new Error(`the stream has no command ${seq}`);
    engine.apply(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
  }
  return stateHash(engine);
}

/** Client order ids that occur more than once among the commands. */
export function repeatedClOrdIds(commands: readonly Uint8Array[]): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const bytes of commands) {
    const c = decodeCommand(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
    if (c.clOrdId === '') continue;
    if (seen.has(c.clOrdId)) repeated.push(c.clOrdId);
    seen.add(c.clOrdId);
  }
  return repeated;
}

export interface AckedOrder {
  readonly clOrdId: string;
  readonly seq: number;
  readonly node: string;
  readonly atMs: number;
}

/**
 * Orders that follow the leader: sent to one node at a time, in small bursts; a refusal (BUSY,
 * NOT_LEADER), a timeout or a closed connection moves the flow to the next node. Every order has
 * its own client order id and is never retried, so an order the cluster applied twice would show
 * as a repeated id in the stream.
 */
export class LeaderFollowingFlow {
  readonly acked: AckedOrder[] = [];
  refused = 0;
  /** Refusals no failover explains (a test fails on any). */
  readonly failures: string[] = [];
  private stopped = false;
  private counter = 0;
  private running: Promise<void> | null = null;
  private readonly clients = new Map<string, OrdoClient>();

  constructor(
    private readonly fixture: ClusterFixture,
    private readonly account: { account: number; apiKey: string },
    private readonly burst = 10,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    for (const client of this.clients.values()) client.close();
  }

  /** Resolves once `count` more orders are acknowledged (by any node). */
  async untilAcked(count: number, timeoutMs = 45_000): Promise<void> {
    const target = this.acked.length + count;
    const deadline = Date.now() + timeoutMs;
    while (this.acked.length < target) {
      if (this.failures.length > 0) throw new Error(`flow: ${this.failures.join('; ')}`);
      if (Date.now() > deadline) throw new Error(`flow: ${this.acked.length} acks, waiting for ${target}; ${this.refused} refused\n${this.fixture.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async clientOf(node: OrdoNode): Promise<OrdoClient | null> {
    const existing = this.clients.get(node.name);
    if (existing !== undefined) return existing;
    try {
      const client = await OrdoClient.connect(node.url, { requestTimeoutMs: 3_000 });
      await client.login(this.account.account, this.account.apiKey);
      client.closed.on(() => this.clients.delete(node.name));
      this.clients.set(node.name, client);
      return client;
    } catch {
      return null;
    }
  }

  private async loop(): Promise<void> {
    const names = [...this.fixture.nodes.keys()];
    let at = 0;
    // Bounded by stop().
    while (!this.stopped) {
      const node = this.fixture.node(names[at % names.length] as string);
      const client = node.child === null ? null : await this.clientOf(node);
      if (client === null) {
        at++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const results = await Promise.all(
        Array.from({ length: this.burst }, () => {
          const clOrdId = `o${++this.counter}`;
          const buy = this.counter % 2 === 0;
          return client.place({ symbol: 'BTC-USD', side: buy ? 'buy' : 'sell', orderType: 'limit', price: buy ? '46000.00' : '54000.00', qty: '0.001', tif: this.counter % 10 === 0 ? 'gtc' : 'ioc', clOrdId }).then(
            (ack) => {
              this.acked.push({ clOrdId, seq: ack.seq, node: node.name, atMs: performance.now() });
              return true;
            },
            (e: unknown) => {
              if (!(e instanceof ReplyError) || e.codeName === 'BUSY' || e.codeName === 'NOT_LEADER') this.refused++;
              else this.failures.push(`order ${clOrdId} refused ${e.codeName}: ${e.message}`);
              return false;
            },
          );
        }),
      );
      if (!results.every(Boolean)) {
        at++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
}

/**
 * The checks every scenario ends with; returns what failed (empty when all hold). `stopped` are
 * the nodes' printed stops.
 */
export async function clusterProblems(fixture: ClusterFixture, acked: readonly AckedOrder[], stopped: ReadonlyArray<{ name: string; lastSeq: number; stateHash: string }>): Promise<string[]> {
  const { commands } = await readJournalStream(fixture.nats.servers);
  const problems: string[] = [];
  for (const ack of acked) {
    const bytes = commands[ack.seq];
    const c = bytes === undefined ? null : decodeCommand(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
    if (c === null || c.clOrdId !== ack.clOrdId) problems.push(`acknowledged ${ack.clOrdId} at ${ack.seq} (by ${ack.node}) is not in the stream there (${c?.clOrdId ?? 'nothing'})`);
  }
  for (const id of repeatedClOrdIds(commands)) problems.push(`client order id ${id} is in the stream twice`);
  for (const s of stopped) {
    if (s.lastSeq >= commands.length) problems.push(`node ${s.name} stopped at ${s.lastSeq}, beyond the stream's ${commands.length - 1}`);
    else if (replayHash(commands, s.lastSeq) !== s.stateHash) problems.push(`node ${s.name}: state hash ${s.stateHash} at ${s.lastSeq} differs from the stream's replay`);
  }
  return problems;
}
