// React's production build: the development one checks every element and halves the frame rate.
// Set before Ink and React load (they are imported below this line, and only by this module).
process.env['NODE_ENV'] ??= 'production';

import { openSession } from '../session.js';
import { ClusterModel } from '../dashboard/clusterModel.js';
import { snapshotText } from '../dashboard/snapshotText.js';
import { loadBindings } from '../dashboard/keymap.js';
import type { DashboardFlags } from '../commands/dashboard.js';

/** The dashboard (or, with --once or without a terminal, the settled Services table); returns the exit code. */
export async function runDashboardCommand(flags: DashboardFlags): Promise<number> {
  const session = await openSession(flags, (line) => process.stderr.write(`${line}\n`));
  const model = new ClusterModel(session.store, { source: session.description });
  model.start();
  try {
    if (flags.once || !process.stdout.isTTY) {
      await quiet(model, session);
      if (!model.synced) {
        console.error(`svcnet: ${session.description} did not sync within 10 s: nothing to print`);
        return 1;
      }
      console.log(snapshotText(model.snapshot()));
      return 0;
    }
    const bindings = loadBindings(flags.keys, (m) => process.stderr.write(`svcnet: ${m}\n`));
    const { runDashboard } = await import('../dashboard/run.js');
    await runDashboard(model, bindings, { refreshMs: Number(flags.refresh) || 250, renderers: session.renderers });
    return 0;
  } finally {
    model.stop();
    await session.close();
  }
}

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
