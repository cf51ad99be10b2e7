/**
 * FNV-1a 64-bit, computed on two 32-bit halves so that no BigInt is allocated. Used for the
 * order-flow trade checksum (design §9) and the engine state hash.
 *
 * The prime is 2^40 + 0x1b3, so h * prime = h * 0x1b3 + (h << 40): the low half times 0x1b3 is
 * below 2^41 and every partial sum stays below 2^53, so the arithmetic is exact.
 */
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const TWO_POW_32 = 4294967296;

export class Fnv64 {
  private hi = OFFSET_HI;
  private lo = OFFSET_LO;

  reset(): void {
    this.hi = OFFSET_HI;
    this.lo = OFFSET_LO;
  }

  byte(b: number): void {
    const lo = (this.lo ^ (b & 0xff)) >>> 0;
    const loMul = lo * 0x1b3;
    // loMul < 2^41, so the division is exact enough for `| 0` to be its floor.
    this.hi = (this.hi * 0x1b3 + ((loMul / TWO_POW_32) | 0) + ((lo << 8) >>> 0)) >>> 0;
    this.lo = loMul >>> 0;
  }

  /** Eight little-endian bytes of a safe integer (two's complement for negatives). */
  i64(value: number): void {
    this.u32(value >>> 0);
    this.u32(Math.floor(value / TWO_POW_32) >>> 0);
  }

  /** Four little-endian bytes; the state stays in locals for the four rounds. */
  u32(value: number): void {
    let hi = this.hi;
    let lo = this.lo;
    for (let shift = 0; shift < 32; shift += 8) {
      lo = (lo ^ ((value >>> shift) & 0xff)) >>> 0;
      const loMul = lo * 0x1b3;
      hi = (hi * 0x1b3 + ((loMul / TWO_POW_32) | 0) + ((lo << 8) >>> 0)) >>> 0;
      lo = loMul >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }

  /**
   * Every byte of `data` (a state hash reads megabytes). The run keeps the state in four 16-bit
   * limbs v3..v0 in locals: each limb times 0x1b3 is below 2^25 and the shifted terms of 2^40
   * below 2^24, so every step is small-integer arithmetic, with no division per byte.
   */
  bytes(data: Uint8Array): void {
    let v0 = this.lo & 0xffff;
    let v1 = this.lo >>> 16;
    let v2 = this.hi & 0xffff;
    let v3 = this.hi >>> 16;
    const n = data.length;
    for (let i = 0; i < n; i++) {
      v0 ^= data[i] as number;
      const t0 = v0 * 0x1b3;
      let t1 = v1 * 0x1b3;
      let t2 = v2 * 0x1b3 + (v0 << 8);
      const t3 = v3 * 0x1b3 + (v1 << 8);
      t1 += t0 >>> 16;
      v0 = t0 & 0xffff;
      t2 += t1 >>> 16;
      v1 = t1 & 0xffff;
      v3 = (t3 + (t2 >>> 16)) & 0xffff;
      v2 = t2 & 0xffff;
    }
    this.lo = ((v1 << 16) | v0) >>> 0;
    this.hi = ((v3 << 16) | v2) >>> 0;
  }

  /** "0x" and 16 lower-case hex digits. */
  hex(): string {
    return '0x' + this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}
