import { setFlagsFromString } from 'node:v8';

/**
 * V8's inlining budget, raised for the matching core. The core's per-command path is a chain of
 * methods (apply → place → admit / activate → rest; cancel → retire → unlinkFromLevel; match →
 * fill → retire), each a few hundred bytes of bytecode. With V8's defaults a method over 460
 * bytes is never inlined and one compilation inlines at most 920 bytes in all, so most links of
 * that chain stay calls, each paying for its frame, its arguments and the reloads of the
 * engine's fields and typed arrays behind it.
 *
 * Measured 2026-11-21 on the standard 1M-command order flow (AMD EPYC, 2 cores, Node 20.20):
 *   instructions per command (callgrind):  defaults 1881, 600/2000 1751, 1000/3000 1694,
 *                                          2000/5000 1649
 *   commands/s (9 passes, median of runs): defaults about 8.9M, 1000/3000 about 10.2M; 700/2000
 *                                          and 1000/2500 in between; 2000/5000 slower than the
 *                                          defaults (about 8.0M: larger code for fewer
 *                                          instructions)
 *
 * The flags are process-wide, for every isolate of the process (the core's worker thread
 * included), and take effect for code compiled after they are set: the entry points (bin/ordo.ts,
 * the benchmark commands) set them first thing, before the engine runs. The test suite runs with
 * V8's defaults, so the core's behaviour is tested without them.
 */
export const CORE_JIT_FLAGS: readonly string[] = ['--max-inlined-bytecode-size=1000', '--max-inlined-bytecode-size-cumulative=3000'];

let applied: readonly string[] = [];

/** Sets CORE_JIT_FLAGS on this process (idempotent). */
export function tuneJitForCore(): void {
  if (applied.length !== 0) return;
  for (const flag of CORE_JIT_FLAGS) setFlagsFromString(flag);
  applied = CORE_JIT_FLAGS;
}

/** The V8 flags tuneJitForCore set on this process, for benchmark reports (none if it was not called). */
export function appliedJitFlags(): readonly string[] {
  return applied;
}
