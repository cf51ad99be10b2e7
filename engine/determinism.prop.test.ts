import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Command, command } from './command-codec.js';
import { CMD_EXPIRE_AT_US, CMD_PRICE, CMD_QTY, CMD_TARGET_ID, CMD_TIMESTAMP_US, CommandType, COMMAND_TYPE_MAX, OrderType, Side, TimeInForce } from './command-layout.js';
import { commandMutates } from './command-table.js';
import { decodeSnapshot, encodeSnapshot, restoreSnapshot, stateHash, takeSnapshot } from './engine-state.js';
import { decodeEvents } from './event-codec.js';
import { EventType } from './event-layout.js';
import { InProcessEngine } from './in-process-engine.js';
import { ResultCode, resultCodeName } from './result-code.js';
import { CommandScript, type EncodedCommand, encodeWithPatches, engineView, propertyTestConfig, type StateView, type Step, stepsArb, type Unsafe } from '../testkit/random-commands.js';

/**
 * Determinism of the matching core (design §4): the same commands give byte-identical events and
 * the same state hash, live or replayed, from the start or from a snapshot; bad input is answered
 * with a result code and changes nothing.
 *
 * Reproduce a failure with the seed (and path) fast-check prints: FC_SEED=<seed> FC_PATH=<path>.
 * FC_RUNS overrides the number of runs of each property.
 */
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const PATH = process.env.FC_PATH;
const RUNS = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 300;
const MAX_STEPS = 120;
const config = propertyTestConfig();
const minQtyOf = (symbolId: number): number => config.symbols.find((s) => s.id === symbolId)?.minQty ?? 0;
const params = { seed: SEED, numRuns: RUNS, ...(PATH !== undefined ? { path: PATH } : {}) };

interface Recorded {
  commands: EncodedCommand[];
  /** Event bytes of each command, in order. */
  events: Uint8Array[];
  /** State hash after each command. */
  hashes: string[];
}

/**
 * Runs the opening and `steps` on a fresh engine, resolving targets from its own state. The state
 * hash (the costly part) is taken after every command, or only after the last one.
 */
function record(steps: readonly Step[], hashEvery: boolean, onCommand?: (index: number, live: InProcessEngine) => void): Recorded {
  const live = new InProcessEngine(config);
  const script = new CommandScript();
  const out: Recorded = { commands: [], events: [], hashes: [] };
  const apply = (c: EncodedCommand): void => {
    onCommand?.(out.commands.length, live);
    live.apply(c.view, 0);
    out.commands.push(c);
    out.events.push(live.lastEventBytes());
    if (hashEvery) out.hashes.push(stateHash(live.engine));
  };
  for (const c of script.openingCommands()) apply(c);
  for (const step of steps) apply(script.resolve(step, engineView(live.engine)));
  if (!hashEvery) out.hashes.push(stateHash(live.engine));
  return out;
}

function replay(engine: InProcessEngine, commands: readonly EncodedCommand[], hashEvery: boolean): { events: Uint8Array[]; hashes: string[] } {
  const events: Uint8Array[] = [];
  const hashes: string[] = [];
  for (const c of commands) {
    engine.apply(c.view, 0);
    events.push(engine.lastEventBytes());
    if (hashEvery) hashes.push(stateHash(engine.engine));
  }
  if (!hashEvery) hashes.push(stateHash(engine.engine));
  return { events, hashes };
}

/**
 * Byte equality of two event streams, command by command. Buffer.equals is quick; a difference is
 * reported decoded, with the command that caused it.
 */
function expectSameEvents(actual: readonly Uint8Array[], expected: readonly Uint8Array[], commands: readonly EncodedCommand[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((bytes, i) => {
    const want = expected[i] as Uint8Array;
    if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(want)) return;
    const context = `events of command ${i}: ${JSON.stringify(commands[i]?.decoded)}`;
    expect(decodeEvents(bytes), context).toEqual(decodeEvents(want));
    expect.fail(`${context}: the bytes differ where the decoded fields agree`);
  });
}

/** Steps whose command types a sequencer admits (it refuses unknown types before the core). */
const knownStepsArb = stepsArb(MAX_STEPS).map((steps) =>
  steps.filter((s) => s.op.kind !== 'simple' || (s.op.type >= 1 && s.op.type <= COMMAND_TYPE_MAX)),
);

