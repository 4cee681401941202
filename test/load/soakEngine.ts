// The soak: pod churn over many Services through a store, the endpoints controller, DNS (view and
// server) and the ingress (view and server) with traffic on loopback. Bounded by `durationMs`;
// samples memory, file descriptors and error counts every `sampleEveryMs`.
import { DnsServer, DnsView, RecordIndex } from '@svcnet/dns';
import { EndpointsController } from '@svcnet/endpoints';
import { IngressServer, IngressView, watchIngressInputs } from '@svcnet/ingress';
import type { Pod, Service } from '@svcnet/model';
import { MemoryStore, openStore, type Store, type StoreLogger } from '@svcnet/store';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import packet from 'dns-packet';
import dgram from 'node:dgram';
import { loopbackSlice, putPod } from '../support/objects.js';

export interface SoakOptions {
  services: number;
  changesPerSecond: number;
  durationMs: number;
  sampleEveryMs: number;
  /** Store URL (`redis://...`, `unix://...`); default an in-process MemoryStore. */
  store?: string;
  /** Services whose endpoint is a loopback echo server, for ingress traffic that gets 200. */
  echoServices?: number;
  onSample?: (s: SoakSample) => void;
}

export interface SoakSample {
  atMs: number;
  rssMiB: number;
  heapMiB: number;
  fds: number;
  changes: number;
  writeErrors: number;
  dnsOk: number;
  dnsBad: number;
  httpOk: number;
  httpBad: number;
  controllerErrors: number;
  queueDepth: number;
}

export interface SoakResult {
  samples: SoakSample[];
  last: SoakSample;
  firstErrors: string[];
}

