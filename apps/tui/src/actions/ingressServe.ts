import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { objectKey, isKind, type Ingress, type IngressClass, type KubeObject } from '@svcnet/model';
import { IngressView, TrustedProxies, TrustedProxyError, ingressServerFor, routeRows, type TlsCertificate } from '@svcnet/ingress';
import { parseWorkerSetting, type WorkerSetting } from '@svcnet/model';
import { UsageError } from '../cliErrors.js';
import type { IngressServeFlags } from '../commands/ingress.js';
import { readManifestFlags, reportManifestInput } from './manifestInput.js';
import { skippedIngresses } from './ingressSkips.js';

/** Manifests as stored objects; problems are printed with file and line, and counted. */
async function readObjects(flags: IngressServeFlags): Promise<{ objects: KubeObject[]; errors: number }> {
  const input = await readManifestFlags(flags);
  const errors = reportManifestInput(input);
  const out = input.objects.map((m) => m.object).filter((o) => isKind(o.kind)) as unknown as KubeObject[];
  return { objects: out, errors };
}

function address(text: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`${flag} ${JSON.stringify(text)} is not HOST:PORT (for example 127.0.0.1:8080)`);
  return { host: (m[1] ?? m[2])!, port: Number(m[3]) };
}

/**
 * Runs the router on manifests until `signal` aborts: Ingresses, Services, EndpointSlices (or
 * Endpoints) and TLS Secrets from the files, re-read when they change. Resolves when closed.
 */
export async function runIngressServe(opts: IngressServeFlags, signal: AbortSignal, onListening?: (urls: string[]) => void): Promise<number> {
  // Settings first: a bad flag is a usage error before anything is read or bound.
  try {
    new TrustedProxies(opts.trustedProxy);
  } catch (e) {
    if (e instanceof TrustedProxyError) throw new UsageError(`--trusted-proxy ${JSON.stringify(e.entry)} is not an IP address or CIDR: write e.g. 10.0.0.0/8 or 192.168.1.5`);
    throw e;
  }
  let workers: WorkerSetting;
  try {
    workers = parseWorkerSetting(opts.workers ?? 'auto', '--workers');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const view = new IngressView({ ingressClass: opts.ingressClass, controller: opts.controller, watchWithoutClass: opts.watchWithoutClass });
  let current = new Map<string, KubeObject>();
  const reload = async (): Promise<number> => {
    const { objects, errors } = await readObjects(opts);
    const next = new Map(objects.map((o) => [`${o.kind}/${objectKey(o)}`, o]));
    for (const [k, o] of current) if (!next.has(k)) view.delete(o);
    view.load([...next.values()].filter((o) => JSON.stringify(o) !== JSON.stringify(current.get(`${o.kind}/${objectKey(o)}`))));
    current = next;
    return errors;
  };
  const errors = await reload();
  const ingresses = [...current.values()].filter((o) => o.kind === 'Ingress') as Ingress[];
  const classes = [...current.values()].filter((o) => o.kind === 'IngressClass') as IngressClass[];
  for (const s of skippedIngresses(ingresses, classes, { ingressClass: opts.ingressClass, controller: opts.controller, watchWithoutClass: opts.watchWithoutClass })) {
    console.error(`svcnet ingress: skipping Ingress ${s.ingress}: ${s.reason}`);
  }
  let defaultCertificate: TlsCertificate | undefined;
  if (opts.defaultCert || opts.defaultKey) {
    if (!opts.defaultCert || !opts.defaultKey) throw new UsageError('--default-cert and --default-key go together: give both PEM files');
    defaultCertificate = { cert: await readFile(opts.defaultCert, 'utf8'), key: await readFile(opts.defaultKey, 'utf8') };
  }
  const maxBodyBytes = Number(opts.maxBodySize);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new UsageError(`--max-body-size ${JSON.stringify(opts.maxBodySize)} is not a number of bytes`);
  const server = ingressServerFor({
    view,
    listen: address(opts.listen, '--listen'),
    ...(opts.listenTls ? { listenTls: address(opts.listenTls, '--listen-tls') } : {}),
    ...(defaultCertificate ? { defaultCertificate } : {}),
    ...(opts.defaultSslCertificate ? { defaultCertificateSecret: opts.defaultSslCertificate } : {}),
    ...(opts.trustedProxy ? { trustedProxies: opts.trustedProxy } : {}),
    maxBodyBytes,
    logger: { warn: (o, msg) => console.error(`${msg} ${JSON.stringify(o)}`), info: (_o, msg) => console.error(`svcnet ${msg}`) },
  }, workers);
  const addrs = await server.start();
  const urls = [addrs.http && `http://${opts.listen.replace(/:\d+$/, '')}:${addrs.http.port}`, addrs.https && `https://${opts.listenTls!.replace(/:\d+$/, '')}:${addrs.https.port}`].filter((u): u is string => !!u);
  (onListening ?? ((u) => console.error(`svcnet ingress: serving ${routeRows(view.table).length} routes on ${u.join(' and ')}`)))(urls);
  let timer: NodeJS.Timeout | undefined;
  const watchers = opts.filename
    .filter((p) => p !== '-')
    .map((p) =>
      watch(p, { recursive: opts.recursive ?? false }, () => {
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

/** `svcnet ingress serve` until SIGINT or SIGTERM. */
export async function serveIngress(flags: IngressServeFlags): Promise<number> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runIngressServe(flags, ac.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
