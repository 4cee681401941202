import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerIngress, renderIngressCommand } from './ingress.js';
import type { IngressServeFlags } from './ingress.js';
import { runIngressServe } from '../actions/ingressServe.js';

const dir = mkdtempSync(join(tmpdir(), `svcnet-ingress-cli-${process.pid}-`));
const backend = createServer((req, res) => {
  res.setHeader('x-seen-forwarded-for', String(req.headers['x-forwarded-for']));
  res.end(`backend saw ${req.headers.host} ${req.url}`);
});
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

const SERVE: IngressServeFlags = { filename: [dir], validate: 'warn', serviceClusterIpRange: ['10.96.0.0/12'], listen: '127.0.0.1:0', ingressClass: 'svcnet', controller: 'svcnet.io/ingress', watchWithoutClass: true, maxBodySize: '1024' };

/** Runs `svcnet ingress serve` with `opts` while `body` talks to its HTTP URL; resolves with the exit code. */
async function serving(opts: IngressServeFlags, body: (url: string) => Promise<void>): Promise<number> {
  const ac = new AbortController();
  let url = '';
  let done: Promise<number> = Promise.resolve(0);
  const listening = new Promise<void>((resolve, reject) => {
    done = runIngressServe(opts, ac.signal, (urls) => {
      url = urls[0]!;
      resolve();
    });
    done.catch(reject);
  });
  await listening;
  try {
    await body(url);
  } finally {
    ac.abort();
  }
  return done;
}

function get(url: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; forwardedFor: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, forwardedFor: String(res.headers['x-seen-forwarded-for']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('svcnet ingress serve', () => {
  it('routes a request by host and path to the loopback backend, then stops', async () => {
    const code = await serving(SERVE, async (url) => {
      expect(await get(`${url}/tea/green`, 'cafe.example.com')).toMatchObject({ status: 200, body: 'backend saw cafe.example.com /tea/green' });
      expect((await get(`${url}/coffee`, 'cafe.example.com')).status).toBe(503);
      expect((await get(`${url}/tea`, 'other.example.com')).status).toBe(404);
    });
    expect(code).toBe(0);
  });

  it('believes X-Forwarded-For only from --trusted-proxy peers', async () => {
    const spoof = { 'x-forwarded-for': '6.6.6.6' };
    await serving(SERVE, async (url) => {
      expect((await get(`${url}/tea`, 'cafe.example.com', spoof)).forwardedFor).toBe('127.0.0.1');
    });
    await serving({ ...SERVE, trustedProxy: ['10.0.0.0/8', '127.0.0.1'] }, async (url) => {
      expect((await get(`${url}/tea`, 'cafe.example.com', spoof)).forwardedFor).toBe('6.6.6.6, 127.0.0.1');
    });
  });

  it('takes --trusted-proxy as svcnet-agent takes --ingress-trusted-proxy: comma-separated, repeatable, checked', async () => {
    const program = new Command().exitOverride();
    registerIngress(program, () => undefined);
    const run = program.parseAsync(['ingress', 'serve', '-f', dir, '--listen', '127.0.0.1:0', '--trusted-proxy', '10.0.0.0/8,127.0.0.1', '--trusted-proxy', 'office'], { from: 'user' });
    await expect(run).rejects.toThrow('--trusted-proxy "office" is not an IP address or CIDR: write e.g. 10.0.0.0/8');
    const serve = program.commands.find((c) => c.name() === 'ingress')!.commands.find((c) => c.name() === 'serve')!;
    expect(serve.opts()['trustedProxy']).toEqual(['10.0.0.0/8', '127.0.0.1', 'office']);
  });
});
