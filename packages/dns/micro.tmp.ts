import * as dnsPacket from 'dns-packet';
import { RecordIndex } from './src/core/recordIndex.js';
import { Responder } from './src/server/responder.js';
import { newParsedQuery, scanQuery } from './src/wire/query.js';
import { writeReplyHeader } from './src/wire/message.js';
import { readFileSync } from 'node:fs';
const n = 1000;
const services: any[] = [], endpointSlices: any[] = [];
for (let i = 0; i < n; i++) {
  const headless = i % 10 < 3; const name = `svc-${i}`; const ip = `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
  services.push({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'bench', name }, spec: headless ? { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } : { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  endpointSlices.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', metadata: { namespace: 'bench', name: `${name}-abcde`, labels: { 'kubernetes.io/service-name': name } },
    endpoints: Array.from({ length: 3 }, (_, j) => ({ addresses: [`172.${16 + (i >> 12)}.${(i >> 4) & 255}.${((i & 15) << 4) + j}`], conditions: { ready: true } })), ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
}
const idx = RecordIndex.from({ services, endpointSlices });
const r = new Responder(idx);
const lines = readFileSync('/tmp/dnsw/q.txt', 'utf8').trim().split('\n');
const msgs = lines.map((l, i) => { const [name, type] = l.split(' '); return dnsPacket.encode({ id: i & 0xffff, type: 'query', flags: 256, questions: [{ name: name!, type: type as any, class: 'IN' }] }); });
const q = newParsedQuery();
for (const m of msgs) { scanQuery(m, q); r.answer(m, q, 512); }
let sink = 0;
function run(iter: number, mode: number) {
  const t0 = process.cpuUsage();
  for (let k = 0; k < iter; k++) {
    const m = msgs[k % msgs.length]!;
    scanQuery(m, q);
    if (mode === 0) continue;
    const c = r.cached(q);
    if (mode === 1 || !c) { sink += c ? 1 : 0; continue; }
    sink += writeReplyHeader(m, q, c, 512, true) ? 1 : 0;
  }
  const u = process.cpuUsage(t0);
  return ((u.user + u.system) * 1000) / iter;
}
for (let rep = 0; rep < 3; rep++) console.log(`scan ${run(2e6, 0).toFixed(0)} ns  +cached ${run(2e6, 1).toFixed(0)} ns  +header ${run(2e6, 2).toFixed(0)} ns`);
console.log(sink > 0);
