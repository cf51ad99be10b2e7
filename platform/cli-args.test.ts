import { describe, expect, it } from 'vitest';
import { parseCliArgs, parseIntegerOption, parsePositiveOption, UsageError } from './cli-args.js';

const USAGE = 'usage: tool [--count N] [--name S] [--flag]';
const options = { count: { type: 'string' }, name: { type: 'string' }, flag: { type: 'boolean' } } as const;

function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('no usage error');
}

describe('command-line arguments', () => {
  it('reads options and positionals as parseArgs does', () => {
    const { values, positionals } = parseCliArgs({ args: ['f.bin', '--count', '3', '--flag'], options, allowPositionals: true }, USAGE);
    expect(values).toEqual({ count: '3', flag: true });
    expect(positionals).toEqual(['f.bin']);
  });

  it('answers an unknown option, a missing value and a stray positional with the usage', () => {
    for (const args of [['--bogus'], ['--count'], ['extra'], ['--name', '--flag']]) {
      const error = usageErrorOf(() => parseCliArgs({ args, options }, USAGE));
      expect(error.message, args.join(' ')).toContain(USAGE);
    }
    expect(usageErrorOf(() => parseCliArgs({ args: ['--bogus'], options }, USAGE)).message).toMatch(/Unknown option '--bogus'/);
    expect(usageErrorOf(() => parseCliArgs({ args: ['--bogus'], options }, null)).message).not.toContain('usage:');
  });

  it('takes a negative number as the value it is, so that its range check speaks', () => {
    const { values } = parseCliArgs({ args: ['--count', '-5'], options }, USAGE);
    expect(values.count).toBe('-5');
    expect(() => parseIntegerOption(values.count ?? '', '--count', 0, 10)).toThrow(/--count: "-5" is not a whole number in \[0, 10\]/);
  });

  it('checks integers and positive numbers with the option named', () => {
    expect(parseIntegerOption('1_000', '--n', 0, 10_000)).toBe(1000);
    expect(parseIntegerOption('-3', '--n', -5, 5)).toBe(-3);
    for (const bad of ['', 'x', '1.5', '1e3', '11', '_1']) expect(() => parseIntegerOption(bad, '--n', 0, 10), bad).toThrow(UsageError);
    expect(parsePositiveOption('0.5', '--rate')).toBe(0.5);
    for (const bad of ['', '0', '-1', 'fast', 'Infinity']) expect(() => parsePositiveOption(bad, '--rate'), bad).toThrow(/--rate/);
  });
});
