import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { describeWith, dig } from '@svcnet/testkit';
import { runCli } from '../src/program.js';

// The commands a newcomer tries first, with the answers kubectl, kube-proxy and CoreDNS users expect.

const REPO = join(import.meta.dirname, '..', '..', '..');
const EXAMPLES = join(REPO, 'examples');
const dir = mkdtempSync(join(tmpdir(), 'svcnet-newcomer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `svcnet ARGS` in this process, with what it wrote to stdout and stderr. */
async function svcnet(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += `${a.join(' ')}\n`));
  const realStdin = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  if (stdin !== undefined) Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(stdin)]), configurable: true });
  try {
    const code = await runCli(['node', 'svcnet', ...args]);
    return { code, out, err };
  } finally {
    Object.defineProperty(process, 'stdin', realStdin);
    for (const s of [o, e, log, error]) s.mockRestore();
  }
}

describe('svcnet, as a newcomer runs it', () => {
  it('--version, help COMMAND, and an unknown flag exits 2', async () => {
    const v = await svcnet(['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'apps', 'tui', 'package.json'), 'utf8')).version);
    const help = await svcnet(['help', 'validate']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: svcnet validate');
    const bad = await svcnet(['render', 'dns', '-f', EXAMPLES, '--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown option '--no-such-flag'");
    const missingF = await svcnet(['validate']);
    expect(missingF.code).toBe(2);
  });

  it('validates the examples folder: its top-level files, the ConfigMap skipped with one note', async () => {
    const r = await svcnet(['validate', '-f', EXAMPLES]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\d+ objects: \d+ accepted, 0 invalid; 1 skipped\n$/);
    expect(r.err).toBe('note: skipped 1 document of kinds svcnet does not use: ConfigMap (1)\n');
  });

  it('a folder with a Namespace and a ConfigMap: exit 0 and one note', async () => {
    const d = mkdtempSync(join(dir, 'ns-'));
    writeFileSync(join(d, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop}\ndata: {a: b}\n');
    const r = await svcnet(['validate', '-f', d]);
    expect(r.code).toBe(0);
    expect(r.err.trim().split('\n')).toEqual(['note: skipped 2 documents of kinds svcnet does not use: ConfigMap (1), Namespace (1)']);
  });

  it('reads `-f -` from standard input', async () => {
    const r = await svcnet(['validate', '-f', '-'], readFileSync(join(EXAMPLES, 'nginx-clusterip.yaml'), 'utf8'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/<stdin>:\d+ +Service +default\/nginx +accepted/);
  });

  it('warns about an unknown field as kubectl does, and --validate=strict makes it an error', async () => {
    const f = join(dir, 'typo.yaml');
    writeFileSync(f, 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80, protocl: TCP}]\n');
    const warn = await svcnet(['validate', '-f', f]);
    expect(warn.code).toBe(0);
    expect(warn.err).toContain('Warning: unknown field "spec.ports[0].protocl"');
    const strict = await svcnet(['validate', '-f', f, '--validate=strict']);
    expect(strict.code).toBe(1);
    expect(strict.out).toContain('spec.ports[0].protocl: unknown field');
  });

  it('render dns of the examples: exit 0, nginx.default has its ClusterIP', async () => {
    const r = await svcnet(['render', 'dns', '-f', EXAMPLES]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^nginx\.default\.svc\.cluster\.local\.\t5\tIN\tA\t10\.\d+\.\d+\.\d+$/m);
  });

  it('render proxy twice gives the same bytes, with a KUBE-SEP chain per simulated Pod', async () => {
    const args = ['render', 'proxy', '-f', join(EXAMPLES, 'hostnames.yaml')];
    const a = await svcnet(args);
    const b = await svcnet(args);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out.match(/^:KUBE-SEP-\S+ - \[0:0\]$/gm)).toHaveLength(3);
    const nft = await svcnet([...args, '--mode', 'nftables']);
    expect(nft.out).not.toContain('has no endpoints');
    expect(nft.out.match(/^add chain ip kube-proxy endpoint-/gm)).toHaveLength(3);
  });

  it('render endpoints: the reconciler\'s objects as a List, three ready addresses for hostnames', async () => {
    const r = await svcnet(['render', 'endpoints', '-f', join(EXAMPLES, 'hostnames.yaml'), '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as { kind: string; items: { kind: string; endpoints?: { addresses: string[]; conditions: { ready: boolean } }[] }[] };
    expect(list.kind).toBe('List');
    const slices = list.items.filter((i) => i.kind === 'EndpointSlice');
    const ready = slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions.ready);
    expect(ready).toHaveLength(3);
    expect(list.items.some((i) => i.kind === 'Endpoints')).toBe(true);
  });

  it('passes hand-written Endpoints of a selectorless Service through render endpoints', async () => {
    const r = await svcnet(['render', 'endpoints', '-f', join(EXAMPLES, 'selectorless-external-endpoints.yaml'), '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as { items: { kind: string; subsets?: { addresses: { ip: string }[] }[]; endpoints?: { addresses: string[] }[] }[] };
    expect(list.items.find((i) => i.kind === 'Endpoints')?.subsets?.[0]?.addresses.map((a) => a.ip)).toEqual(['1.2.3.4']);
    expect(list.items.find((i) => i.kind === 'EndpointSlice')?.endpoints?.[0]?.addresses).toEqual(['1.2.3.4']);
  });

  it('render endpoints -o yaml writes every object whole: no YAML anchors for the parts the store shares', async () => {
    // Two endpoints with the same conditions: the store keeps one frozen copy of them (storedShapes).
    const file = join(dir, 'shared-parts.yaml');
    const endpoint = (ip: string) => `  - addresses: [${ip}]\n    conditions: {ready: true, serving: true, terminating: false}\n`;
    writeFileSync(file, [
      'apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: default}\nspec:\n  ports: [{name: http, port: 80, targetPort: 8080}]\n',
      `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: ext-1\n  namespace: default\n  labels: {kubernetes.io/service-name: ext}\naddressType: IPv4\nports: [{name: http, port: 8080, protocol: TCP}]\nendpoints:\n${endpoint('10.1.0.1')}${endpoint('10.1.0.2')}`,
    ].join('---\n'));
    const r = await svcnet(['render', 'endpoints', '-f', file, '-o', 'yaml']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/[&*]a\d/);
    expect(r.out.match(/ready: true/g)).toHaveLength(2);
  });

  it('takes kube-proxy\'s comma-separated lists; --service-cidr feeds the nftables drop rule; nodeport-ips holds the matching node address', async () => {
    const r = await svcnet([
      'render', 'proxy', '--mode', 'nftables', '-f', join(EXAMPLES, 'nodeport.yaml'),
      '--node-ip', '192.168.0.2', '--nodeport-addresses', '192.168.0.2/32,10.0.0.0/8', '--cluster-cidr', '10.244.0.0/16,fd00:10:244::/56', '--service-cidr', '10.96.0.0/12',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('add rule ip kube-proxy cluster-ips-check ip daddr { 10.96.0.0/12 } drop comment "Drop traffic to unallocated ClusterIPs"');
    expect(r.out).toContain('add element ip kube-proxy nodeport-ips { 192.168.0.2 }');
  });

  it('names the Ingresses it skips for their class, and the flag that would include them', async () => {
    const f = join(dir, 'conformance.yaml');
    writeFileSync(
      f,
      'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: conformance}\nspec: {controller: k8s.io/ingress-nginx}\n---\n' +
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  ingressClassName: conformance\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n',
    );
    const r = await svcnet(['render', 'ingress', '-f', f, '--ingress-class', 'conformance']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('# skipped Ingress default/web: its IngressClass "conformance" names controller "k8s.io/ingress-nginx" (--controller k8s.io/ingress-nginx would include it)');
  });

  it('svcnet env prints the variables a Pod in the namespace gets, in upstream\'s order', async () => {
    const r = await svcnet(['env', '-n', 'multi-port', '-f', join(EXAMPLES, 'multi-port.yaml')]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    const host = /^MY_SERVICE_SERVICE_HOST=(10\.\d+\.\d+\.\d+)$/.exec(lines[0]!)?.[1];
    expect(host).toBeDefined();
    expect(lines).toEqual([
      `MY_SERVICE_SERVICE_HOST=${host}`,
      'MY_SERVICE_SERVICE_PORT=80',
      'MY_SERVICE_SERVICE_PORT_HTTP=80',
      'MY_SERVICE_SERVICE_PORT_HTTPS=443',
      `MY_SERVICE_PORT=tcp://${host}:80`,
      `MY_SERVICE_PORT_80_TCP=tcp://${host}:80`,
      'MY_SERVICE_PORT_80_TCP_PROTO=tcp',
      'MY_SERVICE_PORT_80_TCP_PORT=80',
      `MY_SERVICE_PORT_80_TCP_ADDR=${host}`,
      `MY_SERVICE_PORT_443_TCP=tcp://${host}:443`,
      'MY_SERVICE_PORT_443_TCP_PROTO=tcp',
      'MY_SERVICE_PORT_443_TCP_PORT=443',
      `MY_SERVICE_PORT_443_TCP_ADDR=${host}`,
    ]);
    expect((await svcnet(['env', '-n', 'other', '-f', join(EXAMPLES, 'multi-port.yaml')])).out).toBe('');
    expect((await svcnet(['env'])).code).toBe(2);
  });

  it('the demo gives svc1, a LoadBalancer, an EXTERNAL-IP from the documentation pool; renders stay as the manifests say', async () => {
    const r = await svcnet(['--once']);
    expect(r.code).toBe(0);
    // TEST-NET-3 (203.0.113.0/24): never routed, and no address is announced anywhere.
    expect(r.out).toMatch(/^default +svc1 +LoadBalancer +10\.96\.0\.100 +203\.0\.113\.10 +80:32080\/TCP/m);
    // The settled picture: every simulated Pod Ready (a newcomer's first table said "16 without ready endpoints").
    expect(r.out.split('\n')[0]).toMatch(/· 21 services$/);
    expect(r.out).not.toContain('no ready endpoints');
    expect(r.out).toMatch(/^default +hostnames +ClusterIP .* 3\/3 /m);
    // A render prints what the manifests give (a LoadBalancer's address is a controller's choice), the same each run.
    const f = join(EXAMPLES, 'service-field-reference.yaml');
    const first = await svcnet(['render', 'proxy', '-f', f]);
    const again = await svcnet(['render', 'proxy', '-f', f]);
    expect(first.code).toBe(0);
    expect(again.out).toBe(first.out);
    expect(first.out).not.toContain('203.0.113.');
  }, 60_000);

  it('an unreachable Redis is one line naming the address and the cause, exit 1', async () => {
    const r = await svcnet(['get', 'svc', '--redis', 'redis://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe('svcnet: cannot reach Redis at 127.0.0.1:1: connection refused');
    const bad = await svcnet(['get', 'svc', '--redis', 'memcached://x']);
    expect(bad.code).toBe(2);
  });
});

/** `svcnet ARGS` as a process, until it prints `serving`; returns a stop function. */
function serve(args: string[]): Promise<{ stop: () => Promise<number | null>; err: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@svcnet/source', '--import', 'tsx', join(REPO, 'apps', 'tui', 'src', 'cli.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not serving within 60 s: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d) => {
      err += d;
      if (/serving/.test(err)) {
        clearTimeout(timer);
        resolve({
          err: () => err,
          stop: () =>
            new Promise((r) => {
              child.once('exit', (code) => r(code));
              child.kill('SIGINT');
            }),
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${err}`));
    });
  });
}

function digShort(port: number, ...query: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('dig', [`@127.0.0.1`, '-p', String(port), '+short', '+time=2', '+tries=2', ...query], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}

describeWith('svcnet dns serve with an IPv6 and a dual-stack Service', [dig], () => {
  it('answers AAAA, A+AAAA, SRV and ip6.arpa PTR, whatever the allocation range', async () => {
    const f = join(dir, 'v6.yaml');
    writeFileSync(
      f,
      'apiVersion: v1\nkind: Service\nmetadata: {name: web6}\nspec:\n  ipFamilies: [IPv6]\n  clusterIP: fd00:10:96::a\n  ports: [{name: http, port: 80}]\n---\n' +
        'apiVersion: v1\nkind: Service\nmetadata: {name: dual}\nspec:\n  ipFamilyPolicy: RequireDualStack\n  clusterIP: 10.96.0.20\n  clusterIPs: [10.96.0.20, "fd00:10:96::14"]\n  ports: [{name: http, port: 80}]\n',
    );
    const port = 20_000 + (process.pid % 20_000);
    const server = await serve(['dns', 'serve', '-f', f, '--listen', `127.0.0.1:${port}`, '--upstream', 'none', '--no-watch']);
    try {
      expect(await digShort(port, 'web6.default.svc.cluster.local', 'AAAA')).toBe('fd00:10:96::a');
      expect(await digShort(port, 'dual.default.svc.cluster.local', 'A')).toBe('10.96.0.20');
      expect(await digShort(port, 'dual.default.svc.cluster.local', 'AAAA')).toBe('fd00:10:96::14');
      expect(await digShort(port, '_http._tcp.web6.default.svc.cluster.local', 'SRV')).toBe('0 100 80 web6.default.svc.cluster.local.');
      expect(await digShort(port, '-x', 'fd00:10:96::a')).toBe('web6.default.svc.cluster.local.');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
