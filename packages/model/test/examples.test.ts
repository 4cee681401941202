import { readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidObjectError,
  admit,
  allocateServiceAddresses,
  isWorkload,
  loadManifests,
  podFromTemplate,
  selectorMatches,
  validateWorkload,
  type AnyObject,
  type Ingress,
  type ManifestObject,
  type SkippedDocument,
  type Pod,
  type Service,
} from '@svcnet/model';

// Every seed example as a manifest file: the ones in examples/ are accepted as they are and load together
// (the bundled demo does); the ones a current API server would refuse are kept here, in
// fixtures/seed-broken/, and fail with the error they deserve.
const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples');
const BROKEN = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'seed-broken');

/** Every error of one object, as text: validation through admit, or the workload checks. */
function problems(obj: AnyObject): string[] {
  if (isWorkload(obj)) return validateWorkload(obj).map(String);
  try {
    admit(obj as never);
    return [];
  } catch (e) {
    if (e instanceof InvalidObjectError) return e.errors.map(String);
    throw e;
  }
}

const nsOf = (o: AnyObject) => o.metadata?.namespace ?? 'default';
const keyOf = (o: AnyObject) => `${o.kind}/${nsOf(o)}/${o.metadata?.name}`;

describe('examples/', () => {
  let top: ManifestObject[];
  let skipped: SkippedDocument[];
  beforeAll(async () => {
    const r = await loadManifests(EXAMPLES);
    expect(r.errors.map(String)).toEqual([]);
    top = r.objects;
    skipped = r.skipped;
  });

  it('leaves the kinds svcnet does not use alone: the ConfigMap is read and skipped', () => {
    expect(skipped.map((d) => `${d.kind} ${d.name} ${relative(EXAMPLES, d.source)}:${d.line}`)).toEqual(['ConfigMap adapter-config configmap.yaml:3']);
  });

  it('holds the examples the seeds show', async () => {
    const names = (await readdir(EXAMPLES)).sort();
    for (const f of ['nginx-clusterip.yaml', 'multi-port.yaml', 'selectorless-external-endpoints.yaml', 'externalname.yaml', 'headless-statefulset.yaml', 'nodeport.yaml', 'externalips.yaml', 'ingress-host-rules.yaml', 'ingress-tls-paths.yaml', 'hostnames.yaml', 'README.md']) {
      expect(names).toContain(f);
    }
  });

  it('accepts every object of every top-level file', () => {
    const rejected = top.map((o) => ({ where: `${relative(EXAMPLES, o.source)}#${o.index}`, errors: problems(o.object) })).filter((r) => r.errors.length);
    expect(rejected).toEqual([]);
    expect(top.length).toBeGreaterThan(40);
  });

  it('loads together: unique names, and every Service gets its addresses without conflicts', () => {
    const keys = top.map((o) => keyOf(o.object));
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    const usedIPs = new Set<string>();
    const usedNodePorts = new Set<number>();
    for (const o of top.filter((x) => x.object.kind === 'Service')) {
      const svc = admit(o.object as Service);
      const r = allocateServiceAddresses(svc, { serviceCIDRs: ['10.96.0.0/12'], nodePortRange: '30000-32767', usedIPs, usedNodePorts });
      r.ips.forEach((ip) => usedIPs.add(ip));
      r.nodePorts.forEach((p) => usedNodePorts.add(p));
    }
    expect(usedNodePorts).toContain(32143);
    expect(usedNodePorts).toContain(30000);
  });

  it('brings the Pods its selector Services need, and the Services and Secrets its Ingresses name', () => {
    const pods: Pod[] = top.flatMap((o) => (isWorkload(o.object) ? [podFromTemplate(o.object)] : o.object.kind === 'Pod' ? [o.object as Pod] : []));
    const withoutPods = top
      .map((o) => o.object as Service)
      .filter((s) => s.kind === 'Service' && s.spec?.selector && Object.keys(s.spec.selector).length)
      .filter((s) => !pods.some((p) => nsOf(p as AnyObject) === nsOf(s as AnyObject) && selectorMatches(s.spec!.selector, p.metadata?.labels)))
      .map((s) => keyOf(s as AnyObject));
    expect(withoutPods).toEqual([]);
    const keys = new Set(top.map((o) => keyOf(o.object)));
    for (const o of top.filter((x) => x.object.kind === 'Ingress')) {
      const ing = o.object as Ingress;
      for (const rule of ing.spec?.rules ?? []) {
        for (const p of rule.http?.paths ?? []) expect(keys).toContain(`Service/${nsOf(o.object)}/${p.backend.service?.name}`);
      }
      for (const tls of ing.spec?.tls ?? []) expect(keys).toContain(`Secret/${nsOf(o.object)}/${tls.secretName}`);
    }
  });
});

