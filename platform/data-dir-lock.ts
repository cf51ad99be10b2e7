import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One process writes a data directory at a time. The journal is LMDB, which lets several
 * processes open it; two servers on one directory would each recover, then take the same
 * sequences, and the second would fail (or worse) on its first append. So the engine host takes
 * this lock before recovery, and a second `ordo run` on the directory is refused at once, naming
 * the process that holds it.
 *
 * The lock is the file `ordo.lock`, created exclusively (O_EXCL) with the holder's pid, its
 * start time (Linux: /proc/<pid>/stat, so a reused pid is not taken for the holder) and host.
 * A lock whose holder is gone (SIGKILL, power loss) is stale: it is removed and taken, and if
 * another process takes it first, that one wins. A lock from another host (a shared file system)
 * is never taken as stale. Readers (`ordo verify`, `audit`, `replay`) do not lock.
 */
export const DATA_DIR_LOCK_FILE = 'ordo.lock';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly holderPid: number,
    readonly holderHost: string,
  ) {
    super(`data directory ${dir} is in use by process ${holderPid} on ${holderHost} (${join(dir, DATA_DIR_LOCK_FILE)}); stop it first, or remove the file if that process is not an ordo server`);
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock if it is still this process's (idempotent). */
  release(): void;
}

interface LockRecord {
  pid: number;
  startTicks: string | null;
  host: string;
}

/** Locks held by this process, by path: a second lock of the same directory here is refused too. */
const held = new Set<string>();

/** Takes the data directory's lock, or throws DataDirLockedError; the directory must exist. */
export function lockDataDir(dir: string): DataDirLock {
  const path = join(dir, DATA_DIR_LOCK_FILE);
  const own: LockRecord = { pid: process.pid, startTicks: startTicksOf(process.pid), host: hostname() };
  // Two attempts: the second only after a stale lock was removed.
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (tryCreate(path, own)) {
      held.add(path);
      return { path, release: () => release(path, own) };
    }
    const holder = readRecord(path);
    if (holder === null) continue; // removed meanwhile, or unreadable half-written: try again
    if (holderAlive(path, holder)) throw new DataDirLockedError(dir, holder.pid, holder.host);
    removeIfSame(path, holder);
  }
  const holder = readRecord(path);
  throw new DataDirLockedError(dir, holder?.pid ?? -1, holder?.host ?? 'an unknown host');
}

function tryCreate(path: string, record: LockRecord): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readRecord(path: string): LockRecord | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (!Number.isSafeInteger(value.pid) || typeof value.host !== 'string') return { pid: -1, startTicks: null, host: 'an unknown host' };
    return { pid: value.pid as number, startTicks: typeof value.startTicks === 'string' ? value.startTicks : null, host: value.host };
  } catch {
    // Not JSON: a lock written by something else, or cut short by a crash mid-write.
    return { pid: -1, startTicks: null, host: hostname() };
  }
}

function holderAlive(path: string, holder: LockRecord): boolean {
  if (holder.host !== hostname()) return true;
  // This pid: held if this process took it; otherwise an earlier process had this pid (a restart in a fresh container).
  if (holder.pid === process.pid) return held.has(path);
  if (holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // ESRCH: no such process. EPERM: it exists (another user's): alive.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const ticks = startTicksOf(holder.pid);
  return ticks === null || holder.startTicks === null || ticks === holder.startTicks;
}

function removeIfSame(path: string, seen: LockRecord): void {
  const now = readRecord(path);
  if (now === null || now.pid !== seen.pid || now.startTicks !== seen.startTicks) return;
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function release(path: string, own: LockRecord): void {
  if (!held.delete(path)) return;
  removeIfSame(path, own);
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat); null where there is no /proc. */
export function startTicksOf(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}
