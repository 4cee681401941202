import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { renderIngressCommand } from './ingress.js';
import { runIngressServe } from '../actions/ingressServe.js';

const dir = mkdtempSync(join(tmpdir(), `svcnet-ingress-cli-${process.pid}-`));
const backend = createServer((req, res) => res.end(`backend saw ${req.headers.host} ${req.url}`));
let backendPort = 0;

function manifests(port: number): string {
  return `apiVersion: v1
kind: Service
metadata: {name: tea-svc, namespace: default}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: tea-svc-1, namespace: default, labels: {kubernetes.io/service-name: tea-svc}}
addressType: IPv4
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
ports: [{name: http, port: ${port}, protocol: TCP}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: cafe-ingress, namespace: default}
spec:
  rules:
  - host: cafe.example.com
    http:
      paths:
      - {path: /tea, pathType: Prefix, backend: {service: {name: tea-svc, port: {number: 80}}}}
      - {path: /coffee, pathType: Exact, backend: {service: {name: coffee-svc, port: {number: 80}}}}
`;
}

beforeAll(async () => {
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as AddressInfo).port;
  writeFileSync(join(dir, 'cafe.yaml'), manifests(backendPort));
});

afterAll(async () => {
  await new Promise<void>((r) => backend.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('svcnet render ingress', () => {
  it('prints the compiled route table', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    let code = -1;
    try {
      // Routes need only the Ingresses: the file without the Service and its (loopback) endpoints.
      const ingressOnly = join(dir, 'routes-only');
      mkdirSync(ingressOnly, { recursive: true });
      writeFileSync(join(ingressOnly, 'cafe.yaml'), manifests(backendPort).split('---\n').filter((d) => d.includes('kind: Ingress')).join('---\n'));
      await renderIngressCommand((c) => (code = c)).parseAsync(['-f', ingressOnly], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    const text = out.join('');
    expect(code).toBe(0);
    expect(text).toMatch(/^HOST\s+PATH\s+MATCH/);
    expect(text).toMatch(/cafe\.example\.com\s+\/coffee\s+Exact\s+Exact\s+default\/coffee-svc:80\s+default\/cafe-ingress/);
    expect(text).toMatch(/cafe\.example\.com\s+\/tea\s+Prefix\s+Prefix\s+default\/tea-svc:80/);
  });
});

describe('svcnet ingress serve', () => {
  it('routes a request by host and path to the loopback backend, then stops', async () => {
    const ac = new AbortController();
    let url = '';
    let done: Promise<number> = Promise.resolve(0);
    const listening = new Promise<void>((resolve) => {
      done = runIngressServe(
        { filename: [dir], validate: 'warn', serviceClusterIpRange: ['10.96.0.0/12'], listen: '127.0.0.1:0', ingressClass: 'svcnet', controller: 'svcnet.io/ingress', watchWithoutClass: true, maxBodySize: '1024' },
        ac.signal,
        (urls) => {
          url = urls[0]!;
          resolve();
        },
      );
    });
    await listening;
    const get = (host: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${url}${path}`, { headers: { host } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get('cafe.example.com', '/tea/green')).toEqual({ status: 200, body: 'backend saw cafe.example.com /tea/green' });
      expect((await get('cafe.example.com', '/coffee')).status).toBe(503);
      expect((await get('other.example.com', '/tea')).status).toBe(404);
    } finally {
      ac.abort();
    }
    expect(await done).toBe(0);
  });
});
