import { assert } from './assert.js';
import { carriesKeyMaterial } from './command-codec.js';
import { CL_ORD_ID_MAX_LENGTH, CMD_CL_ORD_ID, CMD_CL_ORD_ID_LEN, CMD_FLAGS, CMD_KEY_MATERIAL, CMD_ORDER_TYPE, CMD_TIF, KEY_MATERIAL_BYTES } from './command-layout.js';
import {
  CancelReason,
  EV_ACCOUNT_ID,
  EV_CL_ORD_ID,
  EV_CL_ORD_ID_LEN,
  EV_CMD_TYPE,
  EV_CODE,
  EV_CUM_QTY,
  EV_FLAGS,
  EV_KEY_MATERIAL,
  EV_LEAVES_QTY,
  EV_MAKER_ACCOUNT_ID,
  EV_MAKER_CUM_QTY,
  EV_MAKER_FEE,
  EV_MAKER_LEAVES_QTY,
  EV_MAKER_ORDER_ID,
  EV_ORDER_FLAGS,
  EV_ORDER_ID,
  EV_ORDER_TYPE,
  EV_PRICE,
  EV_QTY,
  EV_REASON,
  EV_SEQ,
  EV_SIDE,
  EV_STOP_PRICE,
  EV_SYMBOL_ID,
  EV_TAKER_FEE,
  EV_TIF,
  EV_TIMESTAMP_US,
  EV_TYPE,
  EVENT_FLAG_PRIORITY_KEPT,
  EVENT_FLAG_SELF_TRADE,
  EVENT_SIZE,
  EventType,
} from './event-layout.js';
import type { EventSink } from './event-sink.js';
import { readI64, writeI64 } from './int64.js';

/**
 * Where encoded events are written: `claim` returns the byte offset of a zeroed EVENT_SIZE slot
 * in `view`, `commandDone` marks the end of one command's events (the ring publishes there, so
 * a consumer never sees half of a command's events).
 */
export interface EventOutput {
  readonly view: DataView;
  claim(): number;
  commandDone(): void;
}

/** Encodes the core's event calls into event records (event-layout.ts). */
export class BinaryEventWriter implements EventSink {
  private seq = 0;
  private timestampUs = 0;
  private commandType = 0;

  constructor(private readonly out: EventOutput) {}

  private header(type: EventType): number {
    // Claim first: claiming may grow the output and replace its view.
    const o = this.out.claim();
    const v = this.out.view;
    v.setUint8(o + EV_TYPE, type);
    v.setUint8(o + EV_CMD_TYPE, this.commandType);
    writeI64(v, o + EV_SEQ, this.seq);
    writeI64(v, o + EV_TIMESTAMP_US, this.timestampUs);
    return o;
  }

  beginCommand(seq: number, timestampUs: number, commandType: number): void {
    this.seq = seq;
    this.timestampUs = timestampUs;
    this.commandType = commandType;
  }

  endCommand(): void {
    this.out.commandDone();
  }

  private result(type: EventType, code: number, accountId: number, symbolId: number, orderId: number, side: number, price: number, qty: number, cmd: DataView, cmdOffset: number): number {
    const o = this.header(type);
    const v = this.out.view;
    v.setInt32(o + EV_CODE, code, true);
    v.setUint32(o + EV_ACCOUNT_ID, accountId, true);
    v.setUint32(o + EV_SYMBOL_ID, symbolId, true);
    v.setUint8(o + EV_SIDE, side);
    writeI64(v, o + EV_ORDER_ID, orderId);
    writeI64(v, o + EV_PRICE, price);
    writeI64(v, o + EV_QTY, qty);
    const len = Math.min(cmd.getUint8(cmdOffset + CMD_CL_ORD_ID_LEN), CL_ORD_ID_MAX_LENGTH);
    v.setUint8(o + EV_CL_ORD_ID_LEN, len);
    for (let i = 0; i < len; i++) v.setUint8(o + EV_CL_ORD_ID + i, cmd.getUint8(cmdOffset + CMD_CL_ORD_ID + i));
    v.setUint8(o + EV_ORDER_TYPE, cmd.getUint8(cmdOffset + CMD_ORDER_TYPE));
    v.setUint8(o + EV_TIF, cmd.getUint8(cmdOffset + CMD_TIF));
    v.setUint8(o + EV_ORDER_FLAGS, cmd.getUint8(cmdOffset + CMD_FLAGS));
    return o;
  }

