import { isKind, formatTable, objectKey, NAMESPACED, isWorkload, type Kind, type KubeObject, LABEL_SERVICE_NAME } from '@svcnet/model';
import { isStoreError, type Store } from '@svcnet/store';
import { stringify } from 'yaml';
import { YAML_OUTPUT } from '../yamlOutput.js';
import { CliError } from '../cliErrors.js';
import { describeObject } from '../describe.js';
import type { ApplyFlags, DeleteFlags, GetFlags, ObjectFlags } from '../commands/kubectl.js';
import { readManifestFlags, reportManifestInput, whereFrom } from './manifestInput.js';
import { withStore } from './storeAccess.js';

/** kubectl's short names, plural and singular, for the kinds svcnet stores. */
const KIND_ALIASES: Record<string, Kind> = {
  svc: 'Service', service: 'Service', services: 'Service',
  ep: 'Endpoints', endpoints: 'Endpoints',
  eps: 'EndpointSlice', endpointslice: 'EndpointSlice', endpointslices: 'EndpointSlice',
  po: 'Pod', pod: 'Pod', pods: 'Pod',
  ing: 'Ingress', ingress: 'Ingress', ingresses: 'Ingress',
  ingressclass: 'IngressClass', ingressclasses: 'IngressClass',
  no: 'Node', node: 'Node', nodes: 'Node',
  secret: 'Secret', secrets: 'Secret',
};

/** A kind as kubectl takes it (`svc`, `services`, `Service`); kubectl's error otherwise (exit 1). */
export function resolveKind(text: string): Kind {
  const k = KIND_ALIASES[text.toLowerCase()] ?? (isKind(text) ? text : undefined);
  if (!k) throw new CliError(`the server doesn't have a resource type "${text}": use one of ${Object.keys(KIND_ALIASES).join(', ')}`);
  return k;
}

/** The resource as the API server names it in errors (kubectl prints it): plural, with its group. */
const RESOURCES: Record<Kind, string> = {
  Service: 'services',
  Endpoints: 'endpoints',
  EndpointSlice: 'endpointslices.discovery.k8s.io',
  Pod: 'pods',
  Ingress: 'ingresses.networking.k8s.io',
  IngressClass: 'ingressclasses.networking.k8s.io',
  Node: 'nodes',
  Secret: 'secrets',
};

/** kubectl's wording for a missing object: `Error from server (NotFound): services "web" not found`. */
function notFound(kind: Kind, name: string): string {
  return `Error from server (NotFound): ${RESOURCES[kind]} "${name}" not found`;
}

/**
 * The name kubectl gives an object in `-o name` and in the tables of a multi-kind get: the
 * singular resource, with its API group when it is not the core group (`service/web`,
 * `endpointslice.discovery.k8s.io/web-abc12`, `ingress.networking.k8s.io/cafe`).
 */
const NAME_PREFIX: Record<Kind, string> = {
  Service: 'service',
  Endpoints: 'endpoints',
  EndpointSlice: 'endpointslice.discovery.k8s.io',
  Pod: 'pod',
  Ingress: 'ingress.networking.k8s.io',
  IngressClass: 'ingressclass.networking.k8s.io',
  Node: 'node',
  Secret: 'secret',
};

/** kubectl's `all` category, as far as svcnet stores its kinds (Deployments and the like run in the simulator). */
const ALL: Kind[] = ['Pod', 'Service'];

/**
 * What `get` was asked for, as kubectl reads it: `svc`, `svc,pods`, `all`, or `svc/web` (then no
 * separate NAME). Each kind once, in the order given.
 */
