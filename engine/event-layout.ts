import { assertLayout } from './command-layout.js';

/**
 * The event record: one fixed-size slot written by the core into the output ring (design §3).
 * Every event names the sequence and timestamp of the command that caused it. This file owns the
 * layout; nothing else computes an event offset.
 *
 *  0      1      2      3      4                           8
 *  ┌──────┬──────┬──────┬──────┬───────────────────────────┐
 *  │ type │ side │reason│cmdTy │ code                 i32  │   0
 *  ├──────┴──────┴──────┴──────┴───────────────────────────┤
 *  │ seq (causing command)                        i64      │   8
 *  ├───────────────────────────────────────────────────────┤
 *  │ timestampUs (causing command)                i64      │  16
 *  ├───────────────────────────┬───────────────────────────┤
 *  │ accountId           u32   │ symbolId / assetId  u32   │  24
 *  ├───────────────────────────┴───────────────────────────┤
 *  │ orderId                                      i64      │  32
 *  ├───────────────────────────────────────────────────────┤
 *  │ price                                        i64      │  40
 *  ├───────────────────────────────────────────────────────┤
 *  │ qty                                          i64      │  48
 *  ├───────────────────────────────────────────────────────┤
 *  │ leavesQty                                    i64      │  56
 *  ├───────────────────────────────────────────────────────┤
 *  │ cumQty                                       i64      │  64
 *  ├───────────────────────────────────────────────────────┤  ── ACCEPTED/REJECTED use 72..104
 *  │ makerOrderId                                 i64      │  72     for the client order id
 *  ├───────────────────────────┬───────────────────────────┤
 *  │ makerAccountId      u32   │ pad                 u32   │  80
 *  ├───────────────────────────┴───────────────────────────┤
 *  │ makerLeavesQty                               i64      │  88
 *  ├───────────────────────────────────────────────────────┤
 *  │ makerCumQty                                  i64      │  96
 *  ├───────────────────────────────────────────────────────┤
 *  │ takerFee                                     i64      │ 104
 *  ├───────────────────────────────────────────────────────┤
 *  │ makerFee                                     i64      │ 112
 *  ├──────┬──────┬──────┬──────┬──────┬────────────────────┤
 *  │clLen │flags │ordTy │ tif  │ordFl │ pad                │ 120
 *  └──────┴──────┴──────┴──────┴──────┴────────────────────┘
 *
 * Field meaning by event type (unused fields are zero):
 *
 *   ACCEPTED       the command was accepted. Place: orderId (= seq), side, price, qty, stop
 *                  price at 104 (takerFee's place). Cancel/amend: orderId = the target. Deposit/withdraw:
 *                  assetId, qty = amount, orderId = transfer id. The client order id is at
 *                  72..104 with its length at 120, when the command had one. The command's
 *                  order type, time in force and order flags (post-only) are at 122..125, so
 *                  that a projection of the events (the read model) knows a placed order whole.
 *                  ACCOUNT_CREATE and API_KEY_ADD: orderId = the key's number (0: none) and
 *                  the key's salt and hash at 72..120 (EV_KEY_MATERIAL), in place of the client
 *                  order id, so a gateway that follows the events learns the key.
 *   REJECTED       code says why; the same fields as ACCEPTED, as far as the command had them.
 *   TRADE          side = taker side; accountId/orderId/leavesQty/cumQty of the taker; maker
 *                  fields; price, qty; fees in quote minor units; flags bit 0 set when the taker
 *                  and the maker are the same account (self-trade allowed by STP NONE).
 *   CANCELLED      reason; qty = quantity cancelled; leavesQty after (non-zero only when STP
 *                  decrement reduced a live order); cumQty = filled so far; price = order price.
 *   AMENDED        orderId, price (new), qty (new total), leavesQty, cumQty; flags bit 0 set when
 *                  the order kept its time priority.
 *   STOP_TRIGGERED orderId, price = the last trade price that triggered it, qty = its leaves.
 *   BALANCE        accountId, assetId, qty = available, leavesQty = reserved (absolute values,
 *                  emitted once per touched account and asset at the end of a command).
 *   BOOK_LEVEL     symbolId, side, price, qty = total quantity, leavesQty = order count
 *                  (absolute values; zero quantity means the level is gone), emitted once per
 *                  touched level at the end of a command.
 */
