import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { parse as parseYAML, stringify as stringifyYAML } from 'yaml';
import { ClientAcl } from '@svcnet/dns';
import { TrustedProxies, TrustedProxyError } from '@svcnet/ingress';
import { parseDuration } from '@svcnet/proxy';
import { checkStoreUrl } from '@svcnet/store';
import { levenshtein, parseWorkerSetting, type WorkerSetting } from '@svcnet/model';
import { FLAGS, camel, type FlagSpec, type LOG_LEVELS, type PROXY_MODES } from './flags.js';
import { ConfigError } from './errors.js';
import { defaultServiceCIDRs } from './oneMachine.js';

export type ProxyModeSetting = (typeof PROXY_MODES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The resolved settings: flag > config file > default. Durations are milliseconds. */
export interface AgentConfig {
  config?: string;
  writeConfigTo?: string;
  /** With --write-config-to: the AgentConfiguration document of the settings in effect (YAML). */
  configDocument?: string;
  kubeconfig?: string;
  context?: string;
  manifests: string[];
  recursive: boolean;
  defaultSslCertificate?: string;
  redis?: string;
  redisMinReplicas: number;
  redisReplicaTimeout: number;
  serviceClusterIpRange: string[];
  serviceNodePortRange: string;
  hostnameOverride?: string;
  nodeIp: string[];
  clusterCidr: string[];
  simulateBackends: boolean;
  proxyMode: ProxyModeSetting;
  masqueradeAll: boolean;
  nodeportAddresses: string[];
  localhostNodeports: boolean;
  iptablesMinSyncPeriod: number;
  iptablesSyncPeriod: number;
  healthzBindAddress: string;
  metricsBindAddress: string;
  reconcileEndpoints?: boolean;
  loadbalancerPool: string[];
  controllerHealthTimeout: number;
  leaderElectLeaseDuration: number;
  nodeStatusUpdateFrequency: number;
  nodeMonitorGracePeriod: number;
  dnsListen?: string;
  dnsUpstream: string[];
  dnsAllow: string[];
  dnsWorkers: WorkerSetting;
  clusterDomain: string;
  ingressHttpListen?: string;
  ingressHttpsListen?: string;
  ingressClass: string;
  ingressTrustedProxy: string[];
  ingressWorkers: WorkerSetting;
  cleanup: boolean;
  cleanupOnExit: boolean;
  logLevel: LogLevel;
}

const splitList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

function optionFor(spec: FlagSpec): Option[] {
  const long = `--${spec.flag}`;
  const names = spec.short ? `-${spec.short}, ${long}` : long;
  switch (spec.type) {
    case 'boolean':
      return [new Option(names, spec.help).default(spec.default ?? false)];
    case 'tristate':
      return [new Option(names, spec.help), new Option(`--no-${spec.flag}`).hideHelp()];
    case 'choice': {
      const o = new Option(`${names} <${spec.arg ?? 'VALUE'}>`, spec.help).choices(spec.choices ?? []);
      return [spec.default !== undefined ? o.default(spec.default) : o];
    }
    case 'list': {
      const fallback = (spec.default as readonly string[] | undefined) ?? [];
      const o = new Option(`${names} <${spec.arg ?? 'VALUE'}>`, spec.help).argParser((v: string, prev: readonly string[] | undefined) =>
        prev === undefined || prev === fallback ? splitList(v) : [...prev, ...splitList(v)],
      );
      return [fallback.length ? o.default(fallback, fallback.join(',')) : o];
    }
    default: {
      const o = new Option(`${names} <${spec.arg ?? (spec.type === 'duration' ? 'DURATION' : 'VALUE')}>`, spec.help);
      return [spec.default !== undefined ? o.default(spec.default) : o];
    }
  }
}

/** The commander program with every flag of FLAGS; `--help` is generated from it. */
export function buildProgram(version: string): Command {
  const program = new Command('svcnet-agent')
    .description('The svcnet per-host agent: a source, the store, the endpoints and LoadBalancer controllers (under leases), the proxy for this node, cluster DNS and the Ingress router; each optional.')
    .version(version, '--version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .showHelpAfterError('(run svcnet-agent --help for every flag)');
  for (const spec of FLAGS) for (const o of optionFor(spec)) program.addOption(o);
  program.addHelpText('after', [
    '',
    'Exit codes: 0 done (after SIGTERM/SIGINT, --cleanup, --help), 1 a runtime failure (a listener could',
    'not bind, the store or kernel refused), 2 bad flags or config file.',
    '',
    'Examples:',
    '  svcnet-agent -f examples/ --proxy-mode userspace --dns-listen 127.0.0.1:5353',
    '  svcnet-agent --redis redis://10.0.0.5:6379/0 --hostname-override node-a --node-ip 10.0.0.11 \\',
    '               --dns-listen 10.0.0.11:53 --dns-allow 10.244.0.0/16,10.0.0.0/24 --ingress-http-listen 0.0.0.0:80 \\',
    '               --loadbalancer-pool 10.0.0.240-10.0.0.250',
    '  svcnet-agent --kubeconfig ~/.kube/config --proxy-mode nftables',
    '  svcnet-agent --cleanup --proxy-mode nftables',
  ].join('\n'));
  return program;
}

/** A config file's nested object as dotted keys (`iptables.masqueradeAll`). */
function flatten(obj: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !FLAGS.some((f) => f.key === key)) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, v);
  }
  return out;
}

