import { fail } from './assert.js';
import { grow, grownLength } from './growable.js';
import * as orderPool from './order-pool.js';
import type { OrderPool } from './order-pool.js';

// Module-level consts, not imported bindings, on the hot path (why: order-pool.ts).
const { NIL, F_STRIDE, F_ID, F_EXPIRE_AT_US, I_STRIDE, I_HEAP_POS } = orderPool;

/**
 * GTD orders by (expiry time, order id): an indexed binary min-heap over order handles, so that
 * a cancelled order leaves the queue at once (no stale entries to bound) and orders expiring at
 * the same time leave in order id order, which is the same live and in a replay.
 */
export class ExpiryQueue {
  private heap = new Int32Array(64);
  private n = 0;

  constructor(
    private readonly orders: OrderPool,
    private readonly capacity: number,
  ) {}

  get size(): number {
    return this.n;
  }

  /** The handle that expires first, or NIL. */
  peek(): number {
    return this.n === 0 ? NIL : (this.heap[0] as number);
  }

  private less(a: number, b: number): boolean {
    const F = this.orders.F;
    const ea = F[a * F_STRIDE + F_EXPIRE_AT_US] as number;
    const eb = F[b * F_STRIDE + F_EXPIRE_AT_US] as number;
    return ea < eb || (ea === eb && (F[a * F_STRIDE + F_ID] as number) < (F[b * F_STRIDE + F_ID] as number));
  }

  private place(i: number, h: number): void {
    this.heap[i] = h;
    this.orders.I[h * I_STRIDE + I_HEAP_POS] = i;
  }

  push(h: number): void {
    if (this.n === this.heap.length) this.heap = grow(this.heap, grownLength(this.n, this.n + 1, this.capacity));
    if (!(this.orders.I[h * I_STRIDE + I_HEAP_POS] === NIL)) fail(`order handle ${h} already queued for expiry`);
    this.place(this.n, h);
    this.n++;
    this.up(this.n - 1);
  }

  remove(h: number): void {
    const i = this.orders.I[h * I_STRIDE + I_HEAP_POS] as number;
    if (!(i !== NIL && this.heap[i] === h)) fail(`order handle ${h} is not queued for expiry`);
    this.orders.I[h * I_STRIDE + I_HEAP_POS] = NIL;
    this.n--;
    if (i === this.n) return;
    this.place(i, this.heap[this.n] as number);
    this.down(i);
    this.up(i);
  }

  private up(start: number): void {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const h = this.heap[i] as number;
      const p = this.heap[parent] as number;
      if (!this.less(h, p)) break;
      this.place(parent, h);
      this.place(i, p);
      i = parent;
    }
  }

  private down(start: number): void {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.n) return;
      const r = l + 1;
      const c = r < this.n && this.less(this.heap[r] as number, this.heap[l] as number) ? r : l;
      const h = this.heap[i] as number;
      const ch = this.heap[c] as number;
      if (!this.less(ch, h)) return;
      this.place(c, h);
      this.place(i, ch);
      i = c;
    }
  }
}
