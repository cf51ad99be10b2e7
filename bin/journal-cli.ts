import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hrtime } from 'node:process';
import { AssertionError } from '../engine/assert.js';
import { EXIT_USAGE, parseCliArgs, UsageError } from '../platform/cli-args.js';
import { defaultEngineConfig } from '../engine/default-config.js';
import { captureState } from '../engine/engine-state.js';
import { differingStateParts } from '../engine/state-parts.js';
import { type EngineConfig, validateEngineConfig } from '../engine/symbol-config.js';
import { loadServerConfig } from '../gateway/server-config.js';
import { JournalCorruptError, JournalMetaMismatchError } from '../journal/journal-error.js';
import { readHead, type JournalEnv } from '../journal/journal-env.js';
import { SnapshotStore } from '../journal/snapshot-store.js';
import { verifyJournal } from '../journal/verify.js';
import { AUDIT_LIMIT_DEFAULT, AUDIT_LIMIT_MAX, auditJournal, type AuditFilter } from '../replay/audit.js';
import { AUDIT_FORMATS, auditRecordJson, auditRecordTable, auditTableHeader, type AuditFormat } from '../replay/audit-format.js';
import { openJournal, replayJournal, SnapshotMismatchError, type ReplayResult } from '../replay/recovery.js';

/**
 * The operator commands of the journal (design §6): `replay`, `verify` and `audit`. Each reads a
 * data directory written by `ordo run` under the same engine configuration, prints its result on
 * stdout (one JSON line; audit: its records) and, on a problem, one line on stderr naming the
 * kind and the sequence, a JSON line `{"ok":false,...}` on stdout, and a non-zero exit:
 *
 *   0  done, nothing wrong
 *   1  an internal check failed (a bug: the process stops loudly with its stack)
 *   2  usage: bad arguments, an unreadable or invalid configuration file, --to past the end
 *   3  the journal is damaged: checksum, chain, gap, truncated or format, at a sequence (a damaged
 *      snapshot record is reported the same way, at its sequence)
 *   4  a snapshot disagrees with the journal: its state hash is not what the replay reaches, it
 *      cannot be restored to its own hash, or it lies past the journal's end
 *   5  no journal to read: the data directory has none, or it was written under another format or
 *      engine configuration
 *
 * The engine configuration is `defaultEngineConfig()` (what `ordo run` starts with) unless
 * `--config FILE` names a JSON file: either a server configuration (`{"engine": {...}, ...}`, as
 * `ordo run --config` takes, whose `dataDir` is then the default data directory) or a bare engine
 * configuration. The data directory defaults to ./data.
 */
export const EXIT_OK = 0;
export { EXIT_USAGE };
export const EXIT_CORRUPT = 3;
export const EXIT_SNAPSHOT = 4;
export const EXIT_NO_JOURNAL = 5;

export const REPLAY_USAGE = 'ordo replay [--data <dir>] [--config <file>] [--to <seq>] [--from-scratch]';
export const VERIFY_USAGE = 'ordo verify [--data <dir>] [--config <file>]';
export const AUDIT_USAGE =
  'ordo audit [--data <dir>] [--config <file>] (--order <id> | --client-order-id <id> --account <a> | --account <a> | --seq <from>..<to> | --time <from>..<to>) [--format jsonl|table] [--limit <n>]';
/** What the audit's usage line cannot say: printed under it. */
export const AUDIT_NOTES = [
  '  --seq and --time ranges are half-open, [from, to): to is excluded (--seq 5..8 is 5, 6 and 7); either end may be',
  '  left out (from the start, to the end). --time takes microseconds since the epoch or ISO-8601, UTC unless zoned.',
  `  --limit: stop after that many matching commands (default ${AUDIT_LIMIT_DEFAULT}, at most ${AUDIT_LIMIT_MAX}); stderr then says more may match.`,
].join('\n');

const DATA_DIR_DEFAULT = './data';

/** Where a command writes: whole lines, without their newline. Tests capture them. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const PROCESS_IO: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** The data directory holds no journal (LMDB creates one on open, so this is checked first). */
class NoJournalError extends Error {}

/** A snapshot that cannot stand: it does not restore to its own state hash, or has no journal under it. */
class SnapshotProblemError extends Error {
  constructor(
    readonly seq: number,
    detail: string,
  ) {
    super(`snapshot at sequence ${seq}: ${detail}`);
  }
}