export const EVENT_SIZE = 128;

export const EV_TYPE = 0;
export const EV_SIDE = 1;
export const EV_REASON = 2;
export const EV_CMD_TYPE = 3;
export const EV_CODE = 4;
export const EV_SEQ = 8;
export const EV_TIMESTAMP_US = 16;
export const EV_ACCOUNT_ID = 24;
export const EV_SYMBOL_ID = 28;
export const EV_ASSET_ID = EV_SYMBOL_ID;
export const EV_ORDER_ID = 32;
export const EV_PRICE = 40;
export const EV_QTY = 48;
export const EV_LEAVES_QTY = 56;
export const EV_CUM_QTY = 64;
export const EV_MAKER_ORDER_ID = 72;
export const EV_CL_ORD_ID = EV_MAKER_ORDER_ID;
export const EV_KEY_MATERIAL = EV_MAKER_ORDER_ID;
export const EV_MAKER_ACCOUNT_ID = 80;
export const EV_PAD0 = 84;
export const EV_MAKER_LEAVES_QTY = 88;
export const EV_MAKER_CUM_QTY = 96;
export const EV_TAKER_FEE = 104;
export const EV_MAKER_FEE = 112;
export const EV_CL_ORD_ID_LEN = 120;
export const EV_FLAGS = 121;
export const EV_ORDER_TYPE = 122;
export const EV_TIF = 123;
export const EV_ORDER_FLAGS = 124;
export const EV_PAD1 = 125;

/** ACCEPTED of a place order carries its stop price here (fees are unused before a trade). */
export const EV_STOP_PRICE = EV_TAKER_FEE;

export const EVENT_FLAG_SELF_TRADE = 1;
export const EVENT_FLAG_PRIORITY_KEPT = 1;

export enum EventType {
  ACCEPTED = 1,
  REJECTED = 2,
  TRADE = 3,
  CANCELLED = 4,
  AMENDED = 5,
  STOP_TRIGGERED = 6,
  BALANCE = 7,
  BOOK_LEVEL = 8,
}

export enum CancelReason {
  USER = 1,
  /** IOC, FOK or market remainder that could not trade. */
  UNFILLED = 2,
  SELF_TRADE = 3,
  EXPIRED = 4,
  DISCONNECT = 5,
  KILL_SWITCH = 6,
}
export const CANCEL_REASON_MAX = 6;

// Load-time layout assertions. The client order id overlays the maker order id, the maker
// account, the pad and makerLeavesQty (72..104) in ACCEPTED and REJECTED, which have no maker.
assertLayout(
  'event',
  [
    ['type', EV_TYPE, 1],
    ['side', EV_SIDE, 1],
    ['reason', EV_REASON, 1],
    ['cmdType', EV_CMD_TYPE, 1],
    ['code', EV_CODE, 4],
    ['seq', EV_SEQ, 8],
    ['timestampUs', EV_TIMESTAMP_US, 8],
    ['accountId', EV_ACCOUNT_ID, 4],
    ['symbolId', EV_SYMBOL_ID, 4],
    ['orderId', EV_ORDER_ID, 8],
    ['price', EV_PRICE, 8],
    ['qty', EV_QTY, 8],
    ['leavesQty', EV_LEAVES_QTY, 8],
    ['cumQty', EV_CUM_QTY, 8],
    ['makerOrderId', EV_MAKER_ORDER_ID, 8],
    ['makerAccountId', EV_MAKER_ACCOUNT_ID, 4],
    ['pad0', EV_PAD0, 4],
    ['makerLeavesQty', EV_MAKER_LEAVES_QTY, 8],
    ['makerCumQty', EV_MAKER_CUM_QTY, 8],
    ['takerFee', EV_TAKER_FEE, 8],
    ['makerFee', EV_MAKER_FEE, 8],
    ['clOrdIdLen', EV_CL_ORD_ID_LEN, 1],
    ['flags', EV_FLAGS, 1],
    ['orderType', EV_ORDER_TYPE, 1],
    ['tif', EV_TIF, 1],
    ['orderFlags', EV_ORDER_FLAGS, 1],
    ['pad1', EV_PAD1, 3],
  ],
  EVENT_SIZE,
);
if (EV_CL_ORD_ID + 32 !== EV_STOP_PRICE) throw new Error('event layout: client order id overlay must end where the stop price starts');
