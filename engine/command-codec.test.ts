import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { carriesKeyMaterial, type Command, command, decodeCommand, encodeCommand, encodeCommands, NO_KEY_MATERIAL } from './command-codec.js';
import { CL_ORD_ID_MAX_LENGTH, CMD_RESERVED, COMMAND_SIZE, CommandType, KEY_MATERIAL_BYTES } from './command-layout.js';
import { FC_SEED, fcParameters } from '../testkit/unit-fixtures.js';

const byte = fc.integer({ min: 0, max: 0xff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i64 = fc.maxSafeInteger();
const keyArb = fc.uint8Array({ minLength: KEY_MATERIAL_BYTES, maxLength: KEY_MATERIAL_BYTES }).filter((b) => b.some((x) => x !== 0));
const commandArb: fc.Arbitrary<Command> = fc.record({
  type: byte,
  seq: i64,
  timestampUs: i64,
  accountId: u32,
  symbolId: u32,
  side: byte,
  orderType: byte,
  tif: byte,
  flags: byte,
  stp: byte,
  reason: byte,
  price: i64,
  stopPrice: i64,
  qty: i64,
  targetId: i64,
  expireAtUs: i64,
  clOrdId: fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: CL_ORD_ID_MAX_LENGTH }),
  key: fc.option(keyArb),
}).map(({ key, ...c }): Command =>
  // A key command carries key material (or none) where the others carry a client order id.
  carriesKeyMaterial(c.type) ? { ...c, clOrdId: '', keyMaterial: key ?? NO_KEY_MATERIAL } : { ...c, keyMaterial: NO_KEY_MATERIAL },
);

describe('command codec', () => {
  it(`decodes what it encodes, every field at full width (seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(commandArb, fc.integer({ min: 0, max: 3 }), (c, slot) => {
        const view = new DataView(new ArrayBuffer(4 * COMMAND_SIZE));
        encodeCommand(c, view, slot * COMMAND_SIZE);
        expect(decodeCommand(view, slot * COMMAND_SIZE)).toEqual(c);
      }),
      fcParameters(500),
    );
  });

  it('zeroes the whole slot, so a reused slot keeps nothing of the previous command', () => {
    const view = new DataView(new ArrayBuffer(COMMAND_SIZE));
    new Uint8Array(view.buffer).fill(0xab);
    encodeCommand(command({ type: CommandType.NOOP, clOrdId: 'x'.repeat(32) }), view, 0);
    encodeCommand(command({ type: CommandType.NOOP, clOrdId: 'y' }), view, 0);
    expect(decodeCommand(view, 0).clOrdId).toBe('y');
    const bytes = new Uint8Array(view.buffer);
    expect([...bytes.subarray(CMD_RESERVED)].every((b) => b === 0)).toBe(true);
    expect(bytes.filter((b) => b !== 0).length).toBe(3); // type, clOrdId length, 'y'
  });

  it('fills unnamed fields with zeros', () => {
    const { type, timestampUs, clOrdId, keyMaterial, ...rest } = command({ type: CommandType.TIMER_TICK, timestampUs: 5 });
    expect([type, timestampUs, clOrdId, keyMaterial.length]).toEqual([CommandType.TIMER_TICK, 5, '', 0]);
    expect(Object.keys(rest)).toHaveLength(14);
    expect(Object.values(rest).every((v) => v === 0)).toBe(true);
  });

  it('refuses values that do not fit their field, and a slot out of bounds', () => {
    const view = new DataView(new ArrayBuffer(COMMAND_SIZE));
    for (const bad of [{ side: 256 }, { flags: -1 }, { accountId: 2 ** 32 }, { price: 2 ** 53 }, { qty: 0.5 }, { clOrdId: 'z'.repeat(33) }, { clOrdId: 'ā' }]) {
      expect(() => encodeCommand(command({ type: CommandType.PLACE_ORDER, ...bad }), view, 0)).toThrow(AssertionError);
    }
    expect(() => encodeCommand(command({ type: CommandType.NOOP }), view, 1)).toThrow(AssertionError);
  });

  it('encodes a list into consecutive slots', () => {
    const list = [command({ type: CommandType.NOOP, seq: 1 }), command({ type: CommandType.TIMER_TICK, seq: 2, timestampUs: 9 })];
    const view = encodeCommands(list);
    expect(view.byteLength).toBe(2 * COMMAND_SIZE);
    expect([decodeCommand(view, 0), decodeCommand(view, COMMAND_SIZE)]).toEqual(list);
  });
});
