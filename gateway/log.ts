import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/**
 * Structured logs through pino: one JSON object per line, with the correlation ids that tie a
 * line to the journal and to a client (seq = command sequence, account, clOrdId, session id).
 *
 *   {"level":"info","time":"2026-12-07T01:50:00.000Z","pid":4242,"component":"gateway","session":3,"account":1,"msg":"login"}
 *
 * Nothing on the per-order hot path logs: a busy server would spend its time writing. Lines go
 * to a destination stream: stdout by default, written synchronously (pino's SonicBoom with
 * `sync`, as process.stdout writes to a file or pipe on Linux), so a line logged is a line out,
 * even when the process dies just after; log lines are rare events, never per order. Tests pass
 * a stream of their own and read what was logged. `flush()` is for destinations that buffer.
 * This class only keeps the call sites short (`log.info(msg, fields)`) and the options in one place.
 */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;
/** Where log lines go: anything with `write(line)` (pino's DestinationStream). */
export type LogDestination = DestinationStream;

/**
 * Field names whose values never reach a log line, at the top level or one object down, should
 * one ever be passed by mistake: the secrets are API keys and the admin token, and nothing logs
 * them on purpose (a test runs logins and account creation and searches the log for them).
 */
export const REDACTED_FIELDS: readonly string[] = ['apiKey', 'api_key', 'adminToken', 'token', 'authorization', 'password', 'secret'];
export const REDACTED = '[redacted]';

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

let stdout: DestinationStream | null = null;

/** The process's stdout destination, one for every logger that writes there. */
export function stdoutDestination(): DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: true });
  return stdout;
}

export class Logger {
  private constructor(private readonly pino: PinoLogger) {}

  static create(level: LogLevel, destination: LogDestination = stdoutDestination()): Logger {
    if (!isLogLevel(level)) throw new Error(`log level ${String(level)}`);
    const paths = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]);
    return new Logger(
      pino(
        {
          level,
          base: { pid: process.pid },
          timestamp: pino.stdTimeFunctions.isoTime,
          formatters: { level: (label) => ({ level: label }) },
          redact: { paths, censor: REDACTED },
        },
        destination,
      ),
    );
  }

  /** Writes nothing (and formats nothing). */
  static silent(): Logger {
    return Logger.create('silent', { write: () => undefined });
  }

  get level(): LogLevel {
    return this.pino.level as LogLevel;
  }

  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return this.pino.isLevelEnabled(level);
  }

  /** A logger that adds `fields` to every line (e.g. the component). */
  with(fields: LogFields): Logger {
    return new Logger(this.pino.child(fields));
  }

  debug(msg: string, fields?: LogFields): void {
    if (fields === undefined) this.pino.debug(msg);
    else this.pino.debug(fields, msg);
  }
  info(msg: string, fields?: LogFields): void {
    if (fields === undefined) this.pino.info(msg);
    else this.pino.info(fields, msg);
  }
  warn(msg: string, fields?: LogFields): void {
    if (fields === undefined) this.pino.warn(msg);
    else this.pino.warn(fields, msg);
  }
  error(msg: string, fields?: LogFields): void {
    if (fields === undefined) this.pino.error(msg);
    else this.pino.error(fields, msg);
  }

  /** Resolves once what was logged so far is written out (the destination's `flush`, if any). */
  flush(): Promise<void> {
    return new Promise((resolve) => this.pino.flush(() => resolve()));
  }
}
