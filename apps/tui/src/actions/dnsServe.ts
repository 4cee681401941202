import { DnsView, RecordIndex, dnsServerFor } from '@svcnet/dns';
import { parseWorkerSetting } from '@svcnet/model';
import { UsageError } from '../cliErrors.js';
import type { DnsServeFlags } from '../commands/dns.js';
import { runPipeline } from './pipeline.js';
import { dnsIndexOptions } from './renderDns.js';

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** --upstream as CoreDNS's forward takes it; "none" (as the agent's --dns-upstream) answers REFUSED for other names. */
function upstreams(flags: DnsServeFlags): string[] | undefined {
  if (!flags.upstream) return undefined;
  return flags.upstream.includes('none') ? [] : flags.upstream;
}

/** `svcnet dns serve`: the zone `render dns` prints, answered over UDP and TCP until a signal. */
export async function serveDns(flags: DnsServeFlags): Promise<number> {
  const index = new RecordIndex(dnsIndexOptions(flags));
  let server: ReturnType<typeof dnsServerFor>;
  try {
    // Settings first: a bad flag is a usage error before anything starts.
    const workers = parseWorkerSetting(flags.workers ?? 'auto', '--workers');
    server = dnsServerFor({
      index,
      listen: flags.listen,
      upstreams: upstreams(flags),
      ...(flags.allow ? { allow: flags.allow } : {}),
      allowSetting: '--allow',
      httpListen: flags.http,
      logger: { info: (_obj, msg) => msg.startsWith('dns: ') && console.error(`svcnet: ${msg}`), warn: (_obj, msg) => console.error(`svcnet: ${msg}`) },
    }, workers);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { cluster, failures } = await runPipeline(flags, { watch: flags.watch });
  const view = new DnsView(cluster.store, index, { informers: cluster.informers, onError: (e) => console.error(`svcnet: plugin/kubernetes: ${e.message}`) });
  try {
    const a = await server.start();
    await view.synced;
    // N servers in all: this thread's and the pool's worker threads (decision 022).
    const n = 'pool' in server ? server.pool.workers.length + 1 : 1;
    console.error(`svcnet: dns serving ${index.options.zone} on ${a.udp.address}:${a.udp.port} (udp, tcp${n > 1 ? `, ${n} servers` : ''})${a.http ? `, http ${a.http.address}:${a.http.port}` : ''}${failures ? `; ${failures} manifest problem${failures === 1 ? '' : 's'} above` : ''}`);
    await untilSignal();
    return 0;
  } catch (e) {
    console.error(`svcnet: ${(e as Error).message}`);
    return 1;
  } finally {
    view.stop();
    await server.stop();
    await cluster.stop();
  }
}
