import { currentThreadId, processCpuMs, threadCpuMs } from '../platform/thread-cpu.js';
import { median } from './lib/stats.js';
import type { ServerThread } from './ws-server-thread.js';

/**
 * Per-thread CPU of the measured runs: the client's main thread, the gateway server's thread, and
 * the rest of the process, each as a share of one core over the run's wall time. Which of them
 * is at 100% says what bounds a throughput run; none near it means the machine (or a wait) does.
 */
export class CpuShares {
  private readonly clientTid = currentThreadId();
  private readonly runs = new Map<string, Array<{ client: number; gateway: number; others: number }>>();

  async measure<T>(kind: string, server: ServerThread, run: () => Promise<T>): Promise<T> {
    const wall0 = performance.now();
    const [client0, gateway0, all0] = [threadCpuMs(this.clientTid), threadCpuMs(server.tid), processCpuMs()];
    const result = await run();
    const [client1, gateway1, all1] = [threadCpuMs(this.clientTid), threadCpuMs(server.tid), processCpuMs()];
    if (client0 === null || client1 === null || gateway0 === null || gateway1 === null) return result;
    const wallMs = performance.now() - wall0;
    const client = client1 - client0;
    const gateway = gateway1 - gateway0;
    const share = (ms: number): number => Math.round((100 * ms) / wallMs);
    const list = this.runs.get(kind) ?? [];
    list.push({ client: share(client), gateway: share(gateway), others: share(Math.max(0, all1 - all0 - client - gateway)) });
    this.runs.set(kind, list);
    return result;
  }

  summary(): string {
    if (this.runs.size === 0) return 'not measured (no /proc)';
    return [...this.runs]
      .map(([kind, list]) => `${kind}: client ${median(list.map((r) => r.client))}, gateway ${median(list.map((r) => r.gateway))}, others ${median(list.map((r) => r.others))}`)
      .join('; ');
  }
}
