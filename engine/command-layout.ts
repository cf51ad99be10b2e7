import { assert } from './assert.js';

/**
 * The command record: one fixed-size slot, the unit that producers write into the input ring,
 * the journal stores verbatim and the core applies (design §3). This file owns the layout;
 * nothing else computes a command offset.
 *
 *  0      1      2      3      4      5      6      7      8
 *  ┌──────┬──────┬──────┬──────┬──────┬──────┬──────┬──────┐
 *  │ type │ side │ ordTy│ tif  │flags │ stp  │clLen │reason│   0
 *  ├──────┴──────┴──────┴──────┴──────┴──────┴──────┴──────┤
 *  │ seq                                          i64      │   8  ring sequence = journal key = order id
 *  ├───────────────────────────────────────────────────────┤
 *  │ timestampUs                                  i64      │  16  stamped by the producer
 *  ├───────────────────────────┬───────────────────────────┤
 *  │ accountId           u32   │ symbolId / assetId  u32   │  24
 *  ├───────────────────────────┴───────────────────────────┤
 *  │ price (ticks)                                i64      │  32  limit price; market protection
 *  ├───────────────────────────────────────────────────────┤
 *  │ stopPrice (ticks)                            i64      │  40
 *  ├───────────────────────────────────────────────────────┤
 *  │ qty (lots) / amount (asset minor units)      i64      │  48
 *  ├───────────────────────────────────────────────────────┤
 *  │ targetId: order id (cancel, amend) / transfer id i64  │  56
 *  ├───────────────────────────────────────────────────────┤
 *  │ expireAtUs (GTD)                             i64      │  64
 *  ├───────────────────────────────────────────────────────┤
 *  │ clientOrderId: up to 32 bytes of printable ASCII      │  72 .. 104
 *  ├───────────────────────────────────────────────────────┤
 *  │ reserved, zero                                        │ 104 .. 128
 *  └───────────────────────────────────────────────────────┘
 *
 * ACCOUNT_CREATE and API_KEY_ADD carry an API key's salted hash instead of a client order id:
 * 16 bytes of salt then 32 of SHA-256(salt ‖ key) at 72 .. 120 (CMD_KEY_MATERIAL). The journal
 * keeps only that hash, so replay (and a standby) rebuilds the keys without ever seeing one.
 *
 * All multi-byte fields are little-endian; i64 fields hold safe integers (int64.ts).
 */
export const COMMAND_SIZE = 128;

export const CMD_TYPE = 0;
export const CMD_SIDE = 1;
export const CMD_ORDER_TYPE = 2;
export const CMD_TIF = 3;
export const CMD_FLAGS = 4;
export const CMD_STP = 5;
export const CMD_CL_ORD_ID_LEN = 6;
export const CMD_REASON = 7;
export const CMD_SEQ = 8;
export const CMD_TIMESTAMP_US = 16;
export const CMD_ACCOUNT_ID = 24;
export const CMD_SYMBOL_ID = 28;
export const CMD_ASSET_ID = CMD_SYMBOL_ID;
export const CMD_PRICE = 32;
export const CMD_STOP_PRICE = 40;
export const CMD_QTY = 48;
export const CMD_AMOUNT = CMD_QTY;
export const CMD_TARGET_ID = 56;
export const CMD_TRANSFER_ID = CMD_TARGET_ID;
export const CMD_EXPIRE_AT_US = 64;
export const CMD_CL_ORD_ID = 72;
export const CL_ORD_ID_MAX_LENGTH = 32;
export const CMD_RESERVED = CMD_CL_ORD_ID + CL_ORD_ID_MAX_LENGTH;
/** An API key's salt and hash (key commands only), overlaying the client order id. */
export const CMD_KEY_MATERIAL = CMD_CL_ORD_ID;
export const KEY_SALT_BYTES = 16;
export const KEY_HASH_BYTES = 32;
export const KEY_MATERIAL_BYTES = KEY_SALT_BYTES + KEY_HASH_BYTES;

