import type { Command } from '../engine/command-codec.js';
import { CommandType, OrderType, Side, StpMode, TimeInForce } from '../engine/command-layout.js';
import { commandSpec } from '../engine/command-table.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { CancelReason, EVENT_FLAG_PRIORITY_KEPT, EVENT_FLAG_SELF_TRADE, EventType } from '../engine/event-layout.js';
import { resultCodeName } from '../engine/result-code.js';
import type { AuditRecord } from './audit.js';

/**
 * How an audit record is printed: as one JSON object per line (for tools), or as a table (for a
 * person). Both come from the same named form, in which enums are spelled by name, result codes
 * by their name (result-code.ts), times in ISO-8601 UTC with microseconds beside the raw µs, and
 * fields that are zero (unused by that command or event type) are left out.
 *
 *   {"seq":17,"timestampUs":...,"time":"...Z","command":{"type":"PLACE_ORDER",...},"events":[{"type":"ACCEPTED",...},...]}
 *
 *   seq      time (UTC)                   command / events
 *   17       2024-05-01T10:00:00.000017Z  PLACE_ORDER account=1 symbol=1 side=BUY ...
 *                                           ACCEPTED account=1 orderId=17 ...
 */
export type AuditFormat = 'jsonl' | 'table';
export const AUDIT_FORMATS: readonly AuditFormat[] = ['jsonl', 'table'];

type Named = Record<string, string | number | boolean>;

/** Enum value by name, or the number itself when the byte is not a known value (a malformed command). */
function enumName(names: Record<number, string>, value: number): string | number {
  return names[value] ?? value;
}

function putNonZero(target: Named, key: string, value: number | string): void {
  if (value !== 0 && value !== '') target[key] = value;
}

export function namedCommand(c: Command): Named {
  const named: Named = { type: enumName(CommandType, c.type) };
  putNonZero(named, 'account', c.accountId);
  const isTransfer = commandSpec(c.type)?.transfer === true;
  putNonZero(named, isTransfer ? 'asset' : 'symbol', c.symbolId);
  if (c.type === CommandType.PLACE_ORDER) {
    named.side = enumName(Side, c.side);
    named.orderType = enumName(OrderType, c.orderType);
    named.tif = enumName(TimeInForce, c.tif);
    if (c.stp !== 0) named.stp = enumName(StpMode, c.stp);
  } else {
    putNonZero(named, 'side', c.side);
    putNonZero(named, 'orderType', c.orderType);
    putNonZero(named, 'tif', c.tif);
    putNonZero(named, 'stp', c.stp);
  }
  putNonZero(named, 'flags', c.flags);
  if (c.reason !== 0) named.reason = enumName(CancelReason, c.reason);
  putNonZero(named, 'price', c.price);
  putNonZero(named, 'stopPrice', c.stopPrice);
  putNonZero(named, isTransfer ? 'amount' : 'qty', c.qty);
  putNonZero(named, isTransfer ? 'transferId' : 'targetId', c.targetId);
  putNonZero(named, 'expireAtUs', c.expireAtUs);
  putNonZero(named, 'clOrdId', c.clOrdId);
  return named;
}

