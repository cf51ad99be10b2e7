import { assert, unreachable } from '../engine/assert.js';
import { decodeCommand, type Command } from '../engine/command-codec.js';
import { CMD_ACCOUNT_ID, CMD_CL_ORD_ID, CMD_CL_ORD_ID_LEN, CMD_SEQ, CMD_TARGET_ID, CMD_TIMESTAMP_US, CMD_TYPE, COMMAND_SIZE, CL_ORD_ID_MAX_LENGTH, CommandType } from '../engine/command-layout.js';
import { BinaryEventWriter, decodeEvents, MemoryEventOutput, type DecodedEvent } from '../engine/event-codec.js';
import { commandSpec } from '../engine/command-table.js';
import { EV_ACCOUNT_ID, EV_CMD_TYPE, EV_MAKER_ACCOUNT_ID, EV_MAKER_ORDER_ID, EV_ORDER_ID, EV_TYPE, EVENT_SIZE, EventType } from '../engine/event-layout.js';
import { readI64 } from '../engine/int64.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { readHead, type JournalEnv } from '../journal/journal-env.js';
import { replayJournal } from './recovery.js';

/**
 * Audit (design §6): the journaled commands that concern an order, a client order id, an account,
 * a sequence range or a time range, each with the events it caused, re-derived by replaying the
 * journal through the real core. Nothing is read from a log of past events: the journal is the
 * only record, and the replay that rebuilds state is the one that explains it.
 *
 *   journal ──replayJournal(from scratch)──▶ core ──events──▶ BinaryEventWriter ──▶ MemoryEventOutput
 *                │ onCommand(seq): the previous command is complete: match it on its bytes and its
 *                │ events, emit it if it matches, clear the output for the next one
 *
 * The replay starts from scratch: an order's story needs everything since its placement, and the
 * state a command met (what it traded with) needs everything before it. Snapshots are still
 * checked on the way (replayJournal verifies each one it passes).
 */

/** Which commands an audit selects. Ranges are half-open: [from, to). */
export type AuditFilter =
  /** The placing command, cancels and amends that target it, and every command whose events name it. */
  | { readonly kind: 'order'; readonly orderId: number }
  /** The account's commands carrying the client order id, and the orders placed under it (as 'order'). */
  | { readonly kind: 'client-order-id'; readonly accountId: number; readonly clOrdId: string }
  /** The account's own commands, and every command whose events name it (owner, maker, balance). */
  | { readonly kind: 'account'; readonly accountId: number }
  | { readonly kind: 'seq'; readonly fromSeq: number; readonly toSeqExclusive: number }
  /** By the command's own timestamp (µs), which the producer stamped. */
  | { readonly kind: 'time'; readonly fromUs: number; readonly toUsExclusive: number };

export interface AuditRecord {
  readonly seq: number;
  readonly timestampUs: number;
  readonly command: Command;
  /** In the order the core emitted them. */
  readonly events: DecodedEvent[];
}

export interface AuditOptions {
  readonly env: JournalEnv;
  readonly config: EngineConfig;
  readonly filter: AuditFilter;
  /** Stop after this many matching commands. */
  readonly limit: number;
  readonly onRecord: (record: AuditRecord) => void;
}

export interface AuditResult {
  readonly matched: number;
  /** The limit was reached; later commands were not examined. */
  readonly limitReached: boolean;
  readonly commandsScanned: number;
  /** The last sequence of the journal when the audit began. */
  readonly journalLastSeq: number;
}

/** Bound on --limit: each record is held and printed, so the output stays a size a person reads. */
export const AUDIT_LIMIT_MAX = 1_000_000;
export const AUDIT_LIMIT_DEFAULT = 1_000;
/**
 * Bound on the orders one client order id can stand for: the id may be reused once it leaves the
 * idempotency window, so it is a set, but a set grown past this is not an audit a person can read.
 */
const TRACKED_ORDERS_MAX = 1_000_000;
/** Events one command may cause (a kill switch cancels every live order): the engine's own bound, and a margin. */
const EVENTS_PER_COMMAND_MAX = 1 << 24;

/** Thrown from the replay's onCommand to stop it once the limit is reached; caught below. */
class AuditLimitReached extends Error {}

