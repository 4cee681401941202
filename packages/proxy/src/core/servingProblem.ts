/**
 * Something a data plane was asked to serve and serves elsewhere or not at all. Kernel modes
 * program rules and have none; the userspace engine listens on each address itself and can be
 * refused (the address is not this machine's, the port is privileged, another process holds it).
 */
export interface ServingProblem {
  /** The service port, upstream ServicePortName.String() (`ns/name:port`). */
  readonly service: string;
  /** What was asked: `host:port/PROTOCOL`. */
  readonly address: string;
  /**
   * `not_local`: an externalIP or LoadBalancer IP that is not an address of this machine (another
   * node's job: skipped); `privileged_port`: a port below 1024 the process may not bind, served at
   * `servedAt` instead; `listen_failed`: anything else, including a ClusterIP or node IP that is
   * not local.
   */
  readonly reason: 'not_local' | 'privileged_port' | 'listen_failed';
  /** True when this node should serve it and does not: the proxy reports unhealthy meanwhile. */
  readonly unhealthy: boolean;
  /** Where it is served instead (`privileged_port`). */
  readonly servedAt?: string;
  readonly message: string;
}

/** One line per problem for logs and /healthz callers: `address (service): message`. */
export function servingProblemText(p: ServingProblem): string {
  return `${p.address} (${p.service}): ${p.message}`;
}
