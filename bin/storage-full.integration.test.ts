import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OrdoClient, ReplyError } from '../client/client.js';
import { GatewayServer } from '../gateway/server.js';
import { openJournalEnv } from '../journal/journal-env.js';
import { JournalReader } from '../journal/journal-reader.js';
import { configFingerprint } from '../journal/config-fingerprint.js';
import { JournalHost } from '../runtime/journal-host.js';
import { LogCapture } from '../testkit/log-capture.js';
import { apiKeyOf, testServerConfig } from '../testkit/server-fixture.js';
import { captureIo } from '../testkit/cli-fixtures.js';
import { verifyMain } from './journal-cli.js';

/**
 * A full disk under the real server: the data directory on an 8 MiB tmpfs, filled by a filler
 * file until LMDB's writes fail. Orders are then refused STORAGE_UNAVAILABLE, /health says
 * degraded, the orders already taken wait and are acknowledged once the filler is deleted and
 * the retried commit succeeds, trading resumes by itself, and `ordo verify` passes with every
 * acknowledged order in the journal. Mounting needs root (CAP_SYS_ADMIN): elsewhere this says so
 * and skips.
 */
const root = mkdtempSync(join(tmpdir(), 'ordo-storage-full-'));
const mounted = tryMount(root);

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch (e) {
    process.stderr.write(`storage-full test skipped: cannot mount a tmpfs here (${e instanceof Error ? e.message.split('\n')[0] : String(e)})\n`);
    return false;
  }
}

/** The server under test, stopped here if the test failed before it could: the mount must not be busy. */
let running: GatewayServer | null = null;

afterAll(async () => {
  if (running !== null) await running.stop().catch(() => undefined);
  if (mounted) execFileSync('umount', [root], { stdio: 'pipe' });
  rmSync(root, { recursive: true, force: true });
});