export function auditJournal(options: AuditOptions): AuditResult {
  const { env, config, filter, limit, onRecord } = options;
  assert(Number.isInteger(limit) && limit >= 1 && limit <= AUDIT_LIMIT_MAX, `audit limit ${limit} outside [1, ${AUDIT_LIMIT_MAX}]`);
  const journalLastSeq = readHead(env).lastSeq;
  const matcher = new AuditMatcher(filter);
  const out = new MemoryEventOutput(1024, EVENTS_PER_COMMAND_MAX);
  // The command being applied, copied: the journal's buffer is only borrowed for the call.
  const current = new DataView(new ArrayBuffer(COMMAND_SIZE));
  const currentBytes = new Uint8Array(current.buffer);
  let pending = false;
  let matched = 0;
  let scanned = 0;

  const finish = (): void => {
    if (!pending) return;
    pending = false;
    if (!matcher.matches(current, out.view, out.count)) return;
    const events = decodeEvents(new Uint8Array(out.view.buffer, out.view.byteOffset, out.count * EVENT_SIZE));
    onRecord({ seq: readI64(current, CMD_SEQ), timestampUs: readI64(current, CMD_TIMESTAMP_US), command: decodeCommand(current, 0), events });
    matched++;
    if (matched === limit) throw new AuditLimitReached();
  };

  // A sequence range need not replay past its end; nothing else can stop early.
  const toSeq = filter.kind === 'seq' ? Math.min(filter.toSeqExclusive - 1, journalLastSeq) : journalLastSeq;
  let limitReached = false;
  if (toSeq >= 0) {
    try {
      replayJournal({
        env,
        config,
        toSeq,
        fromScratch: true,
        sink: new BinaryEventWriter(out),
        onCommand: (_seq, view, offset) => {
          finish();
          out.clear();
          currentBytes.set(new Uint8Array(view.buffer, view.byteOffset + offset, COMMAND_SIZE));
          pending = true;
          scanned++;
        },
      });
      finish();
    } catch (error) {
      if (!(error instanceof AuditLimitReached)) throw error;
      limitReached = true;
    }
  }
  return { matched, limitReached, commandsScanned: scanned, journalLastSeq };
}

/**
 * Decides, once a command has been applied, whether it belongs to the audit: on its own bytes and
 * on the raw event records it caused (read in place, so a non-matching command costs no decoding).
 */
export class AuditMatcher {
  private readonly filter: AuditFilter;
  /** Orders whose story is followed: the audited order, or those placed under the client order id. */
  private readonly orders = new Set<number>();

  constructor(filter: AuditFilter) {
    this.filter = filter;
    if (filter.kind === 'order') this.orders.add(filter.orderId);
  }

  matches(cmd: DataView, events: DataView, eventCount: number): boolean {
    const filter = this.filter;
    switch (filter.kind) {
      case 'seq': {
        const seq = readI64(cmd, CMD_SEQ);
        return seq >= filter.fromSeq && seq < filter.toSeqExclusive;
      }
      case 'time': {
        const us = readI64(cmd, CMD_TIMESTAMP_US);
        return us >= filter.fromUs && us < filter.toUsExclusive;
      }
      case 'account':
        return commandAccount(cmd) === filter.accountId || eventsNameAccount(events, eventCount, filter.accountId);
      case 'order':
        return this.concernsOrders(cmd, events, eventCount);
      case 'client-order-id': {
        const own = commandAccount(cmd) === filter.accountId && commandClOrdId(cmd) === filter.clOrdId;
        if (own && cmd.getUint8(CMD_TYPE) === CommandType.PLACE_ORDER) this.trackPlacedOrder(events, eventCount);
        return own || this.concernsOrders(cmd, events, eventCount);
      }
      default:
        return unreachable(filter, 'audit filter');
    }
  }

  /** An accepted placement under the audited client order id: its order's story is followed from here. */
  private trackPlacedOrder(events: DataView, eventCount: number): void {
    for (let i = 0; i < eventCount; i++) {
      const o = i * EVENT_SIZE;
      if (events.getUint8(o + EV_TYPE) !== EventType.ACCEPTED) continue;
      assert(this.orders.size < TRACKED_ORDERS_MAX, `more than ${TRACKED_ORDERS_MAX} orders under one client order id`);
      this.orders.add(readI64(events, o + EV_ORDER_ID));
    }
  }

