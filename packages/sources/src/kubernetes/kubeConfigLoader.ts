import type { KubeConfig } from '@kubernetes/client-node';
import { clientNode } from './clientNode.js';

export interface KubeConfigOptions {
  /** Path of a kubeconfig file (`--kubeconfig`). */
  kubeconfig?: string;
  /** Context to use instead of the file's current-context (`--context`). */
  context?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST/PORT, /var/run/secrets/kubernetes.io/serviceaccount). */
  inCluster?: boolean;
  /** A ready KubeConfig, for callers that built one themselves. */
  kubeConfig?: KubeConfig;
}

export class KubeConfigError extends Error {
  readonly code = 'KubeConfig';
  constructor(message: string) {
    super(`kubernetes source: ${message}`);
    this.name = 'KubeConfigError';
  }
}

/**
 * Resolves the cluster to talk to, as kubectl does: an explicit file, else in-cluster when asked,
 * else $KUBECONFIG / ~/.kube/config (client-node's loadFromDefault, which also falls back to
 * in-cluster). Throws KubeConfigError naming the file or context and what to do.
 */
export function loadKubeConfig(options: KubeConfigOptions): KubeConfig {
  if (options.inCluster && !options.kubeconfig && !options.kubeConfig && !process.env['KUBERNETES_SERVICE_HOST']) {
    throw new KubeConfigError('in-cluster config needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (run inside a pod, or pass --kubeconfig)');
  }
  let kc = options.kubeConfig;
  if (!kc) {
    kc = new (clientNode().KubeConfig)();
    try {
      if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
      else if (options.inCluster) kc.loadFromCluster();
      else kc.loadFromDefault();
    } catch (e) {
      throw new KubeConfigError(`cannot load kubeconfig ${options.kubeconfig ? `"${options.kubeconfig}"` : '(default)'}: ${(e as Error).message}`);
    }
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeConfigError(`context "${options.context}" not found in kubeconfig; known contexts: ${known.join(', ') || '(none)'}`);
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubeConfigError('no cluster server in the current context: set current-context in the kubeconfig or pass --context');
  }
  return kc;
}
