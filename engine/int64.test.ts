import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { i64In, isIntIn, mulDivFloor, readI64, UNSAFE_I64, writeI64 } from './int64.js';
import { FC_SEED, fcParameters } from '../testkit/unit-fixtures.js';

function bytesOf(value: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  writeI64(view, 0, value);
  return [...new Uint8Array(view.buffer)];
}

function readBig(value: bigint): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigInt64(0, value, true);
  return readI64(view, 0);
}

describe('i64 fields', () => {
  it('are little-endian two’s complement', () => {
    expect(bytesOf(258)).toEqual([2, 1, 0, 0, 0, 0, 0, 0]);
    expect(bytesOf(2 ** 32)).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(bytesOf(-1)).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
    expect(bytesOf(-2)).toEqual([254, 255, 255, 255, 255, 255, 255, 255]);
    expect(bytesOf(Number.MAX_SAFE_INTEGER)).toEqual([255, 255, 255, 255, 255, 255, 31, 0]);
  });

  it('round-trip the edges of the safe range, negatives included', () => {
    for (const v of [0, 1, -1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, 2 ** 52, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      expect(readBig(BigInt(v))).toBe(v);
    }
  });

  it('read an unsafe value as UNSAFE_I64, which validation rejects as negative', () => {
    for (const v of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n]) expect(readBig(v)).toBe(UNSAFE_I64);
    expect(UNSAFE_I64).toBeLessThan(0);
  });

  it('refuse to write a value that is not a safe integer', () => {
    const view = new DataView(new ArrayBuffer(8));
    for (const v of [2 ** 53, -(2 ** 53), 1.5, Number.NaN, Infinity]) expect(() => writeI64(view, 0, v)).toThrow(AssertionError);
  });

  it(`agree with BigInt64 for any safe integer (seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        const view = new DataView(new ArrayBuffer(8));
        writeI64(view, 0, v);
        expect(view.getBigInt64(0, true)).toBe(BigInt(v));
        expect(readI64(view, 0)).toBe(v);
      }),
      fcParameters(1_000),
    );
  });
});

describe('integer helpers', () => {
  it('isIntIn takes safe integers within bounds only', () => {
    expect([isIntIn(1, 1, 5), isIntIn(5, 1, 5), isIntIn(0, 1, 5), isIntIn(6, 1, 5), isIntIn(1.5, 1, 5), isIntIn(Number.NaN, 1, 5)]).toEqual([true, true, false, false, false, false]);
  });

  it(`i64In agrees with isIntIn on every value readI64 returns, any 64 bits (seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.nat(), fc.maxSafeNat(), (bits, min, max) => {
        const view = new DataView(new ArrayBuffer(8));
        view.setBigInt64(0, bits, true);
        const v = readI64(view, 0);
        expect(i64In(v, min, max)).toBe(isIntIn(v, min, max));
        expect(i64In(v, 0, Number.MAX_SAFE_INTEGER)).toBe(isIntIn(v, 0, Number.MAX_SAFE_INTEGER));
      }),
      fcParameters(1_000),
    );
  });

  it('mulDivFloor rounds down: floor(999 × 20 / 10 000) = 1, floor(999 × 10 / 10 000) = 0', () => {
    expect([mulDivFloor(999, 20, 10_000), mulDivFloor(999, 10, 10_000), mulDivFloor(1_000, 20, 10_000)]).toEqual([1, 0, 2]);
    expect(mulDivFloor(Number.MAX_SAFE_INTEGER, 10_000, 10_000)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it(`mulDivFloor is exact where a × b exceeds 2^53 (seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 10_000 }), (a, b) => {
        expect(BigInt(mulDivFloor(a, b, 10_000))).toBe((BigInt(a) * BigInt(b)) / 10_000n);
      }),
      fcParameters(1_000),
    );
  });
});
