import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrdoClient, ReplyError } from '../client/client.js';
import { ordoRunScope, startOrdoProcess } from '../testkit/ordo-process.js';

const RATE_LIMITED: ReadonlySet<string> = new Set(['SESSION_RATE_LIMITED', 'ACCOUNT_RATE_LIMITED']);
const CANCEL_ATTEMPTS_MAX = 50;
const THROTTLED_PAUSE_MS = 100;

/**
 * Restart under load, as an operator would meet it: `ordo run` (make run's command) is killed
 * with SIGKILL while clients place orders, started again on the same data directory, and every
 * order that was acknowledged before the kill is still there (cancelling it is acknowledged).
 * `ordo run` serves from the journal-backed host in 'fsync' mode, so an acknowledgement means
 * the command was on disk.
 */
const { children, dataDir: makeDataDir } = ordoRunScope();

/** Starts `ordo run` on a free port; resolves with its ws URL once it prints that it serves. */
function startServer(data: string): Promise<{ url: string; child: ChildProcess }> {
  return startOrdoProcess(data, children);
}

describe('gateway server: restart', () => {
  it('finds every acknowledged order after a SIGKILL under load and a restart', async () => {
    const dataDir = makeDataDir('ordo-restart-');
    const first = await startServer(dataDir);
    const health = (await (await fetch(first.url.replace('ws://', 'http://').replace(/\/ws$/, '/health'))).json()) as { durability: string };
    expect(health.durability).toBe('fsync');
    const secrets = JSON.parse(readFileSync(join(dataDir, 'demo-secrets.json'), 'utf8')) as { accounts: Array<{ account: number; apiKey: string }> };
    const key = secrets.accounts[0]?.apiKey as string;
    const client = await OrdoClient.connect(first.url);
    await client.login(1, key);
    const acked: number[] = [];
    let sent = 0;
    const deadline = Date.now() + 1_500;
    // Resting orders far below any price, in bursts, until the kill.
    while (Date.now() < deadline) {
      const burst = Array.from({ length: 20 }, () => client.place({ symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: (40_000 + (sent++ % 1_000) / 100).toFixed(2), qty: '0.0001' }));
      for (const p of burst) p.then((ack) => acked.push(ack.orderId), () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(acked.length).toBeGreaterThan(100);
    const second = await startServer(dataDir);
    const again = await OrdoClient.connect(second.url);
    await again.login(1, key);
    const missing: number[] = [];
    for (let i = 0; i < acked.length; i += 50) {
      // A cancel refused by the session's throttle says nothing about the order: it is sent
      // again after a pause (a fast client acks thousands of orders before the kill, and their
      // cancels would outrun the throttle), a bounded number of times.
      let ids = acked.slice(i, i + 50);
      for (let attempt = 0; attempt < CANCEL_ATTEMPTS_MAX && ids.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, THROTTLED_PAUSE_MS));
        const results = await Promise.allSettled(ids.map((id) => again.cancel(id)));
        const throttled: number[] = [];
        results.forEach((r, k) => {
          if (r.status === 'fulfilled') return;
          const id = ids[k] as number;
          if (r.reason instanceof ReplyError && RATE_LIMITED.has(r.reason.codeName)) throttled.push(id);
          else missing.push(id);
        });
        ids = throttled;
      }
      missing.push(...ids);
    }
    expect(missing).toEqual([]);
    await again.close();
  });
});
