import { decode, encode } from '@msgpack/msgpack';
import { assert } from './assert.js';
import { ClientOrderIds } from './client-order-ids.js';
import type { EventSink } from './event-sink.js';
import { Fnv64 } from './fnv64.js';
import { MatchingEngine } from './matching-engine.js';
import type { OrderBook } from './order-book.js';
import {
  B_FLAGS,
  B_SIDE,
  B_STATE,
  B_STP,
  B_STRIDE,
  B_TIF,
  B_TYPE,
  F_EXPIRE_AT_US,
  F_FILLED,
  F_ID,
  F_LEAVES,
  F_PRICE,
  F_RESERVED,
  F_STOP_PRICE,
  F_STRIDE,
  I_ACCOUNT,
  I_NEXT,
  I_STRIDE,
  I_SYMBOL,
  NIL,
  OrderState,
} from './order-pool.js';
import type { BookSide } from './price-levels.js';
import { configFingerprintSource, type EngineConfig } from './symbol-config.js';
import type { AccountRecord, BookRecord, EngineState, OrderRecord } from './state-records.js';

export type { AccountRecord, BookRecord, EngineState, OrderRecord } from './state-records.js';

/**
 * The engine's whole state as plain data in a canonical order that depends only on what the
 * commands did, never on handles, pools or hash-table layout: accounts by id, books by symbol
 * id, each side best level first with each queue front to back, stops in trigger order, windows
 * oldest first. The state hash is FNV-1a 64 over its msgpack encoding, and a snapshot is that
 * encoding tagged with the sequence and the hash; so "restore gives the same hash" and "replay
 * gives the same hash" are each one equality.
 */
export const STATE_FORMAT = 2;

export function captureState(engine: MatchingEngine): EngineState {
  const accounts: AccountRecord[] = [];
  const a = engine.accounts;
  const assetCount = engine.config.assets.length;
  for (let id = 0; id <= engine.config.maxAccounts; id++) {
    if (a.exists[id] !== 1) continue;
    const available: number[] = [];
    const reserved: number[] = [];
    for (let asset = 1; asset <= assetCount; asset++) {
      available.push(a.available[a.slot(id, asset)] as number);
      reserved.push(a.reserved[a.slot(id, asset)] as number);
    }
    accounts.push({ id, blocked: a.blocked[id] === 1, available, reserved });
  }
  const supply: number[] = [];
  for (let asset = 1; asset <= assetCount; asset++) supply.push(a.supply[asset] as number);
  const books: BookRecord[] = engine.config.symbols.map((s) => captureBook(engine, engine.books[s.id] as OrderBook));
  return {
    format: STATE_FORMAT,
    configFingerprint: configFingerprintSource(engine.config),
    nowUs: engine.nowUs,
    supply,
    accounts,
    books,
    transferWatermark: engine.transfers.watermark,
    transferIds: engine.transfers.windowIds(),
    clientOrderIds: engine.clOrdIds.windowKeys(),
    tradingHalted: engine.trading.halted,
    apiKeys: engine.keys.capture(),
  };
}

function captureBook(engine: MatchingEngine, book: OrderBook): BookRecord {
  const orders: OrderRecord[] = [];
  for (const side of [book.bids, book.asks]) captureSide(engine, side, orders);
  for (const h of book.buyStops) orders.push(orderRecord(engine, h));
  for (const h of book.sellStops) orders.push(orderRecord(engine, h));
  return { symbolId: book.config.id, halted: book.symbolHalted, lastPrice: book.lastPrice, orders };
}

function captureSide(engine: MatchingEngine, side: BookSide, out: OrderRecord[]): void {
  for (let depth = 0; depth < side.size; depth++) {
    const level = side.at(depth);
    for (let h = engine.levels.head[level] as number; h !== NIL; h = engine.orders.I[h * I_STRIDE + I_NEXT] as number) {
      out.push(orderRecord(engine, h));
    }
  }
}

function orderRecord(engine: MatchingEngine, h: number): OrderRecord {
  const { F, I, B } = engine.orders;
  const f = h * F_STRIDE;
  const i = h * I_STRIDE;
  const b = h * B_STRIDE;
  const key = engine.clOrdIdKeyByHandle.get(h);
  return {
    id: F[f + F_ID] as number,
    accountId: I[i + I_ACCOUNT] as number,
    symbolId: I[i + I_SYMBOL] as number,
    side: B[b + B_SIDE] as number,
    type: B[b + B_TYPE] as number,
    tif: B[b + B_TIF] as number,
    flags: B[b + B_FLAGS] as number,
    stp: B[b + B_STP] as number,
    state: B[b + B_STATE] as number,
    price: F[f + F_PRICE] as number,
    stopPrice: F[f + F_STOP_PRICE] as number,
    leaves: F[f + F_LEAVES] as number,
    filled: F[f + F_FILLED] as number,
    reserved: F[f + F_RESERVED] as number,
    expireAtUs: F[f + F_EXPIRE_AT_US] as number,
    clOrdId: key === undefined ? '' : key.slice(key.indexOf(':') + 1),
  };
}

