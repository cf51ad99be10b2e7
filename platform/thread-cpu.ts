import { readFileSync, readlinkSync } from 'node:fs';

/**
 * CPU time of single threads of this process, from Linux's /proc (null elsewhere): which thread
 * of a benchmark is at 100% of a core, which process.cpuUsage (the whole process) cannot say.
 *
 *   const tid = currentThreadId();          // in the thread to watch
 *   const t0 = threadCpuMs(tid);  ...  const used = threadCpuMs(tid) - t0;   // from any thread
 */
/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux's x86 and arm builds). */
const USER_HZ = 100;

/** The calling thread's kernel id, or null where /proc/thread-self does not exist. */
export function currentThreadId(): number | null {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(id) ? id : null;
  } catch {
    return null;
  }
}

/** User + system CPU time of thread `tid` of this process, ms (10 ms resolution); null if unknown. */
export function threadCpuMs(tid: number | null): number | null {
  if (tid === null) return null;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing paren):
    // state is field 3, utime 14 and stime 15, i.e. indices 11 and 12 of what follows ") ".
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isSafeInteger(ticks) ? (ticks * 1_000) / USER_HZ : null;
  } catch {
    return null;
  }
}

/** User + system CPU time of the whole process so far, ms. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1_000;
}