  accepted(accountId: number, symbolId: number, orderId: number, side: number, price: number, qty: number, stopPrice: number, cmd: DataView, cmdOffset: number): void {
    const o = this.result(EventType.ACCEPTED, 0, accountId, symbolId, orderId, side, price, qty, cmd, cmdOffset);
    writeI64(this.out.view, o + EV_STOP_PRICE, stopPrice);
    if (carriesKeyMaterial(this.commandType)) {
      // A key command has no client order id and no stop price: its key's salt and hash go there.
      const v = this.out.view;
      for (let i = 0; i < KEY_MATERIAL_BYTES; i++) v.setUint8(o + EV_KEY_MATERIAL + i, cmd.getUint8(cmdOffset + CMD_KEY_MATERIAL + i));
    }
  }

  rejected(code: number, accountId: number, symbolId: number, orderId: number, side: number, price: number, qty: number, cmd: DataView, cmdOffset: number): void {
    this.result(EventType.REJECTED, code, accountId, symbolId, orderId, side, price, qty, cmd, cmdOffset);
  }

  trade(symbolId: number, takerSide: number, takerAccountId: number, takerOrderId: number, takerLeavesQty: number, takerCumQty: number, makerAccountId: number, makerOrderId: number, makerLeavesQty: number, makerCumQty: number, price: number, qty: number, takerFee: number, makerFee: number): void {
    // The taker's fields are those of any order event; the maker's and the fees follow.
    const o = this.orderEvent(EventType.TRADE, takerAccountId, symbolId, takerOrderId, takerSide, price, qty, takerLeavesQty, takerCumQty);
    const v = this.out.view;
    writeI64(v, o + EV_MAKER_ORDER_ID, makerOrderId);
    v.setUint32(o + EV_MAKER_ACCOUNT_ID, makerAccountId, true);
    writeI64(v, o + EV_MAKER_LEAVES_QTY, makerLeavesQty);
    writeI64(v, o + EV_MAKER_CUM_QTY, makerCumQty);
    writeI64(v, o + EV_TAKER_FEE, takerFee);
    writeI64(v, o + EV_MAKER_FEE, makerFee);
    if (takerAccountId === makerAccountId) v.setUint8(o + EV_FLAGS, EVENT_FLAG_SELF_TRADE);
  }

  private orderEvent(type: EventType, accountId: number, symbolId: number, orderId: number, side: number, price: number, qty: number, leavesQty: number, cumQty: number): number {
    const o = this.header(type);
    const v = this.out.view;
    v.setUint8(o + EV_SIDE, side);
    v.setUint32(o + EV_ACCOUNT_ID, accountId, true);
    v.setUint32(o + EV_SYMBOL_ID, symbolId, true);
    writeI64(v, o + EV_ORDER_ID, orderId);
    writeI64(v, o + EV_PRICE, price);
    writeI64(v, o + EV_QTY, qty);
    writeI64(v, o + EV_LEAVES_QTY, leavesQty);
    writeI64(v, o + EV_CUM_QTY, cumQty);
    return o;
  }

  cancelled(reason: CancelReason, accountId: number, symbolId: number, orderId: number, side: number, price: number, cancelledQty: number, leavesQty: number, cumQty: number): void {
    const o = this.orderEvent(EventType.CANCELLED, accountId, symbolId, orderId, side, price, cancelledQty, leavesQty, cumQty);
    this.out.view.setUint8(o + EV_REASON, reason);
  }

  amended(accountId: number, symbolId: number, orderId: number, side: number, price: number, qty: number, leavesQty: number, cumQty: number, priorityKept: boolean): void {
    const o = this.orderEvent(EventType.AMENDED, accountId, symbolId, orderId, side, price, qty, leavesQty, cumQty);
    if (priorityKept) this.out.view.setUint8(o + EV_FLAGS, EVENT_FLAG_PRIORITY_KEPT);
  }

