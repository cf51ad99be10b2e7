import { assert } from './assert.js';
import {
  CL_ORD_ID_MAX_LENGTH,
  CMD_ACCOUNT_ID,
  CMD_CL_ORD_ID,
  CMD_CL_ORD_ID_LEN,
  CMD_EXPIRE_AT_US,
  CMD_FLAGS,
  CMD_KEY_MATERIAL,
  CMD_ORDER_TYPE,
  CMD_PRICE,
  CMD_QTY,
  CMD_REASON,
  CMD_SEQ,
  CMD_SIDE,
  CMD_STOP_PRICE,
  CMD_STP,
  CMD_SYMBOL_ID,
  CMD_TARGET_ID,
  CMD_TIF,
  CMD_TIMESTAMP_US,
  CMD_TYPE,
  COMMAND_SIZE,
  CommandType,
  KEY_MATERIAL_BYTES,
} from './command-layout.js';

/** No key material: the empty array every command but the key commands carries. */
export const NO_KEY_MATERIAL: Uint8Array = new Uint8Array(0);

/** Whether a command type carries key material in place of a client order id. */
export function carriesKeyMaterial(type: number): boolean {
  return type === CommandType.ACCOUNT_CREATE || type === CommandType.API_KEY_ADD;
}
import { readI64, writeI64 } from './int64.js';

/**
 * A command as named fields, for producers that are not on the hot path (tests, the gateway's
 * decoder, admin tools, audit). Fields a command type does not use are zero. `symbolId` is the
 * asset id for deposits and withdrawals; `qty` is their amount and `targetId` their transfer id.
 */
export interface Command {
  type: CommandType;
  seq: number;
  timestampUs: number;
  accountId: number;
  symbolId: number;
  side: number;
  orderType: number;
  tif: number;
  flags: number;
  stp: number;
  reason: number;
  price: number;
  stopPrice: number;
  qty: number;
  targetId: number;
  expireAtUs: number;
  clOrdId: string;
  /** ACCOUNT_CREATE (optional) and API_KEY_ADD: the key's salt and hash, KEY_MATERIAL_BYTES; else empty. */
  keyMaterial: Uint8Array;
}

export function command(fields: Partial<Command> & Pick<Command, 'type'>): Command {
  return {
    seq: 0,
    timestampUs: 0,
    accountId: 0,
    symbolId: 0,
    side: 0,
    orderType: 0,
    tif: 0,
    flags: 0,
    stp: 0,
    reason: 0,
    price: 0,
    stopPrice: 0,
    qty: 0,
    targetId: 0,
    expireAtUs: 0,
    clOrdId: '',
    keyMaterial: NO_KEY_MATERIAL,
    ...fields,
  };
}

/**
 * Writes `c` into the COMMAND_SIZE bytes at `offset`, zeroing the rest. Values are written as
 * given (an invalid side or a negative quantity is encoded faithfully, so the core's validation
 * can be exercised); only values that do not fit their field's width are refused.
 */
