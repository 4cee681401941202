import { workerData } from 'node:worker_threads';
import { kernelThreadId, workerChannel } from '@svcnet/model';
import { Registry } from 'prom-client';
import { IngressServer } from './ingressServer.js';
import { IngressViewReplica, type RouterUpdate } from '../view/ingressViewReplica.js';
import type { IngressWorkerData, IngressWorkerReady } from './ingressWorkers.js';

// One router worker thread (started by IngressWorkers): an IngressServer on its own SO_REUSEPORT
// listeners, routing from a replica of the parent's view that the parent keeps current.
const d = workerData as IngressWorkerData;
const channel = workerChannel();
const view = new IngressViewReplica();
const registry = new Registry();
channel.onMessage((m, reply) => {
  if (m.type === 'update') view.apply(m['update'] as RouterUpdate);
  // As JSON: the metric objects carry functions (collect), which cannot cross to the parent.
  else if (m.type === 'metrics') void registry.getMetricsAsJSON().then((all) => reply(JSON.parse(JSON.stringify(all))), () => reply(undefined));
});
// Listen only once the snapshot is in the replica: a bound SO_REUSEPORT listener gets its share of
// connections at once, and a replica without its table would answer 404 for every host.
await channel.snapshotApplied;
const server = new IngressServer({ ...d.server, view, registry, reusePort: true, logger: { warn: (o, msg) => channel.log.warn(o, msg), info: (o, msg) => channel.log.info(o, msg) } });
const addrs = await server.start();
const tid = kernelThreadId(); // Linux: per-server CPU for the bench
const ready: IngressWorkerReady = { ...(addrs.http ? { http: addrs.http.port } : {}), ...(addrs.https ? { https: addrs.https.port } : {}), ...(tid ? { tid } : {}) };
channel.ready(ready);
