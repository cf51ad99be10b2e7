/**
 * Structured logs: one JSON object per line, with the correlation ids that let a line be tied
 * to the journal and to a client (seq = command sequence, account, clOrdId, session id).
 *
 *   {"ts":"2025-01-01T00:00:00.000Z","level":"info","msg":"login","session":3,"account":1}
 *
 * Nothing on the per-order hot path logs at info: a busy server would spend its time writing.
 * The sink is injected so tests stay quiet and can read what was logged.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export class Logger {
  private readonly minRank: number;

  constructor(
    readonly level: LogLevel,
    private readonly write: (line: string) => void,
    private readonly base: LogFields = {},
  ) {
    const rank = LEVEL_RANK[level];
    if (rank === undefined) throw new Error(`log level ${String(level)}`);
    this.minRank = rank;
  }

  /** Logs to stdout (one write per line keeps lines whole when several writers share it). */
  static stdout(level: LogLevel): Logger {
    return new Logger(level, (line) => process.stdout.write(line));
  }

  static silent(): Logger {
    return new Logger('error', () => undefined);
  }

  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= this.minRank;
  }

  /** A logger that adds `fields` to every line (e.g. the component). */
  with(fields: LogFields): Logger {
    return new Logger(this.level, this.write, { ...this.base, ...fields });
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  private log(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (LEVEL_RANK[level] < this.minRank) return;
    const line: Record<string, unknown> = { ts: new Date().toISOString(), level, msg, ...this.base };
    if (fields !== undefined) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line[k] = v;
    this.write(`${JSON.stringify(line)}\n`);
  }
}
