import { afterEach, describe, expect, it } from 'vitest';
import { OrdoClient, type PlaceRequest } from '../client/client.js';
import { PipelineHost } from '../runtime/pipeline-host.js';
import { GatewayServer } from './server.js';
import { LogCapture } from '../testkit/log-capture.js';
import { apiKeyOf, replyCodeOf, testServerConfig } from '../testkit/server-fixture.js';

/**
 * What the gateway does while the journal cannot write, with the storage fault set by the test
 * (deterministic; the fault path of the journal itself is tested in journal/commit-retry.test.ts
 * and on a real full disk in runtime/storage-full.integration.test.ts): new orders are refused
 * STORAGE_UNAVAILABLE before they claim a sequence, /health says degraded with the reason, the
 * metric says so, and once the fault clears orders are taken again.
 */
class FaultyHost extends PipelineHost {
  fault: string | null = null;
  listener: ((reason: string | null) => void) | null = null;

  override storageFault(): string | null {
    return this.fault;
  }

  override watchStorage(listener: (reason: string | null) => void): void {
    this.listener = listener;
  }

  setFault(reason: string | null): void {
    this.fault = reason;
    this.listener?.(reason);
  }
}

let server: GatewayServer | null = null;
let client: OrdoClient | null = null;

afterEach(async () => {
  await client?.close();
  await server?.stop();
  server = null;
  client = null;
});

const BUY: PlaceRequest = { symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5' };


describe('gateway server: a storage fault', () => {
  it('refuses new orders STORAGE_UNAVAILABLE without claiming a sequence, reports degraded, and takes orders again once it clears', async () => {
    const config = testServerConfig();
    const host = new FaultyHost({ config: config.engine });
    const log = new LogCapture();
    server = await GatewayServer.start({ config: { ...config, logLevel: 'info' }, host, logDestination: log });
    client = await OrdoClient.connect(server.url, { requestTimeoutMs: 10_000 });
    await client.login(1, apiKeyOf(1));
    expect(await replyCodeOf(client.place(BUY))).toBe('OK');
    const seqBefore = host.stats().seqNext;

    host.setFault('storage: ENOSPC: No space left on device');
    const refused = await Promise.all(Array.from({ length: 5 }, () => replyCodeOf(client!.place(BUY))));
    expect(refused).toEqual(Array(5).fill('STORAGE_UNAVAILABLE'));
    // Refused before a slot was claimed: no sequence was used, so none can be a gap.
    expect(host.stats().seqNext).toBe(seqBefore);
    const health = await fetch(`${server.httpUrl}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', reason: 'storage: ENOSPC: No space left on device', role: 'leader' });
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^ordo_storage_degraded 1$/m);
    expect(metrics).toMatch(/^ordo_gateway_orders_out_total\{code="10036",name="STORAGE_UNAVAILABLE"\} 5$/m);
    expect(log.find('storage fault')).toEqual([expect.objectContaining({ level: 'error', component: 'gateway', reason: 'storage: ENOSPC: No space left on device' })]);

    host.setFault(null);
    expect(await replyCodeOf(client.place(BUY))).toBe('OK');
    expect((await fetch(`${server.httpUrl}/health`)).status).toBe(200);
    expect(await (await fetch(`${server.httpUrl}/metrics`)).text()).toMatch(/^ordo_storage_degraded 0$/m);
    expect(log.find('storage recovered')).toEqual([expect.objectContaining({ level: 'info' })]);
  });
});