  stopTriggered(accountId: number, symbolId: number, orderId: number, side: number, lastPrice: number, leavesQty: number): void {
    this.orderEvent(EventType.STOP_TRIGGERED, accountId, symbolId, orderId, side, lastPrice, leavesQty, leavesQty, 0);
  }

  balance(accountId: number, assetId: number, available: number, reserved: number): void {
    const o = this.header(EventType.BALANCE);
    const v = this.out.view;
    v.setUint32(o + EV_ACCOUNT_ID, accountId, true);
    v.setUint32(o + EV_SYMBOL_ID, assetId, true);
    writeI64(v, o + EV_QTY, available);
    writeI64(v, o + EV_LEAVES_QTY, reserved);
  }

  bookLevel(symbolId: number, side: number, price: number, totalQty: number, orderCount: number): void {
    const o = this.header(EventType.BOOK_LEVEL);
    const v = this.out.view;
    v.setUint8(o + EV_SIDE, side);
    v.setUint32(o + EV_SYMBOL_ID, symbolId, true);
    writeI64(v, o + EV_PRICE, price);
    writeI64(v, o + EV_QTY, totalQty);
    writeI64(v, o + EV_LEAVES_QTY, orderCount);
  }
}

/** A growable in-memory EventOutput, for in-process use, tests and audit. */
/**
 * An EventOutput that hands each command's events, decoded, to a callback when the command is
 * done, then reuses its buffer: for projections rebuilt during recovery, in bounded memory.
 */
export class ForwardingEventOutput implements EventOutput {
  private readonly memory = new MemoryEventOutput();

  constructor(private readonly forward: (ev: DecodedEvent) => void) {}

  get view(): DataView {
    return this.memory.view;
  }

  claim(): number {
    return this.memory.claim();
  }

  commandDone(): void {
    const view = this.memory.view;
    for (let o = 0; o < this.memory.count * EVENT_SIZE; o += EVENT_SIZE) this.forward(decodeEvent(view, o));
    this.memory.clear();
  }
}

export class MemoryEventOutput implements EventOutput {
  private buffer: ArrayBuffer;
  view: DataView;
  private used = 0;

  constructor(
    initialEvents = 1024,
    private readonly maxEvents = 1 << 24,
  ) {
    this.buffer = new ArrayBuffer(initialEvents * EVENT_SIZE);
    this.view = new DataView(this.buffer);
  }

  get count(): number {
    return this.used / EVENT_SIZE;
  }

  claim(): number {
    if (this.used === this.buffer.byteLength) {
      const events = this.buffer.byteLength / EVENT_SIZE;
      assert(events * 2 <= this.maxEvents, `in-memory event buffer bound of ${this.maxEvents} events`);
      const grown = new ArrayBuffer(this.buffer.byteLength * 2);
      new Uint8Array(grown).set(new Uint8Array(this.buffer));
      this.buffer = grown;
      this.view = new DataView(grown);
    }
    const o = this.used;
    this.used += EVENT_SIZE;
    new Uint8Array(this.buffer, o, EVENT_SIZE).fill(0);
    return o;
  }

  commandDone(): void {}

  /** The encoded events so far (a copy). */
  bytes(): Uint8Array {
    return new Uint8Array(this.buffer.slice(0, this.used));
  }

  clear(): void {
    this.used = 0;
  }
}

/** A decoded event: every field by name, for tests, audit and the gateway (not the hot path). */
export interface DecodedEvent {
  type: EventType;
  commandType: number;
  code: number;
  seq: number;
  timestampUs: number;
  side: number;
  reason: number;
  accountId: number;
  symbolId: number;
  orderId: number;
  price: number;
  qty: number;
  leavesQty: number;
  cumQty: number;
  makerOrderId: number;
  makerAccountId: number;
  makerLeavesQty: number;
  makerCumQty: number;
  takerFee: number;
  makerFee: number;
  stopPrice: number;
  clOrdId: string;
  flags: number;
  /** ACCEPTED of ACCOUNT_CREATE and API_KEY_ADD: the key's salt and hash in hex; '' when none. */
  keyHex: string;
  /** ACCEPTED and REJECTED: the command's order type, time in force and order flags. */
  orderType: number;
  tif: number;
  orderFlags: number;
}

