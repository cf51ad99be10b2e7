import { assert, fail } from './assert.js';

/**
 * Order id → order handle, an open-addressing hash table with linear probing and backward-shift
 * deletion over typed arrays: no allocation per order and no tombstones to accumulate. Its
 * iteration order is never observed, so the table layout cannot make a live run differ from a
 * replay.
 */
const EMPTY = -1;
const BLOCK_BITS = 6;
const BLOCK = 1 << BLOCK_BITS;

export class OrderIndex {
  private readonly keys: Float64Array;
  private readonly values: Int32Array;
  private readonly slots: number;
  /** slots - 1: the slot count is a power of two, so wrapping and hashing are bit operations. */
  private readonly mask: number;
  /** 32 - log2(blocks): a multiplicative hash's top bits pick the block. */
  private readonly blockShift: number;
  private count = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) fail(`order index capacity ${capacity}`);
    this.capacity = capacity;
    // Load factor at most 0.75 keeps probe sequences short; the table is whole blocks, a power
    // of two of them (at least 2, so that the block shift stays below 32).
    let blockBits = 1;
    while (2 ** blockBits * BLOCK * 0.75 < capacity) blockBits++;
    if (!(blockBits + BLOCK_BITS <= 30)) fail(`order index capacity ${capacity} too large`);
    this.blockShift = 32 - blockBits;
    this.slots = 2 ** (blockBits + BLOCK_BITS);
    this.mask = this.slots - 1;
    this.keys = new Float64Array(this.slots).fill(EMPTY);
    this.values = new Int32Array(this.slots);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Ids are sequences, and orders placed close together are usually looked up and removed close
   * together. So ids are hashed in blocks of BLOCK consecutive ids: a block lands at a
   * multiplicative-hash position, and the ids inside it stay consecutive there. Recent orders
   * then share cache lines, while blocks still spread evenly over the table. Only the id's low
   * 32 bits are hashed (integer operations only, no division): ids that differ only above them
   * share a home and are told apart by probing.
   */
  private home(id: number): number {
    const low = id >>> 0;
    return ((Math.imul(low >>> BLOCK_BITS, 0x9e3779b1) >>> this.blockShift) << BLOCK_BITS) | (low & (BLOCK - 1));
  }

  get(id: number): number {
    let i = this.home(id);
    for (let probes = 0; probes < this.slots; probes++) {
      const k = this.keys[i] as number;
      if (k === id) return this.values[i] as number;
      if (k === EMPTY) return EMPTY;
      i = (i + 1) & this.mask;
    }
    return EMPTY;
  }

  put(id: number, handle: number): void {
    if (!(id >= 0 && Number.isSafeInteger(id))) fail(`order id ${id}`);
    if (!(this.count < this.capacity)) fail('order index full');
    let i = this.home(id);
    for (let probes = 0; probes < this.slots; probes++) {
      const k = this.keys[i] as number;
      if (!(k !== id)) fail(`order id ${id} indexed twice`);
      if (k === EMPTY) {
        this.keys[i] = id;
        this.values[i] = handle;
        this.count++;
        return;
      }
      i = (i + 1) & this.mask;
    }
    assert(false, 'order index probe bound exceeded');
  }

  remove(id: number): void {
    let i = this.home(id);
    let probes = 0;
    while ((this.keys[i] as number) !== id) {
      if (!((this.keys[i] as number) !== EMPTY && ++probes < this.slots)) fail(`order id ${id} not indexed`);
      i = (i + 1) & this.mask;
    }
    // Backward-shift: move later entries of the same cluster into the hole when their home
    // position allows it, so lookups never need tombstones.
    let hole = i;
    let j = i;
    for (let steps = 0; steps < this.slots; steps++) {
      j = (j + 1) & this.mask;
      const k = this.keys[j] as number;
      if (k === EMPTY) break;
      const home = this.home(k);
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        this.keys[hole] = k;
        this.values[hole] = this.values[j] as number;
        hole = j;
      }
    }
    this.keys[hole] = EMPTY;
    this.count--;
  }
}
