/** Bad flags or config file: the message says what to write instead. Exit code 2. */
export class ConfigError extends Error {
  readonly code = 'InvalidConfig';
  readonly exitCode = 2;
  constructor(message: string, cause?: unknown) {
    super(`svcnet-agent: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'ConfigError';
  }
}

/** A part of the agent could not start (a listener, the store, the kernel). Exit code 1. */
export class StartupError extends Error {
  readonly code = 'StartupFailed';
  readonly exitCode = 1;
  constructor(component: string, message: string, cause?: unknown) {
    super(`svcnet-agent: ${component}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'StartupError';
  }
}
