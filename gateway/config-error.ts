/**
 * A configuration the server must not start with: the file or field and what is wrong, in one
 * line. The command line prints it as it is (no stack) and exits with the usage code.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
