import { expect } from 'vitest';
import type { Command } from '../engine/command-codec.js';
import { CommandType, OrderType, Side, StpMode, TimeInForce } from '../engine/command-layout.js';
import { stateHash } from '../engine/engine-state.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { CancelReason, EventType } from '../engine/event-layout.js';
import { InProcessEngine } from '../engine/in-process-engine.js';
import { checkInvariants } from '../engine/invariants.js';
import { F_ID, F_LEAVES, F_RESERVED, F_STRIDE, I_NEXT, I_STRIDE, NIL } from '../engine/order-pool.js';
import { resultCodeName, type ResultCode } from '../engine/result-code.js';
import type { EngineConfig, SymbolConfig } from '../engine/symbol-config.js';

/**
 * Shared setup for the behaviour unit tests of the matching core: a small configuration whose
 * units are all 1 (one lot is one base unit, one tick on one lot is one quote unit), so that a
 * notional is just price × qty and every expected figure can be computed by hand:
 *
 *   asset 1 QUOTE, asset 2 BASE, asset 3 OTHER
 *   symbol 1 BASE/QUOTE, symbol 2 OTHER/QUOTE; maker 10 bps, taker 20 bps, protection 1000 bps
 *   e.g. 10 lots at 100: notional 1000, taker fee 2, maker fee 1, buy reservation 1000 + 2
 */
export const QUOTE = 1;
export const BASE = 2;
export const OTHER = 3;
export const SYM = 1;
export const SYM2 = 2;
export const { BUY, SELL } = Side;
/** Funds every `fund`ed account gets of each asset. */
export const FUNDS = 1_000_000;

export function testSymbol(id: number, baseAssetId: number, name: string, overrides: Partial<SymbolConfig> = {}): SymbolConfig {
  return {
    id,
    name,
    baseAssetId,
    quoteAssetId: QUOTE,
    baseLotUnits: 1,
    quoteTickUnits: 1,
    minQty: 1,
    maxQty: 100_000,
    maxPrice: 100_000,
    makerFeeBps: 10,
    takerFeeBps: 20,
    marketProtectionBps: 1_000,
    ...overrides,
  };
}

export function testConfig(overrides: Partial<EngineConfig> = {}, symbol: Partial<SymbolConfig> = {}): EngineConfig {
  return {
    assets: [
      { id: QUOTE, name: 'QUOTE', decimals: 0 },
      { id: BASE, name: 'BASE', decimals: 0 },
      { id: OTHER, name: 'OTHER', decimals: 0 },
    ],
    symbols: [testSymbol(SYM, BASE, 'BASE-QUOTE', symbol), testSymbol(SYM2, OTHER, 'OTHER-QUOTE', symbol)],
    maxAccounts: 8,
    maxOrders: 64,
    maxOpenOrdersPerAccount: 32,
    clientOrderIdWindow: 4,
    transferIdWindow: 4,
    riskEnabled: true,
    ...overrides,
  };
}

export type Fields = Partial<Command> & Pick<Command, 'type'>;
export type OrderFields = Partial<Omit<Command, 'type'>>;
export interface Level {
  price: number;
  total: number;
  count: number;
}

/**
 * The in-process engine with bookkeeping for tests: every command is followed by a full
 * invariant check, transfer ids are numbered automatically, and order ids (= command sequences)
 * come back from the helpers that place orders.
 */
export class Harness {
  readonly ipe: InProcessEngine;
  private nextTransferId = 1;

  constructor(readonly config: EngineConfig = testConfig()) {
    this.ipe = new InProcessEngine(config, 1);
  }

  get engine(): InProcessEngine['engine'] {
    return this.ipe.engine;
  }

  submit(fields: Fields): DecodedEvent[] {
    const events = this.ipe.submit(fields);
    checkInvariants(this.engine);
    expect(events.filter((e) => e.type === EventType.ACCEPTED || e.type === EventType.REJECTED)).toHaveLength(1);
    return events;
  }

  createAccount(accountId: number): void {
    expectAccepted(this.submit({ type: CommandType.ACCOUNT_CREATE, accountId }));
  }

  deposit(accountId: number, assetId: number, amount: number, transferId = this.nextTransferId++): DecodedEvent[] {
    return this.submit({ type: CommandType.DEPOSIT, accountId, symbolId: assetId, qty: amount, targetId: transferId });
  }

  withdraw(accountId: number, assetId: number, amount: number, transferId = this.nextTransferId++): DecodedEvent[] {
    return this.submit({ type: CommandType.WITHDRAW, accountId, symbolId: assetId, qty: amount, targetId: transferId });
  }

  /** Creates the accounts and gives each FUNDS of every asset (or `amount`). */
  fund(accountIds: readonly number[], amount = FUNDS): void {
    for (const id of accountIds) {
      this.createAccount(id);
      for (const asset of [QUOTE, BASE, OTHER]) expectAccepted(this.deposit(id, asset, amount));
    }
  }

  place(fields: OrderFields): DecodedEvent[] {
    return this.submit({ type: CommandType.PLACE_ORDER, symbolId: SYM, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, ...fields });
  }

  limit(accountId: number, side: Side, price: number, qty: number, extra: OrderFields = {}): DecodedEvent[] {
    return this.place({ accountId, side, price, qty, ...extra });
  }

  market(accountId: number, side: Side, qty: number, extra: OrderFields = {}): DecodedEvent[] {
    return this.place({ accountId, side, qty, orderType: OrderType.MARKET, tif: TimeInForce.IOC, ...extra });
  }

