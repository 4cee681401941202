/**
 * Errors a command reports as one line (`svcnet: <message>`) with a chosen exit code, instead of a
 * stack trace. Exit codes scripts can trust: 0 ok, 1 an invalid object or a failed operation, 2 a
 * command line that cannot be run as given.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command line that names something impossible (two sources at once, a malformed address): exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}
