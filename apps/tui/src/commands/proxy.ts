import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parse as parseYAML } from 'yaml';
import { allocateClusterIP, isKind, loadManifests } from '@svcnet/model';
import type { EndpointSlice, Service } from '@svcnet/model';
import {
  NFTablesSyncer,
  ProxyState,
  optionsFromKubeProxyConfiguration,
  proxyOptions,
  renderIPTables,
  renderIPVS,
  validateProxyOptions,
} from '@svcnet/proxy';
import type { IPFamily, ProxyOptions } from '@svcnet/proxy';

/** The flags of `svcnet render proxy`, declared once (names follow kube-proxy's). */
const FLAGS = [
  { flags: '--node-name <name>', help: 'this node (endpoints with this nodeName are local)', def: 'node' },
  { flags: '--node-ip <ip...>', help: "the node's primary IP per family" },
  { flags: '--cluster-cidr <cidr...>', help: 'pod CIDRs: traffic from outside them to a ClusterIP is masqueraded' },
  { flags: '--masquerade-all', help: 'SNAT all traffic to ClusterIPs' },
  { flags: '--nodeport-addresses <cidr...>', help: 'only local addresses in these CIDRs accept NodePorts (default: all)' },
  { flags: '--localhost-nodeports', help: 'accept NodePorts on 127.0.0.1 (iptables, IPv4)' },
  { flags: '--service-cidr <cidr>', help: 'allocate ClusterIPs for Services without one from here', def: '10.96.0.0/12' },
  { flags: '--config <file>', help: 'a KubeProxyConfiguration YAML file (flags override it)' },
] as const;

interface Opts {
  mode: 'iptables' | 'nftables' | 'ipvs';
  filename: string[];
  nodeName: string;
  nodeIp?: string[];
  clusterCidr?: string[];
  masqueradeAll?: boolean;
  nodeportAddresses?: string[];
  localhostNodeports?: boolean;
  serviceCidr: string;
  config?: string;
  ipFamily: IPFamily;
}

async function optionsFrom(o: Opts): Promise<ProxyOptions> {
  let base = proxyOptions({ nodeName: o.nodeName });
  if (o.config) base = optionsFromKubeProxyConfiguration(parseYAML(await readFile(o.config, 'utf8')), base);
  const opts: ProxyOptions = {
    ...base,
    ...(o.nodeIp ? { nodeIPs: o.nodeIp } : {}),
    ...(o.clusterCidr ? { clusterCIDRs: o.clusterCidr.flatMap((c) => c.split(',')) } : {}),
    ...(o.masqueradeAll ? { masqueradeAll: true } : {}),
    ...(o.nodeportAddresses ? { nodePortAddresses: o.nodeportAddresses.flatMap((c) => c.split(',')) } : {}),
    ...(o.localhostNodeports ? { localhostNodePorts: true } : {}),
    ...(o.nodeName !== 'node' || !base.nodeName ? { nodeName: o.nodeName } : {}),
  };
  validateProxyOptions(opts);
  return opts;
}

/**
 * `svcnet render proxy --mode iptables|nftables|ipvs -f FILE|DIR`: the ruleset kube-proxy would
 * program on one node for the Services and EndpointSlices in the manifests.
 */
export function renderProxyCommand(setExitCode: (code: number) => void = (c) => void (process.exitCode = c)): Command {
  const cmd = new Command('proxy')
    .description('print the kube-proxy ruleset (iptables-restore, nft -f, or ipvsadm/ipset input) for the Services and EndpointSlices in manifests')
    .addOption(new Option('--mode <mode>', 'proxy mode').choices(['iptables', 'nftables', 'ipvs']).default('iptables'))
    .requiredOption('-f, --filename <path...>', 'manifest files or folders (*.yaml, *.yml, *.json)')
    .addOption(new Option('--ip-family <family>', 'which family to render').choices(['IPv4', 'IPv6']).default('IPv4'));
  for (const f of FLAGS) cmd.addOption('def' in f ? new Option(f.flags, f.help).default(f.def) : new Option(f.flags, f.help));
  cmd.action(async (o: Opts) => {
    const options = await optionsFrom(o);
    const { objects, errors } = await loadManifests(o.filename);
    for (const e of errors) console.error(`svcnet: ${e.message}`);
    const all = objects.map((m) => m.object).filter((x) => isKind(x.kind));
    const services = all.filter((x) => x.kind === 'Service') as unknown as Service[];
    const slices = all.filter((x) => x.kind === 'EndpointSlice') as unknown as EndpointSlice[];
    const used = new Set(services.map((s) => s.spec?.clusterIP).filter((ip): ip is string => !!ip && ip !== 'None'));
    const state = new ProxyState(o.ipFamily, options.nodeName);
    for (const s of services) {
      let svc = s;
      if (!s.spec?.clusterIP && s.spec?.type !== 'ExternalName') {
        // Manifests rarely carry a ClusterIP: give one as the API server would, so rules can be shown.
        const ip = allocateClusterIP(o.serviceCidr, used);
        used.add(ip);
        svc = { ...s, spec: { ...s.spec, clusterIP: ip, clusterIPs: [ip] } };
        console.error(`svcnet: Service "${s.metadata?.namespace ?? 'default'}/${s.metadata?.name}" has no spec.clusterIP; using ${ip}`);
      }
      state.onServiceUpdate(svc.metadata?.namespace ? svc : { ...svc, metadata: { ...svc.metadata, namespace: 'default' } });
    }
    for (const sl of slices) state.onEndpointSliceUpdate(sl.metadata?.namespace ? sl : { ...sl, metadata: { ...sl.metadata, namespace: 'default' } });
    state.checkout();
    if (o.mode === 'nftables') {
      const syncer = new NFTablesSyncer(state, options);
      process.stdout.write(syncer.prepare().text);
    } else if (o.mode === 'ipvs') {
      const r = renderIPVS({ family: o.ipFamily, services: state.services, endpoints: state.endpoints, options });
      process.stdout.write(`# ipset restore\n${r.ipset}# ipvsadm-restore\n${r.ipvsadm}# iptables-restore --noflush\n${r.iptables}`);
    } else {
      process.stdout.write(renderIPTables({ family: o.ipFamily, services: state.services, endpoints: state.endpoints, options, full: true }).text);
    }
    setExitCode(errors.length ? 1 : 0);
  });
  return cmd;
}
