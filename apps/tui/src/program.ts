import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';

/**
 * The `svcnet` command line. Each subcommand lives in ./commands/<name>.ts and registers itself
 * on the program; the dashboard is the default action. Returns the process exit code.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = new Command('svcnet')
    .description('Kubernetes Service networking: live dashboard and CLI')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  let exitCode = 0;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  for (const register of commands) register(program, setExitCode);
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    console.error(`svcnet: ${(e as Error).message}`);
    return 1;
  }
  return exitCode;
}