const COMMON_OPTIONS = { data: { type: 'string' }, config: { type: 'string' } } as const;

interface Common {
  dataDir: string;
  config: EngineConfig;
}

function common(values: { data?: string | undefined; config?: string | undefined }): Common {
  if (values.config === undefined) return { dataDir: values.data ?? DATA_DIR_DEFAULT, config: defaultEngineConfig() };
  const loaded = loadConfigFile(values.config);
  return { dataDir: values.data ?? loaded.dataDir ?? DATA_DIR_DEFAULT, config: loaded.engine };
}

function loadConfigFile(path: string): { engine: EngineConfig; dataDir: string | null } {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    if ('engine' in parsed) {
      const server = loadServerConfig(path);
      return { engine: server.engine, dataDir: server.dataDir };
    }
    const engine = parsed as EngineConfig;
    validateEngineConfig(engine);
    return { engine, dataDir: null };
  } catch (error) {
    throw new UsageError(`config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Opens an existing journal read-only in effect: nothing here writes to it. */
async function withJournal<T>(c: Common, fn: (env: JournalEnv) => T): Promise<T> {
  if (!existsSync(join(c.dataDir, 'data.mdb'))) throw new NoJournalError(`no journal in ${c.dataDir} (no data.mdb)`);
  // 'fsync' is the production mode; it only matters for writes, and these commands make none.
  const env = openJournal({ path: c.dataDir, config: c.config, durability: 'fsync' });
  try {
    return fn(env);
  } finally {
    await env.close();
  }
}

/** A sequence or count: decimal digits, a safe integer. */
function parseNat(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw new UsageError(`${what}: ${JSON.stringify(text)} is not a non-negative integer`);
  return value;
}

/**
 * Replays the journal the way start-up recovery does (recovery.ts). A snapshot that fails to
 * restore to its own hash fails an assertion inside restoreSnapshot, before any command is
 * applied; that one case is told apart here and reported as the snapshot's, not as a bug.
 */
function replay(env: JournalEnv, config: EngineConfig, toSeq: number | undefined, fromScratch: boolean): ReplayResult {
  const start = fromScratch ? null : new SnapshotStore(env).newestAtOrBelow(toSeq ?? Number.MAX_SAFE_INTEGER);
  let applied = 0;
  try {
    return replayJournal({ env, config, fromScratch, ...(toSeq === undefined ? {} : { toSeq }), onCommand: () => void applied++ });
  } catch (error) {
    if (error instanceof AssertionError && start !== null && applied === 0) throw new SnapshotProblemError(start.seq, `does not restore to its stored state hash (${error.message})`);
    throw error;
  }
}

function elapsedMsSince(startNs: bigint): number {
  return Number(hrtime.bigint() - startNs) / 1e6;
}

function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((count * 1000) / elapsedMs) : 0;
}

export async function replayMain(args: string[], io: CliIo = PROCESS_IO): Promise<number> {
  return run('replay', REPLAY_USAGE, io, async () => {
    const options = { ...COMMON_OPTIONS, to: { type: 'string' }, 'from-scratch': { type: 'boolean' } } as const;
    const { values } = parseCliArgs({ args, options }, null);
    const c = common(values);
    const toSeq = values.to === undefined ? undefined : parseNat(values.to, '--to');
    const fromScratch = values['from-scratch'] === true;
    const summary = await withJournal(c, (env) => {
      const journalLastSeq = readHead(env).lastSeq;
      // replayJournal would stop at the end; a state hash printed "at" a sequence that was never
      // journaled would mislead.
      if (toSeq !== undefined && toSeq > journalLastSeq) throw new UsageError(`--to ${toSeq} is past the journal's last sequence ${journalLastSeq}`);
      const startNs = hrtime.bigint();
      const result = replay(env, c.config, toSeq, fromScratch);
      const elapsedMs = elapsedMsSince(startNs);
      return {
        ok: true,
        lastSeq: result.lastSeq,
        stateHash: result.stateHash,
        commandsApplied: result.commandsApplied,
        snapshotSeq: result.snapshotSeq,
        snapshotsVerified: result.snapshotsVerified,
        journalLastSeq: result.journalLastSeq,
        fromScratch,
        elapsedMs: Math.round(elapsedMs),
        cmdsPerSec: perSecond(result.commandsApplied, elapsedMs),
      };
    });
    io.out(JSON.stringify(summary));
  });
}

