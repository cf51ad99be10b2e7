import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { applyInProcess, randomCommands, type Expected } from './pipeline-fixtures.js';
import { JournalWriter } from '../journal/journal-writer.js';
import type { CliIo } from '../bin/journal-cli.js';
import { openJournal } from '../replay/recovery.js';

/** A temp directory per call; `removeTempDirs` deletes them all (afterEach). */
const dirs: string[] = [];

export function tempDir(prefix = 'ordo-replay-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The configuration as a bare engine-config JSON file, as `--config` takes it. */
export function writeConfigFile(dir: string, config: EngineConfig): string {
  const path = join(dir, 'engine.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

export interface WrittenJournal {
  readonly dataDir: string;
  readonly configPath: string;
  /** What the commands do applied in-process: the live run's events and state hash. */
  readonly expected: Expected;
  /** Each group's key, its first sequence. */
  readonly groupKeys: readonly number[];
}

/**
 * Journals `commands` (sequences from 0) through the journal writer in groups of the given sizes
 * (the rest in a last group), one commit each, in 'none' durability (tests only).
 */
export async function writeJournal(config: EngineConfig, commands: Uint8Array, groupSizes: readonly number[]): Promise<WrittenJournal> {
  const dir = tempDir();
  const dataDir = join(dir, 'data');
  const env = openJournal({ path: dataDir, config, durability: 'none' });
  const writer = JournalWriter.open(env);
  const total = commands.byteLength / COMMAND_SIZE;
  const groupKeys: number[] = [];
  for (let g = 0; writer.seqStagedEnd() < total; g++) {
    const firstSeq = writer.seqStagedEnd();
    const count = Math.min(groupSizes[g] ?? total - firstSeq, total - firstSeq);
    writer.append(commands.subarray(firstSeq * COMMAND_SIZE, (firstSeq + count) * COMMAND_SIZE), firstSeq, count);
    groupKeys.push(firstSeq);
  }
  await env.close();
  return { dataDir, configPath: writeConfigFile(dir, config), expected: applyInProcess(config, commands), groupKeys };
}

/**
 * Random commands of every type (randomCommands), at least `minCommands` of them: the generator
 * draws its length uniformly, so this takes the first of the seeds from `seed` on that is long
 * enough (bounded: the chance that 100 draws all fall short is negligible for minCommands <= steps / 2).
 */
export function randomCommandsAtLeast(seed: number, steps: number, minCommands: number): Uint8Array {
  for (let attempt = 0; attempt < 100; attempt++) {
    const commands = randomCommands(seed + attempt, steps);
    if (commands.byteLength / COMMAND_SIZE >= minCommands) return commands;
  }
  throw new Error(`no seed from ${seed} gave ${minCommands} commands in 100 attempts`);
}

/** A CliIo that keeps the lines. */
export function captureIo(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (line) => out.push(line), err: (line) => err.push(line) }, out, err };
}
