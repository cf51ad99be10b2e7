import { describe, expect, it } from 'vitest';
import { command, encodeCommand } from './command-codec.js';
import { COMMAND_SIZE, CommandType, FLAG_POST_ONLY, OrderType, Side, TimeInForce } from './command-layout.js';
import { BinaryEventWriter, type DecodedEvent, decodeEvents, MemoryEventOutput } from './event-codec.js';
import { CancelReason, EVENT_FLAG_PRIORITY_KEPT, EVENT_FLAG_SELF_TRADE, EVENT_SIZE, EventType } from './event-layout.js';

const BIG = 2 ** 40 + 3;

/** Writes one command's events with `write` and returns them decoded. */
function written(write: (w: BinaryEventWriter, cmd: DataView) => void, initialEvents = 1): DecodedEvent[] {
  const out = new MemoryEventOutput(initialEvents);
  const w = new BinaryEventWriter(out);
  const cmd = new DataView(new ArrayBuffer(COMMAND_SIZE));
  encodeCommand(command({ type: CommandType.PLACE_ORDER, clOrdId: 'client-7', orderType: OrderType.STOP_LIMIT, tif: TimeInForce.GTD, flags: FLAG_POST_ONLY }), cmd, 0);
  w.beginCommand(BIG + 1, 123_456, CommandType.PLACE_ORDER);
  write(w, cmd);
  w.endCommand();
  expect(out.count * EVENT_SIZE).toBe(out.bytes().byteLength);
  return decodeEvents(out.bytes());
}

/** What every event of the command carries; all other fields zero unless the event sets them. */
const HEADER = { commandType: CommandType.PLACE_ORDER, seq: BIG + 1, timestampUs: 123_456 };
/** The order's kind as ACCEPTED and REJECTED copy it from the command. */
const ORDER = { orderType: OrderType.STOP_LIMIT, tif: TimeInForce.GTD, orderFlags: FLAG_POST_ONLY };
/** A zeroed record decodes to all fields zero (type 0 included); each event sets its own. */
const ZERO = decodeEvents(new Uint8Array(EVENT_SIZE))[0]!;

describe('event codec', () => {
  it('ACCEPTED and REJECTED carry the command’s client order id, order type, time in force and flags, ACCEPTED its stop price', () => {
    const [accepted, rejected] = written((w, cmd) => {
      w.accepted(7, 2, BIG, Side.SELL, 101, 5, 99, cmd, 0);
      w.rejected(2001, 7, 2, BIG, Side.BUY, 101, 5, cmd, 0);
    });
    expect(accepted).toEqual({ ...ZERO, ...HEADER, type: EventType.ACCEPTED, accountId: 7, symbolId: 2, orderId: BIG, side: Side.SELL, price: 101, qty: 5, stopPrice: 99, clOrdId: 'client-7', ...ORDER });
    expect(rejected).toEqual({ ...ZERO, ...HEADER, type: EventType.REJECTED, code: 2001, accountId: 7, symbolId: 2, orderId: BIG, side: Side.BUY, price: 101, qty: 5, clOrdId: 'client-7', ...ORDER });
  });

  it('TRADE carries both sides, the fees, and the self-trade flag when the accounts are the same', () => {
    const [trade, self] = written((w) => {
      w.trade(1, Side.BUY, 3, BIG, 4, 6, 5, BIG - 1, 0, 10, 100, 6, 2, 1);
      w.trade(1, Side.SELL, 3, 11, 0, 1, 3, 10, 0, 1, 100, 1, 0, 0);
    }, 1);
    expect(trade).toEqual({
      ...ZERO,
      ...HEADER,
      type: EventType.TRADE,
      symbolId: 1,
      side: Side.BUY,
      accountId: 3,
      orderId: BIG,
      leavesQty: 4,
      cumQty: 6,
      makerAccountId: 5,
      makerOrderId: BIG - 1,
      makerLeavesQty: 0,
      makerCumQty: 10,
      price: 100,
      qty: 6,
      takerFee: 2,
      makerFee: 1,
    });
    expect(self!.flags).toBe(EVENT_FLAG_SELF_TRADE);
  });

  it('CANCELLED, AMENDED, STOP_TRIGGERED, BALANCE and BOOK_LEVEL carry their fields', () => {
    const events = written((w) => {
      w.cancelled(CancelReason.SELF_TRADE, 3, 1, 20, Side.BUY, 100, 2, 3, 1);
      w.amended(3, 1, 21, Side.SELL, 102, 8, 5, 3, true);
      w.amended(3, 1, 22, Side.SELL, 103, 8, 8, 0, false);
      w.stopTriggered(4, 1, 23, Side.BUY, 105, 7);
      w.balance(4, 2, BIG, 17);
      w.bookLevel(1, Side.SELL, 104, 30, 4);
    });
    expect(events).toEqual([
      { ...ZERO, ...HEADER, type: EventType.CANCELLED, reason: CancelReason.SELF_TRADE, accountId: 3, symbolId: 1, orderId: 20, side: Side.BUY, price: 100, qty: 2, leavesQty: 3, cumQty: 1 },
      { ...ZERO, ...HEADER, type: EventType.AMENDED, accountId: 3, symbolId: 1, orderId: 21, side: Side.SELL, price: 102, qty: 8, leavesQty: 5, cumQty: 3, flags: EVENT_FLAG_PRIORITY_KEPT },
      { ...ZERO, ...HEADER, type: EventType.AMENDED, accountId: 3, symbolId: 1, orderId: 22, side: Side.SELL, price: 103, qty: 8, leavesQty: 8 },
      { ...ZERO, ...HEADER, type: EventType.STOP_TRIGGERED, accountId: 4, symbolId: 1, orderId: 23, side: Side.BUY, price: 105, qty: 7, leavesQty: 7 },
      { ...ZERO, ...HEADER, type: EventType.BALANCE, accountId: 4, symbolId: 2, qty: BIG, leavesQty: 17 },
      { ...ZERO, ...HEADER, type: EventType.BOOK_LEVEL, symbolId: 1, side: Side.SELL, price: 104, qty: 30, leavesQty: 4 },
    ]);
  });

  it('the in-memory output grows and clears', () => {
    const out = new MemoryEventOutput(1);
    const w = new BinaryEventWriter(out);
    w.beginCommand(1, 1, CommandType.NOOP);
    for (let i = 0; i < 5; i++) w.balance(i, 1, i, 0);
    expect(decodeEvents(out.bytes()).map((e) => e.accountId)).toEqual([0, 1, 2, 3, 4]);
    out.clear();
    expect(out.count).toBe(0);
    expect(() => decodeEvents(new Uint8Array(EVENT_SIZE + 1))).toThrow();
  });
});
