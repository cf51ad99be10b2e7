import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_FILE, DataDirLockedError, lockDataDir, startTicksOf } from './data-dir-lock.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ordo-lock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const lockPath = (): string => join(dir, DATA_DIR_LOCK_FILE);
const writeLock = (record: object | string): void => writeFileSync(lockPath(), typeof record === 'string' ? record : JSON.stringify(record));

/** A pid that was a process and is no more: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the data directory lock', () => {
  it('is taken with this process named in it, refused a second time here, and taken again once released', () => {
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lockPath(), 'utf8'))).toEqual({ pid: process.pid, startTicks: startTicksOf(process.pid), host: hostname() });
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(`is in use by process ${process.pid}`);
    lock.release();
    lock.release();
    expect(() => readFileSync(lockPath())).toThrow(/ENOENT/);
    lockDataDir(dir).release();
  });

  it('takes over a stale lock: a holder that has exited, this pid from an earlier process, a file cut short', () => {
    for (const stale of [{ pid: deadPid(), startTicks: null, host: hostname() }, { pid: process.pid, startTicks: 'earlier', host: hostname() }, '{"pid":12', '']) {
      writeLock(stale);
      const lock = lockDataDir(dir);
      expect(JSON.parse(readFileSync(lockPath(), 'utf8'))).toMatchObject({ pid: process.pid });
      lock.release();
    }
  });

  it('refuses a live holder, and takes a lock whose pid now names a process started at another time (a reused pid)', () => {
    // A live process (this test's parent) with its real start time: held.
    writeLock({ pid: process.ppid, startTicks: startTicksOf(process.ppid), host: hostname() });
    expect(() => lockDataDir(dir)).toThrow(`in use by process ${process.ppid}`);
    // The same pid with another start time: the pid was reused, the holder is gone.
    writeLock({ pid: process.ppid, startTicks: 'not-its-start', host: hostname() });
    lockDataDir(dir).release();
  });

  it("never takes another host's lock as stale", () => {
    writeLock({ pid: deadPid(), startTicks: null, host: 'another-host' });
    expect(() => lockDataDir(dir)).toThrow('on another-host');
  });

  it('is held by another process until it dies, then taken', async () => {
    const script = `import { lockDataDir } from './platform/data-dir-lock.ts'; lockDataDir(${JSON.stringify(dir)}); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
        child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
      });
      expect(() => lockDataDir(dir)).toThrow(`in use by process ${child.pid}`);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    lockDataDir(dir).release();
  });
});