describe(`determinism (seed ${SEED}, ${RUNS} runs each)`, () => {
  it('the same commands give byte-identical events and the same state hash after every command', () => {
    fc.assert(
      fc.property(stepsArb(MAX_STEPS), (steps) => {
        const first = record(steps, true);
        const second = replay(new InProcessEngine(config), first.commands, true);
        expectSameEvents(second.events, first.events, first.commands);
        expect(second.hashes).toEqual(first.hashes);
      }),
      params,
    );
  });

  it('snapshot at any point, restore, apply the rest: byte-identical events and the same hashes', () => {
    fc.assert(
      fc.property(stepsArb(MAX_STEPS), fc.nat(), (steps, at) => {
        // The snapshot is taken just before command `cut` (after all of them when cut = total).
        const total = steps.length + new CommandScript().openingCommands().length;
        const cut = at % (total + 1);
        let snapshot: { bytes: Uint8Array; hash: string } | undefined;
        const take = (live: InProcessEngine): void => {
          snapshot = { bytes: encodeSnapshot(takeSnapshot(live.engine)), hash: stateHash(live.engine) };
        };
        const uninterrupted = record(steps, false, (index, live) => {
          if (index === cut) take(live);
        });
        if (snapshot === undefined) take(replayAll(uninterrupted));
        const taken = snapshot as { bytes: Uint8Array; hash: string };
        const decoded = decodeSnapshot(taken.bytes);
        expect(decoded.hash).toBe(taken.hash);
        const restored = new InProcessEngine(config, 0, (sink) => restoreSnapshot(config, decoded, sink));
        expect(stateHash(restored.engine)).toBe(taken.hash);
        const rest = replay(restored, uninterrupted.commands.slice(cut), false);
        expectSameEvents(rest.events, uninterrupted.events.slice(cut), uninterrupted.commands.slice(cut));
        expect(rest.hashes).toEqual(uninterrupted.hashes);
      }),
      params,
    );
  });

  it('replaying only the mutating commands (the same history without its heartbeats) gives the same events and state hash after each of them', () => {
    fc.assert(
      fc.property(knownStepsArb, (steps) => {
        const live = record(steps, true);
        const mutating = live.commands.map((c, i) => [c, i] as const).filter(([c]) => commandMutates(c.decoded.type));
        const replayed = replay(
          new InProcessEngine(config),
          mutating.map(([c]) => c),
          true,
        );
        expectSameEvents(
          replayed.events,
          mutating.map(([, i]) => live.events[i] as Uint8Array),
          mutating.map(([c]) => c),
        );
        expect(replayed.hashes).toEqual(mutating.map(([, i]) => live.hashes[i]));
      }),
      params,
    );
  });
});

// ───────────────────────────── bad input ─────────────────────────────

type BadInputState = StateView & { halted: number[] };

interface BadInput {
  name: string;
  /** The command (at the current time) and the code it must get, or undefined when the state offers no target. */
  make(state: BadInputState, seq: number, unsafe: Unsafe): { cmd: EncodedCommand; code: ResultCode } | undefined;
}

const LIMIT_BUY: Partial<Command> = { type: CommandType.PLACE_ORDER, accountId: 1, symbolId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 100, qty: 1 };

function place(name: string, fields: Partial<Command>, code: ResultCode, patch?: number): BadInput {
  return {
    name,
    make: (state, seq, unsafe) => ({
      cmd: encodeWithPatches(command({ type: CommandType.PLACE_ORDER, ...LIMIT_BUY, ...fields, seq, timestampUs: state.nowUs }), patch !== undefined ? [[patch, unsafe]] : []),
      code,
    }),
  };
}

function other(name: string, fields: Parameters<typeof command>[0], code: ResultCode, patch?: number): BadInput {
  return {
    name,
    make: (state, seq, unsafe) => ({
      cmd: encodeWithPatches(command({ ...fields, seq, timestampUs: state.nowUs }), patch !== undefined ? [[patch, unsafe]] : []),
      code,
    }),
  };
}

/** A command aimed at a live order of the state, or undefined when there is none. */
type LiveOrder = StateView['liveOrders'][number];

function atLiveOrder(name: string, build: (o: LiveOrder) => { fields: Parameters<typeof command>[0]; patch?: number }, code: ResultCode | ((o: LiveOrder) => ResultCode), haltedFirst: boolean): BadInput {
  return {
    name,
    make: (state, seq, unsafe) => {
      const o = state.liveOrders[seq % Math.max(1, state.liveOrders.length)];
      if (o === undefined) return undefined;
      const { fields, patch } = build(o);
      const cmd = encodeWithPatches(command({ ...fields, seq, timestampUs: state.nowUs }), patch !== undefined ? [[patch, unsafe]] : []);
      // An amend is refused on a halted symbol before its fields are looked at.
      const expected = typeof code === 'function' ? code(o) : code;
      return { cmd, code: haltedFirst && state.halted.includes(o.symbol) ? ResultCode.SYMBOL_HALTED : expected };
    },
  };
}

