import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../program.js';
import { registerDns, renderDnsCommand } from './dns.js';

const dir = mkdtempSync(join(tmpdir(), `svcnet-dns-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SEED = `apiVersion: v1
kind: Service
metadata: {name: nginx, labels: {app: nginx}}
spec:
  clusterIP: None
  ports: [{name: web, port: 80, protocol: TCP, targetPort: 80}]
  selector: {app: nginx}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec: {containers: [{name: nginx, image: nginx, ports: [{containerPort: 80, name: web}]}]}
---
kind: Service
apiVersion: v1
metadata: {name: my-service, namespace: default}
spec: {type: ExternalName, externalName: my.database.example.com}
`;

async function run(args: string[]): Promise<{ out: string; code: number }> {
  let code = -1;
  const program = new Command('svcnet').exitOverride();
  program.addCommand(new Command('render').addCommand(renderDnsCommand((c) => (code = c))));
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return { out: out.join(''), code };
}

describe('svcnet render dns', () => {
  it('prints the zone for the seed manifests: StatefulSet pod names, headless A records, ExternalName CNAME', async () => {
    const f = join(dir, 'seed.yaml');
    writeFileSync(f, SEED);
    const { out, code } = await run(['render', 'dns', '-f', f]);
    expect(code).toBe(0);
    expect(out).toMatch(/^\$ORIGIN cluster\.local\.\n\$TTL 5\n/);
    expect(out).toMatch(/^cluster\.local\.\t5\tIN\tSOA\tns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5$/m);
    expect(out).toMatch(/^web-0\.nginx\.default\.svc\.cluster\.local\.\t5\tIN\tA\t\S+$/m);
    expect(out).toMatch(/^web-1\.nginx\.default\.svc\.cluster\.local\.\t5\tIN\tA\t\S+$/m);
    expect(out.match(/^nginx\.default\.svc\.cluster\.local\.\t5\tIN\tA\t/gm)).toHaveLength(2);
    expect(out).toMatch(/^_web\._tcp\.nginx\.default\.svc\.cluster\.local\.\t5\tIN\tSRV\t0 50 80 web-0\.nginx\.default\.svc\.cluster\.local\.$/m);
    expect(out).toContain('my-service.default.svc.cluster.local.\t5\tIN\tCNAME\tmy.database.example.com.');
    expect(out).toContain('dns-version.cluster.local.\t28800\tIN\tTXT\t"1.1.0"');
    expect(out).toMatch(/in-addr\.arpa\.\t5\tIN\tPTR\tweb-0\.nginx\.default\.svc\.cluster\.local\./);
  });

  it('registers `svcnet dns serve` with the listen and upstream flags', () => {
    const program = new Command('svcnet');
    registerDns(program, () => undefined);
    const serve = program.commands.find((c) => c.name() === 'dns')!.commands.find((c) => c.name() === 'serve')!;
    expect(serve.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--filename', '--listen', '--upstream', '--allow', '--http', '--zone', '--pods']));
  });

  it('`dns serve --allow` takes comma lists and repeats', async () => {
    const program = new Command('svcnet').exitOverride().configureOutput({ writeErr: () => undefined });
    registerDns(program, () => undefined);
    const serve = program.commands.find((c) => c.name() === 'dns')!.commands.find((c) => c.name() === 'serve')!;
    serve.exitOverride().configureOutput({ writeErr: () => undefined });
    // Parsed without running the action: the option's parser is what is under test.
    serve.action(() => undefined);
    await program.parseAsync(['dns', 'serve', '-f', 'x', '--allow', '10.244.0.0/16,10.0.0.11', '--allow', 'fd00::/64'], { from: 'user' });
    expect(serve.opts()['allow']).toEqual(['10.244.0.0/16', '10.0.0.11', 'fd00::/64']);
  });

  it('`dns serve --allow` with something that is not a network is a usage error (exit 2) before anything starts', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await runCli(['node', 'svcnet', 'dns', 'serve', '-f', join(dir, 'missing.yaml'), '--allow', '10.0.0.0/33'])).toBe(2);
      expect(err.mock.calls.flat().join('\n')).toMatch(/plugin\/acl: "10\.0\.0\.0\/33" is not a CIDR or an IP address/);
    } finally {
      err.mockRestore();
    }
  });
});
