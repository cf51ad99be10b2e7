import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../protocol/wire-schema.js';
import { ordoRunScope, startOrdoProcess } from '../testkit/ordo-process.js';
import { apiKeyOf, ServerFixture } from '../testkit/server-fixture.js';

/**
 * Graceful shutdown and /health over real sockets (127.0.0.1, port 0, the threaded pipeline):
 * every order taken before stop() is answered, orders sent after it are answered BUSY, /health
 * says 503 "stopping" during the drain, and the sessions end with close code 1001.
 */
let fixture: ServerFixture | null = null;
const { children, dataDir: makeDataDir } = ordoRunScope();

afterEach(async () => {
  await fixture?.stop();
  fixture = null;
});

interface RawSession {
  ws: WebSocket;
  replies: Map<number, ServerMessage[]>;
  closed: Promise<number>;
}

/** A logged-in raw session that files every reply with an id under it (bundles unpacked). */
async function loggedIn(url: string, account: number, apiKey = apiKeyOf(account)): Promise<RawSession> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const replies = new Map<number, ServerMessage[]>();
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as ServerMessage;
    for (const one of m.type === 'bundle' ? m.messages : [m]) {
      const id = (one as { id?: unknown }).id;
      if (typeof id !== 'number') continue;
      replies.set(id, [...(replies.get(id) ?? []), one]);
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'login', id: 1, account, apiKey }));
  await expect.poll(() => replies.get(1)?.[0]?.type).toBe('logged_in');
  return { ws, replies, closed };
}

function place(id: number): string {
  return JSON.stringify({ type: 'place', id, symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: `${49_000 + (id % 500)}.00`, qty: '0.01' });
}

async function health(httpUrl: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${httpUrl}/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('gateway server: graceful shutdown', () => {
  it('answers every order taken, answers BUSY to orders sent after stop began, says "stopping" on /health, then closes with 1001', async () => {
    const f = (fixture = await ServerFixture.start());
    const s = await loggedIn(f.url, 1);
    const inFlight = Array.from({ length: 300 }, (_, i) => 100 + i);
    for (const id of inFlight) s.ws.send(place(id));
    // Some of them are taken (one is answered) before the shutdown begins.
    await expect.poll(() => s.replies.size > 1).toBe(true);
    const stopped = f.server.stop();
    const during = await health(f.server.httpUrl);
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ status: 'stopping', role: 'leader' });
    const afterStop = Array.from({ length: 50 }, (_, i) => 1_000 + i);
    for (const id of afterStop) s.ws.send(place(id));
    expect(await s.closed).toBe(1001);
    const report = await stopped;
    // Exactly one answer for every order: an ack or a reject, none lost with the connection.
    for (const id of [...inFlight, ...afterStop]) {
      const answers = (s.replies.get(id) ?? []).filter((m) => m.type === 'ack' || m.type === 'reject');
      expect(answers.map((m) => m.type).length, `order ${id}`).toBe(1);
    }
    for (const id of afterStop) {
      expect(s.replies.get(id)?.[0]).toMatchObject({ type: 'reject', name: 'BUSY' });
      expect((s.replies.get(id)?.[0] as { message: string }).message).toContain('stopping');
    }
    const acked = inFlight.filter((id) => s.replies.get(id)?.[0]?.type === 'ack').length;
    expect(acked).toBeGreaterThan(0);
    expect(report.lastSeq).toBeGreaterThanOrEqual(acked);
  });
});

describe('ordo run: SIGTERM', () => {
  it('drains as documented: orders taken answered, later ones BUSY, /health 503 "stopping", close 1001, exit 0', async () => {
    const dataDir = makeDataDir('ordo-sigterm-');
    const ordo = await startOrdoProcess(dataDir, children);
    const secrets = JSON.parse(readFileSync(join(dataDir, 'demo-secrets.json'), 'utf8')) as { accounts: Array<{ account: number; apiKey: string }> };
    const s = await loggedIn(ordo.url, 1, secrets.accounts[0]?.apiKey as string);
    const inFlight = Array.from({ length: 300 }, (_, i) => 100 + i);
    for (const id of inFlight) s.ws.send(place(id));
    await expect.poll(() => s.replies.size > 1).toBe(true);
    // 'close': exited, and its output read to the end.
    const exited = new Promise<number | null>((resolve) => ordo.child.once('close', (code) => resolve(code)));
    ordo.child.kill('SIGTERM');
    await expect.poll(async () => (await health(ordo.httpUrl)).body['status']).toBe('stopping');
    const afterStop = Array.from({ length: 20 }, (_, i) => 1_000 + i);
    for (const id of afterStop) s.ws.send(place(id));
    expect(await s.closed).toBe(1001);
    expect(await exited).toBe(0);
    for (const id of [...inFlight, ...afterStop]) {
      const answers = (s.replies.get(id) ?? []).filter((m) => m.type === 'ack' || m.type === 'reject');
      expect(answers.length, `order ${id}`).toBe(1);
    }
    for (const id of afterStop) expect(s.replies.get(id)?.[0]).toMatchObject({ type: 'reject', name: 'BUSY' });
    // The shutdown's phases are in the log, every line of it out before the process exited.
    const log = ordo.log().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const msgs = log.map((r) => r['msg']);
    expect(msgs).toContain('signal: shutting down');
    expect(msgs.indexOf('stopping')).toBeGreaterThan(msgs.indexOf('signal: shutting down'));
    expect(log.at(-1)).toMatchObject({ level: 'info', component: 'gateway', msg: 'stopped', lastSeq: expect.any(Number), stateHash: expect.stringMatching(/^0x[0-9a-f]{16}$/) });
  });
});

describe('ordo run: SIGTERM as soon as it says it serves', () => {
  it('drains and logs its stop (the handlers are in before the line), exit 0', async () => {
    const dataDir = makeDataDir('ordo-sigterm-early-');
    const ordo = await startOrdoProcess(dataDir, children);
    const exited = new Promise<number | null>((resolve) => ordo.child.once('close', (code) => resolve(code)));
    ordo.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const msgs = ordo.log().split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as Record<string, unknown>)['msg']);
    expect(msgs.slice(-3)).toEqual(['signal: shutting down', 'stopping', 'stopped']);
  });
});

describe('gateway server: /health', () => {
  it('reports the live next sequence: N orders later it has moved by N', async () => {
    const f = (fixture = await ServerFixture.start());
    const before = await health(f.server.httpUrl);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ status: 'ready', role: 'leader', durability: 'none', journalLag: null });
    const seqFirst = before.body['seqNext'] as number;
    // Start-up funding took sequences: the live figure is past the run's first one.
    expect(seqFirst).toBeGreaterThan(0);
    const s = await loggedIn(f.url, 2);
    const ids = Array.from({ length: 40 }, (_, i) => 10 + i);
    for (const id of ids) s.ws.send(place(id));
    await expect.poll(() => ids.every((id) => s.replies.has(id))).toBe(true);
    const lastAck = s.replies.get(ids[ids.length - 1] as number)?.[0] as { type: string; seq: number };
    expect(lastAck.type).toBe('ack');
    const after = await health(f.server.httpUrl);
    expect(after.body['seqNext']).toBe(seqFirst + ids.length);
    expect(after.body['seqNext']).toBe(lastAck.seq + 1);
    s.ws.close();
  });
});