const BAD_INPUTS: BadInput[] = [
  place('place on symbol 0', { symbolId: 0 }, ResultCode.UNKNOWN_SYMBOL),
  place('place on symbol 3', { symbolId: 3 }, ResultCode.UNKNOWN_SYMBOL),
  place('place on symbol 2^32-1', { symbolId: 0xffffffff }, ResultCode.UNKNOWN_SYMBOL),
  place('place for account 9', { accountId: 9 }, ResultCode.UNKNOWN_ACCOUNT),
  place('place for account 2^32-1', { accountId: 0xffffffff }, ResultCode.UNKNOWN_ACCOUNT),
  place('place with quantity 0', { qty: 0 }, ResultCode.INVALID_QUANTITY),
  place('place with quantity -1', { qty: -1 }, ResultCode.INVALID_QUANTITY),
  place('place with quantity -(2^53-1)', { qty: -Number.MAX_SAFE_INTEGER }, ResultCode.INVALID_QUANTITY),
  place('place with an unsafe quantity', {}, ResultCode.INVALID_QUANTITY, CMD_QTY),
  place('place above the maximum quantity', { qty: 51 }, ResultCode.QUANTITY_ABOVE_MAX),
  place('place below the minimum quantity', { symbolId: 2, price: 60, qty: 1 }, ResultCode.QUANTITY_BELOW_MIN),
  place('limit at price 0', { price: 0 }, ResultCode.INVALID_PRICE),
  place('limit at a negative price', { price: -100 }, ResultCode.INVALID_PRICE),
  place('limit above the maximum price', { price: 201 }, ResultCode.INVALID_PRICE),
  place('limit at an unsafe price', {}, ResultCode.INVALID_PRICE, CMD_PRICE),
  place('market with a protection price above the maximum', { orderType: OrderType.MARKET, tif: TimeInForce.IOC, price: 201 }, ResultCode.INVALID_PRICE),
  place('stop-limit with stop price 0', { orderType: OrderType.STOP_LIMIT, stopPrice: 0 }, ResultCode.INVALID_STOP_PRICE),
  place('stop-limit above the maximum stop price', { orderType: OrderType.STOP_LIMIT, stopPrice: 201 }, ResultCode.INVALID_STOP_PRICE),
  place('GTD with an unsafe expiry', { tif: TimeInForce.GTD }, ResultCode.INVALID_EXPIRY, CMD_EXPIRE_AT_US),
  place('side 2', { side: 2 }, ResultCode.INVALID_SIDE),
  place('order type 0', { orderType: 0 }, ResultCode.INVALID_ORDER_TYPE),
  place('order type 5', { orderType: 5 }, ResultCode.INVALID_ORDER_TYPE),
  place('time in force 0', { tif: 0 }, ResultCode.INVALID_TIME_IN_FORCE),
  place('GTC market', { orderType: OrderType.MARKET, price: 0 }, ResultCode.INVALID_TIME_IN_FORCE),
  place('unknown flag', { flags: 0x80 }, ResultCode.INVALID_FLAGS),
  place('STP mode 5', { stp: 5 }, ResultCode.INVALID_STP_MODE),
  place('fee account places', { accountId: 0 }, ResultCode.ACCOUNT_NOT_TRADING),
  other('cancel of order id -1', { type: CommandType.CANCEL_ORDER, accountId: 1, targetId: -1 }, ResultCode.UNKNOWN_ORDER),
  other('cancel of an unsafe order id', { type: CommandType.CANCEL_ORDER, accountId: 1 }, ResultCode.UNKNOWN_ORDER, CMD_TARGET_ID),
  other('cancel of an order id never used', { type: CommandType.CANCEL_ORDER, accountId: 1, targetId: 1e12 }, ResultCode.UNKNOWN_ORDER),
  other('cancel for account 9', { type: CommandType.CANCEL_ORDER, accountId: 9, targetId: 1 }, ResultCode.UNKNOWN_ACCOUNT),
  other('amend of an unsafe order id', { type: CommandType.AMEND_ORDER, accountId: 1, qty: 3 }, ResultCode.UNKNOWN_ORDER, CMD_TARGET_ID),
  atLiveOrder('cancel of another account\'s order', (o) => ({ fields: { type: CommandType.CANCEL_ORDER, accountId: o.account === 1 ? 2 : 1, targetId: o.id } }), ResultCode.UNKNOWN_ORDER, false),
  atLiveOrder('amend to an unsafe quantity', (o) => ({ fields: { type: CommandType.AMEND_ORDER, accountId: o.account, targetId: o.id }, patch: CMD_QTY }), ResultCode.INVALID_QUANTITY, true),
  atLiveOrder('amend to a negative quantity', (o) => ({ fields: { type: CommandType.AMEND_ORDER, accountId: o.account, targetId: o.id, qty: -2 } }), ResultCode.INVALID_QUANTITY, true),
  atLiveOrder('amend to an unsafe price', (o) => ({ fields: { type: CommandType.AMEND_ORDER, accountId: o.account, targetId: o.id }, patch: CMD_PRICE }), ResultCode.INVALID_PRICE, true),
  atLiveOrder('amend above the maximum price', (o) => ({ fields: { type: CommandType.AMEND_ORDER, accountId: o.account, targetId: o.id, price: 1_000 } }), ResultCode.INVALID_PRICE, true),
  atLiveOrder('amend to its filled quantity', (o) => ({ fields: { type: CommandType.AMEND_ORDER, accountId: o.account, targetId: o.id, qty: o.filled } }),
    // Quantity 0 means unchanged, so with nothing filled yet this asks for no change at all; a
    // filled quantity under the symbol's minimum fails the quantity check before the amend's own.
    (o) => (o.filled === 0 ? ResultCode.AMEND_NO_CHANGE : o.filled < minQtyOf(o.symbol) ? ResultCode.QUANTITY_BELOW_MIN : ResultCode.AMEND_QUANTITY_TOO_LOW),
    true,
  ),
  atLiveOrder(
    'amend that changes nothing',
    (o) => ({ fields: { type: CommandType.AMEND_ORDER, accountId: o.account, targetId: o.id, price: o.price, qty: o.leaves + o.filled } }),
    // A self-trade decrement can leave an order's total under the symbol's minimum: restating it
    // then fails the quantity check, which comes first.
    (o) => (o.leaves + o.filled < minQtyOf(o.symbol) ? ResultCode.QUANTITY_BELOW_MIN : ResultCode.AMEND_NO_CHANGE),
    true,
  ),
  other('deposit of 0', { type: CommandType.DEPOSIT, accountId: 1, symbolId: 1, qty: 0, targetId: 1e9 }, ResultCode.INVALID_AMOUNT),
  other('deposit of a negative amount', { type: CommandType.DEPOSIT, accountId: 1, symbolId: 1, qty: -5, targetId: 1e9 }, ResultCode.INVALID_AMOUNT),
  other('deposit of an unsafe amount', { type: CommandType.DEPOSIT, accountId: 1, symbolId: 1, targetId: 1e9 }, ResultCode.INVALID_AMOUNT, CMD_QTY),
  other('withdrawal with an unsafe transfer id', { type: CommandType.WITHDRAW, accountId: 1, symbolId: 1, qty: 1 }, ResultCode.INVALID_TRANSFER_ID, CMD_TARGET_ID),
  other('deposit of asset 4', { type: CommandType.DEPOSIT, accountId: 1, symbolId: 4, qty: 1, targetId: 1e9 }, ResultCode.UNKNOWN_ASSET),
  other('deposit for account 9', { type: CommandType.DEPOSIT, accountId: 9, symbolId: 1, qty: 1, targetId: 1e9 }, ResultCode.UNKNOWN_ACCOUNT),
  other('withdrawal of more than the whole supply', { type: CommandType.WITHDRAW, accountId: 1, symbolId: 2, qty: 1e15, targetId: 1e9 }, ResultCode.INSUFFICIENT_FUNDS),
  other('mass cancel with reason EXPIRED', { type: CommandType.MASS_CANCEL, accountId: 1, reason: 4 }, ResultCode.INVALID_CANCEL_REASON),
  other('mass cancel on symbol 7', { type: CommandType.MASS_CANCEL, accountId: 0, symbolId: 7, reason: 1 }, ResultCode.UNKNOWN_SYMBOL),
  other('halt of symbol 0', { type: CommandType.SYMBOL_HALT, symbolId: 0 }, ResultCode.UNKNOWN_SYMBOL),
  other('account 5 beyond the configured accounts', { type: CommandType.ACCOUNT_CREATE, accountId: 5 }, ResultCode.INVALID_ACCOUNT_ID),
  other('blocking the fee account', { type: CommandType.ACCOUNT_BLOCK, accountId: 0 }, ResultCode.UNKNOWN_ACCOUNT),
  other('command type 0', { type: 0 as CommandType }, ResultCode.UNKNOWN_COMMAND),
  other('command type 200', { type: 200 as CommandType }, ResultCode.UNKNOWN_COMMAND),
  {
    name: 'a negative timestamp, even far in the future for GTD orders',
    make: (_state, seq) => ({ cmd: encodeWithPatches(command({ type: CommandType.TIMER_TICK, seq, timestampUs: -1 })), code: ResultCode.INVALID_TIMESTAMP }),
  },
  {
    name: 'an unsafe timestamp',
    make: (_state, seq, unsafe) => ({ cmd: encodeWithPatches(command({ type: CommandType.TIMER_TICK, seq }), [[CMD_TIMESTAMP_US, unsafe]]), code: ResultCode.INVALID_TIMESTAMP }),
  },
];

