import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fnv64 } from './fnv64.js';
import { FC_SEED, fcParameters } from '../testkit/unit-fixtures.js';

function fnvOf(data: Uint8Array): string {
  const h = new Fnv64();
  h.bytes(data);
  return h.hex();
}

/** FNV-1a 64 with BigInt, straight from the definition. */
function reference(data: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of data) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return '0x' + h.toString(16).padStart(16, '0');
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('FNV-1a 64', () => {
  it('gives the published test vectors', () => {
    expect(fnvOf(ascii(''))).toBe('0xcbf29ce484222325');
    expect(fnvOf(ascii('a'))).toBe('0xaf63dc4c8601ec8c');
    expect(fnvOf(ascii('foobar'))).toBe('0x85944171f73967e8');
  });

  it('hashes integers as their little-endian bytes, and resets to the offset basis', () => {
    const h = new Fnv64();
    h.i64(-2);
    expect(h.hex()).toBe(reference(new Uint8Array([254, 255, 255, 255, 255, 255, 255, 255])));
    h.reset();
    h.u32(0x01020304);
    expect(h.hex()).toBe(reference(new Uint8Array([4, 3, 2, 1])));
    h.reset();
    expect(h.hex()).toBe('0xcbf29ce484222325');
  });

  it(`agrees with a BigInt implementation on any bytes (seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        expect(fnvOf(data)).toBe(reference(data));
      }),
      fcParameters(500),
    );
  });
});
