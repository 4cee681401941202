import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegisterCommand } from './types.js';

export interface DashboardFlags {
  demo?: boolean;
  filename?: string[];
  recursive?: boolean;
  redis?: string;
  kubeconfig?: string;
  context?: string;
  keys?: string;
  once?: boolean;
  refresh: string;
  logFile: string;
}

/** `svcnet` with no subcommand: the live dashboard over the chosen source. */
export const registerDashboard: RegisterCommand = (program, setExitCode) => {
  program
    .option('--demo', 'the bundled demo: examples/ with simulated pods, embedded store (the default)')
    .option('-f, --filename <paths...>', 'manifest files or folders (top-level files; -R descends), with simulated pods, embedded store')
    .option('-R, --recursive', 'with -f: also read the folders inside the folders named')
    .option('--redis <url>', 'watch the shared store that node agents write (redis://, rediss://, unix:///path)')
    .option('--kubeconfig <path>', 'mirror a real cluster read-only through its API server')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--keys <file>', 'key map overrides, JSON like {"quit": ["x"]}')
    .option('--once', 'print the services table once the data is synced, then exit (also used when stdout is not a terminal)')
    .option('--refresh <ms>', 'how often the screen is redrawn', '250')
    .option('--log-file <path>', 'where the dashboard logs (never the terminal it draws on)', join(tmpdir(), 'svcnet-dashboard.log'))
    .action(async (flags: DashboardFlags) => {
      const { runDashboardCommand } = await import('../actions/dashboard.js');
      setExitCode(await runDashboardCommand(flags));
    });
};
