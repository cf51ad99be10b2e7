import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Command-line arguments for every command of the project: node:util's parseArgs, strict, with
 * its errors (an unknown option, a missing value, a stray positional) turned into a UsageError
 * that names the problem and then, if given, the command's usage line (a command that prints its
 * usage itself on a UsageError passes null). A command answers a UsageError with exit code 2.
 */
export class UsageError extends Error {}

/** The exit code of a usage error, the same for every command. */
export const EXIT_USAGE = 2;

export function parseCliArgs<T extends Omit<ParseArgsConfig, 'strict' | 'args'> & { args: string[] }>(config: T, usage: string | null): ReturnType<typeof parseArgs<T & { strict: true }>> {
  try {
    const strict: T & { strict: true } = { ...config, args: glueDashValues(config.args, config), strict: true };
    return parseArgs(strict);
  } catch (error) {
    // parseArgs reports argument errors as TypeErrors with an ERR_PARSE_ARGS_* code; anything
    // else is a bug and keeps its type.
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    throw new UsageError(usage === null ? (error as Error).message : `${(error as Error).message}\n${usage}`);
  }
}

/**
 * `--name -5` becomes `--name=-5` for a string option: parseArgs refuses a value that starts with
 * a dash as ambiguous, and a negative number is then checked (and refused where it is out of
 * range) as the value it is. Only a dash and a digit: `--data --keep` stays a missing value.
 */
function glueDashValues(args: readonly string[], config: Pick<ParseArgsConfig, 'options'>): string[] {
  const glued: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    const takesValue = name !== null && config.options?.[name]?.type === 'string';
    if (takesValue && next !== undefined && /^-[0-9]/.test(next)) {
      glued.push(`${arg}=${next}`);
      i++;
    } else {
      glued.push(arg);
    }
  }
  return glued;
}

/** An integer option in [min, max]: decimal digits (an underscore may group them), a sign for negatives. */
export function parseIntegerOption(text: string, option: string, min: number, max: number): number {
  if (!(Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max)) throw new Error(`bad bounds [${min}, ${max}] for ${option}`);
  const value = Number(text.replace(/_/g, ''));
  if (!/^-?[0-9][0-9_]*$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${option}: ${JSON.stringify(text)} is not a whole number in [${min}, ${max}]`);
  }
  return value;
}

/** A positive rate or similar: a finite number above zero. */
export function parsePositiveOption(text: string, option: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !(value > 0)) throw new UsageError(`${option}: ${JSON.stringify(text)} is not a number above zero`);
  return value;
}