export function encodeState(state: EngineState): Uint8Array {
  return encode(state);
}

/** The state a snapshot body holds (encodeState's inverse); asserts this build reads its format. */
export function decodeState(bytes: Uint8Array): EngineState {
  const state = decode(bytes) as EngineState;
  assert(state.format === STATE_FORMAT, `state format ${state.format}, this build reads ${STATE_FORMAT}`);
  return state;
}

export function hashBytes(bytes: Uint8Array): string {
  const h = new Fnv64();
  h.bytes(bytes);
  return h.hex();
}

/** The state hash: independent of internal layout, equal for equal states. */
export function stateHash(engine: MatchingEngine): string {
  return hashBytes(encodeState(captureState(engine)));
}

/** A snapshot: the encoded state tagged with the sequence it was taken at and its hash. */
export interface Snapshot {
  seq: number;
  hash: string;
  state: Uint8Array;
}

/** `captured` lets a caller that already holds captureState(engine) avoid walking the state twice. */
export function takeSnapshot(engine: MatchingEngine, captured: EngineState = captureState(engine)): Snapshot {
  const state = encodeState(captured);
  return { seq: engine.lastSeq, hash: hashBytes(state), state };
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  return encode({ format: STATE_FORMAT, seq: s.seq, hash: s.hash, state: s.state });
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const raw = decode(bytes) as { format: number; seq: number; hash: string; state: Uint8Array };
  assert(raw.format === STATE_FORMAT, `snapshot format ${raw.format}, this build reads ${STATE_FORMAT}`);
  assert(hashBytes(raw.state) === raw.hash, `snapshot at ${raw.seq}: state does not match its hash ${raw.hash}`);
  return { seq: raw.seq, hash: raw.hash, state: raw.state };
}

/** Rebuilds an engine from a snapshot; its state hash equals the snapshot's (asserted). */
export function restoreSnapshot(config: EngineConfig, snapshot: Snapshot, sink: EventSink): MatchingEngine {
  const state = decodeState(snapshot.state);
  const fingerprint = configFingerprintSource(config);
  assert(state.configFingerprint === fingerprint, 'snapshot was taken under a different configuration');
  const engine = new MatchingEngine(config, sink);
  const a = engine.accounts;
  for (const acct of state.accounts) {
    a.exists[acct.id] = 1;
    a.blocked[acct.id] = acct.blocked ? 1 : 0;
    acct.available.forEach((v, i) => (a.available[a.slot(acct.id, i + 1)] = v));
    acct.reserved.forEach((v, i) => (a.reserved[a.slot(acct.id, i + 1)] = v));
  }
  state.supply.forEach((v, i) => (a.supply[i + 1] = v));
  const restored: Array<[number, number]> = [];
  const liveKeys: string[] = [];
  for (const b of state.books) {
    const book = engine.books[b.symbolId] as OrderBook;
    book.symbolHalted = b.halted;
    book.halted = b.halted || state.tradingHalted;
    book.lastPrice = b.lastPrice;
    for (const r of b.orders) {
      restored.push([r.id, engine.restoreOrder(r)]);
      if (r.clOrdId !== '') liveKeys.push(ClientOrderIds.key(r.accountId, r.clOrdId));
    }
  }
  // Account order lists are in order id order.
  restored.sort((x, y) => x[0] - y[0]);
  for (const [, h] of restored) a.linkOrder(engine.orders.I[h * I_STRIDE + I_ACCOUNT] as number, h);
  engine.transfers.restore(state.transferWatermark, state.transferIds);
  engine.clOrdIds.restore(state.clientOrderIds, liveKeys);
  engine.trading.halted = state.tradingHalted;
  engine.keys.restore(state.apiKeys);
  engine.finishRestore(snapshot.seq, state.nowUs);
  const hash = stateHash(engine);
  assert(hash === snapshot.hash, `restored state hash ${hash} differs from the snapshot's ${snapshot.hash}`);
  assert(!engine.orders.anyInState(OrderState.ACTIVE), 'restore left an order active');
  return engine;
}