/**
 * The whole journal from the genesis hash (verifyJournal: every group's checksum, format, sequences
 * and chain link, the tail against the meta head), then a from-scratch replay that must reproduce
 * every stored snapshot's state hash, then recovery from the newest snapshot, which must reach the
 * same final state hash as the replay from scratch.
 */
export async function verifyMain(args: string[], io: CliIo = PROCESS_IO): Promise<number> {
  return run('verify', VERIFY_USAGE, io, async () => {
    const { values } = parseCliArgs({ args, options: COMMON_OPTIONS }, null);
    const c = common(values);
    const summary = await withJournal(c, (env) => {
      const startNs = hrtime.bigint();
      const chain = verifyJournal(env);
      if (!chain.ok) throw chain.error;
      const scratch = replay(env, c.config, undefined, true);
      const stored = new SnapshotStore(env).list();
      const beyond = stored.find((s) => s.seq > scratch.lastSeq);
      if (beyond !== undefined) throw new SnapshotProblemError(beyond.seq, `lies past the journal's last sequence ${scratch.lastSeq}`);
      const recovered = replay(env, c.config, undefined, false);
      if (recovered.stateHash !== scratch.stateHash) {
        const parts = differingStateParts(captureState(scratch.engine), captureState(recovered.engine));
        throw new SnapshotMismatchError(recovered.snapshotSeq ?? scratch.lastSeq, scratch.stateHash, recovered.stateHash, parts);
      }
      const elapsedMs = elapsedMsSince(startNs);
      return {
        ok: true,
        lastSeq: scratch.lastSeq,
        stateHash: scratch.stateHash,
        groups: chain.groups,
        commands: chain.commands,
        chainHead: chain.chainHeadHex,
        snapshots: stored.length,
        snapshotsVerified: scratch.snapshotsVerified,
        recoverySnapshotSeq: recovered.snapshotSeq,
        elapsedMs: Math.round(elapsedMs),
        cmdsPerSec: perSecond(scratch.commandsApplied, elapsedMs),
      };
    });
    io.out(JSON.stringify(summary));
  });
}

export async function auditMain(args: string[], io: CliIo = PROCESS_IO): Promise<number> {
  return run('audit', `${AUDIT_USAGE}\n${AUDIT_NOTES}`, io, async () => {
    const options = {
      ...COMMON_OPTIONS,
      order: { type: 'string' },
      'client-order-id': { type: 'string' },
      account: { type: 'string' },
      seq: { type: 'string' },
      time: { type: 'string' },
      format: { type: 'string' },
      limit: { type: 'string' },
    } as const;
    const { values } = parseCliArgs({ args, options }, null);
    const c = common(values);
    const filter = auditFilter(values);
    const format = (values.format ?? 'jsonl') as AuditFormat;
    if (!AUDIT_FORMATS.includes(format)) throw new UsageError(`--format: ${values.format} is not one of ${AUDIT_FORMATS.join(', ')}`);
    const limit = values.limit === undefined ? AUDIT_LIMIT_DEFAULT : parseNat(values.limit, '--limit');
    if (limit < 1 || limit > AUDIT_LIMIT_MAX) throw new UsageError(`--limit: ${limit} outside [1, ${AUDIT_LIMIT_MAX}]`);
    const result = await withJournal(c, (env) => {
      if (format === 'table') io.out(auditTableHeader());
      return auditJournal({
        env,
        config: c.config,
        filter,
        limit,
        onRecord: (record) => {
          if (format === 'jsonl') io.out(auditRecordJson(record));
          else for (const line of auditRecordTable(record)) io.out(line);
        },
      });
    });
    const more = result.limitReached ? `; stopped at --limit ${limit}, more may match` : '';
    io.err(`audit: ${result.matched} commands matched, ${result.commandsScanned} replayed of the journal's ${result.journalLastSeq + 1}${more}`);
  });
}

type AuditValues = { order?: string | undefined; 'client-order-id'?: string | undefined; account?: string | undefined; seq?: string | undefined; time?: string | undefined };

