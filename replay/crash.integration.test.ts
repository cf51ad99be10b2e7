import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killCrashChildren, runCrashCycles } from '../testkit/crash-harness.js';

/**
 * Crash recovery with real processes: a child runs the durable pipeline ('fsync') under a continuous
 * load and acknowledges each command only when its result event is back (so on disk); this
 * parent kills it with SIGKILL at seeded random moments, restarts it, and checks the journal
 * after every kill (crash-harness.ts lists the checks). CRASH_SEED repeats a run; `make soak`
 * runs the same loop for 100+ kills.
 */
const SEED = process.env.CRASH_SEED !== undefined ? Number(process.env.CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
const KILLS = 20;
const dirs: string[] = [];

afterEach(() => {
  killCrashChildren();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('crash test with SIGKILL', () => {
  it(
    `${KILLS} kills at random moments: every ack durable, nothing applied twice, sequences continuous, recovery = from-scratch replay (seed ${SEED})`,
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'ordo-crash-'));
      dirs.push(dataDir);
      const summary = await runCrashCycles({
        dataDir,
        kills: KILLS,
        seed: SEED,
        ratePerS: 3_000,
        runMsMin: 50,
        runMsMax: 1_200,
        earlyKillShare: 0.2,
        earlyKillMsMax: 1_500,
        fullReplayEvery: 5,
        readyTimeoutMs: 30_000,
        log: process.env.CRASH_VERBOSE === '1' ? (line) => console.log(line) : undefined,
      });
      console.log(`crash test: ${JSON.stringify(summary)}`);
      expect(summary.kills).toBe(KILLS);
      expect(summary.restarts).toBe(KILLS);
      // The kills must have met the load: acknowledged work before them, and some while a
      // commit was in flight (published, never committed, never acknowledged).
      expect(summary.acks).toBeGreaterThan(KILLS * 20);
      expect(summary.killsWithUncommitted).toBeGreaterThan(0);
      expect(summary.fullReplays).toBeGreaterThanOrEqual(KILLS / 5);
    },
    150_000,
  );
});
