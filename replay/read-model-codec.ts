import { decode, encode } from '@msgpack/msgpack';
import { Side } from '../engine/command-layout.js';
import type { AccountView, BalanceView, FillView, Liquidity, OrderStatus, OrderView, ReadModelState } from './read-model.js';

/**
 * The read model's saved form, kept in a snapshot beside the engine's state (snapshot-store.ts),
 * so that a restart from a snapshot has the history the snapshot's state alone has lost:
 * finished orders, fills, and when each live order was placed.
 *
 * msgpack of one array, the version first; orders and fills as tuples of their fields (about
 * 60 bytes each), so the default windows (100,000 finished orders, 200,000 fills over all accounts)
 * come to some 20 MB at most. Each history is listed oldest first over all accounts, whatever
 * account kept it: pushed again in that order, the per-account windows come back as they were. The snapshot's checksum covers these bytes; decoding still checks every field's
 * type, so that a bug in the saver is found at the restart, not in an answer.
 */
export const READ_MODEL_CODEC_VERSION = 1;

const STATUSES: readonly OrderStatus[] = ['new', 'partially_filled', 'filled', 'cancelled', 'expired'];
const LIQUIDITIES: readonly Liquidity[] = ['maker', 'taker'];

type OrderTuple = [number, number, number, number, number, number, boolean, string, number, number, number, number, number, number, number, number];
type FillTuple = [string, number, number, string, number, number, number, number, number, number, number, number];

function orderTuple(o: OrderView): OrderTuple {
  return [o.orderId, o.accountId, o.symbolId, o.side, o.orderType, o.tif, o.postOnly, o.clOrdId, o.seq, o.timestampUs, o.price, o.stopPrice, o.qty, o.cumQty, o.leavesQty, STATUSES.indexOf(o.status)];
}

function fillTuple(f: FillView): FillTuple {
  return [f.tradeId, f.accountId, f.orderId, f.clOrdId, f.symbolId, f.side, f.price, f.qty, f.fee, LIQUIDITIES.indexOf(f.liquidity), f.seq, f.timestampUs];
}

export function encodeReadModel(state: ReadModelState): Uint8Array {
  return encode([
    READ_MODEL_CODEC_VERSION,
    state.lastSeq,
    state.tradingHalted,
    state.tradeSeq,
    state.tradeIndex,
    state.accounts.map((a) => [a.accountId, a.blocked]),
    state.balances.map(([account, b]) => [account, b.assetId, b.available, b.reserved]),
    state.live.map(orderTuple),
    state.finals.map(orderTuple),
    state.clOrdIds.map(([account, clOrdId, orderId]) => [account, clOrdId, orderId]),
    state.fills.map(fillTuple),
  ]);
}

/** A saved read model that does not decode. */
export class ReadModelFormatError extends Error {
  override readonly name = 'ReadModelFormatError';
}

function bad(what: string): never {
  throw new ReadModelFormatError(`saved read model: ${what}`);
}

function int(v: unknown, what: string): number {
  return Number.isSafeInteger(v) ? (v as number) : bad(`${what} is not an integer`);
}

function str(v: unknown, what: string): string {
  return typeof v === 'string' ? v : bad(`${what} is not a string`);
}

function bool(v: unknown, what: string): boolean {
  return typeof v === 'boolean' ? v : bad(`${what} is not a boolean`);
}

function rows(v: unknown, width: number, what: string): unknown[][] {
  if (!Array.isArray(v)) bad(`${what} is not a list`);
  for (const row of v as unknown[]) if (!Array.isArray(row) || row.length !== width) bad(`a row of ${what} is not ${width} fields`);
  return v as unknown[][];
}

function side(v: unknown, what: string): Side {
  const n = int(v, what);
  return n === Side.BUY ? Side.BUY : n === Side.SELL ? Side.SELL : bad(`${what} ${n} is not a side`);
}

function orderOf(r: unknown[]): OrderView {
  const status = STATUSES[int(r[15], 'order status')] ?? bad('order status out of range');
  return {
    orderId: int(r[0], 'orderId'),
    accountId: int(r[1], 'accountId'),
    symbolId: int(r[2], 'symbolId'),
    side: side(r[3], 'order side'),
    orderType: int(r[4], 'orderType'),
    tif: int(r[5], 'tif'),
    postOnly: bool(r[6], 'postOnly'),
    clOrdId: str(r[7], 'clOrdId'),
    seq: int(r[8], 'seq'),
    timestampUs: int(r[9], 'timestampUs'),
    price: int(r[10], 'price'),
    stopPrice: int(r[11], 'stopPrice'),
    qty: int(r[12], 'qty'),
    cumQty: int(r[13], 'cumQty'),
    leavesQty: int(r[14], 'leavesQty'),
    status,
  };
}

function fillOf(r: unknown[]): FillView {
  return {
    tradeId: str(r[0], 'tradeId'),
    accountId: int(r[1], 'fill accountId'),
    orderId: int(r[2], 'fill orderId'),
    clOrdId: str(r[3], 'fill clOrdId'),
    symbolId: int(r[4], 'fill symbolId'),
    side: side(r[5], 'fill side'),
    price: int(r[6], 'fill price'),
    qty: int(r[7], 'fill qty'),
    fee: int(r[8], 'fee'),
    liquidity: LIQUIDITIES[int(r[9], 'liquidity')] ?? bad('liquidity out of range'),
    seq: int(r[10], 'fill seq'),
    timestampUs: int(r[11], 'fill timestampUs'),
  };
}

export function decodeReadModel(bytes: Uint8Array): ReadModelState {
  let top: unknown;
  try {
    top = decode(bytes);
  } catch (error) {
    bad(`not msgpack (${(error as Error).message})`);
  }
  if (!Array.isArray(top) || top.length !== 11) bad('not a list of 11 parts');
  const parts = top as unknown[];
  if (parts[0] !== READ_MODEL_CODEC_VERSION) bad(`version ${String(parts[0])}, this build reads ${READ_MODEL_CODEC_VERSION}`);
  return {
    lastSeq: int(parts[1], 'lastSeq'),
    tradingHalted: bool(parts[2], 'tradingHalted'),
    tradeSeq: int(parts[3], 'tradeSeq'),
    tradeIndex: int(parts[4], 'tradeIndex'),
    accounts: rows(parts[5], 2, 'accounts').map((r): AccountView => ({ accountId: int(r[0], 'account id'), blocked: bool(r[1], 'blocked') })),
    balances: rows(parts[6], 4, 'balances').map((r): readonly [number, BalanceView] => [int(r[0], 'balance account'), { assetId: int(r[1], 'assetId'), available: int(r[2], 'available'), reserved: int(r[3], 'reserved') }]),
    live: rows(parts[7], 16, 'live orders').map(orderOf),
    finals: rows(parts[8], 16, 'finished orders').map(orderOf),
    clOrdIds: rows(parts[9], 3, 'client order ids').map((r): readonly [number, string, number] => [int(r[0], 'clOrdId account'), str(r[1], 'clOrdId'), int(r[2], 'clOrdId order')]),
    fills: rows(parts[10], 12, 'fills').map(fillOf),
  };
}
