import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { loadManifests, objectKey, type KubeObject, isKind } from '@svcnet/model';
import { IngressServer, IngressView, TrustedProxies, TrustedProxyError, compileRouteTable, formatRouteTable, routeRows, type IngressClassOptions, type TlsCertificate } from '@svcnet/ingress';
import type { RegisterCommand } from './types.js';

/** The flags of `svcnet render ingress` and `svcnet ingress serve`, declared once. */
const CLASS_FLAGS = [
  { flags: '--ingress-class <name>', help: 'serve Ingresses of this IngressClass (spec.ingressClassName or the kubernetes.io/ingress.class annotation)', def: 'svcnet' },
  { flags: '--controller <name>', help: 'IngressClasses whose spec.controller is this are ours too', def: 'svcnet.io/ingress' },
  { flags: '--no-watch-without-class', help: 'ignore Ingresses that name no class (served by default)' },
] as const;

function addClassFlags(cmd: Command): Command {
  for (const f of CLASS_FLAGS) cmd.addOption('def' in f ? new Option(f.flags, f.help).default(f.def) : new Option(f.flags, f.help));
  return cmd;
}

interface ClassOpts {
  ingressClass: string;
  controller: string;
  watchWithoutClass: boolean;
}

function classOptions(o: ClassOpts): IngressClassOptions {
  return { ingressClass: o.ingressClass, controller: o.controller, watchWithoutClass: o.watchWithoutClass };
}

/** Manifests as stored objects; problems are printed with file and line, and counted. */
async function readObjects(paths: readonly string[]): Promise<{ objects: KubeObject[]; errors: number }> {
  const { objects, errors } = await loadManifests(paths);
  for (const e of errors) console.error(`svcnet: ${e.message}`);
  const out = objects.map((m) => m.object).filter((o) => isKind(o.kind)) as unknown as KubeObject[];
  return { objects: out, errors: errors.length };
}

/** `svcnet render ingress -f FILE|DIR`: the compiled route table, as the router would use it. */
export function renderIngressCommand(setExitCode: (code: number) => void = (c) => void (process.exitCode = c)): Command {
  const cmd = new Command('ingress')
    .description('print the route table compiled from the Ingresses (and IngressClasses) in manifests')
    .requiredOption('-f, --filename <path...>', 'manifest files or folders (*.yaml, *.yml, *.json)')
    .addOption(new Option('-o, --output <format>', 'table | json').choices(['table', 'json']).default('table'));
  addClassFlags(cmd);
  cmd.action(async (opts: ClassOpts & { filename: string[]; output: string }) => {
    const { objects, errors } = await readObjects(opts.filename);
    const table = compileRouteTable(
      objects.filter((o) => o.kind === 'Ingress') as never,
      objects.filter((o) => o.kind === 'IngressClass') as never,
      classOptions(opts),
    );
    if (opts.output === 'json') console.log(JSON.stringify({ routes: routeRows(table), conflicts: [...table.conflicts.values()].flat() }, null, 2));
    else process.stdout.write(formatRouteTable(table));
    setExitCode(errors ? 1 : 0);
  });
  return cmd;
}

export interface IngressServeOptions extends ClassOpts {
  filename: string[];
  listen: string;
  listenTls?: string;
  defaultCert?: string;
  defaultKey?: string;
  trustedProxy?: string[];
  maxBodySize: string;
}

/** `--trusted-proxy` as svcnet-agent's list flags take it: comma-separated, repeatable. */
function trustedProxyList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** The trusted proxies, checked before anything starts; the error names the flag. */
function trustedProxies(list: readonly string[]): readonly string[] {
  try {
    new TrustedProxies(list);
  } catch (e) {
    if (e instanceof TrustedProxyError) throw new Error(`--trusted-proxy ${JSON.stringify(e.entry)} is not an IP address or CIDR: write e.g. 10.0.0.0/8 or 192.168.1.5`);
    throw e;
  }
  return list;
}

function address(text: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (!m) throw new Error(`${flag} ${JSON.stringify(text)} is not HOST:PORT (for example 127.0.0.1:8080)`);
  return { host: (m[1] ?? m[2])!, port: Number(m[3]) };
}

