import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ClientAcl, openResolverWarning } from '@svcnet/dns';
import { buildProgram, hostPort, readConfigFile, resolveConfig } from '../src/config.js';
import { FLAGS } from '../src/flags.js';
import { ROOT } from './fixtures.js';

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };

const DEPLOY = join(ROOT, 'deploy');
const objects: { file: string; obj: Obj }[] = readdirSync(DEPLOY)
  .filter((f) => /\.ya?ml$/.test(f))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return { file, obj: d.toJS() as Obj };
    }),
  );
const find = (kind: string) => objects.filter((o) => o.obj.kind === kind).map((o) => o.obj);

/** apiVersion per kind, as the API server serves them (what a client-side dry run checks). */
const SERVED: Record<string, string> = {
  ServiceAccount: 'v1',
  ConfigMap: 'v1',
  DaemonSet: 'apps/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
};
const NAMESPACED = new Set(['ServiceAccount', 'ConfigMap', 'DaemonSet']);

/** What the Kubernetes source lists and watches (@svcnet/sources KubernetesSource, all eight kinds). */
const USED: Record<string, string[]> = {
  '': ['endpoints', 'nodes', 'pods', 'secrets', 'services'],
  'discovery.k8s.io': ['endpointslices'],
  'networking.k8s.io': ['ingressclasses', 'ingresses'],
};

describe('deploy/ (kubectl apply --dry-run=client style)', () => {
  it('every object has a served apiVersion, a kind, a name and a namespace where needed', () => {
    expect(objects.length).toBeGreaterThanOrEqual(5);
    for (const { file, obj } of objects) {
      const where = `${file}: ${obj.kind}/${obj.metadata?.name}`;
      expect(SERVED[obj.kind ?? ''], `${where}: unknown kind`).toBeDefined();
      expect(obj.apiVersion, where).toBe(SERVED[obj.kind!]);
      expect(obj.metadata?.name, where).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      if (NAMESPACED.has(obj.kind!)) expect(obj.metadata?.namespace, where).toBeTruthy();
      else expect(obj.metadata?.namespace, where).toBeUndefined();
    }
  });

  it('the DaemonSet runs on the host network with NET_ADMIN, its service account and its config', () => {
    const [ds] = find('DaemonSet') as [Obj & { spec: any }];
    const spec = ds.spec;
    expect(spec.selector.matchLabels).toEqual(Object.fromEntries(Object.entries(spec.template.metadata.labels).filter(([k]) => k in spec.selector.matchLabels)));
    const pod = spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(find('ServiceAccount').map((s) => s.metadata?.name)).toContain(pod.serviceAccountName);
    const [c] = pod.containers;
    expect(c.name).toBeTruthy();
    expect(c.image).toMatch(/:[\w.-]+$/);
    expect(c.securityContext.capabilities.add).toContain('NET_ADMIN');
    for (const probe of [c.livenessProbe, c.readinessProbe]) expect(c.ports.map((p: { containerPort: number }) => p.containerPort)).toContain(probe.httpGet.port);
    // Every flag in args exists, and --config points into the mounted ConfigMap.
    for (const arg of c.args as string[]) expect(FLAGS.map((f) => `--${f.flag}`)).toContain(arg.split('=')[0]);
    const configPath = (c.args as string[]).find((a) => a.startsWith('--config='))!.slice('--config='.length);
    const mount = c.volumeMounts.find((m: { mountPath: string }) => configPath.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    const cm = find('ConfigMap').find((m) => m.metadata?.name === volume.configMap.name) as Obj & { data: Record<string, string> };
    const key = configPath.slice(mount.mountPath.length + 1);
    expect(() => readConfigFile(`configmap ${key}`, cm.data[key])).not.toThrow();
    for (const m of c.volumeMounts) expect(pod.volumes.map((v: { name: string }) => v.name)).toContain(m.name);
  });

  it('DNS listens on the node\'s own address and answers only the pod network and the node: no open resolver', () => {
    const [ds] = find('DaemonSet') as [Obj & { spec: any }];
    const pod = ds.spec.template.spec;
    const [c] = pod.containers;
    // As the kubelet starts it: the downward API fills env (a sample node here), $(VAR) in args expands.
    const downward: Record<string, string> = { 'spec.nodeName': 'node-a', 'status.hostIP': '10.0.0.11' };
    const env: Record<string, string> = Object.fromEntries(c.env.map((e: { name: string; valueFrom: { fieldRef: { fieldPath: string } } }) => [e.name, downward[e.valueFrom.fieldRef.fieldPath]]));
    const args = (c.args as string[]).map((a) => a.replace(/\$\((\w+)\)/g, (m, name: string) => env[name] ?? m));
    const program = buildProgram('0.0.0').exitOverride();
    program.parse(args, { from: 'user' });
    const cm = find('ConfigMap')[0] as Obj & { data: Record<string, string> };
    const config = resolveConfig(program, (p) => readConfigFile(p, cm.data['config.yaml']));

    expect(hostPort(config.dnsListen!, '--dns-listen')).toEqual({ host: '10.0.0.11', port: 53 });
    const acl = new ClientAcl(config.dnsAllow);
    expect(acl.networks).toEqual([...config.clusterCidr, '10.0.0.11/32']); // the pod CIDR(s) and the node
    expect(openResolverWarning('10.0.0.11', true, acl, '--dns-allow')).toBeUndefined();
    expect([acl.allows('10.244.7.9'), acl.allows('10.0.0.11'), acl.allows('10.0.0.12'), acl.allows('203.0.113.9')]).toEqual([true, true, false, false]);
    // The DNS ports are declared, so a clash with another host-network DNS shows at scheduling.
    for (const protocol of ['UDP', 'TCP']) expect(c.ports).toContainEqual(expect.objectContaining({ containerPort: 53, hostPort: 53, protocol }));
  });

  it('RBAC grants list and watch of exactly the kinds the agent mirrors, bound to its service account', () => {
    const [role] = find('ClusterRole') as [Obj & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }];
    const granted: Record<string, string[]> = {};
    for (const r of role.rules) {
      expect(r.verbs.sort()).toEqual(['list', 'watch']);
      for (const g of r.apiGroups) granted[g] = [...(granted[g] ?? []), ...r.resources].sort();
    }
    expect(granted).toEqual(USED);
    const [binding] = find('ClusterRoleBinding') as [Obj & { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] }];
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata?.name });
    const sa = find('ServiceAccount')[0]!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata?.name, namespace: sa.metadata?.namespace }]);
  });

  it('the image is node:20-slim with iptables, nftables and ipset', () => {
    const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    const stages = text.split('\n').filter((l) => l.startsWith('FROM '));
    expect(stages.at(-1)).toMatch(/^FROM node:20-slim\b/);
    for (const pkg of ['iptables', 'nftables', 'ipset']) expect(text).toMatch(new RegExp(`apt-get install[^\\n]*\\b${pkg}\\b`));
    expect(text).toMatch(/ENTRYPOINT \["node", "[^"]*apps\/node-agent\/dist\/main\.js"\]/);
  });
});
