// The standard order-flow record (design §9): the one place that knows its byte layout.
//
//  0      1      2            8                16               24               32
//  ┌──────┬──────┬────────────┬────────────────┬────────────────┬────────────────┐
//  │ op   │ side │ zero       │ order id  u64  │ price  i64     │ qty  i64       │
//  └──────┴──────┴────────────┴────────────────┴────────────────┴────────────────┘
//  All fields little-endian.
//  op: 1 limit (GTC), 2 market (never rests), 3 cancel (order id = the id to cancel; unknown or
//  already filled: no-op).  side: 0 buy, 1 sell.  market: price 0.
//
// Rules this file adds to the diagram, so that a file has one meaning:
//  - every 64-bit field is a safe integer (|v| <= 2^53-1), read as a JS number with no BigInt;
//  - the zero bytes [2, 8) are zero;
//  - limit: price > 0, qty > 0; market: price = 0, qty > 0; cancel: price = 0, qty = 0.
// A record that breaks a rule is corruption: it throws OrderFlowFormatError naming its index.
//
// No node:* import here: the core reads records through these helpers.

import { writeI64 as writeEngineI64 } from './int64.js';

export const ORDER_FLOW_RECORD_BYTES = 32;

export const ORDER_FLOW_OP_OFFSET = 0;
export const ORDER_FLOW_OP_BYTES = 1;
export const ORDER_FLOW_SIDE_OFFSET = 1;
export const ORDER_FLOW_SIDE_BYTES = 1;
export const ORDER_FLOW_ZERO_OFFSET = 2;
export const ORDER_FLOW_ZERO_BYTES = 6;
export const ORDER_FLOW_ORDER_ID_OFFSET = 8;
export const ORDER_FLOW_ORDER_ID_BYTES = 8;
export const ORDER_FLOW_PRICE_OFFSET = 16;
export const ORDER_FLOW_PRICE_BYTES = 8;
export const ORDER_FLOW_QTY_OFFSET = 24;
export const ORDER_FLOW_QTY_BYTES = 8;

export const ORDER_FLOW_OP_LIMIT = 1;
export const ORDER_FLOW_OP_MARKET = 2;
export const ORDER_FLOW_OP_CANCEL = 3;
export type OrderFlowOp =
  | typeof ORDER_FLOW_OP_LIMIT
  | typeof ORDER_FLOW_OP_MARKET
  | typeof ORDER_FLOW_OP_CANCEL;

export const ORDER_FLOW_SIDE_BUY = 0;
export const ORDER_FLOW_SIDE_SELL = 1;
export type OrderFlowSide = typeof ORDER_FLOW_SIDE_BUY | typeof ORDER_FLOW_SIDE_SELL;

/** 2^32, the weight of the high word of a 64-bit field. */
const WORD_HIGH_WEIGHT = 0x1_0000_0000;

// Load-time assertions: the fields tile the record exactly, in order, with no overlap or gap,
// and every 64-bit field is 8-byte aligned (so a record array can be viewed as 64-bit words).
const FIELDS: ReadonlyArray<readonly [name: string, offset: number, bytes: number]> = [
  ['op', ORDER_FLOW_OP_OFFSET, ORDER_FLOW_OP_BYTES],
  ['side', ORDER_FLOW_SIDE_OFFSET, ORDER_FLOW_SIDE_BYTES],
  ['zero', ORDER_FLOW_ZERO_OFFSET, ORDER_FLOW_ZERO_BYTES],
  ['orderId', ORDER_FLOW_ORDER_ID_OFFSET, ORDER_FLOW_ORDER_ID_BYTES],
  ['price', ORDER_FLOW_PRICE_OFFSET, ORDER_FLOW_PRICE_BYTES],
  ['qty', ORDER_FLOW_QTY_OFFSET, ORDER_FLOW_QTY_BYTES],
];
{
  let expectedOffset = 0;
  for (const [name, offset, bytes] of FIELDS) {
    if (offset !== expectedOffset) throw new Error(`order-flow layout: ${name} at ${offset}, expected ${expectedOffset}`);
    if (bytes === 8 && offset % 8 !== 0) throw new Error(`order-flow layout: ${name} not 8-byte aligned`);
    expectedOffset = offset + bytes;
  }
  if (expectedOffset !== ORDER_FLOW_RECORD_BYTES) {
    throw new Error(`order-flow layout: fields cover ${expectedOffset} bytes, record is ${ORDER_FLOW_RECORD_BYTES}`);
  }
}

