import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrdoClient } from '../client/client.js';
import { type BrowserSession, CHROMIUM_MISSING, chromiumAvailable, openChromium, type WatchedPage } from './chromium.js';
import { apiKeyOf, ServerFixture } from './server-fixture.js';
import { ensureWebBuilt } from './web-build.js';

/**
 * The web dashboard in Debian's Chromium against a real gateway (threaded engine, real
 * sockets): it loads without console errors; the book on screen follows orders placed over the
 * WebSocket; a trader logs in, sees balances, places and cancels through the page; refusals
 * show their codes. Where Chromium is missing these tests say so and skip.
 */
const available = chromiumAvailable();
if (!available) console.warn(CHROMIUM_MISSING);
/** How long the page may take to show a new order: the dashboard's promise to a person. */
const VISIBLE_WITHIN_MS = 1_000;
/** Page loads, logins and queries: generous, the machine is shared and slow. */
const WAIT_MS = 20_000;

describe.skipIf(!available)('the web dashboard in Chromium', () => {
  let fx: ServerFixture;
  let browser: BrowserSession;
  let maker: OrdoClient;

  beforeAll(async () => {
    await ensureWebBuilt();
    fx = await ServerFixture.start();
    maker = await fx.connect(1);
    browser = await openChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await fx?.stop();
  });

  async function open(): Promise<WatchedPage> {
    const watched = await browser.newPage();
    await watched.page.goto(`${fx.server.httpUrl}/`, { timeout: WAIT_MS });
    await watched.page.getByTestId('connection').filter({ hasText: 'connected' }).waitFor({ timeout: WAIT_MS });
    await watched.page.getByTestId('symbol').locator('option', { hasText: 'BTC-USD' }).waitFor({ state: 'attached', timeout: WAIT_MS });
    return watched;
  }

  /** Submits the login form; with the account's own key, waits until its balances show. */
  async function logIn(page: Page, account: number, key: string = apiKeyOf(account)): Promise<void> {
    await page.getByTestId('login-account').fill(String(account));
    await page.getByTestId('login-key').fill(key);
    await page.getByTestId('login-submit').click();
    if (key === apiKeyOf(account)) await page.getByTestId('balances').locator('tr', { hasText: 'USD' }).waitFor({ timeout: WAIT_MS });
  }

  function ladderRow(page: Page, side: 'bid' | 'ask', price: string) {
    return page.locator(`[data-testid="ladder-${side}"][data-price="${price}"]`);
  }

  it('loads without console errors and shows the market, the engine and the trading form', async () => {
    const { page, errors } = await open();
    await page.getByTestId('symbol-status').filter({ hasText: 'trading' }).waitFor({ timeout: WAIT_MS });
    await page.getByTestId('engine-status').filter({ hasText: 'ready' }).waitFor({ timeout: WAIT_MS });
    // Two readings of /metrics give a rate: the engine panel has polled and parsed at least twice.
    await page.locator('[data-testid="engine-orders-rate"]:not(:text-is("—"))').waitFor({ timeout: WAIT_MS });
    expect(await page.getByTestId('engine-durability').textContent()).toBe('none');
    expect(await page.getByTestId('engine-role').textContent()).toBe('leader');
    expect(await page.getByTestId('engine-connections').textContent()).toMatch(/^[1-9]/);
    for (const id of ['login-account', 'login-key', 'login-submit', 'order-side', 'order-price', 'order-qty', 'order-submit']) await page.getByTestId(id).waitFor({ timeout: WAIT_MS });
    expect(await page.getByTestId('order-side').locator('option').evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value))).toEqual(['buy', 'sell']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a resting order placed over the WebSocket in the ladder, and a new one within a second', async () => {
    await maker.place({ symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '49900.00', qty: '0.2500' });
    const { page, errors } = await open();
    const first = ladderRow(page, 'bid', '49900.00');
    await first.waitFor({ timeout: WAIT_MS });
    expect(await first.textContent()).toBe('49900.000.25001');
    await maker.place({ symbol: 'BTC-USD', side: 'sell', orderType: 'limit', price: '50100.00', qty: '0.7500' });
    await ladderRow(page, 'ask', '50100.00').waitFor({ timeout: VISIBLE_WITHIN_MS });
    // The header's best bid and offer and spread are those of the ladder.
    await page.getByTestId('spread').filter({ hasText: /^200\.00$/ }).waitFor({ timeout: WAIT_MS });
    expect([await page.getByTestId('best-bid').textContent(), await page.getByTestId('best-ask').textContent()]).toEqual(['49900.00 × 0.2500', '50100.00 × 0.7500']);
    // A second order at a level adds to it; a cancel takes the level out.
    const { orderId } = await maker.place({ symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '49900.00', qty: '0.1000' });
    await page.locator('[data-testid="ladder-bid"][data-price="49900.00"]', { hasText: '0.35002' }).waitFor({ timeout: VISIBLE_WITHIN_MS });
    await maker.cancel(orderId);
    await page.locator('[data-testid="ladder-bid"][data-price="49900.00"]', { hasText: '0.25001' }).waitFor({ timeout: VISIBLE_WITHIN_MS });
    await maker.massCancel('BTC-USD');
    await first.waitFor({ state: 'detached', timeout: WAIT_MS });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lets a trader log in, see balances, place through the form, see the order open and cancel it', async () => {
    const { page, errors } = await open();
    const key = apiKeyOf(2);
    await logIn(page, 2, key);
    const balances = page.getByTestId('balances');
    expect(await balances.locator('tr', { hasText: 'USD' }).textContent()).toBe('USD10000000.0000000.000000');
    expect(await balances.locator('tr', { hasText: 'BTC' }).textContent()).toBe('BTC1000.000000000.00000000');
    // The key stays in the page's memory: not in the field, the address, storage or cookies.
    expect(await page.getByTestId('login-key').inputValue()).toBe('');
    expect(page.url()).not.toContain(key);
    expect(await page.evaluate('JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie])')).not.toContain(key);

    await page.getByTestId('order-side').selectOption('buy');
    await page.getByTestId('order-price').fill('49800.00');
    await page.getByTestId('order-qty').fill('0.1000');
    await page.getByTestId('order-submit').click();
    const orderRow = page.getByTestId('open-orders').locator('tr', { hasText: '49800.00' });
    await orderRow.waitFor({ timeout: WAIT_MS });
    expect(await orderRow.locator('td').allTextContents()).toEqual([expect.stringMatching(/^\d+$/), '', 'BTC-USD', 'buy', 'limit gtc', '49800.00', '0.1000', '0.0000', 'new', 'cancel']);
    await ladderRow(page, 'bid', '49800.00').waitFor({ timeout: WAIT_MS });
    // Its reservation shows in the balances: 4980 USD plus the taker fee bound.
    await balances.locator('tr', { hasText: 'USD' }).filter({ hasNotText: /0\.000000$/ }).waitFor({ timeout: WAIT_MS });

    await orderRow.getByTestId('cancel-order').click();
    await orderRow.waitFor({ state: 'detached', timeout: WAIT_MS });
    await ladderRow(page, 'bid', '49800.00').waitFor({ state: 'detached', timeout: WAIT_MS });
    await balances.locator('tr', { hasText: 'USD' }).filter({ hasText: 'USD10000000.0000000.000000' }).waitFor({ timeout: WAIT_MS });
    expect(await page.getByTestId('refusals').locator('li').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('places a stop order through the form: the stop price shows for stop types, and the order waits off the book with its trigger', async () => {
    const { page, errors } = await open();
    await logIn(page, 2);
    const stop = page.getByTestId('order-stop');
    expect(await stop.isHidden()).toBe(true);
    await page.getByTestId('order-type').selectOption('stop_limit');
    expect(await stop.isVisible()).toBe(true);
    await page.getByTestId('order-side').selectOption('sell');
    await page.getByTestId('order-price').fill('49000.00');
    await stop.fill('49500.00');
    await page.getByTestId('order-qty').fill('0.1000');
    await page.getByTestId('order-submit').click();
    const stopRow = page.getByTestId('open-orders').locator('tr', { hasText: 'stop 49500.00' });
    await stopRow.waitFor({ timeout: WAIT_MS });
    expect(await stopRow.locator('td').allTextContents()).toEqual([expect.stringMatching(/^\d+$/), '', 'BTC-USD', 'sell', 'stop_limit gtc stop 49500.00', '49000.00', '0.1000', '0.0000', 'new', 'cancel']);
    // Untriggered, it is not on the book.
    expect(await ladderRow(page, 'ask', '49000.00').count()).toBe(0);
    // A stop-market order takes only ioc or fok: the form moves the time in force there.
    await page.getByTestId('order-type').selectOption('stop_market');
    expect(await page.getByTestId('order-tif').inputValue()).toBe('ioc');
    await page.getByTestId('order-type').selectOption('limit');
    expect(await stop.isHidden()).toBe(true);
    await stopRow.getByTestId('cancel-order').click();
    await stopRow.waitFor({ state: 'detached', timeout: WAIT_MS });
    expect(await page.getByTestId('refusals').locator('li').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows every refusal with its code and name: a bad login, an order off the tick, a client order id used twice', async () => {
    const { page, errors } = await open();
    await logIn(page, 3, 'not-the-key-of-account-3');
    const refusals = page.getByTestId('refusals');
    await refusals.locator('li', { hasText: '10027 AUTH_FAILED' }).waitFor({ timeout: WAIT_MS });

    await logIn(page, 3);
    await page.getByTestId('order-side').selectOption('sell');
    await page.getByTestId('order-price').fill('50000.001');
    await page.getByTestId('order-qty').fill('0.1');
    await page.getByTestId('order-submit').click();
    await refusals.locator('li', { hasText: '10011 PRICE_NOT_TICK_MULTIPLE' }).waitFor({ timeout: WAIT_MS });
    expect(await page.getByTestId('order-result').textContent()).toContain('10011 PRICE_NOT_TICK_MULTIPLE');

    // An engine refusal: a second live order with the same client order id.
    await page.getByTestId('order-price').fill('50300.00');
    await page.getByTestId('order-clordid').fill('dash-1');
    await page.getByTestId('order-submit').click();
    await page.getByTestId('order-result').filter({ hasText: 'accepted' }).waitFor({ timeout: WAIT_MS });
    await page.getByTestId('open-orders').locator('tr', { hasText: 'dash-1' }).waitFor({ timeout: WAIT_MS });
    await page.getByTestId('order-submit').click();
    await page.getByTestId('order-result').filter({ hasText: '2003 DUPLICATE_CLIENT_ORDER_ID' }).waitFor({ timeout: WAIT_MS });
    expect(await refusals.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/ place: 2003 DUPLICATE_CLIENT_ORDER_ID: /),
      expect.stringMatching(/ place: 10011 PRICE_NOT_TICK_MULTIPLE: /),
      expect.stringMatching(/ login: 10027 AUTH_FAILED: /),
    ]);
    expect(await page.getByTestId('open-orders').locator('tr').count()).toBe(1);
    // Refusals are answers, not page errors.
    expect(errors).toEqual([]);
    await page.close();
  });
});

if (!available) {
  describe('the web dashboard in Chromium', () => {
    it.skip(CHROMIUM_MISSING, () => undefined);
  });
}
