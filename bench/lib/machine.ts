// What a result was measured on. Figures from this noisy class of machine mean little without
// the CPU, the core count, the load at the time, the Node and package versions and the commit.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, platform, release, arch, hostname } from 'node:os';
import { join } from 'node:path';
import { appliedJitFlags } from '../../platform/jit-tuning.js';

export interface MachineInfo {
  /** ISO-8601 time the description was taken (the run's start). */
  date: string;
  cpuModel: string;
  cpuCores: number;
  cpuSpeedMhz: number;
  memoryBytesTotal: number;
  memoryBytesFree: number;
  /** 1, 5 and 15 minute load averages when the run started: the machine is shared. */
  loadAverage: [number, number, number];
  os: string;
  hostname: string;
  nodeVersion: string;
  v8Version: string;
  /** Installed versions (from package-lock.json) of the packages package.json names. */
  packages: Record<string, string>;
  gitCommit: string;
  gitCommitShort: string;
  /** The working tree had changes to tracked files when the run started. */
  gitDirty: boolean;
  /** V8 flags the run set on itself (engine/jit-tuning.ts); absent in results from before them. */
  jitFlags?: string[];
}

/** Describes this machine and checkout; `repoDir` holds package.json and the git tree. */
export function describeMachine(repoDir: string = process.cwd(), now: Date = new Date()): MachineInfo {
  const cpuList = cpus();
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  const gitCommit = git(repoDir, ['rev-parse', 'HEAD']) ?? 'unknown';
  const status = git(repoDir, ['status', '--porcelain', '--untracked-files=no']);
  const info: MachineInfo = {
    date: now.toISOString(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpuCores: cpuList.length,
    cpuSpeedMhz: cpuList[0]?.speed ?? 0,
    memoryBytesTotal: totalmem(),
    memoryBytesFree: freemem(),
    loadAverage: [one, five, fifteen],
    os: `${platform()} ${release()} ${arch()}`,
    hostname: hostname(),
    nodeVersion: process.version,
    v8Version: process.versions.v8,
    packages: packageVersions(repoDir),
    gitCommit,
    gitCommitShort: gitCommit === 'unknown' ? 'unknown' : gitCommit.slice(0, 10),
    gitDirty: status === null ? false : status.length > 0,
    jitFlags: [...appliedJitFlags()],
  };
  if (info.cpuCores < 1) throw new Error('no CPU reported');
  return info;
}

/**
 * The exact installed version of every dependency package.json names, from package-lock.json
 * (falling back to the range in package.json when there is no lock entry).
 */
export function packageVersions(repoDir: string): Record<string, string> {
  const manifestPath = join(repoDir, 'package.json');
  if (!existsSync(manifestPath)) return {};
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const lockPath = join(repoDir, 'package-lock.json');
  const lock = existsSync(lockPath)
    ? (JSON.parse(readFileSync(lockPath, 'utf8')) as { packages?: Record<string, { version?: string }> })
    : {};
  const versions: Record<string, string> = {};
  const declared = { ...manifest.dependencies, ...manifest.devDependencies };
  for (const name of Object.keys(declared).sort()) {
    versions[name] = lock.packages?.[`node_modules/${name}`]?.version ?? declared[name] ?? 'unknown';
  }
  return versions;
}

/** One line for a report header. */
export function formatMachine(info: MachineInfo): string {
  const memGiB = (info.memoryBytesTotal / 2 ** 30).toFixed(1);
  const load = info.loadAverage.map((x) => x.toFixed(2)).join(' ');
  const flags = info.jitFlags !== undefined && info.jitFlags.length > 0 ? ` (${info.jitFlags.join(' ')})` : '';
  return `${info.cpuModel}, ${info.cpuCores} cores, ${memGiB} GiB, ${info.os}, Node ${info.nodeVersion}${flags}, ` +
    `load ${load}, commit ${info.gitCommitShort}${info.gitDirty ? ' (dirty)' : ''}`;
}

function git(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}