/** Command types. Numbers are stable: they are stored in the journal. */
export enum CommandType {
  PLACE_ORDER = 1,
  CANCEL_ORDER = 2,
  AMEND_ORDER = 3,
  MASS_CANCEL = 4,
  DEPOSIT = 5,
  WITHDRAW = 6,
  TIMER_TICK = 7,
  SYMBOL_HALT = 8,
  SYMBOL_RESUME = 9,
  NOOP = 10,
  ACCOUNT_CREATE = 11,
  ACCOUNT_BLOCK = 12,
  ACCOUNT_UNBLOCK = 13,
  /** Adds an API key (its salted hash) to an account; the engine numbers keys per account. */
  API_KEY_ADD = 14,
  /** Revokes an account's key by its number (targetId). */
  API_KEY_REVOKE = 15,
  /** The kill switch for everything: cancels every order and refuses new ones until resumed. */
  TRADING_HALT = 16,
  TRADING_RESUME = 17,
}
export const COMMAND_TYPE_MAX = 17;

export enum Side {
  BUY = 0,
  SELL = 1,
}

export enum OrderType {
  LIMIT = 1,
  MARKET = 2,
  STOP_LIMIT = 3,
  STOP_MARKET = 4,
}

export enum TimeInForce {
  GTC = 1,
  IOC = 2,
  FOK = 3,
  GTD = 4,
}

/** Bit flags of a place order. Unknown bits are rejected. */
export const FLAG_POST_ONLY = 1;
export const FLAGS_KNOWN = FLAG_POST_ONLY;

/** Self-trade prevention, applied when a taker meets a resting order of its own account. */
export enum StpMode {
  /** Self-trades are allowed. */
  NONE = 0,
  CANCEL_TAKER = 1,
  CANCEL_MAKER = 2,
  CANCEL_BOTH = 3,
  /** Both orders are reduced by the smaller quantity without a trade; an order at zero is cancelled. */
  DECREMENT_AND_CANCEL = 4,
}
export const STP_MODE_MAX = 4;

// Load-time layout assertions: sizes, alignment of 8-byte fields, no overlap.
const FIELDS: ReadonlyArray<readonly [string, number, number]> = [
  ['type', CMD_TYPE, 1],
  ['side', CMD_SIDE, 1],
  ['orderType', CMD_ORDER_TYPE, 1],
  ['tif', CMD_TIF, 1],
  ['flags', CMD_FLAGS, 1],
  ['stp', CMD_STP, 1],
  ['clOrdIdLen', CMD_CL_ORD_ID_LEN, 1],
  ['reason', CMD_REASON, 1],
  ['seq', CMD_SEQ, 8],
  ['timestampUs', CMD_TIMESTAMP_US, 8],
  ['accountId', CMD_ACCOUNT_ID, 4],
  ['symbolId', CMD_SYMBOL_ID, 4],
  ['price', CMD_PRICE, 8],
  ['stopPrice', CMD_STOP_PRICE, 8],
  ['qty', CMD_QTY, 8],
  ['targetId', CMD_TARGET_ID, 8],
  ['expireAtUs', CMD_EXPIRE_AT_US, 8],
  ['clOrdId', CMD_CL_ORD_ID, CL_ORD_ID_MAX_LENGTH],
  ['reserved', CMD_RESERVED, COMMAND_SIZE - CMD_RESERVED],
];
assertLayout('command', FIELDS, COMMAND_SIZE);
// The key material overlays the client order id and the reserved bytes after it, up to the end.
if (!(CMD_KEY_MATERIAL + KEY_MATERIAL_BYTES <= COMMAND_SIZE && CMD_KEY_MATERIAL === CMD_CL_ORD_ID)) throw new Error('command layout: key material must fit the client order id and reserved bytes');

export function assertLayout(
  name: string,
  fields: ReadonlyArray<readonly [string, number, number]>,
  size: number,
): void {
  let end = 0;
  for (const [field, offset, length] of fields) {
    assert(offset === end, `${name} layout: ${field} at ${offset} leaves a gap or overlaps (expected ${end})`);
    assert(length === 8 ? offset % 8 === 0 : length === 4 ? offset % 4 === 0 : true, `${name} layout: ${field} misaligned`);
    end = offset + length;
  }
  assert(end === size, `${name} layout: fields cover ${end} bytes, record is ${size}`);
  assert(size % 8 === 0, `${name} layout: size ${size} is not a multiple of 8`);
}
