// The simulator's one source of randomness: the load generator's xoshiro128** (seeded through
// splitmix32, checked against the reference algorithm in its own test), with the draws the
// scheduler needs. A seed names one run exactly, so a failure replays from it; Math.random is
// never used here.

import { assert } from '../../engine/assert.js';
import { Xoshiro128 } from '../../loadgen/order-flow-gen.js';

export class Prng {
  private readonly source: Xoshiro128;

  constructor(seed: number) {
    assert(Number.isSafeInteger(seed) && seed >= 0, `prng seed ${seed} is not a non-negative safe integer`);
    this.source = new Xoshiro128(seed);
  }

  /** The next 32 random bits as an unsigned integer. */
  nextU32(): number {
    return this.source.nextU32();
  }

  /** An integer in [0, bound), bound <= 2^32. */
  below(bound: number): number {
    return this.source.nextBelow(bound);
  }

  /** An integer in [min, max], both inclusive. */
  between(min: number, max: number): number {
    assert(Number.isInteger(min) && Number.isInteger(max) && max >= min, `prng range ${min}..${max}`);
    return min + this.below(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    assert(p >= 0 && p <= 1, `prng probability ${p}`);
    return this.source.nextUnit() < p;
  }

  /** An index into `weights`, chosen in proportion to them. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const weight of weights) total += weight;
    assert(total > 0, 'prng weights sum to zero');
    let pick = this.source.nextUnit() * total;
    for (let index = 0; index < weights.length; index++) {
      pick -= weights[index] as number;
      if (pick < 0) return index;
    }
    return weights.length - 1;
  }
}