describe(`bad input to the core (seed ${SEED}, ${RUNS} runs)`, () => {
  it('is rejected with its result code and changes nothing, whatever the state', () => {
    const unsafeArb = fc.constantFrom<Unsafe>('plus2p53', 'i64max', 'i64min');
    fc.assert(
      fc.property(stepsArb(60), fc.array(fc.tuple(fc.nat({ max: BAD_INPUTS.length - 1 }), unsafeArb), { minLength: 1, maxLength: 8 }), (steps, bad) => {
        const live = new InProcessEngine(config);
        const script = new CommandScript();
        for (const c of script.openingCommands()) live.apply(c.view, 0);
        for (const step of steps) live.apply(script.resolve(step, engineView(live.engine)).view, 0);
        let seq = live.seqNext;
        for (const [which, unsafe] of bad) {
          const input = BAD_INPUTS[which] as BadInput;
          const view = engineView(live.engine);
          const halted = live.engine.config.symbols.filter((s) => live.engine.books[s.id]?.halted === true).map((s) => s.id);
          const made = input.make({ ...view, halted }, seq++, unsafe);
          if (made === undefined) continue;
          const before = stateHash(live.engine);
          const events = live.apply(made.cmd.view, 0);
          expect(
            events.map((e) => [e.type, resultCodeName(e.code)]),
            input.name,
          ).toEqual([[EventType.REJECTED, resultCodeName(made.code)]]);
          expect(stateHash(live.engine), input.name).toBe(before);
        }
      }),
      params,
    );
  });

  it('a heartbeat (NOOP) changes nothing, even when its timestamp is later than GTD expiries', () => {
    fc.assert(
      fc.property(stepsArb(60), fc.integer({ min: 1, max: 1_000 }), (steps, laterUs) => {
        const live = new InProcessEngine(config);
        const script = new CommandScript();
        for (const c of script.openingCommands()) live.apply(c.view, 0);
        for (const step of steps) live.apply(script.resolve(step, engineView(live.engine)).view, 0);
        const before = stateHash(live.engine);
        const events = live.apply(encodeWithPatches(command({ type: CommandType.NOOP, seq: live.seqNext, timestampUs: live.engine.nowUs + laterUs })).view, 0);
        expect(events.map((e) => [e.type, e.code])).toEqual([[EventType.ACCEPTED, 0]]);
        expect(stateHash(live.engine)).toBe(before);
      }),
      params,
    );
  });
});