/**
 * Runs the router on manifests until `signal` aborts: Ingresses, Services, EndpointSlices (or
 * Endpoints) and TLS Secrets from the files, re-read when they change. Resolves when closed.
 */
export async function runIngressServe(opts: IngressServeOptions, signal: AbortSignal, onListening?: (urls: string[]) => void): Promise<number> {
  const view = new IngressView(classOptions(opts));
  let current = new Map<string, KubeObject>();
  const reload = async (): Promise<number> => {
    const { objects, errors } = await readObjects(opts.filename);
    const next = new Map(objects.map((o) => [`${o.kind}/${objectKey(o)}`, o]));
    for (const [k, o] of current) if (!next.has(k)) view.delete(o);
    view.load([...next.values()].filter((o) => JSON.stringify(o) !== JSON.stringify(current.get(`${o.kind}/${objectKey(o)}`))));
    current = next;
    return errors;
  };
  const errors = await reload();
  let defaultCertificate: TlsCertificate | undefined;
  if (opts.defaultCert || opts.defaultKey) {
    if (!opts.defaultCert || !opts.defaultKey) throw new Error('--default-cert and --default-key go together: give both PEM files');
    defaultCertificate = { cert: await readFile(opts.defaultCert, 'utf8'), key: await readFile(opts.defaultKey, 'utf8') };
  }
  const maxBodyBytes = Number(opts.maxBodySize);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new Error(`--max-body-size ${JSON.stringify(opts.maxBodySize)} is not a number of bytes`);
  const server = new IngressServer({
    view,
    listen: address(opts.listen, '--listen'),
    ...(opts.listenTls ? { listenTls: address(opts.listenTls, '--listen-tls') } : {}),
    ...(defaultCertificate ? { defaultCertificate } : {}),
    ...(opts.trustedProxy ? { trustedProxies: trustedProxies(opts.trustedProxy) } : {}),
    maxBodyBytes,
    logger: { warn: (o, msg) => console.error(`${msg} ${JSON.stringify(o)}`) },
  });
  const addrs = await server.start();
  const urls = [addrs.http && `http://${opts.listen.replace(/:\d+$/, '')}:${addrs.http.port}`, addrs.https && `https://${opts.listenTls!.replace(/:\d+$/, '')}:${addrs.https.port}`].filter((u): u is string => !!u);
  (onListening ?? ((u) => console.error(`svcnet ingress: serving ${routeRows(view.table).length} routes on ${u.join(' and ')}`)))(urls);
  let timer: NodeJS.Timeout | undefined;
  const watchers = opts.filename.map((p) =>
    watch(p, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 200);
    }),
  );
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  clearTimeout(timer);
  for (const w of watchers) w.close();
  await server.close();
  return errors ? 1 : 0;
}

/** `svcnet ingress serve`: the router on manifests, until Ctrl-C. */
export const registerIngress: RegisterCommand = (program, setExitCode) => {
  const ingress = program.command('ingress').description('the Ingress host/path router');
  const serve = ingress
    .command('serve')
    .description('route HTTP(S) by the Ingresses in manifests to the endpoints of their Services (EndpointSlices or Endpoints)')
    .requiredOption('-f, --filename <path...>', 'manifest files or folders, re-read on change')
    .option('--listen <host:port>', 'HTTP listener', '127.0.0.1:8080')
    .option('--listen-tls <host:port>', 'HTTPS listener (certificates by SNI from spec.tls Secrets)')
    .option('--default-cert <file>', 'PEM certificate for TLS names no Ingress covers')
    .option('--default-key <file>', 'PEM key of --default-cert')
    .option(
      '--trusted-proxy <CIDR>',
      'believe X-Forwarded-For/-Host/-Port/-Proto only from clients in these CIDRs or addresses (comma-separated, repeatable; svcnet-agent --ingress-trusted-proxy); from any other client X-Forwarded-For is replaced by its address',
      trustedProxyList,
    )
    .option('--max-body-size <bytes>', 'largest request body (413 above)', String(1024 * 1024));
  addClassFlags(serve);
  serve.action(async (opts: IngressServeOptions) => {
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      setExitCode(await runIngressServe(opts, ac.signal));
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
};
