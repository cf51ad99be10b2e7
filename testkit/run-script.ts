import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface ScriptExit {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript entry point of the repository from source (node --import tsx) and returns
 * how it exited, whatever the code: tests of command lines pin exit codes and messages.
 */
export async function runScript(path: string, args: readonly string[], timeoutMs = 30_000, env: NodeJS.ProcessEnv = process.env): Promise<ScriptExit> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path, ...args], { cwd: process.cwd(), timeout: timeoutMs, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: unknown; stderr?: unknown };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: String(failed.stdout), stderr: String(failed.stderr) };
  }
}
