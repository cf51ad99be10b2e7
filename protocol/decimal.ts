/**
 * Exact conversion between wire decimal strings and integer units (design §2): a price is a
 * whole number of ticks, a quantity a whole number of lots, a balance a whole number of an
 * asset's minor units. The arithmetic is on integers (BigInt, or safe-integer Numbers where
 * they are exact), never on floats' fractions; a value that is not an exact multiple of its unit
 * is refused, never rounded.
 *
 * Accepted syntax, and nothing else (no sign, no exponent, no spaces, no leading zeros, no bare
 * point):
 *
 *     decimal  = int [ "." digits ]
 *     int      = "0" | nonzero-digit { digit }
 */

/** A decimal unit such as a tick "0.01": value = mantissa / 10^scale. */
export interface DecimalUnit {
  readonly text: string;
  readonly mantissa: bigint;
  readonly scale: number;
}

/** Longest decimal string accepted: more digits than any safe integer of units needs. */
export const DECIMAL_LENGTH_MAX = 40;
/** Most fraction digits of a unit: 18 covers every asset's decimals (symbol-config.ts). */
export const UNIT_SCALE_MAX = 18;

const DECIMAL_PATTERN = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * The Number fast path of parseUnits and formatUnits: integers below 2^53 are exact in a double,
 * and so are their products, remainders and exact quotients while every operand and result stays
 * a safe integer, which the code checks before trusting one. Otherwise BigInt, as always. It is
 * taken once or twice per order and per report (a BigInt per digit string was a few % of the
 * gateway's time).
 */
const FAST_DIGITS_MAX = 15;
const POW10: readonly number[] = Array.from({ length: FAST_DIGITS_MAX + 1 }, (_, k) => 10 ** k);
const SAFE_MAX_BIG = BigInt(Number.MAX_SAFE_INTEGER);

export type DecimalParse =
  | { readonly ok: true; readonly units: number }
  | { readonly ok: false; readonly why: 'syntax' | 'not-multiple' | 'range' };

/** Parses a unit string ("0.01", "5", "0.25"); throws on a malformed or zero unit (configuration). */
export function decimalUnit(text: string): DecimalUnit {
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null || text.length > DECIMAL_LENGTH_MAX) throw new Error(`unit "${text}" is not a plain decimal`);
  const fraction = match[2] ?? '';
  if (fraction.length > UNIT_SCALE_MAX) throw new Error(`unit "${text}" has more than ${UNIT_SCALE_MAX} fraction digits`);
  const mantissa = BigInt((match[1] as string) + fraction);
  if (mantissa <= 0n) throw new Error(`unit "${text}" must be positive`);
  return { text, mantissa, scale: fraction.length };
}

/** The unit 10^-decimals: one minor unit of an asset. */
export function minorUnit(decimals: number): DecimalUnit {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > UNIT_SCALE_MAX) throw new Error(`decimals ${decimals}`);
  return decimalUnit(decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`);
}

/**
 * `text` as a whole number of `unit`s in [0, maxUnits]. `value` of any type may be passed: a
 * non-string is a syntax refusal, so callers can hand over decoded input as it is.
 */
export function parseUnits(value: unknown, unit: DecimalUnit, maxUnits: number = Number.MAX_SAFE_INTEGER): DecimalParse {
  if (!Number.isSafeInteger(maxUnits) || maxUnits < 0) throw new Error(`maxUnits ${maxUnits}`);
  if (typeof value !== 'string' || value.length === 0 || value.length > DECIMAL_LENGTH_MAX) return { ok: false, why: 'syntax' };
  const match = DECIMAL_PATTERN.exec(value);
  if (match === null) return { ok: false, why: 'syntax' };
  const fraction = match[2] ?? '';
  const fast = parseUnitsFast(match[1] as string, fraction, unit, maxUnits);
  if (fast !== null) return fast;
  // value = digits / 10^fraction.length; units = value / (mantissa / 10^scale).
  const numerator = BigInt((match[1] as string) + fraction) * 10n ** BigInt(unit.scale);
  const denominator = unit.mantissa * 10n ** BigInt(fraction.length);
  if (numerator % denominator !== 0n) return { ok: false, why: 'not-multiple' };
  const units = numerator / denominator;
  if (units > BigInt(maxUnits)) return { ok: false, why: 'range' };
  const result = Number(units);
  if (!Number.isSafeInteger(result) || result < 0) throw new Error(`decimal ${value} converted to ${result}`);
  return { ok: true, units: result };
}

/** parseUnits on Numbers when every quantity is a safe integer; null: take the BigInt path. */
function parseUnitsFast(int: string, fraction: string, unit: DecimalUnit, maxUnits: number): DecimalParse | null {
  if (int.length + fraction.length > FAST_DIGITS_MAX || unit.scale > FAST_DIGITS_MAX || unit.mantissa > SAFE_MAX_BIG) return null;
  // Both on the finer of the two scales: value = v / 10^s, unit = u / 10^s, units = v / u.
  const s = Math.max(fraction.length, unit.scale);
  const v = Number(int + fraction) * (POW10[s - fraction.length] as number);
  const u = Number(unit.mantissa) * (POW10[s - unit.scale] as number);
  if (!Number.isSafeInteger(v) || !Number.isSafeInteger(u)) return null;
  if (v % u !== 0) return { ok: false, why: 'not-multiple' };
  const units = v / u;
  if (units > maxUnits) return { ok: false, why: 'range' };
  return { ok: true, units };
}

/**
 * `units` of `unit` as a decimal string with exactly the unit's scale ("50000.00" for 5 000 000
 * ticks of 0.01): one canonical spelling per value, so the strings of a symbol compare as numbers.
 */
export function formatUnits(units: number, unit: DecimalUnit): string {
  if (!Number.isSafeInteger(units)) throw new Error(`units ${units} is not a safe integer`);
  const negative = units < 0;
  const product = unit.mantissa <= SAFE_MAX_BIG ? Math.abs(units) * Number(unit.mantissa) : Number.NaN;
  const digits = Number.isSafeInteger(product) ? String(product) : ((negative ? -BigInt(units) : BigInt(units)) * unit.mantissa).toString();
  const text = unit.scale === 0 ? digits : placePoint(digits, unit.scale);
  return negative ? `-${text}` : text;
}

function placePoint(digits: string, scale: number): string {
  const padded = digits.padStart(scale + 1, '0');
  return `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
}

/**
 * Compares two decimal strings (as formatUnits writes them, a leading '-' allowed) by value:
 * negative, zero or positive like a sort comparator. Throws on anything else.
 */
export function compareDecimals(a: string, b: string): number {
  const [am, as] = scaled(a);
  const [bm, bs] = scaled(b);
  const scale = Math.max(as, bs);
  const x = am * 10n ** BigInt(scale - as);
  const y = bm * 10n ** BigInt(scale - bs);
  return x < y ? -1 : x > y ? 1 : 0;
}

function scaled(text: string): [bigint, number] {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const match = DECIMAL_PATTERN.exec(body);
  if (match === null || body.length > DECIMAL_LENGTH_MAX) throw new Error(`"${text}" is not a decimal`);
  const fraction = match[2] ?? '';
  const mantissa = BigInt((match[1] as string) + fraction);
  return [negative ? -mantissa : mantissa, fraction.length];
}
