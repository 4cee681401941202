import { workerData } from 'node:worker_threads';
import { kernelThreadId, workerChannel } from '@svcnet/model';
import { type IndexChange, RecordIndex } from '../core/recordIndex.js';
import { DnsServer } from './dnsServer.js';
import type { DnsWorkerData, DnsWorkerReady } from './dnsWorkers.js';

// One DNS worker thread (started by DnsWorkers): a DnsServer on its own SO_REUSEPORT sockets,
// answering from a replica of the parent's record index that the parent keeps current.
const d = workerData as DnsWorkerData;
const channel = workerChannel();
const index = new RecordIndex(d.indexOptions);
let server: DnsServer | undefined;
// Upstreams found looping before this worker's server exists (known when it was started, or told
// while its snapshot is applied): marked once it does.
const loopsBeforeStart: number[] = [...d.loops];
channel.onMessage((m, reply) => {
  if (m.type === 'changes') for (const c of m['changes'] as IndexChange[]) index.apply(c);
  else if (m.type === 'loop') {
    if (server) server.loopDetector.mark(m['upstream'] as number);
    else loopsBeforeStart.push(m['upstream'] as number);
  } else if (m.type === 'metrics') reply(server?.metricCounts());
  else if (m.type === 'loops') reply(server?.loops);
});
// Bind only once the snapshot is in the replica: a bound SO_REUSEPORT socket gets its share of
// queries at once, and a half-filled replica would answer NXDOMAIN for names that exist.
await channel.snapshotApplied;
server = new DnsServer({
  ...d.server,
  index,
  listen: d.listen,
  reusePort: true,
  logger: channel.log,
  // The parent's server sends the probes; a probe that comes back here is reported to it.
  loopDetection: { nonce: d.loopNonce, sendProbes: false, onLoop: (upstream) => channel.event({ loop: upstream }) },
});
for (const upstream of loopsBeforeStart) server.loopDetector.mark(upstream);
const addrs = await server.start();
const ready: DnsWorkerReady = { port: addrs.udp.port, tid: kernelThreadId(), udpPath: server.udpPath };
channel.ready(ready);
