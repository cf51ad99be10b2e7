import { describe, expect, it } from 'vitest';
import { currentThreadId, processCpuMs, threadCpuMs } from './thread-cpu.js';

describe('thread CPU time', () => {
  it('counts the CPU the calling thread burns, within the process total', () => {
    const tid = currentThreadId();
    if (tid === null) return; // not Linux: nothing to read
    const thread0 = threadCpuMs(tid) as number;
    const process0 = processCpuMs();
    const untilMs = Date.now() + 200;
    let spins = 0;
    while (Date.now() < untilMs) spins++; // ~200 ms of this thread's CPU
    const threadMs = (threadCpuMs(tid) as number) - thread0;
    const processMs = processCpuMs() - process0;
    expect(spins).toBeGreaterThan(0);
    expect(threadMs).toBeGreaterThanOrEqual(50); // a loaded machine may take some of it away
    expect(threadMs).toBeLessThanOrEqual(processMs + 20); // ticks are 10 ms coarse
  });

  it('answers null for a thread that is not there', () => {
    expect(threadCpuMs(null)).toBeNull();
    expect(threadCpuMs(2 ** 31 - 1)).toBeNull();
  });
});
