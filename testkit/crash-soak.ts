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
import { parseArgs } from 'node:util';
import { killCrashChildren, runCrashCycles } from './crash-harness.js';

const KILLS_DEFAULT = 100;
const RATE_DEFAULT = 5_000;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      kills: { type: 'string', default: String(KILLS_DEFAULT) },
      seed: { type: 'string' },
      rate: { type: 'string', default: String(RATE_DEFAULT) },
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const kills = Number(values.kills);
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const ratePerS = Number(values.rate);
  if (!Number.isSafeInteger(kills) || kills < 1) throw new Error(`--kills ${values.kills}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed ${values.seed}`);
  if (!(ratePerS > 0)) throw new Error(`--rate ${values.rate}`);
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
    console.error(error);
    process.exit(2);
  },
);
