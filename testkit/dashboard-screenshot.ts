import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrdoClient, type PlaceRequest } from '../client/client.js';
import { parseCliArgs, parseIntegerOption } from '../platform/cli-args.js';
import { CHROMIUM_MISSING, chromiumAvailable, openChromium } from './chromium.js';
import { startOrdoProcess } from './ordo-process.js';
import { prng } from './prng.js';
import { ensureWebBuilt } from './web-build.js';

/**
 * docs/dashboard.png (`make screenshot`): the dashboard in Chromium while the server works.
 *
 *   ordo run (durable, fresh data folder)
 *     ◀── load generator (account 1): IOC orders away from the book, --rate per second
 *     ◀── a seeded market maker (account 2) quoting around a drifting mid, and a taker
 *         (account 3) crossing it now and then, so the book moves and trades print
 *     ◀── Chromium: the page, logged in as account 3 (its balances, orders, fills)
 *
 * After --settle-ms the page is captured whole. Everything it started is stopped at the end.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const SYMBOL = 'BTC-USD';
const LEVELS = 12;
const TICK_MS = 100;

interface DemoSecrets {
  accounts: Array<{ account: number; apiKey: string }>;
}

const price = (cents: number): string => (cents / 100).toFixed(2);
const qty = (lots: number): string => (lots / 10_000).toFixed(4);

/** Quotes both sides around a mid that wanders; the taker crosses the spread now and then. */
async function runMarket(maker: OrdoClient, taker: OrdoClient, untilMs: number, rand: () => number): Promise<void> {
  let midCents = 5_000_000;
  const resting: number[] = [];
  const place = async (client: OrdoClient, order: PlaceRequest): Promise<number | null> => {
    try {
      return (await client.place(order)).orderId;
    } catch {
      return null; // a refusal (band, funds) changes nothing here
    }
  };
  for (let i = 1; i <= LEVELS; i++) {
    for (const side of ['buy', 'sell'] as const) {
      const cents = midCents + (side === 'buy' ? -1 : 1) * (i * 500 + Math.floor(rand() * 300));
      const id = await place(maker, { symbol: SYMBOL, side, orderType: 'limit', price: price(cents), qty: qty(1_000 + Math.floor(rand() * 20_000)) });
      if (id !== null) resting.push(id);
    }
  }
  while (Date.now() < untilMs) {
    midCents += Math.round((rand() - 0.5) * 1_200);
    const side = rand() < 0.5 ? 'buy' : 'sell';
    const cents = midCents + (side === 'buy' ? -1 : 1) * (200 + Math.floor(rand() * LEVELS * 500));
    const id = await place(maker, { symbol: SYMBOL, side, orderType: 'limit', price: price(cents), qty: qty(500 + Math.floor(rand() * 15_000)) });
    if (id !== null) resting.push(id);
    if (resting.length > LEVELS * 3) {
      const old = resting.splice(Math.floor(rand() * resting.length), 1)[0] as number;
      await maker.cancel(old).catch(() => undefined);
    }
    if (rand() < 0.35) {
      const takerSide = rand() < 0.5 ? 'buy' : 'sell';
      await place(taker, { symbol: SYMBOL, side: takerSide, orderType: 'market', qty: qty(200 + Math.floor(rand() * 4_000)) });
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
}

function startLoad(url: string, account: { account: number; apiKey: string }, rate: number, durationMs: number, children: ChildProcess[]): ChildProcess {
  const args = ['--import', 'tsx', 'loadgen/load-generator.ts', '--url', url, '--connections', '2', '--rate', String(rate), '--duration-ms', String(durationMs), '--account', String(account.account), '--api-key', account.apiKey];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseCliArgs({ args: argv, options: { out: { type: 'string', default: 'docs/dashboard.png' }, rate: { type: 'string', default: '2000' }, 'settle-ms': { type: 'string', default: '15000' }, seed: { type: 'string', default: '7' } } }, null);
  if (!chromiumAvailable()) {
    process.stderr.write(`${CHROMIUM_MISSING}\n`);
    return 1;
  }
  const rate = parseIntegerOption(values.rate, '--rate', 1, 100_000);
  const settleMs = parseIntegerOption(values['settle-ms'], '--settle-ms', 1_000, 600_000);
  const rand = prng(parseIntegerOption(values.seed, '--seed', 0, 2 ** 31 - 1));
  await ensureWebBuilt();
  const data = mkdtempSync(join(tmpdir(), 'ordo-screenshot-'));
  const children: ChildProcess[] = [];
  const clients: OrdoClient[] = [];
  const browser = await openChromium({ width: 1600, height: 1000 });
  try {
    const server = await startOrdoProcess(data, children);
    const secrets = JSON.parse(readFileSync(join(data, 'demo-secrets.json'), 'utf8')) as DemoSecrets;
    const key = (account: number): { account: number; apiKey: string } => {
      const found = secrets.accounts.find((a) => a.account === account);
      if (found === undefined) throw new Error(`no demo key for account ${account}`);
      return found;
    };
    const connect = async (account: number): Promise<OrdoClient> => {
      const client = await OrdoClient.connect(server.url, { requestTimeoutMs: 10_000 });
      clients.push(client);
      await client.login(account, key(account).apiKey);
      return client;
    };
    const [maker, taker] = await Promise.all([connect(2), connect(3)]);
    // The trader on screen has orders of its own resting away from the market.
    await taker.place({ symbol: SYMBOL, side: 'buy', orderType: 'limit', price: '48800.00', qty: '0.5000', clOrdId: 'bid-far' });
    await taker.place({ symbol: SYMBOL, side: 'sell', orderType: 'limit', price: '51300.00', qty: '0.2500', clOrdId: 'ask-far' });
    const until = Date.now() + settleMs + 5_000;
    const market = runMarket(maker, taker, until, rand);
    const load = startLoad(server.url, key(1), rate, settleMs + 5_000, children);

    const { page, errors } = browser;
    await page.goto(`${server.httpUrl}/`, { timeout: 30_000 });
    await page.getByTestId('login-account').fill('3');
    await page.getByTestId('login-key').fill(key(3).apiKey);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('balances').locator('tr', { hasText: 'USD' }).waitFor({ timeout: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    await page.screenshot({ path: join(ROOT, values.out), fullPage: true });
    process.stderr.write(`dashboard-screenshot: wrote ${values.out}${errors.length === 0 ? '' : `; page errors: ${errors.join('; ')}`}\n`);
    await market;
    await new Promise<void>((resolve) => (load.exitCode !== null ? resolve() : load.once('exit', () => resolve())));
    return errors.length === 0 ? 0 : 1;
  } finally {
    await browser.close();
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())))));
    rmSync(data, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
