import { fail } from './assert.js';
import * as orderPool from './order-pool.js';
import type { EventSink } from './event-sink.js';
import type { OrderPool } from './order-pool.js';
import { FEE_ACCOUNT_ID } from './symbol-config.js';

// Module-level consts, not imported bindings, on the hot path (why: order-pool.ts).
const { NIL, I_STRIDE, I_ACCT_NEXT, I_ACCT_PREV } = orderPool;

/**
 * Accounts and balances. Account ids index the arrays directly (0 is the fee account), and asset
 * ids likewise (1..n), so a balance is one typed-array load. Each account also heads an intrusive
 * list of its live orders in order id order, which bounds the work of a mass cancel by the
 * account's own orders and gives it a defined order.
 *
 * Balances that a command touched are collected on a dirty list so that one BALANCE event per
 * touched (account, asset) is emitted at the end of the command, in first-touched order.
 */
export class Accounts {
  readonly assetSlots: number;
  readonly available: Float64Array;
  readonly reserved: Float64Array;
  readonly exists: Uint8Array;
  readonly blocked: Uint8Array;
  readonly openOrders: Int32Array;
  readonly orderHead: Int32Array;
  readonly orderTail: Int32Array;
  /** Sum over all accounts of available + reserved, per asset: deposits minus withdrawals. */
  readonly supply: Float64Array;
  private readonly dirtyFlag: Uint8Array;
  private readonly dirtyList: Int32Array;
  private dirtyCount = 0;

  constructor(
    readonly maxAccounts: number,
    assetCount: number,
    private readonly orders: OrderPool,
  ) {
    this.assetSlots = assetCount + 1;
    const n = (maxAccounts + 1) * this.assetSlots;
    this.available = new Float64Array(n);
    this.reserved = new Float64Array(n);
    this.exists = new Uint8Array(maxAccounts + 1);
    this.blocked = new Uint8Array(maxAccounts + 1);
    this.openOrders = new Int32Array(maxAccounts + 1);
    this.orderHead = new Int32Array(maxAccounts + 1).fill(NIL);
    this.orderTail = new Int32Array(maxAccounts + 1).fill(NIL);
    this.supply = new Float64Array(this.assetSlots);
    this.dirtyFlag = new Uint8Array(n);
    this.dirtyList = new Int32Array(n);
    this.exists[FEE_ACCOUNT_ID] = 1;
  }

  has(accountId: number): boolean {
    return accountId >= 0 && accountId <= this.maxAccounts && this.exists[accountId] === 1;
  }

  slot(accountId: number, assetId: number): number {
    return accountId * this.assetSlots + assetId;
  }

  private touch(slot: number): void {
    if (this.dirtyFlag[slot] === 0) {
      this.dirtyFlag[slot] = 1;
      this.dirtyList[this.dirtyCount++] = slot;
    }
  }

  credit(accountId: number, assetId: number, amount: number): void {
    const s = this.slot(accountId, assetId);
    const after = (this.available[s] as number) + amount;
    if (!(amount >= 0 && Number.isSafeInteger(after))) fail(`credit ${amount} to ${accountId}/${assetId}`);
    this.available[s] = after;
    this.touch(s);
  }

  debit(accountId: number, assetId: number, amount: number): void {
    const s = this.slot(accountId, assetId);
    const after = (this.available[s] as number) - amount;
    if (!(amount >= 0 && after >= 0)) fail(`debit ${amount} from ${accountId}/${assetId} leaves ${after}`);
    this.available[s] = after;
    this.touch(s);
  }

  /** available → reserved */
  reserve(accountId: number, assetId: number, amount: number): void {
    const s = this.slot(accountId, assetId);
    const after = (this.available[s] as number) - amount;
    if (!(amount >= 0 && after >= 0)) fail(`reserve ${amount} for ${accountId}/${assetId} leaves ${after}`);
    this.available[s] = after;
    this.reserved[s] = (this.reserved[s] as number) + amount;
    this.touch(s);
  }

  /** reserved → available */
  release(accountId: number, assetId: number, amount: number): void {
    const s = this.slot(accountId, assetId);
    const after = (this.reserved[s] as number) - amount;
    if (!(amount >= 0 && after >= 0)) fail(`release ${amount} for ${accountId}/${assetId} leaves ${after}`);
    this.reserved[s] = after;
    this.available[s] = (this.available[s] as number) + amount;
    this.touch(s);
  }

  /** reserved → gone (paid out in a trade) */
  spendReserved(accountId: number, assetId: number, amount: number): void {
    const s = this.slot(accountId, assetId);
    const after = (this.reserved[s] as number) - amount;
    if (!(amount >= 0 && after >= 0)) fail(`spend ${amount} of ${accountId}/${assetId} reserved leaves ${after}`);
    this.reserved[s] = after;
    this.touch(s);
  }

  /**
   * Reports the touched (account, asset) pairs to `sink` as balances, in first-touched order
   * (none when `sink` is null), and clears the list. It takes the sink, not a callback: a
   * callback would be a closure per engine, which V8 embeds in the optimized code of the
   * methods that inline this one, so collecting an engine that is gone threw away the code of
   * the live one ("weak objects" deoptimizations, measured on the order-flow benchmark's
   * fresh engine per pass).
   */
  drainDirty(sink: EventSink | null): void {
    for (let i = 0; i < this.dirtyCount; i++) {
      const s = this.dirtyList[i] as number;
      this.dirtyFlag[s] = 0;
      if (sink !== null) sink.balance(Math.floor(s / this.assetSlots), s % this.assetSlots, this.available[s] as number, this.reserved[s] as number);
    }
    this.dirtyCount = 0;
  }

  linkOrder(accountId: number, h: number): void {
    const I = this.orders.I;
    const tail = this.orderTail[accountId] as number;
    I[h * I_STRIDE + I_ACCT_PREV] = tail;
    I[h * I_STRIDE + I_ACCT_NEXT] = NIL;
    if (tail === NIL) this.orderHead[accountId] = h;
    else I[tail * I_STRIDE + I_ACCT_NEXT] = h;
    this.orderTail[accountId] = h;
    this.openOrders[accountId] = (this.openOrders[accountId] as number) + 1;
  }

  unlinkOrder(accountId: number, h: number): void {
    const I = this.orders.I;
    const i = h * I_STRIDE;
    const prev = I[i + I_ACCT_PREV] as number;
    const next = I[i + I_ACCT_NEXT] as number;
    if (prev === NIL) this.orderHead[accountId] = next;
    else I[prev * I_STRIDE + I_ACCT_NEXT] = next;
    if (next === NIL) this.orderTail[accountId] = prev;
    else I[next * I_STRIDE + I_ACCT_PREV] = prev;
    I[i + I_ACCT_PREV] = NIL;
    I[i + I_ACCT_NEXT] = NIL;
    const open = (this.openOrders[accountId] as number) - 1;
    if (!(open >= 0)) fail(`account ${accountId} open order count below zero`);
    this.openOrders[accountId] = open;
  }
}
