/**
 * Token buckets for order-rate throttles (per session and per account). Time comes in through a
 * clock function, never from Date.now, so tests step time by hand and are deterministic.
 *
 * The arithmetic is exact on safe integers: the bucket holds "nano-tokens" (one token is 1e9),
 * and `elapsedNs × ratePerSecond` nano-tokens flow in per elapsed ns. Elapsed time is capped at
 * what refills an empty bucket, so the product stays below burst × 1e9 ≤ 1e15 < 2^53.
 */

/** Monotonic nanoseconds, as a safe integer (e.g. Number(process.hrtime.bigint())). */
export type ClockNs = () => number;

export interface TokenBucketOptions {
  /** Sustained rate, tokens per second. */
  ratePerSecond: number;
  /** Capacity: how many tokens can be taken at once after an idle period. */
  burst: number;
}

export const TOKEN_RATE_PER_SECOND_MAX = 1_000_000;
export const TOKEN_BURST_MAX = 1_000_000;
const NANO = 1_000_000_000;

export function checkTokenBucketOptions(options: TokenBucketOptions): void {
  const { ratePerSecond, burst } = options;
  if (!Number.isInteger(ratePerSecond) || ratePerSecond < 1 || ratePerSecond > TOKEN_RATE_PER_SECOND_MAX) {
    throw new RangeError(`ratePerSecond ${ratePerSecond} outside [1, ${TOKEN_RATE_PER_SECOND_MAX}]`);
  }
  if (!Number.isInteger(burst) || burst < 1 || burst > TOKEN_BURST_MAX) throw new RangeError(`burst ${burst} outside [1, ${TOKEN_BURST_MAX}]`);
}

export class TokenBucket {
  private readonly rate: number;
  private readonly capacityNano: number;
  private nanoTokens: number;
  private lastNs: number;

  constructor(
    options: TokenBucketOptions,
    private readonly clock: ClockNs,
  ) {
    checkTokenBucketOptions(options);
    this.rate = options.ratePerSecond;
    this.capacityNano = options.burst * NANO;
    this.nanoTokens = this.capacityNano;
    this.lastNs = clock();
    if (!Number.isSafeInteger(this.lastNs)) throw new RangeError(`clock returned ${this.lastNs}`);
  }

  /** Takes `count` tokens if all are there (nothing is taken otherwise). */
  tryTake(count = 1): boolean {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`token count ${count}`);
    this.refill();
    const need = count * NANO;
    if (need > this.nanoTokens) return false;
    this.nanoTokens -= need;
    return true;
  }

  /** Gives back tokens taken by a check that a later check refused (never above capacity). */
  giveBack(count = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`token count ${count}`);
    this.nanoTokens = Math.min(this.capacityNano, this.nanoTokens + count * NANO);
  }

  /** Whole tokens available now. */
  available(): number {
    this.refill();
    return Math.floor(this.nanoTokens / NANO);
  }

  private refill(): void {
    const nowNs = this.clock();
    if (!Number.isSafeInteger(nowNs)) throw new RangeError(`clock returned ${nowNs}`);
    // A clock that steps back is treated as no time passing, never as negative refill.
    const elapsedNs = nowNs > this.lastNs ? nowNs - this.lastNs : 0;
    this.lastNs = Math.max(nowNs, this.lastNs);
    if (elapsedNs === 0 || this.nanoTokens === this.capacityNano) return;
    const fillNsMax = Math.ceil((this.capacityNano - this.nanoTokens) / this.rate);
    const flowNs = Math.min(elapsedNs, fillNsMax);
    this.nanoTokens = Math.min(this.capacityNano, this.nanoTokens + flowNs * this.rate);
    if (!(this.nanoTokens >= 0 && this.nanoTokens <= this.capacityNano)) throw new Error('token bucket out of range');
  }
}

/**
 * Token buckets by key (account id), created on first use with the same options. Bounded: past
 * `keysMax` keys, buckets that are full (idle long enough to have refilled) are evicted first,
 * and a key that still finds no room is refused, so a flood of accounts cannot grow memory.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<number, TokenBucket>();

  constructor(
    private readonly options: TokenBucketOptions,
    private readonly clock: ClockNs,
    readonly keysMax: number,
  ) {
    checkTokenBucketOptions(options);
    if (!Number.isInteger(keysMax) || keysMax < 1 || keysMax > 10_000_000) throw new RangeError(`keysMax ${keysMax}`);
  }

  tryTake(key: number, count = 1): boolean {
    const bucket = this.bucketFor(key);
    return bucket !== null && bucket.tryTake(count);
  }

  giveBack(key: number, count = 1): void {
    this.buckets.get(key)?.giveBack(count);
  }

  get size(): number {
    return this.buckets.size;
  }

  private bucketFor(key: number): TokenBucket | null {
    const existing = this.buckets.get(key);
    if (existing !== undefined) return existing;
    if (this.buckets.size >= this.keysMax) this.evictFull();
    if (this.buckets.size >= this.keysMax) return null;
    const bucket = new TokenBucket(this.options, this.clock);
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Drops every bucket that is full again: recreating it later gives the same answer. */
  private evictFull(): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.available() >= this.options.burst) this.buckets.delete(key);
    }
  }
}
