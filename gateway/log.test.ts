import { describe, expect, it } from 'vitest';
import { LogCapture } from '../testkit/log-capture.js';
import { isLogLevel, Logger, REDACTED } from './log.js';

describe('Logger (pino)', () => {
  it('writes one JSON object per line: level by name, ISO time, pid, fields and the message', () => {
    const capture = new LogCapture();
    Logger.create('info', capture).with({ component: 'gateway' }).info('login', { session: 3, account: 1, missing: undefined });
    expect(capture.lines).toHaveLength(1);
    const [record] = capture.records();
    expect(record).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), pid: process.pid, component: 'gateway', session: 3, account: 1, msg: 'login' });
  });

  it('writes only at its level and above', () => {
    const capture = new LogCapture();
    const log = Logger.create('warn', capture);
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e', { code: 'X' });
    expect(capture.records().map((r) => [r['level'], r['msg']])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    expect(log.enabled('info')).toBe(false);
    expect(log.enabled('error')).toBe(true);
    expect(log.level).toBe('warn');
    Logger.create('silent', capture).error('never');
    expect(capture.lines).toHaveLength(2);
  });

  it('censors secret-named fields, at the top level and one object down', () => {
    const capture = new LogCapture();
    Logger.create('info', capture).info('oops', { apiKey: 'k-123-secret', token: 't-456-secret', account: 1 });
    Logger.create('info', capture).with({ apiKey: 'k-789-secret' }).info('child');
    expect(capture.text()).not.toMatch(/secret/);
    expect(capture.records()[0]).toMatchObject({ apiKey: REDACTED, token: REDACTED, account: 1 });
  });

  it('refuses an unknown level', () => {
    expect(isLogLevel('loud')).toBe(false);
    expect(isLogLevel('debug')).toBe(true);
    expect(() => Logger.create('loud' as 'info', new LogCapture())).toThrow(/log level/);
  });
});
