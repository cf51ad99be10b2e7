import type { LogDestination } from '../gateway/log.js';

/**
 * A log destination for tests: keeps the lines a server writes (pino writes one JSON line per
 * call), so a test reads what was logged without touching stdout.
 */
export class LogCapture implements LogDestination {
  static readonly LINES_MAX = 200_000;
  readonly lines: string[] = [];

  write(line: string): void {
    if (this.lines.length >= LogCapture.LINES_MAX) throw new Error(`log capture: more than ${LogCapture.LINES_MAX} lines`);
    this.lines.push(line);
  }

  /** Every line parsed (a line that is not one JSON object fails the test that reads it). */
  records(): Array<Record<string, unknown>> {
    return this.lines.map((line, i) => {
      if (!line.endsWith('\n')) throw new Error(`log line ${i} does not end in a newline: ${line}`);
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`log line ${i} is not a JSON object: ${line}`);
      return value as Record<string, unknown>;
    });
  }

  /** The records whose message is `msg` (or starts with it). */
  find(msg: string): Array<Record<string, unknown>> {
    return this.records().filter((r) => typeof r['msg'] === 'string' && r['msg'].startsWith(msg));
  }

  text(): string {
    return this.lines.join('');
  }
}
