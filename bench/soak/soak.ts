// Soak: pod churn over many Services with DNS and ingress traffic on loopback, printing memory,
// file descriptors and error counts every 10 s. Bounded by --minutes (default 30).
//   node --conditions=@svcnet/source --import tsx bench/soak/soak.ts [--minutes 30] [--services 10000] [--rate 100] [--store redis://...]
import { parseArgs } from 'node:util';
import { runSoak } from '../../test/load/soakEngine.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    services: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '100' },
    store: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: soak.ts [--minutes 30] [--services 10000] [--rate 100 (pod changes/s)] [--store memory|redis://...|unix://...]');
  process.exit(0);
}
const minutes = Number(values.minutes);
const services = Number(values.services);
const rate = Number(values.rate);
if (!(minutes > 0 && services > 0 && rate > 0)) {
  console.error('soak: --minutes, --services and --rate must be positive numbers');
  process.exit(2);
}
console.log(`soak: ${services} services, ${rate} pod changes/s, ${minutes} min, store ${values.store ?? 'memory'}`);
console.log('t(s)\trss(MiB)\theap(MiB)\tfds\tchanges\tdns ok/bad\thttp ok/bad\twrite+controller errors\tqueue');
const r = await runSoak({
  services,
  changesPerSecond: rate,
  durationMs: minutes * 60_000,
  sampleEveryMs: 10_000,
  ...(values.store && values.store !== 'memory' ? { store: values.store } : {}),
  onSample: (s) => console.log(`${(s.atMs / 1000).toFixed(0)}\t${s.rssMiB}\t${s.heapMiB}\t${s.fds}\t${s.changes}\t${s.dnsOk}/${s.dnsBad}\t${s.httpOk}/${s.httpBad}\t${s.writeErrors}+${s.controllerErrors}\t${s.queueDepth}`),
});
const first = r.samples[1] ?? r.samples[0]!;
const bad = r.last.writeErrors + r.last.controllerErrors + r.last.dnsBad + r.last.httpBad;
console.log(`\nrss ${first.rssMiB} -> ${r.last.rssMiB} MiB, fds ${first.fds} -> ${r.last.fds}, ${r.last.changes} changes (${(r.last.changes / (r.last.atMs / 1000)).toFixed(1)}/s), ${bad} unexpected errors`);
if (r.firstErrors.length) console.log(`first errors:\n  ${r.firstErrors.join('\n  ')}`);
process.exit(bad === 0 ? 0 : 1);
