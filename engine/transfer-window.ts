import { assert, fail } from './assert.js';

/**
 * Applied transfer ids (deposits and withdrawals), for idempotency: applying the same transfer
 * twice is a no-op answered TRANSFER_ALREADY_APPLIED. Memory is bounded by a FIFO window of the
 * most recent ids; the largest id ever evicted is kept as a watermark, and an id at or below it
 * that is not in the window cannot be told apart from an old duplicate, so it is answered
 * TRANSFER_ID_TOO_OLD rather than risk applying money twice.
 */
export class TransferWindow {
  private readonly ids = new Set<number>();
  private readonly window: Float64Array;
  private head = 0;
  private count = 0;
  private watermarkId = 0;

  constructor(readonly windowSize: number) {
    assert(windowSize >= 1, 'transfer window must hold at least one id');
    this.window = new Float64Array(windowSize);
  }

  get watermark(): number {
    return this.watermarkId;
  }

  applied(id: number): boolean {
    return this.ids.has(id);
  }

  tooOld(id: number): boolean {
    return id <= this.watermarkId && !this.ids.has(id);
  }

  record(id: number): void {
    if (!(!this.ids.has(id))) fail(`transfer ${id} recorded twice`);
    if (this.count === this.windowSize) {
      const evicted = this.window[this.head] as number;
      this.ids.delete(evicted);
      if (evicted > this.watermarkId) this.watermarkId = evicted;
      this.head = (this.head + 1) % this.windowSize;
      this.count--;
    }
    this.window[(this.head + this.count) % this.windowSize] = id;
    this.count++;
    this.ids.add(id);
  }

  /** Window contents, oldest first. */
  windowIds(): number[] {
    const ids: number[] = [];
    for (let i = 0; i < this.count; i++) ids.push(this.window[(this.head + i) % this.windowSize] as number);
    return ids;
  }

  restore(watermark: number, ids: readonly number[]): void {
    assert(this.count === 0, 'restore into a fresh window only');
    assert(ids.length <= this.windowSize, 'snapshot transfer window larger than configured');
    for (const id of ids) this.record(id);
    this.watermarkId = watermark;
  }
}
