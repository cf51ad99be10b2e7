import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread from a module URL. From the built package (dist/, `.js`) the worker
 * starts plain. A `.ts` module (under vitest or tsx) needs tsx's loader inside the worker.
 *
 * Why not `execArgv: ['--import', 'tsx']`: on Node 20.20 tsx's `--import` entry registers its
 * hooks only on the main thread (it checks `isMainThread` for Node < 20.? / 22), so a worker
 * started that way fails with ERR_UNKNOWN_FILE_EXTENSION, measured. Instead the worker runs a
 * two-line bootstrap that calls tsx's `register()` (tsx/esm/api) and then imports the module;
 * workerData, transferList and the rest of the options reach the module unchanged.
 */
export function spawnWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const bootstrap =
    `import(${JSON.stringify(tsxApiUrl())})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** tsx's ESM API, resolved from this file (not the working directory). */
function tsxApiUrl(): string {
  // createRequire resolves the "require" condition (index.cjs); the ESM build sits beside it.
  const cjsPath = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(cjsPath.replace(/\.cjs$/, '.mjs')).href;
}

/**
 * URL of a sibling module of the caller, with the caller's own extension: `.ts` when the
 * caller runs from source, `.js` when it runs from dist/. Use with `import.meta.url`:
 * `spawnWorker(siblingModuleUrl(import.meta.url, './core-worker'))`.
 */
export function siblingModuleUrl(callerUrl: string, relativePathWithoutExtension: string): URL {
  const caller = new URL(callerUrl);
  const extension = caller.pathname.endsWith('.ts') ? '.ts' : '.js';
  if (/\.[cm]?[jt]s$/.test(relativePathWithoutExtension)) {
    throw new Error(`siblingModuleUrl takes a path without extension: ${relativePathWithoutExtension}`);
  }
  return new URL(`${relativePathWithoutExtension}${extension}`, caller);
}
