import { compileRouteTable, formatRouteTable, routeRows } from '@svcnet/ingress';
import type { IngressClassFlags, PipelineFlags } from '../commands/render.js';
import { skippedIngresses } from './ingressSkips.js';
import { withPipeline } from './pipeline.js';

/** `svcnet render ingress` */
export async function renderIngress(flags: PipelineFlags & IngressClassFlags & { output: 'table' | 'json' }): Promise<number> {
  return withPipeline(flags, async ({ store }) => {
    const ingresses = (await store.list('Ingress', { shared: true })).items;
    const classes = (await store.list('IngressClass', { shared: true })).items;
    const options = { ingressClass: flags.ingressClass, controller: flags.controller, watchWithoutClass: flags.watchWithoutClass };
    const table = compileRouteTable(ingresses, classes, options);
    const skipped = skippedIngresses(ingresses, classes, options);
    if (flags.output === 'json') return `${JSON.stringify({ routes: routeRows(table), conflicts: [...table.conflicts.values()].flat(), skipped }, null, 2)}\n`;
    return formatRouteTable(table) + skipped.map((s) => `# skipped Ingress ${s.ingress}: ${s.reason}\n`).join('');
  });
}
