import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';

/**
 * Hostile frames for the gateway's intake, shared by the codec-level properties
 * (wire-hostile.prop.test.ts) and the server-level ones over real sockets
 * (server-hostile.integration.test.ts): valid messages of every type, hostile field values,
 * messages with one field replaced, deleted or added, and whole frames built from them.
 */
export const validPlace = { type: 'place', id: 1, symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5' };
export const validMessages: Array<Record<string, unknown>> = [
  validPlace,
  { ...validPlace, orderType: 'stop_limit', stopPrice: '49000.00', tif: 'gtd', expireAtUs: 9, clOrdId: 'a', postOnly: false, stp: 'cancel_taker' },
  { type: 'amend', id: 2, orderId: 5, symbol: 'ETH-USD', price: '2000.00', qty: '1.000' },
  { type: 'cancel', id: 3, orderId: 5 },
  { type: 'mass_cancel', id: 4, symbol: 'BTC-USD' },
  { type: 'login', id: 5, account: 1, apiKey: 'k'.repeat(20), cancelOnDisconnect: true },
  { type: 'subscribe', id: 6, channel: 'book', symbol: 'BTC-USD' },
  { type: 'ping', id: 7 },
  { type: 'batch', id: 8, orders: [validPlace, { type: 'cancel', id: 3, orderId: 5 }] },
];

/** Hostile field values: wrong types, huge, negative, fractional, NaN, odd decimals. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, -1, 0.5, 2 ** 53, 2 ** 64, -(2 ** 63), Number.MAX_VALUE, Number.MIN_VALUE, null, true, [], {}),
  fc.constantFrom('', '-1', '+1', '1e3', '.5', '1.', '01', 'NaN', '0', '0.000000001', '9'.repeat(39), '9'.repeat(41), '50000.005', ' 1', '١٢', 'BTC-USD', '\u0000'),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[0-9]{1,25}(\.[0-9]{1,25})?$/),
  fc.anything({ maxDepth: 2 }),
);

export const mutatedMessage: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom(...validMessages), fc.nat(), hostileValue, fc.constantFrom('replace', 'delete', 'add'), fc.string({ maxLength: 12 }))
  .map(([base, pick, value, how, name]) => {
    const copy: Record<string, unknown> = { ...base };
    const keys = Object.keys(copy);
    const key = keys[pick % keys.length] as string;
    if (how === 'replace') copy[key] = value;
    else if (how === 'delete') delete copy[key];
    else copy[name === '__proto__' ? 'proto' : name] = value;
    return copy;
  });

export function packable(value: unknown): boolean {
  try {
    encode(value);
    return true;
  } catch {
    return false;
  }
}


export interface HostileFrame {
  readonly bytes: Uint8Array;
  readonly binary: boolean;
}

function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
}

/** Whole frames: random bytes, random JSON/msgpack values, mutated, truncated and bit-flipped messages. */
export const hostileFrame: fc.Arbitrary<HostileFrame> = fc.oneof(
  fc.record({ bytes: fc.uint8Array({ maxLength: 256 }), binary: fc.boolean() }),
  fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.boolean()).map(([value, binary]) => ({ bytes: binary ? encode(value) : Buffer.from(jsonText(value)), binary })),
  fc
    .tuple(mutatedMessage, fc.boolean())
    .map(([message, binary]) => (binary && packable(message) ? { bytes: encode(message), binary: true } : { bytes: Buffer.from(jsonText(message)), binary: false })),
  fc.tuple(fc.constantFrom(...validMessages), fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean()).map(([message, binary, at, bit, truncate]) => {
    const bytes = Buffer.from(binary ? encode(message) : Buffer.from(JSON.stringify(message)));
    const i = at % bytes.length;
    if (truncate) return { bytes: bytes.subarray(0, i), binary };
    bytes[i] = (bytes[i] as number) ^ (1 << bit);
    return { bytes, binary };
  }),
);
