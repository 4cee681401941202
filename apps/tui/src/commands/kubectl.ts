import type { Command } from 'commander';
import { Option } from 'commander';
import { isKind, loadManifests, formatTable, objectKey, NAMESPACED, type Kind, type KubeObject } from '@svcnet/model';
import { isStoreError, openStore, type Store } from '@svcnet/store';
import { stringify } from 'yaml';
import type { RegisterCommand } from './types.js';
import { describeObject } from '../describe.js';

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

export function resolveKind(text: string): Kind {
  const k = KIND_ALIASES[text.toLowerCase()] ?? (isKind(text) ? text : undefined);
  if (!k) throw new Error(`the server doesn't have a resource type "${text}": use one of ${Object.keys(KIND_ALIASES).join(', ')}`);
  return k;
}

const redisOption = () =>
  new Option('--redis <url>', 'the shared store that agents use (redis://, rediss://, unix:///path)').env('SVCNET_REDIS').makeOptionMandatory();

/** kubectl's wording for a missing object. */
function reportNotFound(kind: Kind, name: string, setExitCode: (code: number) => void): void {
  console.error(`Error from server (NotFound): ${kind} "${name}" not found`);
  setExitCode(1);
}

async function withStore<T>(url: string, f: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

/** `svcnet get|describe|apply|delete` against a Redis store, printed in kubectl's layouts. */
export const registerKubectl: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command('get')
    .description('list objects from the shared store in kubectl\'s table layout')
    .argument('<kind>', 'svc, ep, eps, pod, ing, node, ...')
    .argument('[name]', 'one object by name')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-o, --output <format>', 'wide | yaml | json')
    .addOption(redisOption())
    .action(async (kindText: string, name: string | undefined, opts: { namespace: string; allNamespaces?: boolean; output?: string; redis: string }) => {
      const kind = resolveKind(kindText);
      await withStore(opts.redis, async (store) => {
        const ns = NAMESPACED[kind] && !opts.allNamespaces ? opts.namespace : undefined;
        let items: KubeObject[];
        if (name) {
          const o = await store.get(kind, ns ?? opts.namespace, name);
          if (!o) return reportNotFound(kind, name, setExitCode);
          items = [o];
        } else {
          items = (await store.list(kind, ns ? { namespace: ns } : {})).items;
        }
        if (opts.output === 'json') console.log(JSON.stringify(items.length === 1 && name ? items[0] : { apiVersion: 'v1', kind: 'List', items }, null, 2));
        else if (opts.output === 'yaml') console.log(stringify(items.length === 1 && name ? items[0] : { apiVersion: 'v1', kind: 'List', items }));
        else if (!items.length) console.error(ns ? `No resources found in ${ns} namespace.` : 'No resources found');
        else console.log(formatTable(kind, items, { wide: opts.output === 'wide', allNamespaces: !ns && NAMESPACED[kind] }));
      });
    });

  /** `svcnet VERB KIND NAME [-n NS] --redis URL`: the shape describe and delete share. */
  const objectCommand = (verb: string, description: string) =>
    program
      .command(verb)
      .description(description)
      .argument('<kind>', 'svc, ep, eps, pod, ing, node, ...')
      .argument('<name>')
      .option('-n, --namespace <ns>', 'namespace', 'default')
      .addOption(redisOption());

  objectCommand('describe', 'show one object in detail, like kubectl describe')
    .action(async (kindText: string, name: string, opts: { namespace: string; redis: string }) => {
      const kind = resolveKind(kindText);
      await withStore(opts.redis, async (store) => {
        const o = await store.get(kind, opts.namespace, name);
        if (!o) return reportNotFound(kind, name, setExitCode);
        const slices = kind === 'Service' ? (await store.list('EndpointSlice', { namespace: opts.namespace, labelSelector: { 'kubernetes.io/service-name': name } })).items : [];
        console.log(describeObject(o, slices).join('\n'));
      });
    });

  program
    .command('apply')
    .description('create or update objects from manifests in the shared store (validated first)')
    .requiredOption('-f, --filename <paths...>', 'files or folders of YAML/JSON manifests')
    .addOption(redisOption())
    .action(async (opts: { filename: string[]; redis: string }) => {
      const parsed = await loadManifests(opts.filename);
      for (const e of parsed.errors) console.error(`error: ${e.message}`);
      let failed = parsed.errors.length > 0;
      await withStore(opts.redis, async (store) => {
        for (const { object, source } of parsed.objects) {
          if (!isKind(object.kind)) continue; // Deployments/StatefulSets belong to the simulator
          const label = `${object.kind.toLowerCase()}/${object.metadata?.name}`;
          try {
            const r = await store.apply(object as never);
            console.log(`${label} ${r.action === 'unchanged' ? 'unchanged' : r.action === 'created' ? 'created' : 'configured'}`);
          } catch (e) {
            failed = true;
            console.error(`error: ${source}: ${(e as Error).message}`);
          }
        }
      });
      if (failed) setExitCode(1);
    });

  objectCommand('delete', 'delete an object from the shared store')
    .action(async (kindText: string, name: string, opts: { namespace: string; redis: string }) => {
      const kind = resolveKind(kindText);
      await withStore(opts.redis, async (store) => {
        try {
          const o = await store.delete(kind, opts.namespace, name);
          console.log(`${kind.toLowerCase()} "${objectKey(o).split('/').pop()}" deleted`);
        } catch (e) {
          if (isStoreError(e, 'NotFound')) return reportNotFound(kind, name, setExitCode);
          throw e;
        }
      });
    });
};