const fdCount = () => {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
};
const ipOf = (n: number) => `10.${244 + ((n >> 16) & 3)}.${(n >> 8) & 255}.${(n & 255) || 1}`;
const quiet: StoreLogger = { error: () => undefined, warn: () => undefined };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function svc(i: number, echoPort?: number): Service & { kind: 'Service' } {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'default' },
    spec: echoPort ? { ports: [{ name: 'http', port: 80, targetPort: echoPort }] } : { selector: { app: `s${i}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}
function pod(i: number, n: number, ready: boolean): Pod & { kind: 'Pod' } {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'default', labels: { app: `s${i}` } },
    spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080, name: 'http' }] }] },
    status: { phase: 'Running', podIP: ipOf(n), podIPs: [{ ip: ipOf(n) }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function dnsAsk(sock: dgram.Socket, port: number, name: string, id: number, pending: Map<number, (ips: string[]) => void>): Promise<string[]> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      pending.delete(id);
      resolve([]);
    }, 1000);
    pending.set(id, (ips) => {
      clearTimeout(t);
      resolve(ips);
    });
    sock.send(packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] }), port, '127.0.0.1');
  });
}

function httpGet(agent: http.Agent, port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { host }, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const firstErrors: string[] = [];
  const note = (e: unknown) => {
    if (firstErrors.length < 20) firstErrors.push(e instanceof Error ? e.message : String(e));
  };
  const store: Store = o.store ? openStore(o.store, { logger: quiet }) : new MemoryStore();
  const echo = http.createServer((_q, s) => s.end('ok'));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as { port: number }).port;
  const echoCount = o.echoServices ?? 5;
  const stops: (() => unknown)[] = [];
  let controllerErrors = 0;
  try {
    // The cluster: Services with one Pod each, plus a few echo Services for ingress traffic.
    for (let i = 0; i < o.services; i++) {
      await store.apply(svc(i));
      await putPod(store, pod(i, i, true));
    }
    for (let e = 0; e < echoCount; e++) {
      // The echo Services' slices go to the ingress view, not the store (loopback; see loopbackSlice).
      await store.apply(svc(o.services + e, echoPort));
    }
    await store.apply({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'soak', namespace: 'default' },
      spec: { rules: [{ host: 'soak.test', http: { paths: Array.from({ length: echoCount }, (_, e) => ({ path: `/e${e}`, pathType: 'Prefix', backend: { service: { name: `s${o.services + e}`, port: { number: 80 } } } })) } }] },
    });
    const clusterIPs = new Map((await store.list('Service')).items.map((s) => [s.metadata!.name!, s.spec!.clusterIP!]));

    const controller = new EndpointsController(store, { watchNodes: false, onError: (e) => (controllerErrors++, note(e)) });
    stops.push(() => controller.stop());
    await controller.start();
    const index = new RecordIndex();
    const dnsView = new DnsView(store, index, { onError: note });
    stops.push(() => dnsView.stop());
    const dns = new DnsServer({ index, listen: '127.0.0.1:0', upstreams: [] });
    stops.push(() => dns.stop());
    const dnsPort = (await dns.start()).udp.port;
    const view = new IngressView();
    for (let e = 0; e < echoCount; e++) view.upsert(loopbackSlice(`s${o.services + e}`, echoPort));
    const ingressWatch = watchIngressInputs(store, view, { onError: note });
    stops.push(() => ingressWatch.stop());
    const ingress = new IngressServer({ view, listen: { host: '127.0.0.1', port: 0 } });
    stops.push(() => Promise.race([ingress.close(), sleep(3000)]));
    const ingressPort = (await ingress.start()).http!.port;
    await Promise.all([dnsView.synced, ingressWatch.synced]);
    // Steady state first: the controller's initial pass over every Service is not the soak.
    for (const until = Date.now() + 120_000; Date.now() < until && (controller.stats().queueDepth > 0 || !controller.isLeader); ) await sleep(100);

    const sock = dgram.createSocket('udp4');
    stops.push(() => sock.close());
    const pending = new Map<number, (ips: string[]) => void>();
    sock.on('message', (m) => {
      try {
        const d = packet.decode(m);
        pending.get(d.id ?? -1)?.((d.answers ?? []).filter((a) => a.type === 'A').map((a) => String((a as { data?: unknown }).data)));
        pending.delete(d.id ?? -1);
      } catch (e) {
        note(e);
      }
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    stops.push(() => agent.destroy());

    const counts = { changes: 0, writeErrors: 0, dnsOk: 0, dnsBad: 0, httpOk: 0, httpBad: 0 };
    const ready = new Array<boolean>(o.services).fill(true);
    let nextIP = o.services;
    let rnd = 12345;
    const rand = (n: number) => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) % n);
    const samples: SoakSample[] = [];
    const start = Date.now();
    const sample = (): SoakSample => {
      const m = process.memoryUsage();
      const st = controller.stats();
      const s = { atMs: Date.now() - start, rssMiB: Math.round(m.rss / 1048576), heapMiB: Math.round(m.heapUsed / 1048576), fds: fdCount(), ...counts, controllerErrors, queueDepth: st.queueDepth };
      samples.push(s);
      o.onSample?.(s);
      return s;
    };
    sample();
    const tickMs = 100;
    let issued = 0;
    let nextSample = o.sampleEveryMs;
    let dnsId = 1;
    while (Date.now() - start < o.durationMs) {
      const tickStart = Date.now();
      const work: Promise<unknown>[] = [];
      // Paced by elapsed time, so slow traffic rounds do not lower the churn rate.
      const due = Math.floor(((Date.now() - start) * o.changesPerSecond) / 1000) - issued;
      for (let k = 0; k < due; k++, issued++) {
        const i = rand(o.services);
        // Half the changes flip readiness, half replace the Pod's IP (a restart elsewhere).
        const p = rand(2) === 0 ? pod(i, i + (nextIP - o.services), (ready[i] = !ready[i])) : pod(i, nextIP++, (ready[i] = true));
        work.push(putPod(store, p).then(() => counts.changes++, (e) => (counts.writeErrors++, note(e))));
      }
      const target = rand(o.services);
      work.push(dnsAsk(sock, dnsPort, `s${target}.default.svc.cluster.local`, (dnsId = (dnsId % 60000) + 1), pending).then((ips) => (ips.length === 1 && ips[0] === clusterIPs.get(`s${target}`) ? counts.dnsOk++ : (counts.dnsBad++, note(`dns s${target}: ${ips.join(',')}`)))));
      const e = rand(echoCount);
      work.push(httpGet(agent, ingressPort, 'soak.test', `/e${e}/x`).then((code) => (code === 200 ? counts.httpOk++ : (counts.httpBad++, note(`http /e${e}: ${code}`)))));
      await Promise.all(work);
      if (Date.now() - start >= nextSample) {
        sample();
        nextSample += o.sampleEveryMs;
      }
      await sleep(Math.max(0, tickMs - (Date.now() - tickStart)));
    }
    const last = sample();
    return { samples, last, firstErrors };
  } finally {
    for (const s of stops.reverse()) await Promise.resolve(s()).catch(() => undefined);
    await new Promise<void>((r) => echo.close(() => r()));
    await store.close();
  }
}
