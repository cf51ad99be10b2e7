import { describe, expect, it } from 'vitest';
import { runScript } from '../testkit/run-script.js';

describe('ordo command line', () => {
  it('answers unknown options and bad values of each subcommand with exit 2, the problem and the usage', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['flow', 'f.bin', '--bogus'], /Unknown option '--bogus'/],
      [['flow', 'f.bin', '--passes', '0'], /flow: --passes: "0" is not a whole number in \[1, 100\]/],
      [['flow'], /flow: missing <file>/],
      [['gen-flow', '--out', 'f.bin', '--count', '1', '--bogus', 'x'], /Unknown option '--bogus'/],
      [['gen-flow', '--out', 'f.bin', '--count', 'ten'], /--count: "ten" is not a whole number/],
      [['run', '--bogus'], /Unknown option '--bogus'/],
      [['run', '--port', 'http'], /run: --port: "http" is not a whole number in \[0, 65535\]/],
      [['run', '--log-level', 'loud'], /run: --log-level: "loud" is not one of/],
      [['nope'], /unknown subcommand nope/],
    ];
    const exits = await Promise.all(cases.map(([args]) => runScript('bin/ordo.ts', args)));
    exits.forEach((exit, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expect(exit.code, args.join(' ')).toBe(2);
      expect(exit.stderr, args.join(' ')).toMatch(message);
      expect(exit.stderr, args.join(' ')).toMatch(/usage:\n {2}ordo flow/);
    });
  }, 60_000);

  it('takes the log level from ORDO_LOG_LEVEL unless --log-level is given, and refuses a bad one', async () => {
    const exit = await runScript('bin/ordo.ts', ['run'], 30_000, { ...process.env, ORDO_LOG_LEVEL: 'loud' });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/run: ORDO_LOG_LEVEL: "loud" is not one of trace, debug, info, warn, error, fatal, silent/);
    // The option wins: the bad variable is not read, and the next problem is the data directory's.
    const flagWins = await runScript('bin/ordo.ts', ['run', '--log-level', 'warn', '--data', '/dev/null/ordo-data'], 30_000, { ...process.env, ORDO_LOG_LEVEL: 'loud' });
    expect(flagWins.code).not.toBe(0);
    expect(flagWins.stderr).toMatch(/ENOTDIR[^\n]*dev\/null\/ordo-data/);
    expect(flagWins.stderr).not.toMatch(/ORDO_LOG_LEVEL/);
  }, 60_000);
});
