import { DnsView, RecordIndex, renderZone, type RecordIndexOptions } from '@svcnet/dns';
import { ManualClock } from '@svcnet/store';
import { UsageError } from '../cliErrors.js';
import type { DnsIndexFlags, PipelineFlags } from '../commands/render.js';
import { withPipeline } from './pipeline.js';

export function dnsIndexOptions(o: DnsIndexFlags): RecordIndexOptions {
  const ttl = Number(o.ttl);
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw new UsageError(`--ttl ${JSON.stringify(o.ttl)}: give whole seconds from 0 to 3600 (CoreDNS's bounds)`);
  return { zone: o.zone, ttl, pods: o.pods as RecordIndexOptions['pods'], endpointPodNames: o.endpointPodNames ?? false, ignoreEmptyService: o.ignoreEmptyService ?? false };
}

/** `svcnet render dns` */
export async function renderDns(flags: PipelineFlags & DnsIndexFlags & { reverse: boolean }): Promise<number> {
  const indexOptions = dnsIndexOptions(flags);
  return withPipeline(flags, async ({ store }) => {
    const idx = new RecordIndex(indexOptions);
    // A fixed clock for the SOA serial (the time of the last change), so that renders compare equal.
    const view = new DnsView(store, idx, { clock: new ManualClock(0) });
    await view.synced;
    view.stop();
    return renderZone(idx, { reverse: flags.reverse });
  });
}
