import { Command, Option } from 'commander';
import { addFilenameOptions, validateOption } from './kubectl.js';
import { listOption, serviceRangeOption } from './options.js';
import type { RegisterCommand } from './types.js';

type SetExitCode = (code: number) => void;
const defaultExit: SetExitCode = (c) => void (process.exitCode = c);

/** What every command that runs the manifest pipeline takes: kubectl's -f/-R/--validate and the ClusterIP range. */
export interface PipelineFlags {
  filename: string[];
  recursive?: boolean;
  validate: string;
  serviceClusterIpRange: string[];
}

/** -f, -R, --validate and --service-cluster-ip-range, declared once for render, dns serve and ingress serve. */
export function addPipelineOptions(cmd: Command): Command {
  return addFilenameOptions(cmd, true).addOption(validateOption()).addOption(serviceRangeOption());
}

/** The CoreDNS kubernetes plugin's record options, declared once for `render dns` and `dns serve`. */
export interface DnsIndexFlags {
  zone: string;
  ttl: string;
  pods: string;
  endpointPodNames?: boolean;
  ignoreEmptyService?: boolean;
}

export function addDnsIndexOptions(cmd: Command): Command {
  return cmd
    .option('--zone <zone>', 'cluster domain (CoreDNS: the plugin zone)', 'cluster.local')
    .option('--ttl <seconds>', 'TTL of the records (CoreDNS: ttl)', '5')
    .addOption(new Option('--pods <mode>', 'pod records (CoreDNS: pods)').choices(['disabled', 'insecure', 'verified']).default('disabled'))
    .option('--endpoint-pod-names', 'name endpoints by their Pod (CoreDNS: endpoint_pod_names)')
    .option('--ignore-empty-service', 'NXDOMAIN for Services without ready endpoints (CoreDNS: ignore empty_service)');
}

/** The IngressClass flags, declared once for `render ingress` and `ingress serve`. */
export interface IngressClassFlags {
  ingressClass: string;
  controller: string;
  watchWithoutClass: boolean;
}

export function addIngressClassOptions(cmd: Command): Command {
  return cmd
    .option('--ingress-class <name>', 'serve Ingresses of this IngressClass (spec.ingressClassName or the kubernetes.io/ingress.class annotation)', 'svcnet')
    .option('--controller <name>', 'IngressClasses whose spec.controller is this are ours too', 'svcnet.io/ingress')
    .option('--no-watch-without-class', 'ignore Ingresses that name no class (served by default)');
}

export interface RenderProxyFlags extends PipelineFlags {
  mode: 'iptables' | 'nftables' | 'ipvs';
  ipFamily: 'IPv4' | 'IPv6';
  nodeName: string;
  nodeIp?: string[];
  clusterCidr?: string[];
  masqueradeAll?: boolean;
  nodeportAddresses?: string[];
  localhostNodeports?: boolean;
  serviceCidr?: string[];
  config?: string;
}

/** `svcnet render proxy`: the ruleset kube-proxy would program on one node for the manifests. */
export function renderProxyCommand(setExitCode: SetExitCode = defaultExit): Command {
  const cmd = addPipelineOptions(
    new Command('proxy').description('print the kube-proxy ruleset (iptables-restore, nft -f, or ipvsadm/ipset input) for the Services and endpoints of manifests'),
  )
    .addOption(new Option('--mode <mode>', 'proxy mode').choices(['iptables', 'nftables', 'ipvs']).default('iptables'))
    .addOption(new Option('--ip-family <family>', 'which family to render').choices(['IPv4', 'IPv6']).default('IPv4'))
    .option('--node-name <name>', 'this node (endpoints with this nodeName are local)', 'node')
    .addOption(listOption('--node-ip <ips>', "the node's primary IP(s), comma-separated, one per family"))
    .addOption(listOption('--cluster-cidr <cidrs>', 'pod CIDRs, comma-separated: traffic from outside them to a ClusterIP is masqueraded'))
    .option('--masquerade-all', 'SNAT all traffic to ClusterIPs')
    .addOption(listOption('--nodeport-addresses <cidrs>', 'only node addresses in these CIDRs accept NodePorts, comma-separated ("primary" for --node-ip; default all)'))
    .option('--localhost-nodeports', 'accept NodePorts on 127.0.0.1 (iptables, IPv4)')
    .addOption(listOption('--service-cidr <cidrs>', 'Service CIDRs, comma-separated: nftables drops traffic to unallocated ClusterIPs in them (default: --service-cluster-ip-range)'))
    .option('--config <file>', 'a KubeProxyConfiguration YAML file (flags override it)');
  return cmd.action(async (flags: RenderProxyFlags) => {
    const { renderProxy } = await import('../actions/renderProxy.js');
    setExitCode(await renderProxy(flags));
  });
}

/** `svcnet render dns`: every record of the cluster zone, as a zone file. */
export function renderDnsCommand(setExitCode: SetExitCode = defaultExit): Command {
  const cmd = addDnsIndexOptions(addPipelineOptions(new Command('dns').description('print every record the cluster DNS zone holds for the manifests, in zone-file format')));
  cmd.addOption(new Option('--no-reverse', 'leave out PTR records'));
  return cmd.action(async (flags: PipelineFlags & DnsIndexFlags & { reverse: boolean }) => {
    const { renderDns } = await import('../actions/renderDns.js');
    setExitCode(await renderDns(flags));
  });
}

/** `svcnet render ingress`: the route table compiled from the Ingresses. */
export function renderIngressCommand(setExitCode: SetExitCode = defaultExit): Command {
  const cmd = addIngressClassOptions(addPipelineOptions(new Command('ingress').description('print the route table compiled from the Ingresses (and IngressClasses) in manifests')));
  cmd.addOption(new Option('-o, --output <format>', 'table | json').choices(['table', 'json']).default('table'));
  return cmd.action(async (flags: PipelineFlags & IngressClassFlags & { output: 'table' | 'json' }) => {
    const { renderIngress } = await import('../actions/renderIngress.js');
    setExitCode(await renderIngress(flags));
  });
}

/** `svcnet render endpoints`: the Endpoints and EndpointSlices the reconciler would write. */
export function renderEndpointsCommand(setExitCode: SetExitCode = defaultExit): Command {
  const cmd = addPipelineOptions(
    new Command('endpoints').description('print the Endpoints and EndpointSlices the reconciler would write for the manifests (a kind: List), with hand-written ones of selectorless Services'),
  );
  cmd.addOption(new Option('-o, --output <format>', 'yaml | json').choices(['yaml', 'json']).default('yaml'));
  return cmd.action(async (flags: PipelineFlags & { output: 'yaml' | 'json' }) => {
    const { renderEndpoints } = await import('../actions/renderEndpoints.js');
    setExitCode(await renderEndpoints(flags));
  });
}

/**
 * `svcnet render proxy|dns|ingress|endpoints -f ...`: the pipeline of the dashboard (workloads
 * simulated with a fixed seed, endpoints reconciled, addresses allocated in a stable order) ending
 * in text; the same manifests print the same bytes on every run.
 */
export const registerRender: RegisterCommand = (program, setExitCode) => {
  const render = program
    .command('render')
    .description('print what a component would do for some manifests: proxy rules, DNS zone, ingress routes, endpoints');
  for (const make of [renderProxyCommand, renderDnsCommand, renderIngressCommand, renderEndpointsCommand]) {
    const cmd = make(setExitCode);
    cmd.copyInheritedSettings(render);
    render.addCommand(cmd);
  }
};