/** The closest known key (a typo, a wrong case, a missing section), if one is close. */
function nearest(key: string): string | undefined {
  const lower = key.toLowerCase();
  const last = lower.split('.').pop()!;
  let best: { key: string; d: number } | undefined;
  for (const f of FLAGS) {
    if (!f.key) continue;
    const k = f.key.toLowerCase();
    const d = Math.min(levenshtein(lower, k), levenshtein(last, k.split('.').pop()!) + 1);
    if (!best || d < best.d) best = { key: f.key, d };
  }
  return best && best.d <= Math.max(2, Math.floor(last.length / 4)) ? best.key : undefined;
}

/** Reads an AgentConfiguration file into values per flag; every problem names the file and key. */
export function readConfigFile(path: string, content?: string): Map<FlagSpec, unknown> {
  let text = content;
  if (text === undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(`--config ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give the path of an AgentConfiguration YAML or JSON file`);
    }
  }
  let doc: unknown;
  try {
    doc = parseYAML(text);
  } catch (e) {
    throw new ConfigError(`config file ${path}: not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return new Map();
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${path}: expected a mapping of settings (kind: AgentConfiguration), got ${Array.isArray(doc) ? 'a list' : typeof doc}`);
  const { apiVersion, kind, ...rest } = doc as Record<string, unknown>;
  if (kind !== undefined && kind !== 'AgentConfiguration') throw new ConfigError(`config file ${path}: kind is ${JSON.stringify(kind)}: write "kind: AgentConfiguration" (apiVersion: svcnet.io/v1alpha1)`);
  if (apiVersion !== undefined && apiVersion !== 'svcnet.io/v1alpha1') throw new ConfigError(`config file ${path}: apiVersion ${JSON.stringify(apiVersion)} is not served: use svcnet.io/v1alpha1`);
  const out = new Map<FlagSpec, unknown>();
  for (const [key, value] of flatten(rest)) {
    const spec = FLAGS.find((f) => f.key === key);
    if (!spec) {
      const hint = nearest(key);
      throw new ConfigError(`config file ${path}: unknown key "${key}"${hint ? `: did you mean "${hint}"?` : ''} (svcnet-agent --help lists every setting)`);
    }
    out.set(spec, checkFileValue(path, spec, value));
  }
  return out;
}

function checkFileValue(path: string, spec: FlagSpec, value: unknown): unknown {
  const bad = (want: string) => new ConfigError(`config file ${path}: ${spec.key}: expected ${want}, got ${JSON.stringify(value)}`);
  switch (spec.type) {
    case 'boolean':
    case 'tristate':
      if (typeof value !== 'boolean') throw bad('true or false');
      return value;
    case 'list':
      if (typeof value === 'string') return splitList(value);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      throw bad('a list of strings');
    case 'choice':
      if (typeof value !== 'string' || !spec.choices?.includes(value)) throw bad(`one of ${spec.choices?.join(', ')}`);
      return value;
    case 'duration':
      if (typeof value !== 'string' && typeof value !== 'number') throw bad('a duration such as 1s, 500ms or 1m0s');
      return value;
    case 'count':
      if (typeof value !== 'number' && typeof value !== 'string') throw bad('a whole number');
      return String(value);
    case 'workers':
      if (typeof value !== 'number' && typeof value !== 'string') throw bad('a number of workers or auto');
      return String(value);
    default:
      if (typeof value !== 'string') throw bad('a string');
      return value;
  }
}

function toMs(spec: FlagSpec, value: unknown): number {
  try {
    return parseDuration(value as string | number, spec.key ?? spec.flag);
  } catch {
    throw new ConfigError(`--${spec.flag} ${JSON.stringify(value)} is not a duration: write e.g. 500ms, 1s, 30s or 1m0s`);
  }
}

function toCount(spec: FlagSpec, value: unknown): number {
  const n = Number(value);
  if (!/^\d+$/.test(String(value).trim()) || !Number.isSafeInteger(n)) throw new ConfigError(`--${spec.flag} ${JSON.stringify(value)} is not a whole number: write e.g. 0, 1 or 2`);
  return n;
}

