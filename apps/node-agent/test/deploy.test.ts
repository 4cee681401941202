import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readConfigFile } from '../src/config.js';
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
