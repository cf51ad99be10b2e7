import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOrderFlowFile, writeOrderFlowFile } from '../loadgen/order-flow-file.js';
import {
  ORDER_FLOW_OP_CANCEL,
  ORDER_FLOW_OP_LIMIT,
  ORDER_FLOW_OP_MARKET,
  ORDER_FLOW_ORDER_ID_OFFSET,
  ORDER_FLOW_PRICE_OFFSET,
  ORDER_FLOW_QTY_OFFSET,
  ORDER_FLOW_RECORD_BYTES,
  ORDER_FLOW_SIDE_BUY,
  ORDER_FLOW_SIDE_SELL,
  OrderFlowFormatError,
  newOrderFlowRecord,
  readI64,
  readOrderFlowRecord,
  readU64,
  validateOrderFlow,
  writeI64,
  writeOrderFlowRecord,
  writeU64,
  type OrderFlowRecord,
} from './order-flow-layout.js';

const SAMPLE: OrderFlowRecord[] = [
  { op: ORDER_FLOW_OP_LIMIT, side: ORDER_FLOW_SIDE_BUY, orderId: 1, price: 10_000, qty: 5 },
  { op: ORDER_FLOW_OP_LIMIT, side: ORDER_FLOW_SIDE_SELL, orderId: 2 ** 53 - 1, price: 2 ** 53 - 1, qty: 2 ** 40 + 3 },
  { op: ORDER_FLOW_OP_MARKET, side: ORDER_FLOW_SIDE_SELL, orderId: 0x1_0000_0000, price: 0, qty: 1 },
  { op: ORDER_FLOW_OP_CANCEL, side: ORDER_FLOW_SIDE_BUY, orderId: 2, price: 0, qty: 0 },
];

function encode(records: readonly OrderFlowRecord[]): DataView {
  const view = new DataView(new ArrayBuffer(records.length * ORDER_FLOW_RECORD_BYTES));
  records.forEach((record, i) => writeOrderFlowRecord(view, i, record));
  return view;
}

function expectFormatError(fn: () => unknown, recordIndex: number, text: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OrderFlowFormatError);
    expect((error as OrderFlowFormatError).recordIndex).toBe(recordIndex);
    expect((error as Error).message).toContain(`record ${recordIndex}`);
    expect((error as Error).message).toContain(text);
    return;
  }
  throw new Error('expected an OrderFlowFormatError');
}

