// The whole pipeline without the journal, set up for benchmarks:
//
//   producer worker ──input ring──▶ core worker ──output ring──▶ main thread (EventTally)
//        │                                                               ▲
//        └──── intended send time by position (SharedArrayBuffer) ───────┘
//
// Three threads on a 2-core machine. The compiled standard order flow sits in a
// SharedArrayBuffer the producer reads; every lap (one timed run) replays its first `count`
// commands on a symbol of its own, so each run starts on an empty book while the core worker,
// the producer and the main thread stay warm for the whole benchmark (a fresh worker per run
// would measure JIT warm-up too).
//
// Time: process.hrtime.bigint() everywhere, as ns since one epoch taken by the main thread. It
// is CLOCK_MONOTONIC, one clock for every thread of the process; every latency sample checks it
// (completion on the main thread is never before the producer's intended time, which precedes
// the send), so a clock that differed between threads would stop the benchmark.
import { hrtime } from 'node:process';
import type { Worker } from 'node:worker_threads';
import { assert } from '../engine/assert.js';
import { CMD_ORDER_TYPE, CMD_TARGET_ID, CMD_TYPE, COMMAND_SIZE, CommandType, OrderType } from '../engine/command-layout.js';
import { EV_SEQ, EV_SYMBOL_ID, EV_TYPE, EventType } from '../engine/event-layout.js';
import { readI64 } from '../engine/int64.js';
import { compileOrderFlow, runOrderFlowPass, type CompiledOrderFlow } from '../engine/order-flow-runner.js';
import { CLAIM_CLOSED, CLAIM_FULL, Pipeline } from '../runtime/pipeline.js';
import type { MainThreadWait, WaitStrategy } from '../ring/index.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { siblingModuleUrl, spawnWorker } from '../platform/worker-spawn.js';
import { configFingerprint } from '../journal/config-fingerprint.js';
import type { Durability } from '../journal/journal-env.js';
import { numberParam, stringParam, wholeParam } from './lib/benchmark.js';
import type { LatencyHistogram } from '../loadgen/histogram.js';
import type { BenchParams } from './lib/results.js';
import { generateOrderFlow } from '../loadgen/order-flow-gen.js';
import { waitStrategyParam } from './ring-bench-harness.js';
import type { PipelineProducerData, ProducerJob, ProducerReport } from './pipeline-producer.js';

const producerUrl = siblingModuleUrl(import.meta.url, './pipeline-producer');

/**
 * Intended times are kept by position modulo this many entries (8 MiB). A position can only be
 * overwritten once the producer is this far ahead of the main thread, and the rings bound how far
 * ahead it can be (input slots + output slots, asserted to be at most a quarter of this).
 */
export const INTENDED_ENTRIES = 1 << 20;
/** Bound on waiting for one lap: a lap that hangs fails the benchmark instead. */
export const LAP_TIMEOUT_MS = 120_000;
/** Slack on the live-order bound for market orders in flight and the account. */
const ORDER_SLACK = 1024;