export function parseGetTargets(kindText: string, name: string | undefined): { kinds: Kind[]; name: string | undefined } {
  let text = kindText;
  let target = name;
  const slash = kindText.indexOf('/');
  if (slash >= 0) {
    if (name) throw new CliError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'svcnet get ${kindText}' instead of 'svcnet get svc ${kindText}')`, 2);
    text = kindText.slice(0, slash);
    target = kindText.slice(slash + 1);
    if (!target) throw new CliError(`arguments in resource/name form must have a single resource and name: "${kindText}"`, 2);
  }
  const kinds: Kind[] = [];
  for (const part of text.split(',')) {
    for (const k of part.toLowerCase() === 'all' ? ALL : [resolveKind(part)]) if (!kinds.includes(k)) kinds.push(k);
  }
  return { kinds, name: target };
}

/** `svcnet get KIND[,KIND...]|all [NAME] | KIND/NAME [-n NS|-A] [-l SELECTOR] [-o wide|yaml|json|name]` */
export async function get(kindText: string, name: string | undefined, opts: GetFlags): Promise<number> {
  const targets = parseGetTargets(kindText, name);
  return withStore(opts, async (store) => {
    const found: { kind: Kind; items: KubeObject[]; allNamespaces: boolean }[] = [];
    let failed = false;
    for (const kind of targets.kinds) {
      const ns = NAMESPACED[kind] && !opts.allNamespaces ? opts.namespace : undefined;
      if (targets.name) {
        const o = await store.get(kind, ns ?? opts.namespace, targets.name);
        if (!o) {
          console.error(notFound(kind, targets.name));
          failed = true;
          continue;
        }
        found.push({ kind, items: [o], allNamespaces: false });
      } else {
        const items = (await store.list(kind, { ...(ns ? { namespace: ns } : {}), ...(opts.selector ? { labelSelector: opts.selector } : {}) })).items;
        items.sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0));
        found.push({ kind, items, allNamespaces: !ns && NAMESPACED[kind] });
      }
    }
    const all = found.flatMap((f) => f.items);
    const one = all.length === 1 && targets.name && targets.kinds.length === 1;
    if (opts.output === 'json') console.log(JSON.stringify(one ? all[0] : { apiVersion: 'v1', kind: 'List', items: all }, null, 2));
    else if (opts.output === 'yaml') console.log(stringify(one ? all[0] : { apiVersion: 'v1', kind: 'List', items: all }, YAML_OUTPUT));
    else if (opts.output === 'name') for (const f of found) for (const o of f.items) console.log(`${NAME_PREFIX[f.kind]}/${o.metadata?.name}`);
    else if (!all.length) {
      if (!failed) console.error(!opts.allNamespaces ? `No resources found in ${opts.namespace} namespace.` : 'No resources found');
    } else {
      // Several kinds: one table each, a blank line between, names as kind/name (kubectl's layout).
      const tables = found
        .filter((f) => f.items.length > 0)
        .map((f) => {
          const items = targets.kinds.length > 1 ? f.items.map((o) => ({ ...o, metadata: { ...o.metadata, name: `${NAME_PREFIX[f.kind]}/${o.metadata?.name}` } })) : f.items;
          return formatTable(f.kind, items as never[], { wide: opts.output === 'wide', allNamespaces: f.allNamespaces }).replace(/\n$/, '');
        });
      console.log(tables.join('\n\n'));
    }
    return failed ? 1 : 0;
  });
}

/** `svcnet describe KIND NAME` */
export async function describe(kindText: string, name: string, opts: ObjectFlags): Promise<number> {
  const kind = resolveKind(kindText);
  return withStore(opts, async (store) => {
    const o = await store.get(kind, opts.namespace, name);
    if (!o) {
      console.error(notFound(kind, name));
      return 1;
    }
    const slices = kind === 'Service' ? (await store.list('EndpointSlice', { namespace: opts.namespace, labelSelector: { [LABEL_SERVICE_NAME]: name } })).items : [];
    console.log(describeObject(o, slices).join('\n'));
    return 0;
  });
}

/** `svcnet apply -f PATH...`: every object through the store's validation; `kind/name created|configured|unchanged`. */
export async function apply(opts: ApplyFlags): Promise<number> {
  const input = await readManifestFlags(opts);
  let failed = reportManifestInput(input) > 0;
  const strictlyBad = new Set(input.strict ? input.unknown.map((u) => u.manifest) : []);
  await withStore(opts, async (store) => {
    for (const m of input.objects) {
      const { object } = m;
      if (strictlyBad.has(m)) continue;
      if (!isKind(object.kind)) {
        if (isWorkload(object)) console.error(`note: ${whereFrom(m)}: ${object.kind} "${object.metadata?.name}" is not stored: workloads run in the workload simulator (svcnet -f, svcnet-agent -f)`);
        continue;
      }
      const label = `${object.kind.toLowerCase()}/${object.metadata?.name}`;
      try {
        const r = await store.apply(object as never);
        console.log(`${label} ${r.action === 'unchanged' ? 'unchanged' : r.action === 'created' ? 'created' : 'configured'}`);
      } catch (e) {
        if (isStoreError(e, 'Unavailable') || isStoreError(e, 'Timeout')) throw new CliError((e as Error).message);
        failed = true;
        console.error(`error: ${whereFrom(m)}: ${(e as Error).message}`);
      }
    }
  });
  return failed ? 1 : 0;
}

/** `svcnet delete KIND NAME...` or `svcnet delete -f PATH...`: `kind "name" deleted`, kubectl's NotFound otherwise. */
export async function deleteObjects(kindText: string | undefined, names: string[], opts: DeleteFlags): Promise<number> {
  const targets: { kind: Kind; namespace: string; name: string }[] = [];
  let failed = false;
  if (opts.filename?.length) {
    if (kindText) throw new CliError('give either KIND NAME... or -f, not both', 2);
    const input = await readManifestFlags({ ...opts, filename: opts.filename, validate: 'ignore' });
    failed = reportManifestInput(input) > 0;
    for (const { object } of input.objects) {
      if (isKind(object.kind)) targets.push({ kind: object.kind, namespace: object.metadata?.namespace ?? opts.namespace, name: object.metadata?.name ?? '' });
    }
  } else {
    if (!kindText) throw new CliError('you must provide one or more resources by argument or filename (delete KIND NAME... or delete -f PATH)', 2);
    if (names.length === 0) throw new CliError(`resource(s) were provided, but no name was specified (delete ${kindText} NAME)`, 2);
    const kind = resolveKind(kindText);
    for (const name of names) targets.push({ kind, namespace: opts.namespace, name });
  }
  await withStore(opts, async (store: Store) => {
    for (const t of targets) {
      try {
        const o = await store.delete(t.kind, t.namespace, t.name);
        console.log(`${t.kind.toLowerCase()} "${objectKey(o).split('/').pop()}" deleted`);
      } catch (e) {
        if (!isStoreError(e, 'NotFound')) throw e;
        if (!opts.ignoreNotFound) {
          console.error(notFound(t.kind, t.name));
          failed = true;
        }
      }
    }
  });
  return failed ? 1 : 0;
}
