// Writes that bypass validation (a compromised or buggy client with raw Redis access): garbage in
// the objects hash and in the event stream of several kinds. Every reader (store list/get, DNS,
// ingress, endpoints controller) skips what it cannot use, with a logged error, and keeps serving.
import { DnsServer, DnsView, RecordIndex } from '@svcnet/dns';
import { EndpointsController } from '@svcnet/endpoints';
import { IngressServer, IngressView, watchIngressInputs } from '@svcnet/ingress';
import type { Kind } from '@svcnet/model';
import { RedisStore, type StoreLogger } from '@svcnet/store';
import { RedisServer, describeWith, dig, redisServer } from '@svcnet/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { digShort } from '../support/dnsClient.js';
import { RecordingBackend, rawHttp, statuses } from '../support/httpBackends.js';
import { eventually, goodService, loopbackSlice, putPod, readyPod, sleep } from '../support/objects.js';

const PREFIX = `sb${process.pid}:`;
const TAG: Partial<Record<Kind, string>> = { Service: 'svc', EndpointSlice: 'eps', Pod: 'pod', Ingress: 'ing', Endpoints: 'ep' };
const rv = '"resourceVersion":"7"';

/** Values a raw HSET might leave; the store's decode skips all but the Pod with a garbage IP (a string where a string goes), which the endpoints controller skips. */
const GARBAGE: ReadonlyArray<{ name: string; kind: Kind; text: string }> = [
  { name: 'not JSON', kind: 'Service', text: '{"kind":"Service",' },
  { name: 'a JSON array', kind: 'Service', text: '[1,2,3]' },
  { name: 'JSON null', kind: 'Pod', text: 'null' },
  { name: 'the wrong kind', kind: 'Service', text: `{"kind":"Pod","metadata":{"name":"x",${rv}}}` },
  { name: 'no name', kind: 'EndpointSlice', text: `{"kind":"EndpointSlice","metadata":{${rv}}}` },
  { name: 'resourceVersion not a revision', kind: 'Ingress', text: '{"kind":"Ingress","metadata":{"name":"x","resourceVersion":"abc"}}' },
  { name: 'Service spec a string', kind: 'Service', text: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"g1","namespace":"default",${rv}},"spec":"x"}` },
  { name: 'Service ports an object, clusterIP a number', kind: 'Service', text: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"g2","namespace":"default",${rv}},"spec":{"clusterIP":123,"ports":{"a":1},"selector":"app"}}` },
  { name: 'Service labels a string', kind: 'Service', text: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"g3","namespace":"default","labels":"x",${rv}},"spec":{"selector":{"app":"web"},"ports":[{"port":"eighty"}]}}` },
  { name: 'EndpointSlice endpoints a string', kind: 'EndpointSlice', text: `{"kind":"EndpointSlice","metadata":{"name":"g4","namespace":"default","labels":{"kubernetes.io/service-name":"web"},${rv}},"endpoints":"x","ports":5}` },
  { name: 'Pod status a list', kind: 'Pod', text: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"g5","namespace":"default","labels":{"app":"web"},${rv}},"status":[]}` },
  { name: 'Pod IP garbage', kind: 'Pod', text: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"g6","namespace":"default","labels":{"app":"victim"},${rv}},"spec":{"containers":[]},"status":{"phase":"Running","podIP":"999.1.2.3; rm -rf /","conditions":[{"type":"Ready","status":"True"}]}}` },
  { name: 'Ingress rules a number', kind: 'Ingress', text: `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"g7","namespace":"default",${rv}},"spec":{"rules":5}}` },
  { name: 'Ingress path not a string', kind: 'Ingress', text: `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"g8","namespace":"default",${rv}},"spec":{"rules":[{"host":"web.test","http":{"paths":[{"path":{"a":1},"pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}` },
];

describeWith('readers survive objects written around the store', [redisServer, dig], () => {
  let server: RedisServer;
  let store: RedisStore;
  let raw: Redis;
  let backend: RecordingBackend;
  const logged: string[] = [];
  const errors: string[] = [];
  const stops: (() => unknown)[] = [];
  const logger: StoreLogger = { error: (_o, msg) => logged.push(msg), warn: () => undefined };
  let dnsPort = 0;
  let ingressPort = 0;

  beforeAll(async () => {
    server = await RedisServer.start();
    raw = new Redis({ path: server.socketPath });
    store = new RedisStore({ url: server.url, keyPrefix: PREFIX, logger });
    backend = await new RecordingBackend('web').start();
    await store.create(goodService('web', {}, { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    await putPod(store, readyPod('web-1', 'web', '10.244.0.1'));
    // The ingress backend: a selectorless Service whose slice, pointing at the loopback echo
    // backend, is handed to the ingress view (the store refuses loopback endpoints; see loopbackSlice).
    await store.create(goodService('front', {}, { ports: [{ name: 'http', port: 80, targetPort: backend.port }] }));
    await store.create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec: { rules: [{ host: 'web.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'front', port: { number: 80 } } } }] } }] } });
    // The garbage is there before any reader starts: initial lists meet it.
    for (const [i, g] of GARBAGE.entries()) await raw.hset(`${PREFIX}{${TAG[g.kind]}}:objs`, `default/garbage-${i}`, g.text);
  });
  afterAll(async () => {
    for (const s of stops.reverse()) await s();
    await store?.close();
    raw?.disconnect();
    await backend?.close();
    await server?.stop();
  });

  it('store reads skip what does not decode and return the rest', async () => {
    const names = (await store.list('Service')).items.map((s) => s.metadata?.name);
    expect(names).toContain('web');
    expect(names).not.toContain('x');
    expect(logged.some((m) => /skipping Service .*not JSON/.test(m))).toBe(true);
    expect(logged.some((m) => /kind is "Pod"/.test(m))).toBe(true);
    expect(await store.get('Service', 'default', 'garbage-0')).toBeUndefined();
  });

  it('DNS, ingress and the endpoints controller start over the garbage and serve the valid objects', async () => {
    const onError = (e: Error) => errors.push(e.message);
    const controller = new EndpointsController(store, { onError, leaseTtlMs: 3000, watchNodes: false });
    stops.push(() => controller.stop());
    await controller.start();
    const index = new RecordIndex();
    const dnsView = new DnsView(store, index, { onError });
    stops.push(() => dnsView.stop());
    const dns = new DnsServer({ index, listen: '127.0.0.1:0', upstreams: [] });
    stops.push(() => dns.stop());
    dnsPort = (await dns.start()).udp.port;
    const view = new IngressView();
    view.upsert(loopbackSlice('front', backend.port));
    const watch = watchIngressInputs(store, view, { onError });
    stops.push(() => watch.stop());
    const ingress = new IngressServer({ view, listen: { host: '127.0.0.1', port: 0 } });
    stops.push(() => Promise.race([ingress.close(), sleep(3000)]));
    ingressPort = (await ingress.start()).http!.port;
    await Promise.all([dnsView.synced, watch.synced]);

    // The controller wrote the valid Service's endpoints; DNS answers it; the ingress routes to it.
    expect(await eventually(async () => ((await store.get('Endpoints', 'default', 'web'))?.subsets?.[0]?.addresses?.length ?? 0) === 1, 10_000)).toBe(true);
    expect(await digShort(dnsPort, 'web.default.svc.cluster.local')).toHaveLength(1);
    expect(await eventually(async () => statuses((await rawHttp(ingressPort, 'GET / HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n')).text)[0] === 200, 10_000)).toBe(true);
    console.info(`[figures] store bypass: ${GARBAGE.length} garbage objects; ${logged.length} store log lines, ${errors.length} consumer errors`);
  });

  it('garbage appended to the event streams while readers watch: skipped, later valid writes still flow', async () => {
    for (const g of GARBAGE) {
      const keys = `${PREFIX}{${TAG[g.kind]}}`;
      const rev = await raw.incr(`${keys}:rev`);
      await raw.xadd(`${keys}:events`, `${rev}-0`, 't', 'ADDED', 'o', g.text);
    }
    await putPod(store, readyPod('web-2', 'web', '10.244.0.2'));
    await store.create(goodService('late', {}, { selector: { app: 'web' }, ports: [{ name: 'http', port: 81, targetPort: 81 }] }));
    expect(await eventually(async () => (await digShort(dnsPort, 'late.default.svc.cluster.local')).length === 1, 10_000)).toBe(true);
    expect(await eventually(async () => ((await store.get('Endpoints', 'default', 'web'))?.subsets?.[0]?.addresses?.length ?? 0) === 2, 10_000)).toBe(true);
    expect(statuses((await rawHttp(ingressPort, 'GET /x HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n')).text)).toEqual([200]);
    expect(await digShort(dnsPort, 'web.default.svc.cluster.local', true)).toHaveLength(1);
  });
});
