import { CancelReason, EventType } from './event-layout.js';

/**
 * Where the core's events go. The core calls one method per event, with numbers only, so that
 * applying a command allocates nothing; the binary writer (event-codec.ts) turns the calls into
 * event records for the output ring, and benchmarks can count without encoding.
 *
 * Every command is bracketed by `beginCommand` and `endCommand`; the events in between were
 * caused by it. Each command produces exactly one ACCEPTED or REJECTED event.
 */
export interface EventSink {
  beginCommand(seq: number, timestampUs: number, commandType: number): void;
  /** `cmd`/`cmdOffset` give the command record, from which the client order id is copied. */
  accepted(
    accountId: number,
    symbolId: number,
    orderId: number,
    side: number,
    price: number,
    qty: number,
    stopPrice: number,
    cmd: DataView,
    cmdOffset: number,
  ): void;
  rejected(
    code: number,
    accountId: number,
    symbolId: number,
    orderId: number,
    side: number,
    price: number,
    qty: number,
    cmd: DataView,
    cmdOffset: number,
  ): void;
  trade(
    symbolId: number,
    takerSide: number,
    takerAccountId: number,
    takerOrderId: number,
    takerLeavesQty: number,
    takerCumQty: number,
    makerAccountId: number,
    makerOrderId: number,
    makerLeavesQty: number,
    makerCumQty: number,
    price: number,
    qty: number,
    takerFee: number,
    makerFee: number,
  ): void;
  cancelled(
    reason: CancelReason,
    accountId: number,
    symbolId: number,
    orderId: number,
    side: number,
    price: number,
    cancelledQty: number,
    leavesQty: number,
    cumQty: number,
  ): void;
  amended(
    accountId: number,
    symbolId: number,
    orderId: number,
    side: number,
    price: number,
    qty: number,
    leavesQty: number,
    cumQty: number,
    priorityKept: boolean,
  ): void;
  stopTriggered(accountId: number, symbolId: number, orderId: number, side: number, lastPrice: number, leavesQty: number): void;
  balance(accountId: number, assetId: number, available: number, reserved: number): void;
  bookLevel(symbolId: number, side: number, price: number, totalQty: number, orderCount: number): void;
  endCommand(): void;
}

export { EventType, CancelReason };