export function encodeCommand(c: Command, view: DataView, offset: number): void {
  assert(offset >= 0 && offset + COMMAND_SIZE <= view.byteLength, `command slot at ${offset} out of bounds`);
  new Uint8Array(view.buffer, view.byteOffset + offset, COMMAND_SIZE).fill(0);
  for (const [field, at] of [
    ['side', CMD_SIDE],
    ['orderType', CMD_ORDER_TYPE],
    ['tif', CMD_TIF],
    ['flags', CMD_FLAGS],
    ['stp', CMD_STP],
    ['reason', CMD_REASON],
  ] as const) {
    const value = c[field];
    assert(Number.isInteger(value) && value >= 0 && value <= 0xff, `command ${field} ${value} is not a byte`);
    view.setUint8(offset + at, value);
  }
  assert(Number.isInteger(c.type) && c.type >= 0 && c.type <= 0xff, `command type ${c.type} is not a byte`);
  view.setUint8(offset + CMD_TYPE, c.type);
  for (const [field, at] of [
    ['accountId', CMD_ACCOUNT_ID],
    ['symbolId', CMD_SYMBOL_ID],
  ] as const) {
    const value = c[field];
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffffffff, `command ${field} ${value} is not a u32`);
    view.setUint32(offset + at, value, true);
  }
  writeI64(view, offset + CMD_SEQ, c.seq);
  writeI64(view, offset + CMD_TIMESTAMP_US, c.timestampUs);
  writeI64(view, offset + CMD_PRICE, c.price);
  writeI64(view, offset + CMD_STOP_PRICE, c.stopPrice);
  writeI64(view, offset + CMD_QTY, c.qty);
  writeI64(view, offset + CMD_TARGET_ID, c.targetId);
  writeI64(view, offset + CMD_EXPIRE_AT_US, c.expireAtUs);
  assert(c.clOrdId.length <= CL_ORD_ID_MAX_LENGTH, `client order id longer than ${CL_ORD_ID_MAX_LENGTH}`);
  view.setUint8(offset + CMD_CL_ORD_ID_LEN, c.clOrdId.length);
  for (let i = 0; i < c.clOrdId.length; i++) {
    const code = c.clOrdId.charCodeAt(i);
    assert(code <= 0xff, 'client order id must be single-byte characters');
    view.setUint8(offset + CMD_CL_ORD_ID + i, code);
  }
  if (c.keyMaterial.length > 0) {
    assert(c.keyMaterial.length === KEY_MATERIAL_BYTES && carriesKeyMaterial(c.type) && c.clOrdId === '', `key material: ${KEY_MATERIAL_BYTES} bytes, on a key command without a client order id`);
    new Uint8Array(view.buffer, view.byteOffset + offset + CMD_KEY_MATERIAL, KEY_MATERIAL_BYTES).set(c.keyMaterial);
  }
}

/** The key material of a key command record, or empty when it carries none (all zero). */
export function readKeyMaterial(view: DataView, offset: number): Uint8Array {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset + CMD_KEY_MATERIAL, KEY_MATERIAL_BYTES);
  return bytes.some((b) => b !== 0) ? bytes.slice() : NO_KEY_MATERIAL;
}

export function decodeCommand(view: DataView, offset: number): Command {
  const type = view.getUint8(offset + CMD_TYPE);
  const len = Math.min(view.getUint8(offset + CMD_CL_ORD_ID_LEN), CL_ORD_ID_MAX_LENGTH);
  let clOrdId = '';
  for (let i = 0; i < len; i++) clOrdId += String.fromCharCode(view.getUint8(offset + CMD_CL_ORD_ID + i));
  return {
    type,
    seq: readI64(view, offset + CMD_SEQ),
    timestampUs: readI64(view, offset + CMD_TIMESTAMP_US),
    accountId: view.getUint32(offset + CMD_ACCOUNT_ID, true),
    symbolId: view.getUint32(offset + CMD_SYMBOL_ID, true),
    side: view.getUint8(offset + CMD_SIDE),
    orderType: view.getUint8(offset + CMD_ORDER_TYPE),
    tif: view.getUint8(offset + CMD_TIF),
    flags: view.getUint8(offset + CMD_FLAGS),
    stp: view.getUint8(offset + CMD_STP),
    reason: view.getUint8(offset + CMD_REASON),
    price: readI64(view, offset + CMD_PRICE),
    stopPrice: readI64(view, offset + CMD_STOP_PRICE),
    qty: readI64(view, offset + CMD_QTY),
    targetId: readI64(view, offset + CMD_TARGET_ID),
    expireAtUs: readI64(view, offset + CMD_EXPIRE_AT_US),
    clOrdId,
    keyMaterial: carriesKeyMaterial(type) ? readKeyMaterial(view, offset) : NO_KEY_MATERIAL,
  };
}

/** Encodes a list of commands into consecutive slots of a fresh buffer. */
export function encodeCommands(commands: readonly Command[]): DataView {
  const view = new DataView(new ArrayBuffer(commands.length * COMMAND_SIZE));
  commands.forEach((c, i) => encodeCommand(c, view, i * COMMAND_SIZE));
  return view;
}
