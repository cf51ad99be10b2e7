/**
 * Assertions for programmer errors and corruption. A failed assertion means the state can no
 * longer be trusted, so it throws and the process stops loudly (design §3); business outcomes
 * are result codes, never exceptions.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Exhaustiveness check for `switch` statements over unions and enums. */
export function unreachable(value: never, what: string): never {
  throw new AssertionError(`unreachable ${what}: ${String(value)}`);
}

/**
 * Fails an assertion. Hot paths write `if (!cond) fail(`...`)` rather than `assert(cond, `...`)`
 * so that the message, a template string, is only built when the check fails.
 */
export function fail(message: string): never {
  throw new AssertionError(message);
}
