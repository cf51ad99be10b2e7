import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCommand, type Command } from '../engine/command-codec.js';
import { COMMAND_SIZE, CommandType } from '../engine/command-layout.js';
import { decodeEvents, type DecodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import { propertyTestConfig } from '../testkit/random-commands.js';
import { isoFromUs, namedEvent } from './audit-format.js';
import { auditMain, EXIT_OK, EXIT_USAGE, parseTimeUs } from '../bin/journal-cli.js';
import { captureIo, randomCommandsAtLeast, removeTempDirs, writeJournal, type WrittenJournal } from '../testkit/cli-fixtures.js';

/**
 * `ordo audit` against a model of what the commands did: the live (in-process) run's commands and
 * events, decoded, and the selection each filter means written out plainly over them. The audit
 * itself re-derives the events by replaying the journal; both formats must list exactly the
 * model's commands, with exactly the live run's events.
 */
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const config = propertyTestConfig();

interface Step {
  command: Command;
  events: DecodedEvent[];
}

let journal: WrittenJournal;
let steps: Step[];

beforeAll(async () => {
  const commands = randomCommandsAtLeast(SEED, 1200, 400);
  journal = await writeJournal(config, commands, [100, 250]);
  const view = new DataView(commands.buffer, commands.byteOffset, commands.byteLength);
  const events = decodeEvents(journal.expected.events);
  steps = [];
  for (let o = 0; o < commands.byteLength; o += COMMAND_SIZE) steps.push({ command: decodeCommand(view, o), events: [] });
  for (const event of events) steps[event.seq]?.events.push(event);
});

afterAll(() => removeTempDirs());

// ── the model ──

const ORDER_EVENTS = new Set([EventType.TRADE, EventType.CANCELLED, EventType.AMENDED, EventType.STOP_TRIGGERED]);
const ORDER_COMMANDS = new Set<number>([CommandType.PLACE_ORDER, CommandType.CANCEL_ORDER, CommandType.AMEND_ORDER]);
const NO_ACCOUNT = new Set<number>([CommandType.TIMER_TICK, CommandType.SYMBOL_HALT, CommandType.SYMBOL_RESUME, CommandType.NOOP, CommandType.TRADING_HALT, CommandType.TRADING_RESUME]);

/** An order's story: its placement, what targeted it, and everything that happened to it. */
function aboutOrder(step: Step, orderId: number): boolean {
  const c = step.command;
  if (c.type === CommandType.PLACE_ORDER && c.seq === orderId) return true;
  if ((c.type === CommandType.CANCEL_ORDER || c.type === CommandType.AMEND_ORDER) && c.targetId === orderId) return true;
  return step.events.some(
    (e) =>
      (ORDER_EVENTS.has(e.type) && e.orderId === orderId) ||
      (e.type === EventType.TRADE && e.makerOrderId === orderId) ||
      ((e.type === EventType.ACCEPTED || e.type === EventType.REJECTED) && ORDER_COMMANDS.has(e.commandType) && e.orderId === orderId),
  );
}

function byAccount(c: Command): number | null {
  if (NO_ACCOUNT.has(c.type) || (c.type === CommandType.MASS_CANCEL && c.accountId === 0)) return null;
  return c.accountId;
}

function aboutAccount(step: Step, accountId: number): boolean {
  if (byAccount(step.command) === accountId) return true;
  return step.events.some((e) => {
    if (e.type === EventType.TRADE) return e.accountId === accountId || e.makerAccountId === accountId;
    return (ORDER_EVENTS.has(e.type) || e.type === EventType.BALANCE) && e.accountId === accountId;
  });
}

function modelClientOrderId(accountId: number, clOrdId: string): number[] {
  const orders: number[] = [];
  const seqs: number[] = [];
  for (const step of steps) {
    const c = step.command;
    const own = byAccount(c) === accountId && c.clOrdId === clOrdId;
    if (own && c.type === CommandType.PLACE_ORDER && step.events.some((e) => e.type === EventType.ACCEPTED)) orders.push(c.seq);
    if (own || orders.some((id) => aboutOrder(step, id))) seqs.push(c.seq);
  }
  return seqs;
}

function seqsWhere(predicate: (step: Step) => boolean): number[] {
  return steps.filter(predicate).map((s) => s.command.seq);
}

// ── running the audit ──

interface Listed {
  seq: number;
  time: string;
  events: unknown[];
}

async function audit(...filter: string[]): Promise<{ jsonl: Listed[]; tableSeqs: number[]; tableEventLines: number; err: string[] }> {
  const base = ['--data', journal.dataDir, '--config', journal.configPath, '--limit', '100000', ...filter];
  const json = captureIo();
  expect(await auditMain([...base, '--format', 'jsonl'], json.io)).toBe(EXIT_OK);
  const table = captureIo();
  expect(await auditMain([...base, '--format', 'table'], table.io)).toBe(EXIT_OK);
  expect(table.out[0]).toMatch(/^seq\s+time \(UTC\)\s+command \/ events$/);
  const rows = table.out.slice(1);
  const commandRows = rows.filter((line) => /^\d/.test(line));
  return {
    jsonl: json.out.map((line) => JSON.parse(line) as Listed),
    tableSeqs: commandRows.map((line) => Number(line.split(' ')[0])),
    tableEventLines: rows.length - commandRows.length,
    err: json.err,
  };
}

/** Exactly the model's commands, in order, each with the live run's events; the table agrees. */
async function expectAudit(filter: string[], expectedSeqs: number[]): Promise<void> {
  expect(expectedSeqs.length, `the model selects something for ${filter.join(' ')} (seed ${SEED})`).toBeGreaterThan(0);
  const listed = await audit(...filter);
  expect(listed.jsonl.map((r) => r.seq)).toEqual(expectedSeqs);
  expect(listed.tableSeqs).toEqual(expectedSeqs);
  let eventCount = 0;
  for (const record of listed.jsonl) {
    const live = steps[record.seq]?.events ?? [];
    // JSON round trip: the model's named events as they would print.
    expect(record.events).toEqual(JSON.parse(JSON.stringify(live.map(namedEvent))));
    expect(record.time).toBe(isoFromUs(steps[record.seq]?.command.timestampUs ?? NaN));
    eventCount += live.length;
  }
  expect(listed.tableEventLines).toBe(eventCount);
  expect(listed.err.at(-1)).toContain(`${expectedSeqs.length} commands matched`);
}

describe(`audit lists exactly the commands of (seed ${SEED})`, () => {
  it('an order: placement, cancels and amends of it, trades as maker or taker, its cancels and expiries', async () => {
    // The order with the longest story, so that trades, amends and cancels all come into it.
    const placed = steps.filter((s) => s.command.type === CommandType.PLACE_ORDER && s.events.some((e) => e.type === EventType.ACCEPTED));
    let best = { orderId: -1, length: 0 };
    for (const p of placed) {
      const length = steps.filter((s) => aboutOrder(s, p.command.seq)).length;
      if (length > best.length) best = { orderId: p.command.seq, length };
    }
    expect(best.length).toBeGreaterThan(1);
    await expectAudit(['--order', String(best.orderId)], seqsWhere((s) => aboutOrder(s, best.orderId)));
  });

  it('an account, as owner, maker and balance holder', async () => {
    await expectAudit(['--account', '2'], seqsWhere((s) => aboutAccount(s, 2)));
  });

  it('a client order id of an account, reused across orders', async () => {
    const counts = new Map<string, number>();
    for (const s of steps) {
      const c = s.command;
      if (c.type === CommandType.PLACE_ORDER && c.clOrdId !== '') counts.set(`${c.accountId}\0${c.clOrdId}`, (counts.get(`${c.accountId}\0${c.clOrdId}`) ?? 0) + 1);
    }
    const [key] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [''];
    const [account = '', clOrdId = ''] = key.split('\0');
    await expectAudit(['--client-order-id', clOrdId, '--account', account], modelClientOrderId(Number(account), clOrdId));
  });

  it('a sequence range, half-open, and open at either end', async () => {
    await expectAudit(['--seq', '10..40'], seqsWhere((s) => s.command.seq >= 10 && s.command.seq < 40));
    const last = steps.length - 1;
    await expectAudit(['--seq', `${last - 5}..`], seqsWhere((s) => s.command.seq >= last - 5));
    await expectAudit(['--seq', '..3'], [0, 1, 2]);
  });

  it('a time range, in microseconds or ISO-8601', async () => {
    const times = [...new Set(steps.map((s) => s.command.timestampUs).filter((t) => t > 0))].sort((a, b) => a - b);
    const from = times[Math.floor(times.length / 3)] ?? 0;
    const to = times[Math.floor((2 * times.length) / 3)] ?? 0;
    const expected = seqsWhere((s) => s.command.timestampUs >= from && s.command.timestampUs < to);
    await expectAudit(['--time', `${from}..${to}`], expected);
    expect(parseTimeUs(isoFromUs(from))).toBe(from);
    await expectAudit(['--time', `${isoFromUs(from)}..${isoFromUs(to)}`], expected);
  });
});

describe('audit bounds and arguments', () => {
  it('--limit stops after that many commands and says so', async () => {
    const { io, out, err } = captureIo();
    expect(await auditMain(['--data', journal.dataDir, '--config', journal.configPath, '--account', '1', '--limit', '3'], io)).toBe(EXIT_OK);
    expect(out.map((line) => (JSON.parse(line) as Listed).seq)).toEqual(seqsWhere((s) => aboutAccount(s, 1)).slice(0, 3));
    expect(err.at(-1)).toContain('stopped at --limit 3');
  });

  it('exactly one filter, a known format, a bounded limit', async () => {
    const base = ['--data', journal.dataDir, '--config', journal.configPath];
    for (const bad of [[], ['--order', '1', '--account', '2'], ['--client-order-id', 'a'], ['--seq', '5'], ['--seq', '9..3'], ['--time', 'yesterday..'], ['--account', '1', '--format', 'csv'], ['--account', '1', '--limit', '0']]) {
      const { io, err } = captureIo();
      expect(await auditMain([...base, ...bad], io), bad.join(' ')).toBe(EXIT_USAGE);
      expect(err.at(-1)).toMatch(/^usage: ordo audit/);
    }
  });

  it('reads ISO-8601 times to the microsecond, UTC unless a zone is given', () => {
    expect(parseTimeUs('1970-01-01T00:00:01.000002Z')).toBe(1_000_002);
    expect(parseTimeUs('1970-01-01T00:00:01.5')).toBe(1_500_000);
    expect(parseTimeUs('1970-01-02')).toBe(86_400_000_000);
    expect(parseTimeUs('1970-01-01T01:00:00+01:00')).toBe(0);
    expect(parseTimeUs('123')).toBe(123);
    expect(isoFromUs(1_000_002)).toBe('1970-01-01T00:00:01.000002Z');
  });
});
