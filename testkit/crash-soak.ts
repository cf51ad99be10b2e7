/**
 * The crash test's soak: the loop of crash.integration.test.ts for many more kills,
 * with a progress line per run and a summary at the end. Exit 0 when every check held, 1 with
 * the seed, the broken check and the data directory (kept for inspection) otherwise.
 *
 *   make soak KILLS=100 [SEED=n] [RATE=commands/s]
 *   node --import tsx replay/crash-soak.ts --kills 100 [--seed n] [--rate n] [--dir path --keep]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_USAGE, parseCliArgs, parseIntegerOption, parsePositiveOption, UsageError } from '../platform/cli-args.js';
import { killCrashChildren, runCrashCycles } from './crash-harness.js';

const KILLS_DEFAULT = 100;
const RATE_DEFAULT = 5_000;

const CRASH_SOAK_USAGE = 'usage: crash-soak [--kills N] [--seed N] [--rate commands/s] [--dir path] [--keep]';

async function main(): Promise<number> {
  const options = {
    kills: { type: 'string', default: String(KILLS_DEFAULT) },
    seed: { type: 'string' },
    rate: { type: 'string', default: String(RATE_DEFAULT) },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  } as const;
  const { values } = parseCliArgs({ args: process.argv.slice(2), options }, CRASH_SOAK_USAGE);
  const kills = parseIntegerOption(values.kills, '--kills', 1, Number.MAX_SAFE_INTEGER);
  const seed = values.seed !== undefined ? parseIntegerOption(values.seed, '--seed', 0, Number.MAX_SAFE_INTEGER) : Math.floor(Math.random() * 2 ** 31);
  const ratePerS = parsePositiveOption(values.rate, '--rate');
  const dataDir = values.dir ?? mkdtempSync(join(tmpdir(), 'ordo-crash-soak-'));
  const stop = (): void => {
    killCrashChildren();
    if (values.dir === undefined && !values.keep) rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`crash soak: ${kills} kills, seed ${seed}, ${ratePerS} commands/s, data in ${dataDir}`);
  let passed = false;
  try {
    const summary = await runCrashCycles({
      dataDir,
      kills,
      seed,
      ratePerS,
      runMsMin: 50,
      runMsMax: 2_000,
      earlyKillShare: 0.15,
      earlyKillMsMax: 2_000,
      fullReplayEvery: 10,
      readyTimeoutMs: 60_000,
      log: (line) => console.log(line),
    });
    passed = true;
    console.log('crash soak passed:');
    for (const [name, value] of Object.entries(summary)) console.log(`  ${name.padEnd(26)} ${value}`);
    return 0;
  } catch (error) {
    console.error(`crash soak FAILED (seed ${seed}, data in ${dataDir}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    killCrashChildren();
    // A failed soak keeps its journal for `ordo replay` / `audit`; a passed one is removed.
    if (passed && values.dir === undefined && !values.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    killCrashChildren();
    // A usage error is the operator's, not the soak's: its message is the whole story.
    console.error(error instanceof UsageError ? error.message : error);
    process.exit(EXIT_USAGE);
  },
);