export function namedEvent(e: DecodedEvent): Named {
  const named: Named = { type: enumName(EventType, e.type) };
  if (e.type === EventType.REJECTED) named.code = resultCodeName(e.code);
  else putNonZero(named, 'code', e.code);
  if (e.type === EventType.CANCELLED) named.reason = enumName(CancelReason, e.reason);
  putNonZero(named, 'account', e.accountId);
  // The result of a deposit or withdrawal echoes its asset, amount and transfer id in the fields
  // an order's result uses for symbol, quantity and order id: named as the command names them.
  const ofTransfer = isResult(e.type) && commandSpec(e.commandType)?.transfer === true;
  putNonZero(named, e.type === EventType.BALANCE || ofTransfer ? 'asset' : 'symbol', e.symbolId);
  // A result event's side is the command's: meaningful for a placement only.
  const hasSide = e.type !== EventType.BALANCE && (!isResult(e.type) || e.commandType === CommandType.PLACE_ORDER);
  if (hasSide) named.side = enumName(Side, e.side);
  putNonZero(named, ofTransfer ? 'transferId' : 'orderId', e.orderId);
  putNonZero(named, 'price', e.price);
  switch (e.type) {
    case EventType.BALANCE:
      named.available = e.qty;
      named.reserved = e.leavesQty;
      break;
    case EventType.BOOK_LEVEL:
      named.totalQty = e.qty;
      named.orderCount = e.leavesQty;
      break;
    default:
      putNonZero(named, ofTransfer ? 'amount' : 'qty', e.qty);
      putNonZero(named, 'leavesQty', e.leavesQty);
      putNonZero(named, 'cumQty', e.cumQty);
  }
  putNonZero(named, 'makerOrderId', e.makerOrderId);
  if (e.type === EventType.TRADE) named.makerAccount = e.makerAccountId;
  putNonZero(named, 'makerLeavesQty', e.makerLeavesQty);
  putNonZero(named, 'makerCumQty', e.makerCumQty);
  putNonZero(named, 'takerFee', e.takerFee);
  putNonZero(named, 'makerFee', e.makerFee);
  putNonZero(named, 'stopPrice', e.stopPrice);
  putNonZero(named, 'clOrdId', e.clOrdId);
  if (e.type === EventType.TRADE && (e.flags & EVENT_FLAG_SELF_TRADE) !== 0) named.selfTrade = true;
  if (e.type === EventType.AMENDED && (e.flags & EVENT_FLAG_PRIORITY_KEPT) !== 0) named.priorityKept = true;
  return named;
}

function isResult(type: EventType): boolean {
  return type === EventType.ACCEPTED || type === EventType.REJECTED;
}

/** Dates JavaScript can represent: ±8.64e15 ms around the epoch. */
const DATE_MS_MAX = 8.64e15;

/** ISO-8601 UTC with microseconds; the raw number when it is not a representable instant. */
export function isoFromUs(us: number): string {
  if (!Number.isSafeInteger(us) || Math.abs(us / 1000) > DATE_MS_MAX) return String(us);
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  return new Date(ms).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
}

export function auditRecordJson(record: AuditRecord): string {
  return JSON.stringify({
    seq: record.seq,
    timestampUs: record.timestampUs,
    time: isoFromUs(record.timestampUs),
    command: namedCommand(record.command),
    events: record.events.map(namedEvent),
  });
}

const SEQ_COLUMN = 9;
const TIME_COLUMN = 29;

export function auditTableHeader(): string {
  return `${'seq'.padEnd(SEQ_COLUMN)}${'time (UTC)'.padEnd(TIME_COLUMN)}command / events`;
}

/** One line for the command, then one indented line per event. */
export function auditRecordTable(record: AuditRecord): string[] {
  const lines = [`${String(record.seq).padEnd(SEQ_COLUMN - 1)} ${isoFromUs(record.timestampUs).padEnd(TIME_COLUMN - 1)} ${describe(namedCommand(record.command))}`];
  const indent = ' '.repeat(SEQ_COLUMN + TIME_COLUMN + 2);
  for (const event of record.events) lines.push(indent + describe(namedEvent(event)));
  return lines;
}

/** `TYPE key=value ...`; strings that would break the columns (spaces, controls) are quoted. */
function describe(named: Named): string {
  const parts = [String(named.type)];
  for (const [key, value] of Object.entries(named)) {
    if (key === 'type') continue;
    parts.push(`${key}=${typeof value === 'string' && /[\s"=\\\x00-\x1f\x7f]/.test(value) ? JSON.stringify(value) : String(value)}`);
  }
  return parts.join(' ');
}
