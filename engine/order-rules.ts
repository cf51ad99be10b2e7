import { assert } from './assert.js';
import { OrderType, TimeInForce } from './command-layout.js';

/**
 * Which order fields go together: one table for the gateway's pre-trade check
 * (gateway/pre-trade-risk.ts, which refuses a bad combination as INVALID_ORDER_COMBINATION before
 * it is sequenced) and the core's validation (order-admission.ts, which rejects it again after
 * the ring with a result code per field, because the journal may hold commands from any
 * producer).
 *
 *   type         limit price          stop price   time in force                  post-only
 *   LIMIT        needed               none         GTC IOC FOK GTD                GTC GTD
 *   MARKET       optional (protection) none        IOC FOK                        no
 *   STOP_LIMIT   needed               needed       GTC IOC FOK GTD                no
 *   STOP_MARKET  optional (protection) needed      IOC FOK (core: any, see below) no
 *
 *   expiry: a GTD order needs one, any other order has none.
 *
 * The two sides disagree on one cell, and both keep their observable answer: the gateway refuses
 * a stop-market order with GTC or GTD, while the core accepts it (once triggered it trades as
 * IOC: activate cancels any remainder of a market order). A command with those fields can reach
 * the core only from a producer other than the gateway.
 */

export interface OrderTypeRule {
  readonly type: OrderType;
  /** Needs a limit price; a market type may omit it (0: trade up to the protection band). */
  readonly needsPrice: boolean;
  /** Needs a stop price; the other types must carry none. */
  readonly stop: boolean;
  /** The times in force the gateway lets through. */
  readonly tifs: readonly TimeInForce[];
  /** The times in force the core accepts: the gateway's, except for the cell named above. */
  readonly coreTifs: readonly TimeInForce[];
  /** The times in force with which the post-only flag is allowed (none: never). */
  readonly postOnlyTifs: readonly TimeInForce[];
}

const ALL_TIFS: readonly TimeInForce[] = [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD];
const IMMEDIATE_TIFS: readonly TimeInForce[] = [TimeInForce.IOC, TimeInForce.FOK];
const RESTING_TIFS: readonly TimeInForce[] = [TimeInForce.GTC, TimeInForce.GTD];

export const ORDER_TYPE_RULES: readonly OrderTypeRule[] = [
  { type: OrderType.LIMIT, needsPrice: true, stop: false, tifs: ALL_TIFS, coreTifs: ALL_TIFS, postOnlyTifs: RESTING_TIFS },
  { type: OrderType.MARKET, needsPrice: false, stop: false, tifs: IMMEDIATE_TIFS, coreTifs: IMMEDIATE_TIFS, postOnlyTifs: [] },
  { type: OrderType.STOP_LIMIT, needsPrice: true, stop: true, tifs: ALL_TIFS, coreTifs: ALL_TIFS, postOnlyTifs: [] },
  { type: OrderType.STOP_MARKET, needsPrice: false, stop: true, tifs: IMMEDIATE_TIFS, coreTifs: ALL_TIFS, postOnlyTifs: [] },
];

/** The rule of an order type, or undefined for a code that names none. */
export function orderTypeRule(type: number): OrderTypeRule | undefined {
  return ORDER_TYPE_RULES.find((r) => r.type === type);
}

/** The one time in force whose orders carry an expiry: they need one, and no other order may. */
export const EXPIRY_TIF = TimeInForce.GTD;

/** Whether an order with this time in force must carry an expiry (and no other may). */
export function needsExpiry(tif: number): boolean {
  return tif === EXPIRY_TIF;
}

// The core reads the table through bit sets packed into numbers, built once here: on the place
// path a module-level const number costs a shift and a mask, with no bounds check or memory
// load as a lookup in a typed array would have (three per order).
function tifBits(tifs: readonly TimeInForce[]): number {
  let bits = 0;
  for (const tif of tifs) bits |= 1 << tif;
  return bits;
}

/** Byte `type - 1` for each type, of the bits `pick` gives it (bit n: time in force n). */
function tifBitsByType(pick: (r: OrderTypeRule) => readonly TimeInForce[]): number {
  let packed = 0;
  for (const rule of ORDER_TYPE_RULES) packed |= tifBits(pick(rule)) << ((rule.type - 1) << 3);
  return packed;
}

/** Bit `type` for each type that `pick` holds for. */
function typeBits(pick: (r: OrderTypeRule) => boolean): number {
  let bits = 0;
  for (const rule of ORDER_TYPE_RULES) if (pick(rule)) bits |= 1 << rule.type;
  return bits;
}

/** The times in force the core accepts, per type: `(CORE_TIF_BITS >>> ((type - 1) << 3)) & (1 << tif)`. */
export const CORE_TIF_BITS: number = tifBitsByType((r) => r.coreTifs);
/** The times in force post-only goes with, per type, packed as CORE_TIF_BITS. */
export const POST_ONLY_TIF_BITS: number = tifBitsByType((r) => r.postOnlyTifs);
/** Bit `type` set for the types that need a stop price (read only for a type in 1..4). */
export const STOP_TYPE_BITS: number = typeBits((r) => r.stop);
/** Bit `type` set for the types whose limit price is optional (read only for a type in 1..4). */
export const PRICE_OPTIONAL_TYPE_BITS: number = typeBits((r) => !r.needsPrice);

assert(TimeInForce.GTD < 8 && OrderType.STOP_MARKET <= 4, 'order rules: four types of eight time-in-force bits fit one 32-bit number');
for (const rule of ORDER_TYPE_RULES) {
  assert(rule.tifs.every((tif) => rule.coreTifs.includes(tif)), `order rules: the core accepts whatever the gateway lets through (type ${rule.type})`);
  assert(rule.postOnlyTifs.every((tif) => rule.tifs.includes(tif)), `order rules: post-only only with an allowed time in force (type ${rule.type})`);
}
