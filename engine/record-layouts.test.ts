import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import * as cmd from './command-layout.js';
import { assertLayout, CommandType } from './command-layout.js';
import { commandMutates } from './command-table.js';
import * as ev from './event-layout.js';

/**
 * The command and event records are stored in the journal and read by other processes, so every
 * offset is pinned here: moving a field must be a deliberate, visible change.
 */
describe('record layouts', () => {
  it('pin the command record: 128 bytes, 8-byte fields aligned', () => {
    expect(cmd.COMMAND_SIZE).toBe(128);
    expect([cmd.CMD_TYPE, cmd.CMD_SIDE, cmd.CMD_ORDER_TYPE, cmd.CMD_TIF, cmd.CMD_FLAGS, cmd.CMD_STP, cmd.CMD_CL_ORD_ID_LEN, cmd.CMD_REASON]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([cmd.CMD_SEQ, cmd.CMD_TIMESTAMP_US, cmd.CMD_ACCOUNT_ID, cmd.CMD_SYMBOL_ID, cmd.CMD_PRICE, cmd.CMD_STOP_PRICE, cmd.CMD_QTY, cmd.CMD_TARGET_ID, cmd.CMD_EXPIRE_AT_US, cmd.CMD_CL_ORD_ID, cmd.CMD_RESERVED]).toEqual([
      8, 16, 24, 28, 32, 40, 48, 56, 64, 72, 104,
    ]);
    expect([cmd.CMD_ASSET_ID, cmd.CMD_AMOUNT, cmd.CMD_TRANSFER_ID, cmd.CL_ORD_ID_MAX_LENGTH]).toEqual([cmd.CMD_SYMBOL_ID, cmd.CMD_QTY, cmd.CMD_TARGET_ID, 32]);
  });

  it('pin the event record: 128 bytes, the client order id overlaying the maker fields up to the stop price', () => {
    expect(ev.EVENT_SIZE).toBe(128);
    expect([ev.EV_TYPE, ev.EV_SIDE, ev.EV_REASON, ev.EV_CMD_TYPE, ev.EV_CODE, ev.EV_SEQ, ev.EV_TIMESTAMP_US, ev.EV_ACCOUNT_ID, ev.EV_SYMBOL_ID]).toEqual([0, 1, 2, 3, 4, 8, 16, 24, 28]);
    expect([ev.EV_ORDER_ID, ev.EV_PRICE, ev.EV_QTY, ev.EV_LEAVES_QTY, ev.EV_CUM_QTY, ev.EV_MAKER_ORDER_ID, ev.EV_MAKER_ACCOUNT_ID, ev.EV_PAD0, ev.EV_MAKER_LEAVES_QTY, ev.EV_MAKER_CUM_QTY]).toEqual([
      32, 40, 48, 56, 64, 72, 80, 84, 88, 96,
    ]);
    expect([ev.EV_TAKER_FEE, ev.EV_MAKER_FEE, ev.EV_CL_ORD_ID_LEN, ev.EV_FLAGS, ev.EV_ORDER_TYPE, ev.EV_TIF, ev.EV_ORDER_FLAGS, ev.EV_PAD1]).toEqual([104, 112, 120, 121, 122, 123, 124, 125]);
    expect([ev.EV_CL_ORD_ID, ev.EV_CL_ORD_ID + cmd.CL_ORD_ID_MAX_LENGTH, ev.EV_STOP_PRICE]).toEqual([72, 104, 104]);
  });

  it('pin the stable numbers of command types, enums and event types', () => {
    expect([CommandType.PLACE_ORDER, CommandType.CANCEL_ORDER, CommandType.AMEND_ORDER, CommandType.MASS_CANCEL, CommandType.DEPOSIT, CommandType.WITHDRAW, CommandType.TIMER_TICK]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect([CommandType.SYMBOL_HALT, CommandType.SYMBOL_RESUME, CommandType.NOOP, CommandType.ACCOUNT_CREATE, CommandType.ACCOUNT_BLOCK, CommandType.ACCOUNT_UNBLOCK]).toEqual([8, 9, 10, 11, 12, 13]);
    expect([CommandType.API_KEY_ADD, CommandType.API_KEY_REVOKE, CommandType.TRADING_HALT, CommandType.TRADING_RESUME, cmd.COMMAND_TYPE_MAX]).toEqual([14, 15, 16, 17, 17]);
    expect([cmd.CMD_KEY_MATERIAL, cmd.KEY_MATERIAL_BYTES]).toEqual([72, 48]);
    expect([cmd.Side.BUY, cmd.Side.SELL, cmd.OrderType.LIMIT, cmd.OrderType.STOP_MARKET, cmd.TimeInForce.GTC, cmd.TimeInForce.GTD, cmd.StpMode.NONE, cmd.StpMode.DECREMENT_AND_CANCEL, cmd.STP_MODE_MAX]).toEqual([0, 1, 1, 4, 1, 4, 0, 4, 4]);
    expect([ev.EventType.ACCEPTED, ev.EventType.BOOK_LEVEL, ev.CancelReason.USER, ev.CancelReason.KILL_SWITCH, ev.CANCEL_REASON_MAX]).toEqual([1, 8, 1, 6, 6]);
  });

  it('every command type but NOOP mutates; an unknown type is a programmer error', () => {
    for (let t = 1; t <= cmd.COMMAND_TYPE_MAX; t++) expect(commandMutates(t as CommandType)).toBe(t !== CommandType.NOOP);
    expect(() => commandMutates(99 as CommandType)).toThrow();
  });

  it('the layout check refuses a gap, an overlap, a misaligned field and a short or odd-sized record', () => {
    expect(() => assertLayout('ok', [['a', 0, 8], ['b', 8, 4], ['c', 12, 4]], 16)).not.toThrow();
    const bad: Array<[ReadonlyArray<readonly [string, number, number]>, number]> = [
      [[['a', 0, 4], ['b', 8, 8]], 16],
      [[['a', 0, 8], ['b', 4, 4]], 16],
      [[['a', 0, 4], ['b', 4, 8]], 16],
      [[['a', 0, 2], ['b', 2, 4]], 8],
      [[['a', 0, 8]], 16],
      [[['a', 0, 4], ['b', 4, 4], ['c', 8, 4]], 12],
    ];
    for (const [fields, size] of bad) expect(() => assertLayout('bad', fields, size)).toThrow(AssertionError);
  });
});
