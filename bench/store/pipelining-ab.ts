// A/B of ioredis auto-pipelining for the write pattern of the endpoints reconciler (16 writes in flight).
//   node --conditions=@svcnet/source --import tsx bench/store/pipelining-ab.ts [--writes N]
import { performance } from 'node:perf_hooks';
import { RedisStore } from '@svcnet/store';
import { RedisServer } from '@svcnet/testkit';

const n = Number(process.argv[process.argv.indexOf('--writes') + 1] || 10_000);
const server = await RedisServer.start();
try {
  for (const autopipe of [false, true, false, true]) {
    const store = new RedisStore({ url: server.url, keyPrefix: `ab${autopipe}${performance.now()}`, redis: { enableAutoPipelining: autopipe } });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        await store.create({
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'bench', name: `s-${i}`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
          addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          endpoints: Array.from({ length: 10 }, (_, j) => ({ addresses: [`10.0.${i & 255}.${j}`], conditions: { ready: true }, nodeName: `node-${j}`, targetRef: { kind: 'Pod', namespace: 'bench', name: `pod-${i}-${j}` } })),
        }, { trusted: true, immutable: true });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    console.log(`autoPipelining=${autopipe} writes=${n} wallMs=${ms.toFixed(0)} clientCpuUsPerWrite=${((cpu.user + cpu.system) / n).toFixed(1)}`);
    await store.close();
  }
} finally {
  await server.stop();
}
