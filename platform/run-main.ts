// The entry-point guard shared by the benchmark commands: run `main` only when this module is
// the script node (or tsx) was started with, not when it is imported (e.g. by bench/cli.ts).

import { pathToFileURL } from 'node:url';
import { tuneJitForCore } from './jit-tuning.js';

/** A command's main: takes the arguments after the script, returns the exit code. */
export type Main = (argv: readonly string[]) => number | Promise<number>;

export function isMainModule(importMetaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && importMetaUrl === pathToFileURL(script).href;
}

/** Runs `main` if `importMetaUrl` is the started script; an error prints its message, exit code 2. */
export function runIfMain(importMetaUrl: string, main: Main): void {
  if (!isMainModule(importMetaUrl)) return;
  // A benchmark command measures the core as `ordo` runs it (engine/jit-tuning.ts).
  tuneJitForCore();
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => { process.exitCode = code; },
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
      },
    );
}
