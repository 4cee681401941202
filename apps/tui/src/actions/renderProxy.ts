import { readFile } from 'node:fs/promises';
import { parse as parseYAML } from 'yaml';
import {
  NFTablesSyncer,
  ProxyState,
  optionsFromKubeProxyConfiguration,
  proxyOptions,
  renderIPTables,
  renderIPVS,
  validateProxyOptions,
  type ProxyOptions,
} from '@svcnet/proxy';
import { UsageError } from '../cliErrors.js';
import type { RenderProxyFlags } from '../commands/render.js';
import { withPipeline } from './pipeline.js';

async function proxyOptionsFrom(o: RenderProxyFlags): Promise<ProxyOptions> {
  let base = proxyOptions({ nodeName: o.nodeName });
  if (o.config) base = optionsFromKubeProxyConfiguration(parseYAML(await readFile(o.config, 'utf8')), base);
  const nodeIPs = o.nodeIp ?? base.nodeIPs;
  const opts: ProxyOptions = {
    ...base,
    nodeIPs,
    // The node this render stands for has exactly the addresses it was given (the agent reads its interfaces).
    nodeAddresses: base.nodeAddresses.length ? base.nodeAddresses : nodeIPs,
    ...(o.clusterCidr ? { clusterCIDRs: o.clusterCidr } : {}),
    ...(o.masqueradeAll ? { masqueradeAll: true } : {}),
    ...(o.nodeportAddresses ? { nodePortAddresses: o.nodeportAddresses } : {}),
    ...(o.localhostNodeports ? { localhostNodePorts: true } : {}),
    serviceCIDRs: o.serviceCidr ?? (base.serviceCIDRs.length ? base.serviceCIDRs : o.serviceClusterIpRange),
    ...(o.nodeName !== 'node' || !base.nodeName ? { nodeName: o.nodeName } : {}),
  };
  try {
    validateProxyOptions(opts);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return opts;
}

/** `svcnet render proxy` */
export async function renderProxy(flags: RenderProxyFlags): Promise<number> {
  const options = await proxyOptionsFrom(flags);
  let skipped = 0;
  const code = await withPipeline(flags, async ({ store }) => {
    const state = new ProxyState(flags.ipFamily, options.nodeName);
    for (const svc of (await store.list('Service', { shared: true })).items) state.onServiceUpdate(svc);
    for (const slice of (await store.list('EndpointSlice', { shared: true })).items) state.onEndpointSliceUpdate(slice);
    state.checkout();
    // What the proxy refuses to put into rules (the agent skips and reports them the same way).
    for (const o of state.invalid.list()) process.stderr.write(`error: skipped by the proxy: ${o.message}\n`);
    skipped = state.invalid.list().length;
    if (flags.mode === 'nftables') return new NFTablesSyncer(state, options).prepare().text;
    if (flags.mode === 'ipvs') {
      const r = renderIPVS({ family: flags.ipFamily, services: state.services, endpoints: state.endpoints, options });
      return `# ipset restore\n${r.ipset}# ipvsadm-restore\n${r.ipvsadm}# iptables-restore --noflush\n${r.iptables}`;
    }
    return renderIPTables({ family: flags.ipFamily, services: state.services, endpoints: state.endpoints, options, full: true }).text;
  });
  return skipped ? 1 : code;
}