/** A malformed order-flow file: corruption, never a business outcome. */
export class OrderFlowFormatError extends Error {
  /** The index of the offending record, or -1 when the file as a whole is wrong (its length). */
  readonly recordIndex: number;
  constructor(recordIndex: number, message: string) {
    super(recordIndex >= 0 ? `order-flow record ${recordIndex}: ${message}` : `order-flow file: ${message}`);
    this.name = 'OrderFlowFormatError';
    this.recordIndex = recordIndex;
  }
}

/** One decoded record. Readers fill a caller-owned object so the hot path allocates nothing. */
export interface OrderFlowRecord {
  op: OrderFlowOp;
  side: OrderFlowSide;
  orderId: number;
  price: number;
  qty: number;
}

export function newOrderFlowRecord(): OrderFlowRecord {
  return { op: ORDER_FLOW_OP_LIMIT, side: ORDER_FLOW_SIDE_BUY, orderId: 0, price: 0, qty: 0 };
}

/** How many records a view holds; a length that is not a multiple of the record size is corrupt. */
export function orderFlowRecordCount(view: DataView): number {
  if (view.byteLength % ORDER_FLOW_RECORD_BYTES !== 0) {
    throw new OrderFlowFormatError(
      -1,
      `length ${view.byteLength} bytes is not a multiple of ${ORDER_FLOW_RECORD_BYTES}`,
    );
  }
  return view.byteLength / ORDER_FLOW_RECORD_BYTES;
}

export function orderFlowRecordOffset(recordIndex: number): number {
  return recordIndex * ORDER_FLOW_RECORD_BYTES;
}

/** Reads an unsigned 64-bit LE field as a safe integer, or throws naming the record. */
export function readU64(view: DataView, byteOffset: number, recordIndex: number): number {
  const lo = view.getUint32(byteOffset, true);
  const hi = view.getUint32(byteOffset + 4, true);
  // hi < 2^21 is exactly the safe range for an unsigned value; checking before combining means
  // an unsafe value is never rounded into something that looks valid.
  if (hi >= 0x20_0000) throw new OrderFlowFormatError(recordIndex, `u64 at byte ${byteOffset % ORDER_FLOW_RECORD_BYTES} exceeds 2^53-1`);
  return hi * WORD_HIGH_WEIGHT + lo;
}

/** Reads a signed 64-bit LE field as a safe integer, or throws naming the record. */
export function readI64(view: DataView, byteOffset: number, recordIndex: number): number {
  const lo = view.getUint32(byteOffset, true);
  const hi = view.getInt32(byteOffset + 4, true);
  const value = hi * WORD_HIGH_WEIGHT + lo;
  // hi * 2^32 is exact; adding lo rounds only outside the safe range, where the result stays
  // outside it, so this check is exact.
  if (!Number.isSafeInteger(value)) {
    throw new OrderFlowFormatError(recordIndex, `i64 at byte ${byteOffset % ORDER_FLOW_RECORD_BYTES} outside ±(2^53-1)`);
  }
  return value;
}

/**
 * Writes a safe integer as an unsigned 64-bit LE field. A non-negative safe integer has the same
 * bytes as u64 and as i64, so the engine's i64 writer does the encoding.
 */
export function writeU64(view: DataView, byteOffset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`u64 field: ${value} is not a safe non-negative integer`);
  writeEngineI64(view, byteOffset, value);
}

/** Writes a safe integer as a signed 64-bit LE field (two's complement), via the engine's writer. */
export function writeI64(view: DataView, byteOffset: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`i64 field: ${value} is not a safe integer`);
  writeEngineI64(view, byteOffset, value);
}

/**
 * Decodes and validates record `recordIndex` of `view` into `out` (returned for convenience).
 * Throws OrderFlowFormatError naming the record if it breaks any rule of the layout.
 */
