import { fail } from './assert.js';

/**
 * 64-bit little-endian integer fields read and written as safe-integer JS numbers.
 *
 * Every binary record stores money, quantities and sequences as i64 so that the wire format is
 * ordinary; in memory they are numbers, which are exact for |v| <= 2^53-1. Reading through two
 * 32-bit halves avoids allocating a BigInt per field on the hot path. A value outside the safe
 * range reads as NaN-free `UNSAFE_I64` so validation can reject it with a code instead of
 * silently rounding.
 */
const TWO_POW_32 = 4294967296;

/** Returned for an i64 field whose value is not a safe integer. Negative so validation rejects it. */
export const UNSAFE_I64 = Number.MIN_SAFE_INTEGER;
// readI64 uses this module-private copy: V8 folds a module-level const, but loads an exported
// binding from its module cell (with a hole check) at every use, even in its own module.
const UNSAFE = UNSAFE_I64;

export function readI64(view: DataView, offset: number): number {
  const lo = view.getUint32(offset, true);
  const hi = view.getInt32(offset + 4, true);
  // Nearly every field fits in 32 bits: skip the arithmetic then.
  if (hi === 0) return lo;
  // |hi| < 2^21 keeps hi * 2^32 + lo within 2^53; anything else is not a safe integer.
  if (hi >= 0x200000 || hi < -0x200000) return UNSAFE;
  const value = hi * TWO_POW_32 + lo;
  // hi = -2^21 with lo = 0 is -2^53, one below the safe range.
  return value < UNSAFE ? UNSAFE : value;
}

export function writeI64(view: DataView, offset: number, value: number): void {
  if (!(Number.isSafeInteger(value))) fail(`i64 field at ${offset}: ${value} is not a safe integer`);
  view.setUint32(offset, value >>> 0, true);
  view.setInt32(offset + 4, Math.floor(value / TWO_POW_32), true);
}

/** True if `value` is a safe integer in [min, max]. */
export function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

/**
 * isIntIn for a value that readI64 returned, with `min` >= 0: such a value is always an
 * integer, safe or UNSAFE_I64 (below every such min), so two comparisons decide it without
 * the safe-integer test.
 */
export function i64In(value: number, min: number, max: number): boolean {
  return value >= min && value <= max;
}

/** floor(a * b / d) for non-negative safe integers without an intermediate above 2^53. */
export function mulDivFloor(a: number, b: number, d: number): number {
  if (b === 0) return 0;
  if (!(a >= 0 && b >= 0 && d > 0)) fail('mulDivFloor takes non-negative operands');
  const q = Math.floor(a / d);
  const r = a - q * d;
  // a*b/d = q*b + r*b/d; r < d so r*b < d*b, which callers keep within 2^53 (d, b <= 10 000).
  const result = q * b + Math.floor((r * b) / d);
  if (!(Number.isSafeInteger(result))) fail(`mulDivFloor(${a}, ${b}, ${d}) overflows`);
  return result;
}
