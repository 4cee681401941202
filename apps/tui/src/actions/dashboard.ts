// React's production build: the development one checks every element and halves the frame rate.
// Set before Ink and React load (they are imported below this line, and only by this module).
process.env['NODE_ENV'] ??= 'production';

import { appendFileSync } from 'node:fs';
import { openSession, type Session } from '../session.js';
import { ClusterModel } from '../dashboard/clusterModel.js';
import { snapshotText } from '../dashboard/snapshotText.js';
import { loadBindings } from '../dashboard/keymap.js';
import { boundHeapGrowth } from '../dashboard/heapGrowth.js';
import type { DashboardFlags } from '../commands/dashboard.js';

/**
 * Where the feeders' log lines go: on a terminal, the log file and the model's events (the screen is
 * the dashboard's own); otherwise stderr. Lines that come before the model exists are kept for it.
 */
class LogSink {
  private early: string[] = [];
  private model: ClusterModel | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly interactive: boolean,
  ) {}

  write(line: string): void {
    if (!this.interactive) {
      process.stderr.write(`${line}\n`);
      return;
    }
    if (this.file) {
      try {
        appendFileSync(this.file, `${new Date().toISOString()} ${line}\n`);
      } catch {
        // A log file that cannot be written must not take the dashboard down; the events still show it.
      }
    }
    if (this.model) this.model.recordError('source', new Error(line));
    else this.early.push(line);
  }

  attach(model: ClusterModel): void {
    this.model = model;
    for (const line of this.early.splice(0)) model.recordError('source', new Error(line));
  }
}

/** The dashboard (or, with --once or without a terminal, the settled Services table); returns the exit code. */
export async function runDashboardCommand(flags: DashboardFlags): Promise<number> {
  const interactive = !flags.once && process.stdout.isTTY === true;
  const sink = new LogSink(flags.logFile, interactive);
  const session = await openSession({ ...flags, settledPicture: !interactive }, (line) => sink.write(line));
  const model = new ClusterModel(session.store, { source: session.description, problems: () => session.problems(), ...(session.informers ? { informers: session.informers } : {}) });
  sink.attach(model);
  model.start();
  let quitting = false;
  try {
    if (!interactive) {
      await quiet(model, session);
      if (!model.synced) {
        console.error(`svcnet: ${session.description} did not sync within 10 s: nothing to print`);
        return 1;
      }
      for (const p of session.problems()) console.error(`svcnet: ${p.message}`);
      console.log(snapshotText(model.snapshot()));
      return 0;
    }
    const bindings = loadBindings(flags.keys, (m) => process.stderr.write(`svcnet: ${m}\n`));
    // Frame garbage must not pile up to 4x the live heap (dashboard/heapGrowth.ts): before Ink loads.
    boundHeapGrowth();
    const { runDashboard } = await import('../dashboard/run.js');
    await runDashboard(model, bindings, { refreshMs: Number(flags.refresh) || 250, renderers: session.renderers });
    quitting = true;
    // A store that is down may hold timers that keep the process alive: leave once this is done.
    setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
    return 0;
  } finally {
    model.stop();
    await closeSession(session, quitting);
  }
}

/** After the user quits, the screen is already restored: whatever the source's state, do not make them wait. */
async function closeSession(session: Session, quitting: boolean): Promise<void> {
  if (!quitting) return session.close();
  const closed = session.close({ now: true }).catch(() => undefined);
  await Promise.race([closed, new Promise((r) => setTimeout(r, 500).unref())]);
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
  while (Date.now() < deadline && model.idleMs < 800) await sleep(100);
}