  private concernsOrders(cmd: DataView, events: DataView, eventCount: number): boolean {
    const named = commandSpec(cmd.getUint8(CMD_TYPE))?.order ?? 'none';
    // The order id of a placement is its sequence (design §1).
    if (named === 'own-seq' && this.orders.has(readI64(cmd, CMD_SEQ))) return true;
    if (named === 'target' && this.orders.has(readI64(cmd, CMD_TARGET_ID))) return true;
    for (let i = 0; i < eventCount; i++) {
      const o = i * EVENT_SIZE;
      const eventType = events.getUint8(o + EV_TYPE) as EventType;
      if (eventNamesOrder(eventType, events.getUint8(o + EV_CMD_TYPE)) && this.orders.has(readI64(events, o + EV_ORDER_ID))) return true;
      if (eventType === EventType.TRADE && this.orders.has(readI64(events, o + EV_MAKER_ORDER_ID))) return true;
    }
    return false;
  }
}

/**
 * Whether an event's orderId field holds an order id. ACCEPTED and REJECTED carry one only for
 * order commands: for a deposit or withdrawal the same field is the transfer id.
 */
function eventNamesOrder(type: EventType, commandType: number): boolean {
  switch (type) {
    case EventType.TRADE:
    case EventType.CANCELLED:
    case EventType.AMENDED:
    case EventType.STOP_TRIGGERED:
      return true;
    case EventType.ACCEPTED:
    case EventType.REJECTED:
      return (commandSpec(commandType)?.order ?? 'none') !== 'none';
    case EventType.BALANCE:
    case EventType.BOOK_LEVEL:
      return false;
    default:
      return false; // an unknown event type names nothing we can follow
  }
}

/**
 * Whether an event names the account as an owner, a maker or a balance holder. ACCEPTED and
 * REJECTED only echo the command's account field, which commandAccount() already judged (and
 * which is 0, the fee account's id, for commands that have no account).
 */
function eventsNameAccount(events: DataView, eventCount: number, accountId: number): boolean {
  for (let i = 0; i < eventCount; i++) {
    const o = i * EVENT_SIZE;
    const type = events.getUint8(o + EV_TYPE) as EventType;
    switch (type) {
      case EventType.TRADE:
        if (events.getUint32(o + EV_MAKER_ACCOUNT_ID, true) === accountId) return true;
        if (events.getUint32(o + EV_ACCOUNT_ID, true) === accountId) return true;
        break;
      case EventType.CANCELLED:
      case EventType.AMENDED:
      case EventType.STOP_TRIGGERED:
      case EventType.BALANCE:
        if (events.getUint32(o + EV_ACCOUNT_ID, true) === accountId) return true;
        break;
      case EventType.ACCEPTED:
      case EventType.REJECTED:
      case EventType.BOOK_LEVEL:
        break;
      default:
        break; // an unknown event type names no account we can read
    }
  }
  return false;
}

/** The account a command acts for, or null when it has none (timer, halts, no-op, a kill switch for all). */
export function commandAccount(cmd: DataView): number | null {
  const accountId = cmd.getUint32(CMD_ACCOUNT_ID, true);
  const spec = commandSpec(cmd.getUint8(CMD_TYPE));
  // A malformed type (rejected by the core) still says who sent it.
  if (spec === undefined) return accountId;
  const scope = spec.account;
  switch (scope) {
    case 'field':
      return accountId;
    case 'field-unless-zero':
      return accountId === 0 ? null : accountId;
    case 'none':
      return null;
    default:
      return assertNever(scope);
  }
}

function assertNever(value: never): never {
  throw new Error(`unreachable: ${String(value)}`);
}

function commandClOrdId(cmd: DataView): string {
  const length = Math.min(cmd.getUint8(CMD_CL_ORD_ID_LEN), CL_ORD_ID_MAX_LENGTH);
  let id = '';
  for (let i = 0; i < length; i++) id += String.fromCharCode(cmd.getUint8(CMD_CL_ORD_ID + i));
  return id;
}
