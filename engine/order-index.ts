import { assert, fail } from './assert.js';

/**
 * Order id → order handle, an open-addressing hash table with linear probing and backward-shift
 * deletion over typed arrays: no allocation per order and no tombstones to accumulate. Its
 * iteration order is never observed, so the table layout cannot make a live run differ from a
 * replay.
 */
const EMPTY = -1;
const BLOCK = 64;

export class OrderIndex {
  private readonly keys: Float64Array;
  private readonly values: Int32Array;
  private readonly slots: number;
  private readonly blocks: number;
  private count = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) fail(`order index capacity ${capacity}`);
    this.capacity = capacity;
    // Load factor at most 0.75 keeps probe sequences short; the table is whole blocks.
    this.blocks = Math.ceil(capacity / 0.75 / BLOCK) + 1;
    this.slots = this.blocks * BLOCK;
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
   * then share cache lines, while blocks still spread evenly over the table.
   */
  private home(id: number): number {
    const block = Math.floor(id / BLOCK);
    const mixed = Math.imul(block >>> 0, 0x9e3779b1) >>> 0;
    return Math.floor((mixed / 4294967296) * this.blocks) * BLOCK + (id - block * BLOCK);
  }

  get(id: number): number {
    let i = this.home(id);
    for (let probes = 0; probes < this.slots; probes++) {
      const k = this.keys[i] as number;
      if (k === id) return this.values[i] as number;
      if (k === EMPTY) return EMPTY;
      i = i + 1 === this.slots ? 0 : i + 1;
    }
    return EMPTY;
  }

  put(id: number, handle: number): void {
    if (!(id >= 0 && Number.isSafeInteger(id))) fail(`order id ${id}`);
    assert(this.count < this.capacity, 'order index full');
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
      i = i + 1 === this.slots ? 0 : i + 1;
    }
    assert(false, 'order index probe bound exceeded');
  }

  remove(id: number): void {
    let i = this.home(id);
    let probes = 0;
    while ((this.keys[i] as number) !== id) {
      if (!((this.keys[i] as number) !== EMPTY && ++probes < this.slots)) fail(`order id ${id} not indexed`);
      i = i + 1 === this.slots ? 0 : i + 1;
    }
    // Backward-shift: move later entries of the same cluster into the hole when their home
    // position allows it, so lookups never need tombstones.
    let hole = i;
    let j = i;
    for (let steps = 0; steps < this.slots; steps++) {
      j = j + 1 === this.slots ? 0 : j + 1;
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
