import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatMachine } from '../bench/lib/machine.js';
import { FIXTURE_MACHINE } from '../bench/lib/test-fixtures.js';
import { CORE_JIT_FLAGS } from './jit-tuning.js';

const run = promisify(execFile);

describe('JIT tuning for the core', () => {
  it('names flags this Node accepts', async () => {
    // setFlagsFromString ignores a flag it does not know; the command line refuses one (exit 9).
    for (const flag of CORE_JIT_FLAGS) {
      const { stdout } = await run(process.execPath, [flag, '-e', 'process.stdout.write("ok")']);
      expect(stdout).toBe('ok');
    }
    await expect(run(process.execPath, ['--max-inlined-bytecode-sizez=1', '-e', '0'])).rejects.toThrow(/bad option/);
  });

  it('is applied once by an entry point and reported with the machine', async () => {
    const script = [
      "const t = await import('./platform/jit-tuning.ts');",
      'const before = t.appliedJitFlags().length;',
      't.tuneJitForCore(); t.tuneJitForCore();',
      'process.stdout.write(JSON.stringify([before, t.appliedJitFlags()]));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
    expect(JSON.parse(stdout)).toEqual([0, [...CORE_JIT_FLAGS]]);
    expect(formatMachine({ ...FIXTURE_MACHINE, jitFlags: [...CORE_JIT_FLAGS] })).toContain(`Node v20.20.0 (${CORE_JIT_FLAGS.join(' ')}), load`);
    expect(formatMachine(FIXTURE_MACHINE)).toContain('Node v20.20.0, load');
  });
});
