import { assert, fail } from './assert.js';

/**
 * Order id → order handle, over typed arrays: no allocation per order. Its iteration order is
 * never observed, so the table layout cannot make a live run differ from a replay.
 *
 * Ids are command sequences, so the live ids are mostly recent ones, and a window of 2^k >=
 * capacity consecutive ids maps one-to-one onto 2^k slots. The index is therefore two tables:
 *
 *   direct:   slot = id mod 2^k; one compare finds an id, and removing one clears its slot.
 *   overflow: an open-addressing table for the ids whose direct slot a newer id took over (an
 *             order still live 2^k sequences after it was placed), and the rare id that lands
 *             on a taken slot when a snapshot restore puts orders back out of id order.
 *
 * The direct table replaced a single probing table: in that one, consecutive live ids formed
 * long clusters, and every removal's backward shift walked the rest of its cluster (the index
 * was the largest single cost of a cancel). The overflow table starts small and grows only
 * when old orders accumulate, so it costs memory only then.
 */
const EMPTY = -1;
const BLOCK_BITS = 6;
const BLOCK = 1 << BLOCK_BITS;
/** The overflow table starts with 2 blocks and doubles at a load factor of 3/4. */
const OVERFLOW_BLOCK_BITS_MIN = 1;

export class OrderIndex {
  readonly capacity: number;
  private readonly directKeys: Float64Array;
  private readonly directValues: Int32Array;
  /** 2^k - 1: `id & directMask` is id mod 2^k for every safe integer id (ToInt32 keeps the low 32 bits). */
  private readonly directMask: number;
  private readonly overflow: OverflowTable;
  private count = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0 && capacity <= 2 ** 30)) fail(`order index capacity ${capacity}`);
    this.capacity = capacity;
    let slots = 1;
    while (slots < capacity) slots *= 2;
    this.directMask = slots - 1;
    // A direct slot holds id + 1, so an empty slot is 0 and the zeroed allocation is already an
    // empty table. It is written through once all the same: the pages of a fresh allocation are
    // mapped on first write, and ids walk the direct table from end to end, so otherwise the first
    // 2^k orders each take a page fault's share (a kernel entry and a page clear per 512 ids):
    // about 6% of the standard order flow's time on a fresh engine, measured 2026-11-21. Faulting
    // them in here costs about 6 ms per million slots (12 MB), once, before the first command.
    this.directKeys = new Float64Array(slots);
    this.directValues = new Int32Array(slots);
    this.directKeys.fill(0);
    this.directValues.fill(0);
    this.overflow = new OverflowTable(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The handle of `id` (a safe integer >= 0), or NIL (-1). */
  get(id: number): number {
    const slot = id & this.directMask;
    if (this.directKeys[slot] === id + 1) return this.directValues[slot] as number;
    return this.overflow.size === 0 ? EMPTY : this.overflow.get(id);
  }

  put(id: number, handle: number): void {
    if (!(id >= 0 && Number.isSafeInteger(id))) fail(`order id ${id}`);
    if (!(this.count < this.capacity)) fail('order index full');
    const slot = id & this.directMask;
    const taken = (this.directKeys[slot] as number) - 1;
    if (!(taken !== id && (this.overflow.size === 0 || this.overflow.get(id) === EMPTY))) fail(`order id ${id} indexed twice`);
    // The id in the slot moves over: the newer id is the one more likely to be looked up soon.
    if (taken !== EMPTY) this.overflow.put(taken, this.directValues[slot] as number);
    this.directKeys[slot] = id + 1;
    this.directValues[slot] = handle;
    this.count++;
  }

  remove(id: number): void {
    const slot = id & this.directMask;
    if (this.directKeys[slot] === id + 1) this.directKeys[slot] = 0;
    else this.overflow.remove(id);
    this.count--;
  }
}

/**
 * An open-addressing hash table with linear probing and backward-shift deletion (no tombstones
 * to accumulate), growing by doubling up to a bound of `capacity` entries.
 */
class OverflowTable {
  private keys: Float64Array;
  private values: Int32Array;
  private slots: number;
  /** slots - 1: the slot count is a power of two, so wrapping and hashing are bit operations. */
  private mask: number;
  /** log2(blocks). */
  private blockBits = 0;
  /** 32 - blockBits: a multiplicative hash's top bits pick the block. */
  private blockShift = 32;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.keys = new Float64Array(0);
    this.values = new Int32Array(0);
    this.slots = 0;
    this.mask = 0;
    this.resize(OVERFLOW_BLOCK_BITS_MIN);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Ids are hashed in blocks of BLOCK consecutive ids: a block lands at a multiplicative-hash
   * position, and the ids inside it stay consecutive there, so orders placed close together
   * share cache lines while blocks still spread evenly over the table. Only the id's low 32 bits
   * are hashed (integer operations only, no division): ids that differ only above them share a
   * home and are told apart by probing.
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

  /** Callers have checked that `id` is not in the table. */
  put(id: number, handle: number): void {
    assert(this.count < this.capacity, 'order index overflow table full');
    // Load factor at most 3/4 keeps probe sequences short.
    if (4 * (this.count + 1) > 3 * this.slots) this.resize(this.blockBits + 1);
    this.insert(id, handle);
    this.count++;
  }

  private insert(id: number, handle: number): void {
    let i = this.home(id);
    for (let probes = 0; probes < this.slots; probes++) {
      if (this.keys[i] === EMPTY) {
        this.keys[i] = id;
        this.values[i] = handle;
        return;
      }
      i = (i + 1) & this.mask;
    }
    assert(false, 'order index probe bound exceeded');
  }

  /** Rehashes every entry into 2^blockBits blocks; the iteration order is never observed. */
  private resize(blockBits: number): void {
    if (!(blockBits + BLOCK_BITS <= 30)) fail(`order index overflow table of 2^${blockBits} blocks too large`);
    const keys = this.keys;
    const values = this.values;
    this.blockBits = blockBits;
    this.blockShift = 32 - blockBits;
    this.slots = 2 ** (blockBits + BLOCK_BITS);
    this.mask = this.slots - 1;
    this.keys = new Float64Array(this.slots).fill(EMPTY);
    this.values = new Int32Array(this.slots);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number;
      if (k !== EMPTY) this.insert(k, values[i] as number);
    }
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
