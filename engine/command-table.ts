import { assert } from './assert.js';
import { COMMAND_TYPE_MAX, CommandType } from './command-layout.js';

/**
 * The command table: one row per command code saying everything the rest of the system asks
 * about a command type, so that no other file keeps its own switch over the codes:
 *
 *   code ─▶ mutates   changes state, so it advances the engine's time; a command that does
 *                     not (the heartbeat) must change nothing at all, so that a history with
 *                     or without it reaches the same state (determinism.prop.test.ts)
 *           account   whose command it is (the audit trail): its account field, that field
 *                     unless it is 0 (every account), or nobody
 *           order     which order it names: its own sequence (a placement), its target id, none
 *           transfer  its symbol, qty and target fields hold an asset, an amount and a transfer id
 *           apply     what the engine does with it, through the engine's CommandHandlers
 *
 * The table lives in the core (it imports nothing from node:*), and the layers above read it.
 */

/** What the engine does per command; it implements these with its parts (matching-engine.ts). */
export interface CommandHandlers {
  place(v: DataView, o: number, seq: number): void;
  cancel(v: DataView, o: number): void;
  amend(v: DataView, o: number): void;
  massCancel(v: DataView, o: number): void;
  transfer(v: DataView, o: number, deposit: boolean): void;
  /** Accepts the command and does nothing else (timer tick, heartbeat). */
  acceptOnly(v: DataView, o: number): void;
  halt(v: DataView, o: number, halt: boolean): void;
  createAccount(v: DataView, o: number): void;
  block(v: DataView, o: number, block: boolean): void;
  apiKeyAdd(v: DataView, o: number): void;
  apiKeyRevoke(v: DataView, o: number): void;
  tradingHalt(v: DataView, o: number, halt: boolean): void;
}

export type CommandAccount = 'field' | 'field-unless-zero' | 'none';
export type CommandOrder = 'own-seq' | 'target' | 'none';

export interface CommandSpec {
  readonly type: CommandType;
  readonly mutates: boolean;
  readonly account: CommandAccount;
  readonly order: CommandOrder;
  readonly transfer: boolean;
  readonly apply: (handlers: CommandHandlers, v: DataView, o: number, seq: number) => void;
}

const SPECS: readonly CommandSpec[] = [
  { type: CommandType.PLACE_ORDER, mutates: true, account: 'field', order: 'own-seq', transfer: false, apply: (h, v, o, seq) => h.place(v, o, seq) },
  { type: CommandType.CANCEL_ORDER, mutates: true, account: 'field', order: 'target', transfer: false, apply: (h, v, o) => h.cancel(v, o) },
  { type: CommandType.AMEND_ORDER, mutates: true, account: 'field', order: 'target', transfer: false, apply: (h, v, o) => h.amend(v, o) },
  // Account 0 cancels for every account (the kill switch for all).
  { type: CommandType.MASS_CANCEL, mutates: true, account: 'field-unless-zero', order: 'none', transfer: false, apply: (h, v, o) => h.massCancel(v, o) },
  { type: CommandType.DEPOSIT, mutates: true, account: 'field', order: 'none', transfer: true, apply: (h, v, o) => h.transfer(v, o, true) },
  { type: CommandType.WITHDRAW, mutates: true, account: 'field', order: 'none', transfer: true, apply: (h, v, o) => h.transfer(v, o, false) },
  // A timer tick changes state: it advances the time, and GTD orders due by then expire.
  { type: CommandType.TIMER_TICK, mutates: true, account: 'none', order: 'none', transfer: false, apply: (h, v, o) => h.acceptOnly(v, o) },
  { type: CommandType.SYMBOL_HALT, mutates: true, account: 'none', order: 'none', transfer: false, apply: (h, v, o) => h.halt(v, o, true) },
  { type: CommandType.SYMBOL_RESUME, mutates: true, account: 'none', order: 'none', transfer: false, apply: (h, v, o) => h.halt(v, o, false) },
  // The heartbeat is sequenced so that consumers see progress, but it changes nothing.
  { type: CommandType.NOOP, mutates: false, account: 'none', order: 'none', transfer: false, apply: (h, v, o) => h.acceptOnly(v, o) },
  { type: CommandType.ACCOUNT_CREATE, mutates: true, account: 'field', order: 'none', transfer: false, apply: (h, v, o) => h.createAccount(v, o) },
  { type: CommandType.ACCOUNT_BLOCK, mutates: true, account: 'field', order: 'none', transfer: false, apply: (h, v, o) => h.block(v, o, true) },
  { type: CommandType.ACCOUNT_UNBLOCK, mutates: true, account: 'field', order: 'none', transfer: false, apply: (h, v, o) => h.block(v, o, false) },
  { type: CommandType.API_KEY_ADD, mutates: true, account: 'field', order: 'none', transfer: false, apply: (h, v, o) => h.apiKeyAdd(v, o) },
  { type: CommandType.API_KEY_REVOKE, mutates: true, account: 'field', order: 'none', transfer: false, apply: (h, v, o) => h.apiKeyRevoke(v, o) },
  // The kill switch for all: every order cancelled, and none taken until TRADING_RESUME.
  { type: CommandType.TRADING_HALT, mutates: true, account: 'none', order: 'none', transfer: false, apply: (h, v, o) => h.tradingHalt(v, o, true) },
  { type: CommandType.TRADING_RESUME, mutates: true, account: 'none', order: 'none', transfer: false, apply: (h, v, o) => h.tradingHalt(v, o, false) },
];

/** The rows by command code; codes 0 and above COMMAND_TYPE_MAX have none. */
export const COMMAND_TABLE: ReadonlyArray<CommandSpec | undefined> = byCode(SPECS);

function byCode(specs: readonly CommandSpec[]): Array<CommandSpec | undefined> {
  const table = new Array<CommandSpec | undefined>(COMMAND_TYPE_MAX + 1).fill(undefined);
  for (const spec of specs) {
    assert(spec.type >= 1 && spec.type <= COMMAND_TYPE_MAX, `command table: code ${spec.type} out of range`);
    assert(table[spec.type] === undefined, `command table: code ${spec.type} listed twice`);
    table[spec.type] = spec;
  }
  for (let code = 1; code <= COMMAND_TYPE_MAX; code++) assert(table[code] !== undefined, `command table: no row for code ${code}`);
  return table;
}

/** The row of a command code, or undefined for a code that names no command. */
export function commandSpec(type: number): CommandSpec | undefined {
  return Number.isInteger(type) && type >= 0 && type <= COMMAND_TYPE_MAX ? COMMAND_TABLE[type] : undefined;
}

/** Whether a command type changes state (and so must be replayed); throws for an unknown code. */
export function commandMutates(type: CommandType): boolean {
  const spec = commandSpec(type);
  if (spec === undefined) throw new Error(`unknown command type ${String(type)}`);
  return spec.mutates;
}
