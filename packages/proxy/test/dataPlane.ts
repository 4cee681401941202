import { NetNs, vethPair } from '@svcnet/testkit';
import type { EndpointSlice, Service } from '@svcnet/model';
import { makeService, makeSlice } from './fixtures.js';

/**
 * A small cluster in network namespaces: a "node" routing between three "pod" namespaces and a
 * "client" namespace. Each pod runs a TCP server (9376) and a UDP server (5353) that answer
 * "<pod name> <source address seen>". Everything stays inside namespaces the test created.
 */
export interface Cluster {
  node: NetNs;
  client: NetNs;
  pods: { name: string; ns: NetNs; ip: string }[];
  nodeName: string;
  nodeIP: string;
  clientIP: string;
  destroy(): void;
}

const SERVER = `
const net = require('net'), dgram = require('dgram');
const name = process.argv[1];
net.createServer((s) => { s.on('error', () => {}); s.end(name + ' ' + s.remoteAddress.replace('::ffff:', '') + '\\n'); }).listen(9376, '0.0.0.0');
const u = dgram.createSocket('udp4');
u.on('message', (m, r) => u.send(name + ' ' + r.address, r.port, r.address));
u.bind(5353, '0.0.0.0', () => console.log('ready'));
`;

const CLIENT = `
const net = require('net'), dgram = require('dgram');
const [proto, host, port, count] = process.argv.slice(1);
const tcp = () => new Promise((res) => {
  const s = net.connect({ host, port: +port });
  let d = ''; const t = setTimeout(() => { s.destroy(); res('ERR TIMEOUT'); }, 2000);
  s.on('data', (c) => (d += c)); s.on('end', () => { clearTimeout(t); res(d.trim()); });
  s.on('error', (e) => { clearTimeout(t); res('ERR ' + e.code); });
});
const udp = () => new Promise((res) => {
  const s = dgram.createSocket('udp4');
  const t = setTimeout(() => { s.close(); res('ERR TIMEOUT'); }, 1000);
  s.on('message', (m) => { clearTimeout(t); s.close(); res(m.toString()); });
  s.send('hi', +port, host);
});
(async () => { const out = []; for (let i = 0; i < +count; i++) out.push(await (proto === 'udp' ? udp() : tcp())); console.log(JSON.stringify(out)); })();
`;

export async function makeCluster(tag: string): Promise<Cluster> {
  const made: NetNs[] = [];
  try {
    const node = NetNs.create(`${tag}n`);
    made.push(node);
    const client = NetNs.create(`${tag}c`);
    made.push(client);
    const link = vethPair(node, '192.168.50.1/24', client, '192.168.50.2/24');
    client.exec('ip', ['route', 'add', 'default', 'via', '192.168.50.1']);
    // icmp_ratelimit=0: a fresh namespace's per-peer ICMP bucket starts empty and would swallow
    // the REJECT of the first connection to a service without endpoints.
    node.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.icmp_ratelimit=0']);
    // A default route like a real node has (on-link towards the client, so nothing leaves the
    // namespaces): unknown VIPs are forwarded, and the filter rules (REJECT) see them.
    node.exec('ip', ['route', 'add', 'default', 'dev', link.a]);
    const pods: Cluster['pods'] = [];
    for (let i = 1; i <= 3; i++) {
      const ns = NetNs.create(`${tag}p${i}`);
      made.push(ns);
      vethPair(node, `10.244.${i}.1/24`, ns, `10.244.${i}.2/24`);
      ns.exec('ip', ['route', 'add', 'default', 'via', `10.244.${i}.1`]);
      pods.push({ name: `pod${i}`, ns, ip: `10.244.${i}.2` });
    }
    await Promise.all(
      pods.map(
        (p) =>
          new Promise<void>((resolve, reject) => {
            const child = p.ns.spawn('node', ['-e', SERVER, p.name]);
            const t = setTimeout(() => reject(new Error(`${p.name} server did not start`)), 10_000);
            child.stdout?.once('data', () => {
              clearTimeout(t);
              resolve();
            });
            child.once('exit', (code) => reject(new Error(`${p.name} server exited ${code}`)));
          }),
      ),
    );
    return {
      node,
      client,
      pods,
      nodeName: 'node-a',
      nodeIP: '192.168.50.1',
      clientIP: '192.168.50.2',
      destroy: () => made.forEach((n) => n.destroy()),
    };
  } catch (e) {
    made.forEach((n) => n.destroy());
    throw e;
  }
}

/** Runs `count` connections (sequential, fresh source port each) from `ns`; returns the answers. */
export function probe(ns: NetNs, proto: 'tcp' | 'udp', host: string, port: number, count: number): string[] {
  return JSON.parse(ns.exec('node', ['-e', CLIENT, proto, host, String(port), String(count)])) as string[];
}

export const podsOf = (answers: string[]) => new Set(answers.map((a) => a.split(' ')[0]));

/** The Services and slices every data-plane test programs. */
export function scenarioObjects(nodeName: string): { services: Service[]; slices: EndpointSlice[]; hostnamesSlice: EndpointSlice } {
  const tcp9376 = [{ name: 'http', port: 9376, protocol: 'TCP' }];
  const ep = (i: number, local = false) => ({ addresses: [`10.244.${i}.2`], conditions: { ready: true }, ...(local ? { nodeName } : { nodeName: 'node-b' }) });
  const services = [
    makeService('default', 'hostnames', (s) => {
      s.spec.type = 'NodePort';
      s.spec.clusterIP = '10.96.0.10';
      s.spec.externalIPs = ['192.168.99.100'];
      s.spec.ports = [{ name: 'http', port: 80, targetPort: 9376, protocol: 'TCP', nodePort: 30080 }];
    }),
    makeService('default', 'dns', (s) => {
      s.spec.clusterIP = '10.96.0.11';
      s.spec.ports = [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }];
    }),
    makeService('default', 'sticky', (s) => {
      s.spec.clusterIP = '10.96.0.12';
      s.spec.sessionAffinity = 'ClientIP';
      s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 60 } };
      s.spec.ports = [{ name: 'http', port: 80, targetPort: 9376, protocol: 'TCP' }];
    }),
    makeService('default', 'empty', (s) => {
      s.spec.clusterIP = '10.96.0.13';
      s.spec.ports = [{ name: 'http', port: 80, targetPort: 9376, protocol: 'TCP' }];
    }),
    makeService('default', 'local', (s) => {
      s.spec.type = 'NodePort';
      s.spec.clusterIP = '10.96.0.14';
      s.spec.externalTrafficPolicy = 'Local';
      s.spec.ports = [{ name: 'http', port: 80, targetPort: 9376, protocol: 'TCP', nodePort: 30081 }];
    }),
  ];
  const hostnamesSlice = makeSlice('default', 'hostnames', 1, (e) => {
    e.endpoints = [ep(1), ep(2), ep(3, true)];
    e.ports = tcp9376;
  });
  const slices = [
    hostnamesSlice,
    makeSlice('default', 'dns', 1, (e) => {
      e.endpoints = [ep(1), ep(2), ep(3, true)];
      e.ports = [{ name: 'dns', port: 5353, protocol: 'UDP' }];
    }),
    makeSlice('default', 'sticky', 1, (e) => {
      e.endpoints = [ep(1), ep(2), ep(3, true)];
      e.ports = tcp9376;
    }),
    makeSlice('default', 'local', 1, (e) => {
      e.endpoints = [ep(1), ep(3, true)];
      e.ports = tcp9376;
    }),
  ];
  return { services, slices, hostnamesSlice };
}
