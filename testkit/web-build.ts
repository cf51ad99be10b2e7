import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The dashboard's build (dist/web), made once if it is not there: `make test` builds it before
 * the tests, this covers `npx vitest run` on a fresh clone. dist/ is git-ignored.
 */
const ROOT = new URL('..', import.meta.url).pathname;
export const WEB_BUILD_DIR = join(ROOT, 'dist', 'web');

export async function ensureWebBuilt(): Promise<string> {
  if (existsSync(join(WEB_BUILD_DIR, 'index.html'))) return WEB_BUILD_DIR;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts') });
  if (!existsSync(join(WEB_BUILD_DIR, 'index.html'))) throw new Error(`vite build made no ${WEB_BUILD_DIR}/index.html`);
  return WEB_BUILD_DIR;
}
