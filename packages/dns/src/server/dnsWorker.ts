import { readlinkSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { workerChannel } from '@svcnet/model';
import { type IndexChange, RecordIndex } from '../core/recordIndex.js';
import { DnsServer } from './dnsServer.js';
import type { DnsWorkerData, DnsWorkerReady } from './dnsWorkers.js';

// One DNS worker thread (started by DnsWorkers): a DnsServer on its own SO_REUSEPORT sockets,
// answering from a replica of the parent's record index that the parent keeps current.
const d = workerData as DnsWorkerData;
const channel = workerChannel();
const index = new RecordIndex(d.indexOptions);
let server: DnsServer | undefined;
// Upstreams another worker found looping, told before this one's server exists (while its
// snapshot is applied): marked once it does.
const loopsBeforeStart: number[] = [];
channel.onMessage((m, reply) => {
  if (m.type === 'changes') for (const c of m['changes'] as IndexChange[]) index.apply(c);
  else if (m.type === 'loop') {
    if (server) server.loopDetector.mark(m['upstream'] as number);
    else loopsBeforeStart.push(m['upstream'] as number);
  } else if (m.type === 'metrics') reply(server?.metricCounts());
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
  loopDetection: { nonce: d.loopNonce, sendProbes: d.sendProbes, onLoop: (upstream) => channel.event({ loop: upstream }) },
});
for (const upstream of loopsBeforeStart) server.loopDetector.mark(upstream);
const addrs = await server.start();
const ready: DnsWorkerReady = { port: addrs.udp.port, tid: threadId(), udpPath: server.udpPath };
channel.ready(ready);

/** This thread's kernel id (Linux), so a bench can read its CPU time from /proc. */
function threadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}
