import { readFileSync } from 'node:fs';
import { DnsView, RecordIndex, dnsServerFor, resolvConfNameservers } from '@svcnet/dns';
import type { WorkerSetting } from '@svcnet/model';
import { IngressView, ingressServerFor, watchIngressInputs } from '@svcnet/ingress';
import type { DataPlaneObjects, SharedInformerFactory, Store } from '@svcnet/store';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { hostPort } from './config.js';
import { ConfigError, StartupError } from './errors.js';

export interface Listener {
  /** What is served where, for the status object (`udp+tcp 10.0.0.1:53`). */
  listening: string[];
  readonly synced: Promise<void>;
  close(): Promise<void>;
}

/** `--dns-upstream` values: addresses, or resolv.conf-style files whose nameservers are used. */
export function dnsUpstreams(values: readonly string[], read: (p: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  return values.flatMap((v) => {
    if (!v.startsWith('/')) return [v];
    try {
      return resolvConfNameservers(read(v));
    } catch (e) {
      throw new ConfigError(`--dns-upstream ${v}: cannot read it (${(e as Error).message}); give resolver addresses instead, or "none"`);
    }
  });
}

/** The DNS server for the cluster zone (CoreDNS kubernetes + forward + cache), fed from the store. */
export async function startDns(store: Store, o: { listen: string; upstreams: readonly string[]; allow: readonly string[]; zone: string; workers: WorkerSetting; registry: Registry; log: Logger; informers?: SharedInformerFactory }): Promise<Listener> {
  const { host } = hostPort(o.listen, '--dns-listen');
  const index = new RecordIndex({ zone: o.zone, nsAddresses: host === '0.0.0.0' || host === '::' ? undefined : [host] });
  const view = new DnsView(store, index, { ...(o.informers ? { informers: o.informers } : {}), onError: (e) => o.log.warn({ err: e.message }, 'plugin/kubernetes: watch error') });
  // One store watch here; with several workers each answers from a replica of this index.
  const server = dnsServerFor({
    index,
    listen: o.listen,
    upstreams: dnsUpstreams(o.upstreams),
    allow: o.allow,
    allowSetting: '--dns-allow',
    registry: o.registry,
    logger: { info: (obj, msg) => o.log.info(obj, msg), warn: (obj, msg) => o.log.warn(obj, msg) },
  }, o.workers);
  let addrs;
  try {
    addrs = await server.start();
  } catch (e) {
    view.stop();
    throw new StartupError('dns', `cannot listen on ${o.listen}: ${(e as Error).message} (port 53 needs root or CAP_NET_BIND_SERVICE; is another DNS server bound there?)`, e);
  }
  o.log.info({ listen: `${addrs.udp.address}:${addrs.udp.port}`, zone: o.zone }, 'dns: serving');
  return {
    listening: [`udp+tcp ${addrs.udp.address}:${addrs.udp.port}`],
    synced: view.synced,
    close: async () => {
      await server.stop();
      view.stop();
    },
  };
}

/** The Ingress router on HTTP and/or HTTPS, fed from the store. */
export async function startIngress(
  store: Store,
  o: { http?: string; https?: string; ingressClass: string; trustedProxies: readonly string[]; defaultSslCertificate?: string; workers: WorkerSetting; registry: Registry; log: Logger; endpoints?: DataPlaneObjects; informers?: SharedInformerFactory },
): Promise<Listener> {
  // Malformed Ingresses and Secrets the view skips go to the agent's log, not stderr.
  const view = new IngressView({ ingressClass: o.ingressClass, logger: { warn: (obj, msg) => o.log.warn(obj, msg) } });
  const inputs = watchIngressInputs(store, view, {
    ...(o.informers ? { informers: o.informers } : {}),
    onError: (e) => o.log.warn({ err: e.message }, 'ingress: watch error'),
    // The agent's filtered endpoints: simulated Pods are never connected to.
    ...(o.endpoints ? { endpointSlices: o.endpoints.endpointSlices, endpoints: o.endpoints.endpoints } : {}),
  });
  // One store watch here; with several workers each routes from a replica of this view.
  const server = ingressServerFor({
    view,
    ...(o.http ? { listen: hostPort(o.http, '--ingress-http-listen') } : {}),
    ...(o.https ? { listenTls: hostPort(o.https, '--ingress-https-listen') } : {}),
    trustedProxies: o.trustedProxies,
    ...(o.defaultSslCertificate ? { defaultCertificateSecret: o.defaultSslCertificate } : {}),
    registry: o.registry,
    logger: { warn: (obj, msg) => o.log.warn(obj, msg), info: (obj, msg) => o.log.info(obj, msg) },
  }, o.workers);
  let addrs;
  try {
    addrs = await server.start();
  } catch (e) {
    inputs.stop();
    throw new StartupError('ingress', `cannot listen on ${[o.http, o.https].filter(Boolean).join(' / ')}: ${(e as Error).message}`, e);
  }
  const listening = [addrs.http && `http ${addrs.http.address}:${addrs.http.port}`, addrs.https && `https ${addrs.https.address}:${addrs.https.port}`].filter((s): s is string => !!s);
  o.log.info({ listen: listening, ingressClass: o.ingressClass }, 'ingress: serving');
  return {
    listening,
    synced: inputs.synced,
    close: async () => {
      await server.close();
      inputs.stop();
    },
  };
}