/** A DecodedEvent with the given fields and every other field zero (or empty), as a record would read. */
export function decodedEvent(fields: Partial<DecodedEvent> & Pick<DecodedEvent, 'type'>): DecodedEvent {
  return {
    commandType: 0,
    code: 0,
    seq: 0,
    timestampUs: 0,
    side: 0,
    reason: 0,
    accountId: 0,
    symbolId: 0,
    orderId: 0,
    price: 0,
    qty: 0,
    leavesQty: 0,
    cumQty: 0,
    makerOrderId: 0,
    makerAccountId: 0,
    makerLeavesQty: 0,
    makerCumQty: 0,
    takerFee: 0,
    makerFee: 0,
    stopPrice: 0,
    clOrdId: '',
    flags: 0,
    keyHex: '',
    orderType: 0,
    tif: 0,
    orderFlags: 0,
    ...fields,
  };
}

export function decodeEvent(v: DataView, o: number): DecodedEvent {
  const type = v.getUint8(o + EV_TYPE) as EventType;
  const isResult = type === EventType.ACCEPTED || type === EventType.REJECTED;
  const isKey = type === EventType.ACCEPTED && carriesKeyMaterial(v.getUint8(o + EV_CMD_TYPE));
  let keyHex = '';
  if (isKey) {
    for (let i = 0; i < KEY_MATERIAL_BYTES; i++) keyHex += v.getUint8(o + EV_KEY_MATERIAL + i).toString(16).padStart(2, '0');
    if (/^0+$/.test(keyHex)) keyHex = '';
  }
  let clOrdId = '';
  if (isResult) {
    const len = v.getUint8(o + EV_CL_ORD_ID_LEN);
    for (let i = 0; i < len; i++) clOrdId += String.fromCharCode(v.getUint8(o + EV_CL_ORD_ID + i));
  }
  return {
    type,
    commandType: v.getUint8(o + EV_CMD_TYPE),
    code: v.getInt32(o + EV_CODE, true),
    seq: readI64(v, o + EV_SEQ),
    timestampUs: readI64(v, o + EV_TIMESTAMP_US),
    side: v.getUint8(o + EV_SIDE),
    reason: v.getUint8(o + EV_REASON),
    accountId: v.getUint32(o + EV_ACCOUNT_ID, true),
    symbolId: v.getUint32(o + EV_SYMBOL_ID, true),
    orderId: readI64(v, o + EV_ORDER_ID),
    price: readI64(v, o + EV_PRICE),
    qty: readI64(v, o + EV_QTY),
    leavesQty: readI64(v, o + EV_LEAVES_QTY),
    cumQty: readI64(v, o + EV_CUM_QTY),
    makerOrderId: isResult ? 0 : readI64(v, o + EV_MAKER_ORDER_ID),
    makerAccountId: isResult ? 0 : v.getUint32(o + EV_MAKER_ACCOUNT_ID, true),
    makerLeavesQty: isResult ? 0 : readI64(v, o + EV_MAKER_LEAVES_QTY),
    makerCumQty: isResult ? 0 : readI64(v, o + EV_MAKER_CUM_QTY),
    takerFee: type === EventType.TRADE ? readI64(v, o + EV_TAKER_FEE) : 0,
    makerFee: isKey ? 0 : readI64(v, o + EV_MAKER_FEE),
    stopPrice: type === EventType.ACCEPTED && !isKey ? readI64(v, o + EV_STOP_PRICE) : 0,
    clOrdId,
    flags: v.getUint8(o + EV_FLAGS),
    keyHex,
    orderType: isResult ? v.getUint8(o + EV_ORDER_TYPE) : 0,
    tif: isResult ? v.getUint8(o + EV_TIF) : 0,
    orderFlags: isResult ? v.getUint8(o + EV_ORDER_FLAGS) : 0,
  };
}

/** Decodes every event in a buffer of consecutive event records. */
export function decodeEvents(bytes: Uint8Array): DecodedEvent[] {
  assert(bytes.byteLength % EVENT_SIZE === 0, 'event buffer is not a whole number of records');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const events: DecodedEvent[] = [];
  for (let o = 0; o < bytes.byteLength; o += EVENT_SIZE) events.push(decodeEvent(v, o));
  return events;
}