/** The compiled standard flow in shared memory (the producer reads it, the main thread too). */
export function sharedOrderFlow(records: number, seed: number): { flow: CompiledOrderFlow; shared: SharedArrayBuffer } {
  const bytes = generateOrderFlow({ count: records, seed });
  const compiled = compileOrderFlow(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const shared = new SharedArrayBuffer(compiled.commands.byteLength);
  new Uint8Array(shared).set(new Uint8Array(compiled.commands.buffer, compiled.commands.byteOffset, compiled.commands.byteLength));
  return { flow: { ...compiled, commands: new DataView(shared) }, shared };
}

/**
 * How many orders the core must have room for to run `lapCounts` laps (flow commands 1..count,
 * each on its own symbol): every earlier lap leaves its resting orders behind (measured exactly
 * by applying the same prefix in-process), and the lap under way holds at most the limit orders
 * placed minus the distinct orders cancels named (each of those is gone, filled or cancelled;
 * market orders never rest). The core's order pool is preallocated, so a loose bound costs memory.
 */
export function lapOrdersBound(flow: CompiledOrderFlow, lapCounts: readonly number[]): number {
  const countMax = Math.max(...lapCounts);
  assert(countMax >= 1 && countMax <= flow.records, `laps of at most ${flow.records} commands`);
  const v = flow.commands;
  const cancelled = new Set<number>();
  let limits = 0;
  let livePeak = 0;
  for (let seq = 1; seq <= countMax; seq++) {
    const at = seq * COMMAND_SIZE;
    const type = v.getUint8(at + CMD_TYPE);
    if (type === CommandType.PLACE_ORDER && v.getUint8(at + CMD_ORDER_TYPE) === OrderType.LIMIT) limits++;
    else if (type === CommandType.CANCEL_ORDER) {
      const target = readI64(v, at + CMD_TARGET_ID);
      if (target >= 1 && target <= flow.records) cancelled.add(target);
    }
    livePeak = Math.max(livePeak, limits - cancelled.size);
  }
  const restingByCount = new Map<number, number>();
  let resting = 0;
  for (const count of lapCounts) {
    let left = restingByCount.get(count);
    if (left === undefined) {
      const prefix: CompiledOrderFlow = { ...flow, records: count, commands: new DataView(v.buffer, v.byteOffset, (count + 1) * COMMAND_SIZE) };
      left = runOrderFlowPass(prefix, hrtime.bigint).summary.resting;
      restingByCount.set(count, left);
    }
    resting += left;
  }
  return livePeak + resting;
}

/** The flow's configuration with `symbols` identical symbols (ids 1..n) and room for every lap. */
export function lapConfig(base: EngineConfig, symbols: number, maxOrders: number): EngineConfig {
  const template = base.symbols[0];
  assert(template !== undefined && base.symbols.length === 1, 'the flow configures one symbol');
  const bounded = Math.min(2 ** 29, maxOrders + ORDER_SLACK);
  return {
    ...base,
    symbols: Array.from({ length: symbols }, (_, i) => ({ ...template, id: i + 1, name: `FLOW${i + 1}` })),
    maxOrders: bounded,
    maxOpenOrdersPerAccount: bounded,
  };
}

/**
 * The main thread's handler of the output ring: checks that results come one per command in
 * sequence, counts trades by symbol, records latency from intended send time while asked to, and
 * resolves a waiter when a given command's result arrives.
 */
export class EventTally {
  /** Sequence of the next ACCEPTED/REJECTED expected. */
  seqResultNext = 0;
  /** Every event handled, of any type. */
  events = 0;
  readonly tradesBySymbol: Float64Array;
  private histogram: LatencyHistogram | null = null;
  private recordFrom = 0;
  private recordTo = -1;
  private seqWaited = -1;
  private resolveWaited: ((resultNs: number) => void) | null = null;
  private readonly intended: Float64Array;
  private readonly intendedMask: number;

  constructor(
    private readonly epochNs: bigint,
    intendedShared: SharedArrayBuffer,
    symbols: number,
  ) {
    this.intended = new Float64Array(intendedShared);
    this.intendedMask = this.intended.length - 1;
    this.tradesBySymbol = new Float64Array(symbols + 1);
  }

  /** Records, into `histogram`, the latency of every command in [from, to] (positions). */
  record(histogram: LatencyHistogram | null, from: number, to: number): void {
    this.histogram = histogram;
    this.recordFrom = from;
    this.recordTo = to;
  }

  /** Resolves with the time (ns since the epoch) the result of command `seq` is handled. */
  resultOf(seq: number): Promise<number> {
    assert(this.resolveWaited === null && seq >= this.seqResultNext, 'one waiter, for a result still to come');
    return new Promise((resolve) => {
      this.seqWaited = seq;
      this.resolveWaited = resolve;
    });
  }

  readonly handle = (view: DataView, offset: number): void => {
    this.events++;
    const type = view.getUint8(offset + EV_TYPE);
    if (type === EventType.TRADE) {
      const symbol = view.getUint32(offset + EV_SYMBOL_ID, true);
      this.tradesBySymbol[symbol] = (this.tradesBySymbol[symbol] ?? 0) + 1;
      return;
    }
    if (type !== EventType.ACCEPTED && type !== EventType.REJECTED) return;
    const seq = readI64(view, offset + EV_SEQ);
    // Every command yields exactly one result, in sequence order (event-layout.ts).
    if (seq !== this.seqResultNext) throw new Error(`result for command ${seq}, expected ${this.seqResultNext}`);
    this.seqResultNext = seq + 1;
    const histogram = this.histogram;
    if (histogram !== null && seq >= this.recordFrom && seq <= this.recordTo) {
      const nowNs = Number(hrtime.bigint() - this.epochNs);
      const latencyNs = nowNs - (this.intended[seq & this.intendedMask] as number);
      if (!(latencyNs >= 0)) throw new Error(`command ${seq} handled ${-latencyNs} ns before it was due: clocks differ between threads`);
      histogram.record(Math.round(latencyNs));
    }
    if (seq === this.seqWaited) {
      const resolve = this.resolveWaited;
      this.seqWaited = -1;
      this.resolveWaited = null;
      resolve?.(Number(hrtime.bigint() - this.epochNs));
    }
  };
}

export interface PipelineBenchOptions {
  flow: CompiledOrderFlow;
  shared: SharedArrayBuffer;
  /** The commands of each lap the benchmark will run, in order, warm-up included (one symbol each). */
  lapCounts: readonly number[];
  inputSlots: number;
  outputSlots: number;
  batchMax: number;
  coreWait: WaitStrategy;
  producerWait: WaitStrategy;
  mainThreadWait: MainThreadWait;
  /**
   * The journal ahead of the core (durable-pipeline.ts): a fresh directory for the benchmark's
   * journal, fingerprinted here with the laps' configuration. Absent: no journal, the core gates
   * on the producer.
   */
  journal?: { path: string; durability: Durability } | null;
  /** How the core waits for seqJournaled (Pipeline's journalGateWait); absent: the Pipeline's default. */
  journalGateWait?: WaitStrategy;
}

export interface LapResult {
  report: ProducerReport;
  /** ns since the epoch when the lap's last result was handled on the main thread. */
  lastResultNs: number;
  /** The lap's symbol: tally.tradesBySymbol[symbolId] is final once the pipeline has stopped. */
  symbolId: number;
}

/** A running pipeline with its producer worker, running laps one after another. */
export class PipelineBench {
  readonly tally: EventTally;
  private positionNext = 0;
  private lapsRun = 0;
  private readonly eventsDone: Promise<number>;

  private constructor(
    readonly options: PipelineBenchOptions,
    readonly pipeline: Pipeline,
    private readonly producer: ProducerHandle,
    readonly epochNs: bigint,
    intendedShared: SharedArrayBuffer,
  ) {
    this.tally = new EventTally(epochNs, intendedShared, options.lapCounts.length);
    this.eventsDone = pipeline.consumeEvents(this.tally.handle);
  }

  static async start(options: PipelineBenchOptions): Promise<PipelineBench> {
    assert(options.inputSlots + options.outputSlots <= INTENDED_ENTRIES / 4, 'the rings bound how far the producer runs ahead of the intended-time buffer');
    const config = lapConfig(options.flow.config, options.lapCounts.length, lapOrdersBound(options.flow, options.lapCounts));
    const pipeline = await Pipeline.start({
      config,
      inputSlots: options.inputSlots,
      outputSlots: options.outputSlots,
      batchMax: options.batchMax,
      wait: options.coreWait,
      mainThreadWait: options.mainThreadWait,
      journal: options.journal ? { ...options.journal, fingerprint: configFingerprint(config) } : null,
      ...(options.journalGateWait === undefined ? {} : { journalGateWait: options.journalGateWait }),
    });
    const epochNs = hrtime.bigint();
    const intendedShared = new SharedArrayBuffer(INTENDED_ENTRIES * Float64Array.BYTES_PER_ELEMENT);
    const producer = new ProducerHandle({
      kind: 'ordo-pipeline-producer',
      input: pipeline.input.descriptor,
      flow: options.shared,
      records: options.flow.records,
      intendedNs: intendedShared,
      epochNs,
      wait: options.producerWait,
    });
    await producer.ready;
    const bench = new PipelineBench(options, pipeline, producer, epochNs, intendedShared);
    bench.publishAccountCreate();
    return bench;
  }

  /** Command 0 of the flow (the account) from the main thread, as the gateway would publish it. */
  private publishAccountCreate(): void {
    const source = new Uint8Array(this.options.shared, 0, COMMAND_SIZE);
    const seq = this.pipeline.tryPublish(0, (view, offset) => new Uint8Array(view.buffer, view.byteOffset + offset, COMMAND_SIZE).set(source));
    assert(seq === 0, `the account creation is command 0, got ${seq} (${CLAIM_FULL} full, ${CLAIM_CLOSED} closed)`);
    this.positionNext = 1;
  }

  /** ns since the epoch, on the clock every thread of the benchmark uses. */
  nowNs(): number {
    return Number(hrtime.bigint() - this.epochNs);
  }

  /** Runs one lap of `count` flow commands; `histogram` (if given) records every one's latency. */
  async lap(job: Omit<ProducerJob, 'symbolId' | 'positionFirst'>, histogram: LatencyHistogram | null): Promise<LapResult> {
    const planned = this.options.lapCounts[this.lapsRun];
    assert(job.count === planned, `lap ${this.lapsRun} of ${job.count} commands, planned ${String(planned)}`);
    const symbolId = ++this.lapsRun;
    const positionFirst = this.positionNext;
    const positionLast = positionFirst + job.count - 1;
    this.positionNext = positionLast + 1;
    this.tally.record(histogram, positionFirst, positionLast);
    const lastResult = this.tally.resultOf(positionLast);
    const report = this.producer.run({ ...job, symbolId, positionFirst });
    const [reported, lastResultNs] = await withTimeout(Promise.all([report, lastResult]), LAP_TIMEOUT_MS, `lap ${symbolId}`);
    assert(reported.sent === job.count, `producer sent ${reported.sent} of ${job.count}`);
    this.tally.record(null, 0, -1);
    return { report: reported, lastResultNs, symbolId };
  }

  /** Commands published so far (the account creation included). */
  get commands(): number {
    return this.positionNext;
  }

  /** Stops the producer, then the pipeline; checks every command was applied once. */
  async stop(): Promise<void> {
    await this.producer.stop();
    const report = await this.pipeline.stop();
    await this.eventsDone;
    assert(report.commands === this.positionNext, `core applied ${report.commands} of ${this.positionNext} commands`);
    assert(this.tally.seqResultNext === this.positionNext, 'one result per command');
  }
}

/** The producer worker: 'ready' once, then one report per job, one job at a time. */
class ProducerHandle {
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private pending: { resolve: (r: ProducerReport) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(data: PipelineProducerData) {
    this.worker = spawnWorker(producerUrl, { workerData: data });
    this.ready = new Promise<void>((resolve, reject) => {
      const onFailure = (error: Error): void => {
        this.failure = error;
        reject(error);
        this.pending?.reject(error);
        this.pending = null;
      };
      this.worker.on('message', (message: ProducerReport | 'ready') => {
        if (message === 'ready') return resolve();
        const pending = this.pending;
        this.pending = null;
        if (pending === null) onFailure(new Error('producer report without a job'));
        else pending.resolve(message);
      });
      this.worker.on('error', onFailure);
      this.worker.on('exit', (code) => {
        if (code !== 0) onFailure(new Error(`producer worker exited with code ${code}`));
      });
    });
  }

  run(job: ProducerJob): Promise<ProducerReport> {
    if (this.failure !== null) return Promise.reject(this.failure);
    assert(this.pending === null, 'one producer job at a time');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(job);
    });
  }

  async stop(): Promise<void> {
    this.worker.postMessage('exit');
    await this.worker.terminate();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Parameters both pipeline benchmarks take, with their defaults: ring sizes and batch bound as
 * the Pipeline's defaults, and the wait strategies chosen by measurement on the 2-core machine
 * while other work kept its load average at 8-10 (3 runs each, median [min-max]):
 *
 *   open loop at 100K/s, p50      producer spins on the clock between sends     15.0 ms [9.2-21.0]
 *                                 producer sleeps until due (producerSpinNs 0)    82 µs [60-314]
 *                                  + main thread parks at once (mainPollTurns 0)  1.33 ms [1.24-1.40]
 *                                  + core worker blocking                         7.1 ms [0.38-45.9]
 *   open loop at 300K/s, p50      defaults 1.7 ms; main thread pure polling 16 ms; producer
 *                                 blocking when the ring is full 100 ms
 *   throughput, 300K commands     hybrid everywhere 326K/s [261-356K]; producer blocking 133K/s
 *                                 [125-672K]; core busy-spin 263K/s; main parks at once 315K/s;
 *                                 main pure polling 370K/s [179-435K] (within the noise)
 *
 * Three threads on two cores cannot all spin: the producer sleeps between scheduled sends (its
 * sleep overshoots by ~50 µs of timer slack, which shows in the latencies), the core worker and
 * the main thread keep the ring's hybrid defaults, whose spin windows (~250 µs, ~130 µs) cover
 * the gaps at these rates, so neither pays a wake while traffic flows.
 */
export const PIPELINE_PARAMS_COMMON: BenchParams = {
  seed: 1,
  claimMax: 64,
  inputSlots: 4096,
  outputSlots: 16384,
  batchMax: 256,
  coreWait: 'hybrid',
  producerWait: 'hybrid',
  spinIterations: 10_000,
  mainPollTurns: 256,
};

/** The pipeline's shape and waits from the common parameters. */
export function pipelineParams(params: BenchParams): Omit<PipelineBenchOptions, 'flow' | 'shared' | 'lapCounts'> {
  return {
    inputSlots: wholeParam(params, 'inputSlots', 2, 1 << 20),
    outputSlots: wholeParam(params, 'outputSlots', 2, 1 << 20),
    batchMax: wholeParam(params, 'batchMax', 1, 65_536),
    ...pipelineWaits(params),
  };
}

/** The wait-strategy parameters both pipeline benchmarks take. */
function pipelineWaits(params: BenchParams): Pick<PipelineBenchOptions, 'coreWait' | 'producerWait' | 'mainThreadWait'> {
  const spinIterations = wholeParam(params, 'spinIterations', 0, 1e9);
  const pollTurns = numberParam(params, 'mainPollTurns');
  if (!(pollTurns >= 0)) throw new Error(`mainPollTurns ${pollTurns} is a count (or Infinity)`);
  return {
    coreWait: waitStrategyParam(stringParam(params, 'coreWait'), spinIterations),
    producerWait: waitStrategyParam(stringParam(params, 'producerWait'), spinIterations),
    mainThreadWait: { pollTurns },
  };
}

/** The same, as the text of a result note. */
export function describeWaits(params: BenchParams): string {
  return `waits (chosen by measurement, see PIPELINE_PARAMS_COMMON; the producer must not spin as well on 2 cores): core worker ${String(params['coreWait'])}, producer (ring full) ${String(params['producerWait'])}, ` +
    `hybrid spin ${String(params['spinIterations'])} re-checks, main thread polls ${String(params['mainPollTurns'])} idle event-loop turns before Atomics.waitAsync`;
}
