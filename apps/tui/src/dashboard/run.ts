import { render } from 'ink';
import { createElement } from 'react';
import type { ClusterModel } from './clusterModel.js';
import type { DetailRenderers } from './detailText.js';
import type { Binding } from './keymap.js';
import { App } from './App.js';

/**
 * Draws the dashboard on the alternate screen until the user quits, following terminal resizes.
 * NO_COLOR turns colours off; state is always also in text (a `!` and the fault's words).
 */
export async function runDashboard(model: ClusterModel, bindings: readonly Binding[], options: { refreshMs: number; renderers?: DetailRenderers }): Promise<void> {
  const out = process.stdout;
  const color = !process.env['NO_COLOR'];
  const props = () => ({ model, bindings, renderers: options.renderers, width: out.columns || 100, height: out.rows || 30, refreshMs: options.refreshMs, color });
  out.write('\x1b[?1049h\x1b[H');
  const app = render(createElement(App, props()), { exitOnCtrlC: true, patchConsole: true });
  const onResize = () => app.rerender(createElement(App, props()));
  out.on('resize', onResize);
  try {
    await app.waitUntilExit();
  } finally {
    out.off('resize', onResize);
    app.cleanup();
    out.write('\x1b[?1049l');
  }
}