function toWorkers(spec: FlagSpec, value: unknown): WorkerSetting {
  try {
    return parseWorkerSetting(String(value), `--${spec.flag}`);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

/** Flag > config file > default, with durations in ms and addresses checked. */
export function resolveConfig(program: Command, readFile: (path: string) => Map<FlagSpec, unknown> = (p) => readConfigFile(p)): AgentConfig {
  const opts = program.opts<Record<string, unknown>>();
  const file = typeof opts['config'] === 'string' ? readFile(opts['config']) : new Map<FlagSpec, unknown>();
  const out: Record<string, unknown> = {};
  const settings: [string, unknown][] = [];
  for (const spec of FLAGS) {
    const name = camel(spec.flag);
    const source = program.getOptionValueSource(name);
    let value: unknown = source === 'cli' || source === 'env' || !file.has(spec) ? opts[name] : file.get(spec);
    if (value === undefined && spec.default !== undefined) value = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    if (value === undefined && spec.type === 'list') value = [];
    if (spec.key && value !== undefined) settings.push([spec.key, value]);
    if (spec.type === 'duration' && value !== undefined) value = toMs(spec, value);
    if (spec.type === 'count' && value !== undefined) value = toCount(spec, value);
    if (spec.type === 'workers' && value !== undefined) value = toWorkers(spec, value);
    if (value !== undefined) out[name] = value;
  }
  const config = out as unknown as AgentConfig;
  if (config.writeConfigTo !== undefined) config.configDocument = configDocument(settings);
  for (const [flag, v] of [['dns-listen', config.dnsListen], ['ingress-http-listen', config.ingressHttpListen], ['ingress-https-listen', config.ingressHttpsListen], ['healthz-bind-address', config.healthzBindAddress], ['metrics-bind-address', config.metricsBindAddress]] as const) {
    if (v) hostPort(v, `--${flag}`);
  }
  if (config.redis) {
    try {
      checkStoreUrl(config.redis);
    } catch (e) {
      throw new ConfigError(`--redis: ${(e as Error).message.replace(/^redis store: /, '')}`);
    }
  }
  try {
    new TrustedProxies(config.ingressTrustedProxy);
  } catch (e) {
    if (!(e instanceof TrustedProxyError)) throw e;
    throw new ConfigError(`--ingress-trusted-proxy ${JSON.stringify(e.entry)} is not an IP address or CIDR: write e.g. 10.0.0.0/8 or 192.168.1.5`);
  }
  if (config.defaultSslCertificate !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(config.defaultSslCertificate)) {
    throw new ConfigError(`--default-ssl-certificate ${JSON.stringify(config.defaultSslCertificate)} is not NAMESPACE/SECRET (for example ingress/default-tls)`);
  }
  if (config.redisMinReplicas > 0 && !config.redis) throw new ConfigError('--redis-min-replicas needs --redis: the memory store has no replicas');
  if (config.kubeconfig && config.manifests.length) throw new ConfigError('--kubeconfig and --manifests are two sources: give one (a real cluster, or manifest files with the workload simulator)');
  if (config.context && !config.kubeconfig) throw new ConfigError('--context needs --kubeconfig');
  if (config.simulateBackends && !config.manifests.length) throw new ConfigError('--simulate-backends needs -f: it backs the Pods the workload simulator makes from manifests');
  if (config.dnsUpstream.includes('none')) config.dnsUpstream = [];
  if (config.serviceClusterIpRange.length === 0) config.serviceClusterIpRange = defaultServiceCIDRs(config);
  try {
    new ClientAcl(config.dnsAllow);
  } catch (e) {
    throw new ConfigError(`--dns-allow: ${(e as Error).message}`);
  }
  return config;
}

/**
 * The settings as an AgentConfiguration file (`--write-config-to`), keys nested at their dots, values
 * as written on the command line (durations `30s`, counts as numbers), so that `--config` reads back
 * the same settings.
 */
function configDocument(settings: readonly [string, unknown][]): string {
  const doc: Record<string, unknown> = { apiVersion: 'svcnet.io/v1alpha1', kind: 'AgentConfiguration' };
  for (const [key, value] of settings) {
    const path = key.split('.');
    let at = doc;
    for (const part of path.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]!] = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return stringifyYAML(doc);
}

/** `host:port` or `[v6]:port`; throws a ConfigError naming the flag. */
export function hostPort(text: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`${flag} ${JSON.stringify(text)} is not ADDR:PORT (for example 0.0.0.0:10256 or [::1]:53)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * Parses argv (without node and script) into settings. Throws ConfigError (exit 2) for bad input;
 * `--help` and `--version` print and throw CommanderError with exitCode 0.
 */
export function parseArgs(argv: readonly string[], version: string, output?: { out(s: string): void; err(s: string): void }): AgentConfig {
  const program = buildProgram(version).exitOverride();
  if (output) program.configureOutput({ writeOut: output.out, writeErr: output.err });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError && e.exitCode !== 0) throw new ConfigError(e.message.replace(/^error: /, ''), e);
    throw e;
  }
  return resolveConfig(program);
}

/** The flags as a Markdown table (README). */
export function flagTable(): string {
  const rows = FLAGS.map((f) => {
    const d = f.default === undefined ? '' : Array.isArray(f.default) ? f.default.join(',') : String(f.default);
    return `| \`--${f.flag}\`${f.short ? ` (\`-${f.short}\`)` : ''} | ${f.key ? `\`${f.key}\`` : ''} | ${f.type === 'choice' ? f.choices?.join(' \\| ') : f.type} | ${d ? `\`${d}\`` : ''} | ${f.help.replace(/\|/g, '\\|')} |`;
  });
  return ['| Flag | Config key | Type | Default | |', '| :--- | :--- | :--- | :--- | :--- |', ...rows].join('\n');
}
