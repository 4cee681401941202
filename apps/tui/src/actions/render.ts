import { readFile } from 'node:fs/promises';
import { parse as parseYAML, stringify } from 'yaml';
import { STDIN_PATH, parseCIDR, type Endpoints, type EndpointSlice, type KubeObject } from '@svcnet/model';
import { DnsView, RecordIndex, renderZone, type RecordIndexOptions } from '@svcnet/dns';
import { compileRouteTable, formatRouteTable, routeRows } from '@svcnet/ingress';
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
import type { DnsIndexFlags, IngressClassFlags, PipelineFlags, RenderProxyFlags } from '../commands/render.js';
import { startManifestCluster, type ManifestCluster } from '../manifestCluster.js';
import { skippedIngresses } from './ingressSkips.js';
import { readManifestFlags, reportManifestInput } from './manifestInput.js';

const printError = (line: string) => process.stderr.write(`${line}\n`);

/** --service-cluster-ip-range as kube-apiserver checks it: CIDRs, at most one per family. */
export function serviceRanges(ranges: readonly string[]): string[] {
  const families = new Set<string>();
  for (const r of ranges) {
    const c = parseCIDR(r);
    if (!c) throw new UsageError(`--service-cluster-ip-range: ${JSON.stringify(r)} is not a CIDR (for example 10.96.0.0/12,fd00:10:96::/108)`);
    if (families.has(c.family)) throw new UsageError(`--service-cluster-ip-range: give at most one ${c.family} range (got ${ranges.join(',')})`);
    families.add(c.family);
  }
  return [...ranges];
}

/**
 * The manifests through the dashboard's pipeline, reproducibly: read (-f/-R/stdin), objects applied
 * through admission and allocation in file order, workloads simulated from a fixed seed, endpoints
 * reconciled, all settled. Problems go to stderr as they are found; `failures` counts them.
 */
export async function runPipeline(flags: PipelineFlags, options: { watch?: boolean } = {}): Promise<{ cluster: ManifestCluster; failures: number }> {
  const serviceCIDRs = serviceRanges(flags.serviceClusterIpRange);
  const input = await readManifestFlags(flags);
  let failures = reportManifestInput(input, printError);
  // With --validate=strict an object with unknown fields is an error, and is not applied.
  const rejected = new Set(input.strict ? input.unknown.map((u) => u.manifest) : []);
  const objects = input.objects.filter((m) => !rejected.has(m));
  // Standard input cannot be watched: with `-f -` the manifests are read once.
  const watch = (options.watch ?? false) && !flags.filename.includes(STDIN_PATH);
  let firstPass = true;
  const cluster = await startManifestCluster(flags.filename, {
    watch,
    recursive: flags.recursive ?? false,
    reproducible: true,
    serviceCIDRs,
    ...(watch ? {} : { parsed: { objects, errors: [], skipped: [] } }),
    log: (line) => printError(`svcnet: ${line}`),
    // The first pass's problems are printed below; later ones (files edited while serving) as they come.
    onProblem: (p) => firstPass || printError(`error: ${p.message}`),
  });
  firstPass = false;
  try {
    // Parse problems were printed above; what is left is what admission and the simulator refused.
    for (const p of cluster.sync.problems) if (!input.errors.some((e) => e.message === p.message)) printError(`error: ${p.message}`);
    failures += cluster.sync.problems.filter((p) => !input.errors.some((e) => e.message === p.message)).length;
    await cluster.settle();
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return { cluster, failures };
}

async function withPipeline(flags: PipelineFlags, f: (cluster: ManifestCluster) => Promise<string>): Promise<number> {
  const { cluster, failures } = await runPipeline(flags);
  try {
    process.stdout.write(await f(cluster));
  } finally {
    await cluster.stop();
  }
  return failures ? 1 : 0;
}

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
  return withPipeline(flags, async ({ store }) => {
    const state = new ProxyState(flags.ipFamily, options.nodeName);
    for (const svc of (await store.list('Service')).items) state.onServiceUpdate(svc);
    for (const slice of (await store.list('EndpointSlice')).items) state.onEndpointSliceUpdate(slice);
    state.checkout();
    if (flags.mode === 'nftables') return new NFTablesSyncer(state, options).prepare().text;
    if (flags.mode === 'ipvs') {
      const r = renderIPVS({ family: flags.ipFamily, services: state.services, endpoints: state.endpoints, options });
      return `# ipset restore\n${r.ipset}# ipvsadm-restore\n${r.ipvsadm}# iptables-restore --noflush\n${r.iptables}`;
    }
    return renderIPTables({ family: flags.ipFamily, services: state.services, endpoints: state.endpoints, options, full: true }).text;
  });
}

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
    const view = new DnsView(store, idx, { now: () => 0 });
    await view.synced;
    view.stop();
    return renderZone(idx, { reverse: flags.reverse });
  });
}

/** `svcnet render ingress` */
export async function renderIngress(flags: PipelineFlags & IngressClassFlags & { output: 'table' | 'json' }): Promise<number> {
  return withPipeline(flags, async ({ store }) => {
    const ingresses = (await store.list('Ingress')).items;
    const classes = (await store.list('IngressClass')).items;
    const options = { ingressClass: flags.ingressClass, controller: flags.controller, watchWithoutClass: flags.watchWithoutClass };
    const table = compileRouteTable(ingresses, classes, options);
    const skipped = skippedIngresses(ingresses, classes, options);
    if (flags.output === 'json') return `${JSON.stringify({ routes: routeRows(table), conflicts: [...table.conflicts.values()].flat(), skipped }, null, 2)}\n`;
    return formatRouteTable(table) + skipped.map((s) => `# skipped Ingress ${s.ingress}: ${s.reason}\n`).join('');
  });
}


/**
 * What a render of an object keeps: what its writer wrote. Fields the store sets on every write
 * (uid, resourceVersion, creationTimestamp, generation) and the time the reconciler saw the change
 * differ from run to run and say nothing about the manifests.
 */
function asWritten<T extends KubeObject>(o: T): T {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, annotations, ...metadata } = o.metadata ?? {};
  const { 'endpoints.kubernetes.io/last-change-trigger-time': _t, ...kept } = annotations ?? {};
  return { ...o, metadata: { ...metadata, ...(Object.keys(kept).length ? { annotations: kept } : {}) } };
}

const byKey = (a: KubeObject, b: KubeObject) => {
  const ka = `${a.metadata?.namespace}/${a.metadata?.name}`;
  const kb = `${b.metadata?.namespace}/${b.metadata?.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** `svcnet render endpoints`: Endpoints then EndpointSlices, each sorted by namespace/name, as a `kind: List`. */
export async function renderEndpoints(flags: PipelineFlags & { output: 'yaml' | 'json' }): Promise<number> {
  return withPipeline(flags, async ({ store }) => {
    const endpoints = (await store.list('Endpoints')).items as Endpoints[];
    const slices = (await store.list('EndpointSlice')).items as EndpointSlice[];
    const items = [...[...endpoints].sort(byKey), ...[...slices].sort(byKey)].map((o) => asWritten(o as KubeObject));
    const list = { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
    return flags.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : stringify(list);
  });
}