describe('order-flow layout', () => {
  it('round-trips records, including values above 2^32', () => {
    const view = encode(SAMPLE);
    const out = newOrderFlowRecord();
    SAMPLE.forEach((record, i) => expect({ ...readOrderFlowRecord(view, i, out) }).toEqual(record));
    expect(validateOrderFlow(view)).toBe(SAMPLE.length);
  });

  it('writes little-endian bytes at the documented offsets', () => {
    const view = encode([{ op: ORDER_FLOW_OP_LIMIT, side: ORDER_FLOW_SIDE_SELL, orderId: 0x0102, price: 0x0304, qty: 7 }]);
    const bytes = new Uint8Array(view.buffer);
    expect([...bytes.subarray(0, 10)]).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0x02, 0x01]);
    expect([...bytes.subarray(16, 18)]).toEqual([0x04, 0x03]);
    expect(bytes[24]).toBe(7);
  });

  it('reads and writes signed 64-bit values across the safe range', () => {
    const view = new DataView(new ArrayBuffer(8));
    for (const value of [0, 1, -1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, -(2 ** 32) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      writeI64(view, 0, value);
      expect(view.getBigInt64(0, true)).toBe(BigInt(value));
      expect(readI64(view, 0, 0)).toBe(value);
    }
    writeU64(view, 0, 2 ** 53 - 1);
    expect(view.getBigUint64(0, true)).toBe(BigInt(2 ** 53 - 1));
    expect(() => writeI64(view, 0, 2 ** 53)).toThrow(RangeError);
    expect(() => writeU64(view, 0, -1)).toThrow(RangeError);
    expect(() => writeU64(view, 0, 1.5)).toThrow(RangeError);
  });

  it('rejects unsafe 64-bit values with the record index', () => {
    const view = encode(SAMPLE);
    view.setBigUint64(2 * ORDER_FLOW_RECORD_BYTES + ORDER_FLOW_ORDER_ID_OFFSET, 2n ** 53n, true);
    expectFormatError(() => validateOrderFlow(view), 2, 'u64');
    const signed = encode(SAMPLE);
    signed.setBigInt64(1 * ORDER_FLOW_RECORD_BYTES + ORDER_FLOW_PRICE_OFFSET, -(2n ** 53n), true);
    expectFormatError(() => validateOrderFlow(signed), 1, 'i64');
    expect(() => readU64(view, 2 * ORDER_FLOW_RECORD_BYTES + ORDER_FLOW_ORDER_ID_OFFSET, 2)).toThrow(OrderFlowFormatError);
  });

  it('rejects unknown ops and sides, non-zero padding and fields that do not fit the op', () => {
    const cases: Array<[string, (view: DataView, base: number) => void]> = [
      ['unknown op 7', (v, b) => v.setUint8(b, 7)],
      ['unknown op 0', (v, b) => v.setUint8(b, 0)],
      ['unknown side 2', (v, b) => v.setUint8(b + 1, 2)],
      ['padding', (v, b) => v.setUint8(b + 7, 1)],
      ['padding', (v, b) => v.setUint8(b + 2, 1)],
      ['limit qty 0', (v, b) => v.setBigInt64(b + ORDER_FLOW_QTY_OFFSET, 0n, true)],
      ['limit price -5', (v, b) => v.setBigInt64(b + ORDER_FLOW_PRICE_OFFSET, -5n, true)],
    ];
    for (const [text, corrupt] of cases) {
      const view = encode(SAMPLE);
      corrupt(view, 1 * ORDER_FLOW_RECORD_BYTES);
      expectFormatError(() => validateOrderFlow(view), 1, text);
    }
    const market = encode(SAMPLE);
    market.setBigInt64(2 * ORDER_FLOW_RECORD_BYTES + ORDER_FLOW_PRICE_OFFSET, 9n, true);
    expectFormatError(() => validateOrderFlow(market), 2, 'market price 9');
    const cancel = encode(SAMPLE);
    cancel.setBigInt64(3 * ORDER_FLOW_RECORD_BYTES + ORDER_FLOW_QTY_OFFSET, 1n, true);
    expectFormatError(() => validateOrderFlow(cancel), 3, 'cancel');
  });

  it('refuses to write a record that breaks the layout', () => {
    const view = new DataView(new ArrayBuffer(ORDER_FLOW_RECORD_BYTES));
    expect(() => writeOrderFlowRecord(view, 0, { ...SAMPLE[0]!, price: 0 })).toThrow(/limit price 0/);
    expect(() => writeOrderFlowRecord(view, 1, SAMPLE[0]!)).toThrow(RangeError);
  });

  it('loads a file and rejects a length that is not a multiple of 32', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-flow-'));
    const path = join(dir, 'flow.bin');
    const view = encode(SAMPLE);
    expect(writeOrderFlowFile(path, new Uint8Array(view.buffer))).toBe(SAMPLE.length);
    const file = readOrderFlowFile(path, { validate: true });
    expect(file.records).toBe(SAMPLE.length);
    expect(file.view.byteLength).toBe(SAMPLE.length * ORDER_FLOW_RECORD_BYTES);
    expect({ ...readOrderFlowRecord(file.view, 1, newOrderFlowRecord()) }).toEqual(SAMPLE[1]);
    writeFileSync(path, new Uint8Array(33));
    expect(() => readOrderFlowFile(path)).toThrow(/33 bytes is not a multiple of 32/);
  });
});
