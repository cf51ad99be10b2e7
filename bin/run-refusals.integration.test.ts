import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_FILE } from '../platform/data-dir-lock.js';
import { ordoRunScope, runOrdoToExit, startOrdoProcess } from '../testkit/ordo-process.js';

/**
 * `ordo run` refuses to start, with one line that says why and exit code 1, where the operator
 * must act: the data directory is another server's, or the port is taken. The running server
 * is untouched and keeps serving; once it has stopped, the directory can be used again.
 */
const { children, dataDir: makeDataDir } = ordoRunScope();

describe('ordo run: refused starts', () => {
  it('a second server on the same data directory, and one on a port in use, are refused in one line; the first serves on', async () => {
    const dataDir = makeDataDir('ordo-refusals-');
    const first = await startOrdoProcess(dataDir, children);
    const port = new URL(first.httpUrl).port;

    const sameDir = await runOrdoToExit(['run', '--port', '0', '--data', dataDir]);
    expect(sameDir.code).toBe(1);
    expect(sameDir.stderr).toContain(`ordo: data directory ${dataDir} is in use by process ${first.child.pid}`);
    expect(sameDir.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const otherDir = join(dataDir, 'other');
    const samePort = await runOrdoToExit(['run', '--port', port, '--data', otherDir]);
    expect(samePort.code).toBe(1);
    expect(samePort.stderr).toContain(`ordo: cannot listen on 127.0.0.1:${port}: the address is in use`);
    expect(samePort.stderr).not.toMatch(/\n\s+at /);

    const health = await fetch(`${first.httpUrl}/health`);
    expect(await health.json()).toMatchObject({ status: 'ready' });
    const exited = new Promise<number | null>((resolve) => first.child.once('close', resolve));
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // A clean stop gives the lock back (a killed server's is taken over as stale instead).
    expect(existsSync(join(dataDir, DATA_DIR_LOCK_FILE))).toBe(false);

    // Stopped cleanly: the lock is gone and the directory serves again (here, long enough to be refused nothing).
    const again = await startOrdoProcess(dataDir, children);
    expect(await (await fetch(`${again.httpUrl}/health`)).json()).toMatchObject({ status: 'ready', seqNext: expect.any(Number) });
  });

  it('a configuration it must not start with is named in one line, exit 2, before anything is opened', async () => {
    const dir = makeDataDir('ordo-config-');
    const write = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'missing.json'), /^ordo: config \S+missing\.json: ENOENT/],
      [write('cut.json', '{"port": 1'), /^ordo: config \S+cut\.json: .*JSON/],
      [write('field.json', '{"prot": 1}'), /^ordo: config \S+field\.json: unknown field prot$/m],
      [write('port.json', '{"port": -5}'), /^ordo: config port -5$/m],
      [write('admission.json', '{"admission": {"anonymousPercentMax": 0}}'), /^ordo: config admission\.anonymousPercentMax 0: 1\.\.100$/m],
      [write('windows.json', '{"readModel": {"finalOrdersMax": 10, "fillsMax": 10, "fillsPerAccountMax": 11}}'), /^ordo: config readModel\.fillsPerAccountMax 11: 1\.\.readModel\.fillsMax$/m],
    ];
    for (const [path, expected] of cases) {
      const run = await runOrdoToExit(['run', '--port', '0', '--config', path]);
      expect({ path, code: run.code }).toEqual({ path, code: 2 });
      expect(run.stderr).toMatch(expected);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
