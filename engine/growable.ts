import { fail } from './assert.js';

/**
 * Typed arrays that start small and double up to a fixed bound. Pools sized for the worst case
 * (every order on its own level, every order GTD) would cost memory per configured order even
 * when a book has a few hundred levels; doubling allocates O(log n) times and never in the
 * steady state, and the bound still caps the memory.
 */
type TypedArray = Float64Array | Int32Array | Uint8Array;

export function grownLength(current: number, needed: number, bound: number): number {
  if (needed > bound) fail(`growable array: ${needed} entries exceed the bound ${bound}`);
  let length = Math.max(current, 16);
  while (length < needed) length *= 2;
  return Math.min(length, bound);
}

export function grow<T extends TypedArray>(array: T, length: number): T {
  const grown = new (array.constructor as new (n: number) => T)(length);
  grown.set(array);
  return grown;
}
