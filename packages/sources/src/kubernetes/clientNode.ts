import { createRequire } from 'node:module';
import type * as ClientNode from '@kubernetes/client-node';

let loaded: typeof ClientNode | undefined;

/**
 * @kubernetes/client-node, loaded when the first KubernetesSource is made rather than when
 * @svcnet/sources is imported: the client takes about a second to load, and most users of this
 * package (manifests, the simulator, every `svcnet render`) never talk to an API server. It is an
 * ES module loaded with require(), which Node supports from 20.19 (and 22.12) on.
 */
export function clientNode(): typeof ClientNode {
  return (loaded ??= createRequire(import.meta.url)('@kubernetes/client-node') as typeof ClientNode);
}