describe('the seed examples a current API server refuses (fixtures/seed-broken/)', () => {
  // file -> the errors it must produce (manifest errors and validation errors), and objects still accepted.
  const expected: Record<string, { errors: RegExp[]; accepted: string[] }> = {
    'externalips-apiversion-typo.yaml': {
      errors: [/externalips-apiversion-typo\.yaml: document 1 \(line 5\): apiVersion "vl" is not served for kind Service: did you mean "v1"\?$/],
      accepted: [],
    },
    'headless-deployment-extensions-v1beta1.yaml': {
      errors: [/document 2 \(line 21\): apiVersion "extensions\/v1beta1" is not served for kind Deployment: it was removed in Kubernetes 1\.16; use "apps\/v1"$/],
      accepted: ['Service/default/nginx'],
    },
    'headless-statefulset-apps-v1beta1.yaml': {
      errors: [/document 2 \(line 19\): apiVersion "apps\/v1beta1" is not served for kind StatefulSet: it was removed in Kubernetes 1\.16; use "apps\/v1"$/],
      accepted: ['Service/default/nginx-test'],
    },
    'ingress-host-rules-extensions-v1beta1.yaml': {
      errors: [/document 1 \(line 3\): apiVersion "extensions\/v1beta1" is not served for kind Ingress: it was removed in Kubernetes 1\.22; use "networking\.k8s\.io\/v1"$/],
      accepted: [],
    },
    'ingress-tls-paths-extensions-v1beta1.yaml': {
      errors: [/document 1 \(line 3\): apiVersion "extensions\/v1beta1" is not served for kind Ingress/],
      accepted: [],
    },
    'nodeport-pod-missing-separator.yaml': {
      errors: [/document 1 \(line 15\): Map keys must be unique: "kind" appears twice in one mapping \(is a "---" document separator missing\?\)$/, /"apiVersion" appears twice/, /"metadata" appears twice/, /"spec" appears twice/],
      accepted: [],
    },
    'service-field-reference.yaml': {
      errors: [
        /^Service default\/svc1: spec\.ports\[0\]\.nodePort: Forbidden: may not be used when `type` is 'ClusterIP'$/,
        /^Service default\/svc1: spec\.healthCheckNodePort: Invalid value: 34344: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'$/,
        /^Service default\/svc1: spec\.externalTrafficPolicy: Invalid value: "Cluster"/,
      ],
      accepted: [],
    },
    'endpoints-field-reference.yaml': {
      errors: [/document 1 \(line 4\): kind is required: found "Kind", but field names are case-sensitive; write "kind"$/],
      accepted: [],
    },
    'pod-secret-env-tab-indent.yaml': {
      errors: [/document 1 \(line 13\): Tabs are not allowed as indentation/],
      accepted: [],
    },
  };

  it('has an expectation for every broken file', async () => {
    expect((await readdir(BROKEN)).filter((f) => f.endsWith('.yaml')).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s fails as it should', async (file, want) => {
    const r = await loadManifests(join(BROKEN, file));
    const errors = r.errors.map((e) => e.message);
    const accepted: string[] = [];
    for (const o of r.objects) {
      const p = problems(o.object);
      if (p.length === 0) accepted.push(keyOf(o.object));
      else errors.push(...p.map((m) => `${o.object.kind} ${nsOf(o.object)}/${o.object.metadata?.name}: ${m}`));
    }
    expect(accepted).toEqual(want.accepted);
    expect(errors.length).toBeGreaterThan(0);
    for (const re of want.errors) expect(errors.some((e) => re.test(e)), `${re} in ${JSON.stringify(errors, null, 1)}`).toBe(true);
  });
});