  /** Places a limit order that must be accepted and returns its order id. */
  rest(accountId: number, side: Side, price: number, qty: number, extra: OrderFields = {}): number {
    return acceptedId(this.limit(accountId, side, price, qty, extra));
  }

  cancel(accountId: number, orderId: number): DecodedEvent[] {
    return this.submit({ type: CommandType.CANCEL_ORDER, accountId, targetId: orderId, symbolId: SYM });
  }

  amend(accountId: number, orderId: number, change: { price?: number; qty?: number; stopPrice?: number }): DecodedEvent[] {
    return this.submit({ type: CommandType.AMEND_ORDER, accountId, targetId: orderId, symbolId: SYM, ...change });
  }

  tick(timestampUs: number): DecodedEvent[] {
    return this.submit({ type: CommandType.TIMER_TICK, timestampUs });
  }

  balance(accountId: number, assetId: number): { available: number; reserved: number } {
    const a = this.engine.accounts;
    const slot = a.slot(accountId, assetId);
    return { available: a.available[slot] as number, reserved: a.reserved[slot] as number };
  }

  /** Levels of one side, best first. */
  levels(side: Side, symbolId = SYM): Level[] {
    const bookSide = this.engine.books[symbolId]!.side(side);
    const out: Level[] = [];
    for (let depth = 0; depth < bookSide.size; depth++) {
      const l = bookSide.at(depth);
      const lv = this.engine.levels;
      out.push({ price: lv.price[l] as number, total: lv.total[l] as number, count: lv.count[l] as number });
    }
    return out;
  }

  /** Order ids queued at one price, front to back. */
  queue(side: Side, price: number, symbolId = SYM): number[] {
    const level = this.engine.books[symbolId]!.side(side).find(price);
    const ids: number[] = [];
    const o = this.engine.orders;
    for (let h = level === NIL ? NIL : (this.engine.levels.head[level] as number); h !== NIL; h = o.I[h * I_STRIDE + I_NEXT] as number) ids.push(o.F[h * F_STRIDE + F_ID] as number);
    return ids;
  }

  /** Leaves of a live order, or undefined when it is done. */
  leaves(orderId: number): number | undefined {
    const h = this.engine.handleOf(orderId);
    return h === NIL ? undefined : (this.engine.orders.F[h * F_STRIDE + F_LEAVES] as number);
  }

  reservedBy(orderId: number): number {
    const h = this.engine.handleOf(orderId);
    expect(h).not.toBe(NIL);
    return this.engine.orders.F[h * F_STRIDE + F_RESERVED] as number;
  }

  hash(): string {
    return stateHash(this.engine);
  }

  /** Submits a command that must be rejected with `code` and must change nothing. */
  expectReject(fields: Fields, code: ResultCode): DecodedEvent {
    const before = this.hash();
    const events = this.submit(fields);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect({ type: e.type, code: e.code, name: resultCodeName(e.code) }).toEqual({ type: EventType.REJECTED, code, name: resultCodeName(code) });
    expect(this.hash()).toBe(before);
    return e;
  }
}

/** A harness with accounts 1..n funded. */
export function funded(n = 3, config: EngineConfig = testConfig()): Harness {
  const t = new Harness(config);
  t.fund(Array.from({ length: n }, (_, i) => i + 1));
  return t;
}

export function ofType(events: readonly DecodedEvent[], type: EventType): DecodedEvent[] {
  return events.filter((e) => e.type === type);
}

export function one(events: readonly DecodedEvent[], type: EventType): DecodedEvent {
  const found = ofType(events, type);
  expect(found, `exactly one event of type ${EventType[type]}`).toHaveLength(1);
  return found[0]!;
}

export function expectAccepted(events: readonly DecodedEvent[]): DecodedEvent {
  const first = events[0];
  expect(first?.type, first === undefined ? 'no events' : `rejected ${resultCodeName(first.code)}`).toBe(EventType.ACCEPTED);
  return first!;
}

export function acceptedId(events: readonly DecodedEvent[]): number {
  return expectAccepted(events).orderId;
}

/** Trades as [maker order id, price, qty], in the order they happened. */
export function fills(events: readonly DecodedEvent[]): Array<[number, number, number]> {
  return ofType(events, EventType.TRADE).map((e) => [e.makerOrderId, e.price, e.qty]);
}

/** Cancellations as [order id, reason, qty cancelled]. */
export function cancels(events: readonly DecodedEvent[]): Array<[number, number, number]> {
  return ofType(events, EventType.CANCELLED).map((e) => [e.orderId, e.reason, e.qty]);
}

/** BOOK_LEVEL events as [side, price, total, count]. */
export function bookLevels(events: readonly DecodedEvent[]): Array<[number, number, number, number]> {
  return ofType(events, EventType.BOOK_LEVEL).map((e) => [e.side, e.price, e.qty, e.leavesQty]);
}

export { CancelReason, CommandType, EventType, OrderType, Side, StpMode, TimeInForce };

/**
 * Seed of the fast-check properties in the unit tests, printed in their names; a failure is
 * reproduced with FC_SEED=<seed> (and FC_PATH=<path> as fast-check prints it).
 */
export const FC_SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);

export function fcParameters(numRuns = 200): { seed: number; numRuns: number; path?: string } {
  const path = process.env.FC_PATH;
  return { seed: FC_SEED, numRuns, ...(path !== undefined ? { path } : {}) };
}
