import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegisterCommand } from './types.js';
import { openSession, type SessionOptions } from '../session.js';
import { ClusterModel } from '../dashboard/clusterModel.js';
import { snapshotText } from '../dashboard/snapshotText.js';
import { loadBindings } from '../dashboard/keymap.js';
import { runDashboard } from '../dashboard/run.js';

interface DashboardFlags extends SessionOptions {
  keys?: string;
  once?: boolean;
  refresh: string;
}

/** `svcnet` with no subcommand: the live dashboard over the chosen source. */
export const registerDashboard: RegisterCommand = (program, setExitCode) => {
  program
    .option('--demo', 'the bundled demo: examples/ with simulated pods, embedded store (the default)')
    .option('-f, --filename <paths...>', 'manifest files or folders, with simulated pods, embedded store')
    .option('--redis <url>', 'watch the shared store that node agents write (redis://, rediss://, unix:///path)')
    .option('--kubeconfig <path>', 'mirror a real cluster read-only through its API server')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--keys <file>', 'key map overrides, JSON like {"quit": ["x"]}')
    .option('--once', 'print the services table once the data is synced, then exit (also used when stdout is not a terminal)')
    .option('--refresh <ms>', 'how often the screen is redrawn', '250')
    .option('--log-file <path>', 'where the dashboard logs (never the terminal it draws on)', join(tmpdir(), 'svcnet-dashboard.log'))
    .action(async (flags: DashboardFlags) => {
      const session = await openSession(flags, (line) => process.stderr.write(`${line}\n`));
      const model = new ClusterModel(session.store, { source: session.description });
      model.start();
      try {
        if (flags.once || !process.stdout.isTTY) {
          await quiet(model, session);
          console.log(snapshotText(model.snapshot()));
          return;
        }
        const bindings = loadBindings(flags.keys, (m) => process.stderr.write(`svcnet: ${m}\n`));
        await runDashboard(model, bindings, { refreshMs: Number(flags.refresh) || 250, renderers: session.renderers });
      } catch (e) {
        setExitCode(1);
        throw e;
      } finally {
        model.stop();
        await session.close();
      }
    });
};

/**
 * Waits until the data has synced and stopped changing for a moment (pods turning ready, the
 * reconciler writing slices), at most 10 s: what `--once` prints is then the settled state.
 */
async function quiet(model: ClusterModel, session: { settled(): Promise<void> }): Promise<void> {
  const deadline = Date.now() + 10_000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
  while (!model.synced && Date.now() < deadline) await sleep(50);
  await session.settled();
  while (Date.now() < deadline && model.snapshot().watchLagMs < 800) await sleep(100);
}
