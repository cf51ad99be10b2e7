import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core, for the dashboard's browser tests and its
 * screenshot: headless, no sandbox (tests run as root), nothing fetched from the network on its
 * own, a fresh profile in a temporary folder that close() removes.
 */
export const CHROMIUM_PATH = process.env['ORDO_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_MISSING = `${CHROMIUM_PATH} is missing: the browser tests skip (apt-get install chromium; .ci/run installs it first)`;

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors, uncaught page errors and failed requests, as they came. */
  readonly errors: string[];
}

export interface BrowserSession extends WatchedPage {
  readonly context: BrowserContext;
  /** Another tab of the same browser (its own WebSocket), watched the same way. */
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

function watch(page: Page): WatchedPage {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return { page, errors };
}

export async function openChromium(viewport = { width: 1600, height: 1000 }): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'ordo-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: FLAGS, viewport, timeout: 60_000 });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const first = watch(context.pages()[0] ?? (await context.newPage()));
  return {
    ...first,
    context,
    newPage: async () => watch(await context.newPage()),
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