export function readOrderFlowRecord(view: DataView, recordIndex: number, out: OrderFlowRecord): OrderFlowRecord {
  const base = orderFlowRecordOffset(recordIndex);
  if (!Number.isInteger(recordIndex) || recordIndex < 0 || base + ORDER_FLOW_RECORD_BYTES > view.byteLength) {
    throw new RangeError(`order-flow record ${recordIndex} outside a view of ${view.byteLength} bytes`);
  }
  const op = view.getUint8(base + ORDER_FLOW_OP_OFFSET);
  const side = view.getUint8(base + ORDER_FLOW_SIDE_OFFSET);
  // The six zero bytes are read as a u16 and a u32 (offsets 2 and 4) rather than a loop.
  const zeroLow = view.getUint16(base + ORDER_FLOW_ZERO_OFFSET, true);
  const zeroHigh = view.getUint32(base + ORDER_FLOW_ZERO_OFFSET + 2, true);
  if (zeroLow !== 0 || zeroHigh !== 0) throw new OrderFlowFormatError(recordIndex, 'non-zero padding in bytes 2..8');
  if (side !== ORDER_FLOW_SIDE_BUY && side !== ORDER_FLOW_SIDE_SELL) {
    throw new OrderFlowFormatError(recordIndex, `unknown side ${side}`);
  }
  const orderId = readU64(view, base + ORDER_FLOW_ORDER_ID_OFFSET, recordIndex);
  const price = readI64(view, base + ORDER_FLOW_PRICE_OFFSET, recordIndex);
  const qty = readI64(view, base + ORDER_FLOW_QTY_OFFSET, recordIndex);
  if (op !== ORDER_FLOW_OP_LIMIT && op !== ORDER_FLOW_OP_MARKET && op !== ORDER_FLOW_OP_CANCEL) {
    throw new OrderFlowFormatError(recordIndex, `unknown op ${op}`);
  }
  const problem = fieldProblem(op, price, qty);
  if (problem !== null) throw new OrderFlowFormatError(recordIndex, problem);
  out.op = op;
  out.side = side;
  out.orderId = orderId;
  out.price = price;
  out.qty = qty;
  return out;
}

/** Validates `record` and writes it as record `recordIndex` of `view`, then checks the read-back. */
export function writeOrderFlowRecord(view: DataView, recordIndex: number, record: Readonly<OrderFlowRecord>): void {
  const base = orderFlowRecordOffset(recordIndex);
  if (!Number.isInteger(recordIndex) || recordIndex < 0 || base + ORDER_FLOW_RECORD_BYTES > view.byteLength) {
    throw new RangeError(`order-flow record ${recordIndex} outside a view of ${view.byteLength} bytes`);
  }
  const problem = fieldProblem(record.op, record.price, record.qty);
  if (problem !== null) throw new RangeError(`order-flow record ${recordIndex}: ${problem}`);
  view.setUint8(base + ORDER_FLOW_OP_OFFSET, record.op);
  view.setUint8(base + ORDER_FLOW_SIDE_OFFSET, record.side);
  view.setUint16(base + ORDER_FLOW_ZERO_OFFSET, 0, true);
  view.setUint32(base + ORDER_FLOW_ZERO_OFFSET + 2, 0, true);
  writeU64(view, base + ORDER_FLOW_ORDER_ID_OFFSET, record.orderId);
  writeI64(view, base + ORDER_FLOW_PRICE_OFFSET, record.price);
  writeI64(view, base + ORDER_FLOW_QTY_OFFSET, record.qty);
  // Paired assertion: what was written reads back as the same record.
  const back = readOrderFlowRecord(view, recordIndex, newOrderFlowRecord());
  if (back.op !== record.op || back.side !== record.side || back.orderId !== record.orderId ||
      back.price !== record.price || back.qty !== record.qty) {
    throw new Error(`order-flow record ${recordIndex}: read-back differs from what was written`);
  }
}

/** Decodes every record once, so a corrupt file is reported before anything is applied. */
export function validateOrderFlow(view: DataView): number {
  const records = orderFlowRecordCount(view);
  const scratch = newOrderFlowRecord();
  for (let i = 0; i < records; i++) readOrderFlowRecord(view, i, scratch);
  return records;
}

/** The per-op field rule, or null when the fields fit the op. */
function fieldProblem(op: OrderFlowOp, price: number, qty: number): string | null {
  switch (op) {
    case ORDER_FLOW_OP_LIMIT:
      if (price <= 0) return `limit price ${price} is not positive`;
      if (qty <= 0) return `limit qty ${qty} is not positive`;
      return null;
    case ORDER_FLOW_OP_MARKET:
      if (price !== 0) return `market price ${price} is not 0`;
      if (qty <= 0) return `market qty ${qty} is not positive`;
      return null;
    case ORDER_FLOW_OP_CANCEL:
      if (price !== 0 || qty !== 0) return `cancel price ${price} and qty ${qty} must be 0`;
      return null;
    default: {
      const unknownOp: never = op;
      return `unknown op ${String(unknownOp)}`;
    }
  }
}
