import { podServiceEnvironment, type Pod, type Service } from '@svcnet/model';
import { UsageError } from '../cliErrors.js';
import type { EnvFlags } from '../commands/env.js';
import { runPipeline } from './pipeline.js';
import { withStore } from './storeAccess.js';

/**
 * The variables for a Pod in `namespace`, sorted by Service name and in upstream FromServices' order
 * within each Service (the kubelet hands them over in no particular order; sorted, runs compare).
 */
export function envFor(namespace: string, services: readonly Service[]): Record<string, string> {
  const pod: Pod = { metadata: { name: 'env', namespace } };
  const sorted = [...services].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  return podServiceEnvironment(pod, sorted);
}

/** `svcnet env`: from manifests (the render pipeline, so ClusterIPs are the ones `render` shows) or a store. */
export async function printEnv(flags: EnvFlags): Promise<number> {
  if (!flags.redis === !flags.filename?.length) throw new UsageError('give the Services: -f PATH (manifests) or --redis URL (the shared store), one of them');
  let services: Service[];
  let failures = 0;
  if (flags.redis) services = await withStore({ redis: flags.redis }, async (store) => (await store.list('Service')).items);
  else {
    const run = await runPipeline({ filename: flags.filename!, recursive: flags.recursive, validate: flags.validate, serviceClusterIpRange: flags.serviceClusterIpRange });
    failures = run.failures;
    try {
      services = (await run.cluster.store.list('Service')).items;
    } finally {
      await run.cluster.stop();
    }
  }
  const env = envFor(flags.namespace, services);
  process.stdout.write(flags.output === 'json' ? `${JSON.stringify(env, null, 2)}\n` : Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
  return failures ? 1 : 0;
}
