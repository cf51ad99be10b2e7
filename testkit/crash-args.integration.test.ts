import { describe, expect, it } from 'vitest';
import { runScript as script } from './run-script.js';

describe('crash test command lines', () => {
  it('the soak answers an unknown option or a bad value with exit 2 and its usage, before it starts a child', async () => {
    const [unknown, badKills, badRate] = await Promise.all([
      script('testkit/crash-soak.ts', ['--kils', '3']),
      script('testkit/crash-soak.ts', ['--kills', '0']),
      script('testkit/crash-soak.ts', ['--rate', 'fast']),
    ]);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/Unknown option '--kils'[^]*usage: crash-soak/);
    expect(badKills).toMatchObject({ code: 2 });
    expect(badKills.stderr).toMatch(/--kills: "0" is not a whole number/);
    expect(badRate.stderr).toMatch(/--rate: "fast" is not a number above zero/);
  }, 60_000);

  it('the child reports a bad command line as a failure (exit 1; 2 means its parent went away)', async () => {
    const [unknown, badRun] = await Promise.all([
      script('testkit/crash-child.ts', ['--data', '/nonexistent', '--run', '0', '--bogus']),
      script('testkit/crash-child.ts', ['--data', '/nonexistent', '--run', 'first']),
    ]);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toMatch(/^crash child: Unknown option '--bogus'[^]*usage: crash-child/);
    expect(badRun).toMatchObject({ code: 1 });
    expect(badRun.stderr).toMatch(/--run: "first" is not a whole number/);
  }, 60_000);
});