function auditFilter(values: AuditValues): AuditFilter {
  const clOrdId = values['client-order-id'];
  const chosen = [values.order, clOrdId, clOrdId === undefined ? values.account : undefined, values.seq, values.time].filter((v) => v !== undefined);
  if (chosen.length !== 1) throw new UsageError('name exactly one of --order, --client-order-id with --account, --account, --seq, --time');
  if (values.order !== undefined) return { kind: 'order', orderId: parseNat(values.order, '--order') };
  if (clOrdId !== undefined) {
    if (values.account === undefined) throw new UsageError('--client-order-id needs --account: client order ids are unique per account');
    return { kind: 'client-order-id', accountId: parseNat(values.account, '--account'), clOrdId };
  }
  if (values.account !== undefined) return { kind: 'account', accountId: parseNat(values.account, '--account') };
  if (values.seq !== undefined) {
    const [fromSeq, toSeqExclusive] = parseRange(values.seq, '--seq', (t) => parseNat(t, '--seq'), 0);
    return { kind: 'seq', fromSeq, toSeqExclusive };
  }
  const [fromUs, toUsExclusive] = parseRange(values.time ?? '', '--time', parseTimeUs, Number.MIN_SAFE_INTEGER);
  return { kind: 'time', fromUs, toUsExclusive };
}

/** `FROM..TO`, half-open [FROM, TO); either end may be left out (from the start, to the end). */
function parseRange(text: string, what: string, parseEnd: (t: string) => number, lowest: number): [number, number] {
  const parts = text.split('..');
  if (parts.length !== 2) throw new UsageError(`${what}: ${JSON.stringify(text)} is not FROM..TO (half-open: TO is excluded)`);
  const [fromText = '', toText = ''] = parts;
  const from = fromText === '' ? lowest : parseEnd(fromText);
  const to = toText === '' ? Number.MAX_SAFE_INTEGER : parseEnd(toText);
  if (to < from) throw new UsageError(`${what}: ${JSON.stringify(text)} ends before it starts`);
  return [from, to];
}

/**
 * A command timestamp: microseconds since the epoch as an integer, or ISO-8601 (a date, or a date
 * and time with up to microsecond fractions; without a zone it is taken as UTC, the zone the
 * audit prints in).
 */
export function parseTimeUs(text: string): number {
  if (/^-?\d+$/.test(text)) {
    const us = Number(text);
    if (Number.isSafeInteger(us)) return us;
  }
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?)?$/.exec(text);
  if (match !== null) {
    const [, date = '', time, fraction = '', zone = 'Z'] = match;
    const ms = Date.parse(time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${zone}`);
    if (Number.isFinite(ms)) return ms * 1000 + Number(fraction.padEnd(6, '0'));
  }
  throw new UsageError(`--time: ${JSON.stringify(text)} is neither microseconds nor ISO-8601 (2024-05-01T10:00:00.000017Z)`);
}

/** Runs a subcommand body and turns every expected failure into its line, its JSON and its exit code. */
async function run(sub: string, usage: string, io: CliIo, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return EXIT_OK;
  } catch (error) {
    const failure = classify(error);
    if (failure === null) throw error; // a bug: let it stop the process with its stack (exit 1)
    io.err(`ordo ${sub}: ${failure.message}`);
    if (failure.code === EXIT_USAGE) io.err(`usage: ${usage}`);
    else io.out(JSON.stringify({ ok: false, kind: failure.kind, seq: failure.seq, error: failure.message }));
    return failure.code;
  }
}

interface Failure {
  code: number;
  kind: string;
  seq: number | null;
  message: string;
}

function classify(error: unknown): Failure | null {
  if (error instanceof UsageError) return { code: EXIT_USAGE, kind: 'usage', seq: null, message: error.message };
  if (error instanceof JournalCorruptError) return { code: EXIT_CORRUPT, kind: error.kind, seq: error.seq, message: error.message };
  if (error instanceof SnapshotMismatchError) return { code: EXIT_SNAPSHOT, kind: 'snapshot', seq: error.seq, message: error.message };
  if (error instanceof SnapshotProblemError) return { code: EXIT_SNAPSHOT, kind: 'snapshot', seq: error.seq, message: error.message };
  if (error instanceof JournalMetaMismatchError) return { code: EXIT_NO_JOURNAL, kind: 'meta', seq: null, message: error.message };
  if (error instanceof NoJournalError) return { code: EXIT_NO_JOURNAL, kind: 'no-journal', seq: null, message: error.message };
  return null;
}