describe('the heartbeat', () => {
  it('a NOOP stamped after a GTD expiry leaves the order live and the clock where it was; the next mutating command expires it', () => {
    const live = new InProcessEngine(config);
    for (const c of new CommandScript().openingCommands()) live.apply(c.view, 0);
    const gtd = live.submit({ type: CommandType.PLACE_ORDER, accountId: 2, symbolId: 1, side: Side.SELL, orderType: OrderType.LIMIT, tif: TimeInForce.GTD, price: 110, qty: 1, expireAtUs: 50, timestampUs: 10 });
    const orderId = gtd[0]?.orderId as number;
    const before = stateHash(live.engine);
    expect(live.submit({ type: CommandType.NOOP, timestampUs: 100 }).map((e) => e.type)).toEqual([EventType.ACCEPTED]);
    expect(live.engine.nowUs).toBe(10);
    expect(live.engine.handleOf(orderId)).not.toBe(-1);
    expect(stateHash(live.engine)).toBe(before);
    const tick = live.submit({ type: CommandType.TIMER_TICK, timestampUs: 100 });
    expect(tick.map((e) => [e.type, e.orderId])).toEqual([
      [EventType.CANCELLED, orderId],
      [EventType.ACCEPTED, 0],
      [EventType.BALANCE, 0],
      [EventType.BOOK_LEVEL, 0],
    ]);
  });
});

function replayAll(r: Recorded): InProcessEngine {
  const engine = new InProcessEngine(config);
  replay(engine, r.commands, false);
  return engine;
}
