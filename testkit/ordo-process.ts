import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * `ordo run` (make run's command) as a child process for tests that need the real binary: its
 * signal handling, its exit, a SIGKILL. The caller kills what it started (children lists them).
 */
const ROOT = new URL('..', import.meta.url).pathname;
const START_TIMEOUT_MS = 60_000;

export interface OrdoProcess {
  readonly url: string;
  readonly httpUrl: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr so far (the banner: where it serves, secrets once). */
  stderr(): string;
  /** Its log so far: the JSON lines it wrote to stdout, at level info. */
  log(): string;
}

/** Runs `ordo` with `args` to its exit (at most `timeoutMs`, then SIGKILL); its exit code and output. */
export function runOrdoToExit(args: readonly string[], timeoutMs = START_TIMEOUT_MS): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/ordo.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

/** Starts `ordo run` on a free port; resolves once it prints that it serves. */
export function startOrdoProcess(data: string, children: ChildProcess[]): Promise<OrdoProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/ordo.ts', 'run', '--port', '0', '--data', data, '--log-level', 'info'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  let out = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), START_TIMEOUT_MS);
    const onData = (): void => {
      const match = /serving (ws:\/\/\S+\/ws)/.exec(err);
      if (match === null) return;
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      const url = match[1] as string;
      resolve({ url, httpUrl: url.replace('ws://', 'http://').replace(/\/ws$/, ''), child, stderr: () => err, log: () => out });
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

/** The processes a test file starts and the data directory it makes, cleaned after each test. */
export interface OrdoRunScope {
  readonly children: ChildProcess[];
  /** A fresh data directory for this test (one per test), removed after it. */
  dataDir(prefix: string): string;
}

/** Registers the cleaning (afterEach: SIGKILL every child, remove the directory) and returns the scope. */
export function ordoRunScope(): OrdoRunScope {
  const children: ChildProcess[] = [];
  let dir: string | null = null;
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });
  return {
    children,
    dataDir(prefix: string): string {
      if (dir !== null) throw new Error('one data directory per test');
      dir = mkdtempSync(join(tmpdir(), prefix));
      return dir;
    },
  };
}
