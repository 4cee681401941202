// While Redis is down, DNS keeps answering from the last state and the ingress keeps routing; when
// it comes back (after a SIGKILL, appendonly on) both converge to the store's content.
import { DnsServer, DnsView, RecordIndex } from '@svcnet/dns';
import { IngressServer, IngressView, watchIngressInputs } from '@svcnet/ingress';
import { RedisStore, type StoreLogger } from '@svcnet/store';
import { RedisServer, describeWith, dig, redisServer } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answersOf, digShort, query, udpAsk } from '../support/dnsClient.js';
import { RecordingBackend, rawHttp, statuses } from '../support/httpBackends.js';
import { eventually, goodService, loopbackSlice, sleep } from '../support/objects.js';

const quiet: StoreLogger = { error: () => undefined, warn: () => undefined };

describeWith('serving through a Redis outage', [redisServer, dig], () => {
  let server: RedisServer;
  let store: RedisStore;
  let backend: RecordingBackend;
  const stops: (() => unknown)[] = [];
  let dnsPort = 0;
  let ingressPort = 0;
  const get = async (path: string) => statuses((await rawHttp(ingressPort, `GET ${path} HTTP/1.1\r\nHost: out.test\r\nConnection: close\r\n\r\n`, 2000)).text)[0];

  beforeAll(async () => {
    server = await RedisServer.start({ args: ['--appendonly', 'yes'] });
    store = new RedisStore({ url: server.url, logger: quiet });
    backend = await new RecordingBackend('out').start();
    // The backend's slice goes to the ingress view, not the store (loopback; see loopbackSlice).
    await store.create(goodService('front', {}, { ports: [{ name: 'http', port: 80, targetPort: backend.port }] }));
    await store.create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'out', namespace: 'default' }, spec: { rules: [{ host: 'out.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'front', port: { number: 80 } } } }] } }] } });
    const index = new RecordIndex();
    const dnsView = new DnsView(store, index);
    stops.push(() => dnsView.stop());
    const dns = new DnsServer({ index, listen: '127.0.0.1:0', upstreams: [] });
    stops.push(() => dns.stop());
    dnsPort = (await dns.start()).udp.port;
    const view = new IngressView();
    view.upsert(loopbackSlice('front', backend.port));
    const watch = watchIngressInputs(store, view);
    stops.push(() => watch.stop());
    const ingress = new IngressServer({ view, listen: { host: '127.0.0.1', port: 0 } });
    stops.push(() => Promise.race([ingress.close(), sleep(3000)]));
    ingressPort = (await ingress.start()).http!.port;
    await Promise.all([dnsView.synced, watch.synced]);
  });
  afterAll(async () => {
    for (const s of stops.reverse()) await s();
    await store?.close();
    await backend?.close();
    await server?.stop();
  });

  it('answers and routes from the last state while Redis is down, and converges after it returns', async () => {
    const clusterIP = (await store.get('Service', 'default', 'front'))!.spec!.clusterIP!;
    expect(await digShort(dnsPort, 'front.default.svc.cluster.local')).toEqual([clusterIP]);
    expect(await get('/before')).toBe(200);
    await server.kill('SIGKILL');
    let dnsOk = 0;
    let httpOk = 0;
    for (let i = 0; i < 10; i++) {
      if (answersOf(await udpAsk(dnsPort, query('front.default.svc.cluster.local'), 1000)).includes(`A ${clusterIP}`)) dnsOk++;
      if ((await get(`/during-${i}`)) === 200) httpOk++;
      await sleep(100);
    }
    expect(dnsOk).toBe(10);
    expect(httpOk).toBe(10);
    expect(await digShort(dnsPort, 'front.default.svc.cluster.local', true)).toEqual([clusterIP]);
    await server.start();
    const late = await store.create(goodService('late', {}, { ports: [{ name: 'http', port: 81, targetPort: 81 }] }));
    expect(await eventually(async () => (await digShort(dnsPort, 'late.default.svc.cluster.local')).join() === late.spec!.clusterIP, 15_000)).toBe(true);
    await store.delete('Service', 'default', 'front');
    expect(await eventually(async () => (await digShort(dnsPort, 'front.default.svc.cluster.local')).length === 0, 15_000)).toBe(true);
    // The ingress follows too: its backend Service is gone, so it no longer routes there.
    expect(await eventually(async () => (await get('/after-delete')) !== 200, 15_000)).toBe(true);
  });
});
