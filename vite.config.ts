import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web dashboard's build (`make build`): web/ bundled into dist/web/, which the gateway serves
 * at GET / (gateway/dashboard-assets.ts). Hashed file names under assets/ let the gateway cache
 * them for a year; nothing is loaded from another origin.
 */
const root = fileURLToPath(new URL('./web/', import.meta.url));
export const WEB_OUT_DIR = fileURLToPath(new URL('./dist/web/', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: WEB_OUT_DIR,
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    // The page's policy allows scripts from this origin only: no inline polyfill.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
