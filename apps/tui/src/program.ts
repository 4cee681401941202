import { Command, CommanderError } from 'commander';
import { CliError } from './cliErrors.js';
import { commands } from './commands/index.js';
import { cliVersion } from './version.js';

/** Exit code of a command line commander could not parse (unknown flag, missing argument...). */
export const USAGE_EXIT_CODE = 2;

/**
 * The `svcnet` program: every subcommand declared in ./commands, the dashboard as the default action.
 * Declarations load nothing heavy; each action imports its implementation (./actions) when it runs,
 * so `svcnet --help` or `svcnet validate -f one.yaml` does not load Ink, React, ioredis or client-node.
 */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('svcnet')
    .description('Kubernetes Service networking: live dashboard and CLI')
    .version(cliVersion(), '--version', 'print the version and exit')
    // The dashboard is the default action, so `help` must be declared to stay a command (`svcnet help validate`).
    .helpCommand('help [command]', 'show the help of a command (svcnet render help proxy for a subcommand of one)')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  for (const register of commands) register(program, setExitCode);
  return program;
}

/**
 * Runs the command line (`process.argv`-shaped) and returns the exit code: 0 ok, 1 an invalid object
 * or a failed operation, 2 usage (what commander rejects, and UsageError); --help and --version are 0.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    if (e instanceof CliError) {
      console.error(`svcnet: ${e.message}`);
      return e.exitCode;
    }
    console.error(`svcnet: ${(e as Error).message}`);
    return 1;
  }
  return exitCode;
}
