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

/** Whether an order with this time in force must carry an expiry (and no other may). */
export function needsExpiry(tif: number): boolean {
  return tif === TimeInForce.GTD;
}

// The core's checks read the table through one bit mask per order type (bit n: time in force n,
// so codes outside 1..4 are never allowed), built once here: a typed-array load and a shift on
// the place path instead of a search.
function tifMask(tifs: readonly TimeInForce[]): number {
  let mask = 0;
  for (const tif of tifs) mask |= 1 << tif;
  return mask;
}

function masksByType(pick: (r: OrderTypeRule) => number): Uint8Array {
  const masks = new Uint8Array(256);
  for (const rule of ORDER_TYPE_RULES) masks[rule.type] = pick(rule);
  return masks;
}

/** By order type code (any byte): the times in force the core accepts, as bits. */
export const CORE_TIF_MASK: Uint8Array = masksByType((r) => tifMask(r.coreTifs));
/** By order type code (any byte): the times in force post-only is allowed with, as bits. */
export const POST_ONLY_TIF_MASK: Uint8Array = masksByType((r) => tifMask(r.postOnlyTifs));
/** By order type code (any byte): 1 for a type that needs a stop price. */
export const STOP_TYPE: Uint8Array = masksByType((r) => (r.stop ? 1 : 0));
/** By order type code (any byte): 1 for a type whose limit price is optional (market types). */
export const PRICE_OPTIONAL: Uint8Array = masksByType((r) => (r.needsPrice ? 0 : 1));

assert(TimeInForce.GTD < 8, 'order rules: time in force codes fit the bits of a byte');
for (const rule of ORDER_TYPE_RULES) {
  assert(rule.tifs.every((tif) => rule.coreTifs.includes(tif)), `order rules: the core accepts whatever the gateway lets through (type ${rule.type})`);
  assert(rule.postOnlyTifs.every((tif) => rule.tifs.includes(tif)), `order rules: post-only only with an allowed time in force (type ${rule.type})`);
}