/**
 * Writes until the filesystem refuses (ENOSPC), in chunks from 64 KiB down to 512 bytes so that
 * not even a page is left; bounded by the mount's size.
 */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (let chunkBytes = 64 * 1024; chunkBytes >= 512; chunkBytes /= 2) {
      const chunk = Buffer.alloc(chunkBytes, 0xa5);
      try {
        for (let i = 0; i < 1024; i++) written += writeSync(fd, chunk);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

interface Outcome {
  readonly id: number;
  code: string | null;
  seq: number | null;
}

/** A server on its own data directory of the tmpfs, one logged-in client, and every order's outcome. */
async function startRun(name: string): Promise<{
  dataDir: string;
  config: ReturnType<typeof testServerConfig>;
  server: GatewayServer;
  host: JournalHost;
  client: OrdoClient;
  log: LogCapture;
  outcomes: Outcome[];
  inFlight: Array<Promise<void>>;
  send: () => void;
  untilDegraded: () => Promise<void>;
}> {
  const dataDir = join(root, name);
  mkdirSync(dataDir);
  const config = testServerConfig({ dataDir, durability: 'fsync' });
  // Frequent snapshots, so that the snapshot follower meets the full disk too (and skips, not dies).
  const host = new JournalHost({ config: config.engine, dataDir, durability: 'fsync', snapshots: { everyCommands: 100, everyMs: 50, retain: 2 } });
  const log = new LogCapture();
  const server = await GatewayServer.start({ config: { ...config, logLevel: 'info' }, host, logDestination: log });
  running = server;
  const client = await OrdoClient.connect(server.url, { requestTimeoutMs: 60_000 });
  await client.login(1, apiKeyOf(1));
  const outcomes: Outcome[] = [];
  const inFlight: Array<Promise<void>> = [];
  const send = (): void => {
    const outcome: Outcome = { id: outcomes.length, code: null, seq: null };
    outcomes.push(outcome);
    // Buys far below the market, cancelled in bulk now and then, so funds never run out.
    const request = outcome.id % 200 === 199 ? client.massCancel() : client.place({ symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '40000.00', qty: '0.01' });
    inFlight.push(
      request.then(
        (ack) => {
          outcome.code = 'OK';
          outcome.seq = ack.seq;
        },
        (e: unknown) => {
          if (!(e instanceof ReplyError)) throw e;
          outcome.code = e.codeName;
        },
      ),
    );
  };
  // The journal's file has free pages left inside it, and a commit may fail once and succeed on
  // its retry with pages a reader has just released: orders go on until the fault lasts.
  const untilDegraded = async (): Promise<void> => {
    let degraded = false;
    for (let round = 0; round < 400 && !degraded; round++) {
      for (let i = 0; i < 50; i++) send();
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (host.storageFault() === null) continue;
      await new Promise((resolve) => setTimeout(resolve, 300));
      degraded = host.storageFault() !== null;
    }
    expect(degraded).toBe(true);
  };
  return { dataDir, config, server, host, client, log, outcomes, inFlight, send, untilDegraded };
}

/** `ordo verify` passes, and every acknowledged order is in the journal at the sequence its ack named. */
async function expectJournalHoldsAcks(run: { dataDir: string; config: ReturnType<typeof testServerConfig>; outcomes: Outcome[] }): Promise<void> {
  const { io, out, err } = captureIo();
  expect(await verifyMain(['--data', run.dataDir], io), err.join('\n')).toBe(0);
  expect(out.join('\n')).toMatch(/ok|OK|verified/);
  const env = openJournalEnv({ path: run.dataDir, durability: 'none', fingerprint: configFingerprint(run.config.engine) });
  try {
    const reader = new JournalReader(env);
    for (const o of run.outcomes.filter((x) => x.code === 'OK')) expect(reader.readCommand(o.seq as number), `sequence ${o.seq}`).not.toBeNull();
  } finally {
    await env.close();
  }
}

describe.skipIf(!mounted)('a full disk', () => {
  it('refuses orders STORAGE_UNAVAILABLE while degraded, answers every order taken, resumes once space is freed, and the journal verifies', async () => {
    const run = await startRun('data');
    const { server, host, log, outcomes, inFlight, send } = run;
    for (let i = 0; i < 20; i++) send();
    await Promise.all(inFlight.splice(0));
    expect(outcomes.every((o) => o.code === 'OK')).toBe(true);

    const filler = join(root, 'filler');
    expect(fillDisk(filler)).toBeGreaterThan(0);
    await run.untilDegraded();
    expect(host.stats().storageFaults).toBeGreaterThan(0);
    await expect.poll(async () => (await fetch(`${server.httpUrl}/health`)).status).toBe(503);
    const health = (await (await fetch(`${server.httpUrl}/health`)).json()) as { status: string; reason: string };
    expect(health.status).toBe('degraded');
    expect(health.reason).toMatch(/^storage: E[A-Z]+/);
    for (let i = 0; i < 10; i++) send();
    await expect.poll(() => outcomes.slice(-10).every((o) => o.code === 'STORAGE_UNAVAILABLE')).toBe(true);
    expect(await (await fetch(`${server.httpUrl}/metrics`)).text()).toMatch(/^ordo_storage_degraded 1$/m);
    expect(log.find('storage fault').length).toBeGreaterThan(0);

    rmSync(filler);
    // Every order is answered: those taken before the fault are acknowledged by the retry.
    await Promise.all(inFlight.splice(0));
    await expect.poll(() => host.storageFault(), { timeout: 10_000 }).toBeNull();
    expect((await fetch(`${server.httpUrl}/health`)).status).toBe(200);
    for (let i = 0; i < 20; i++) send();
    await Promise.all(inFlight.splice(0));
    expect(outcomes.slice(-20).every((o) => o.code === 'OK')).toBe(true);
    expect(outcomes.every((o) => o.code === 'OK' || o.code === 'STORAGE_UNAVAILABLE')).toBe(true);
    expect(log.find('storage recovered').length).toBeGreaterThan(0);

    await run.client.close();
    await server.stop();
    running = null;
    await expectJournalHoldsAcks(run);
  }, 120_000);

  it('stopped while degraded: the journal gives up, the orders it never committed are answered STORAGE_UNAVAILABLE, the sessions close 1001, and the journal verifies', async () => {
    const run = await startRun('data-stop');
    const { server, client, outcomes, inFlight } = run;
    let closeCode = 0;
    client.closed.on(({ code }) => {
      closeCode = code;
    });
    const filler = join(root, 'filler-stop');
    expect(fillDisk(filler)).toBeGreaterThan(0);
    await run.untilDegraded();
    const waiting = outcomes.filter((o) => o.code === null).length;
    expect(waiting).toBeGreaterThan(0);
    await expect(server.stop()).rejects.toThrow();
    running = null;
    await Promise.all(inFlight.splice(0));
    expect(outcomes.every((o) => o.code === 'OK' || o.code === 'STORAGE_UNAVAILABLE')).toBe(true);
    await expect.poll(() => closeCode).toBe(1001);
    rmSync(filler);
    await expectJournalHoldsAcks(run);
  }, 120_000);
});
