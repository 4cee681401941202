/**
 * Every setting of svcnet-agent, declared once. Commander options, the config file's keys, `--help`
 * and the README's flag table are all generated from this list. Names follow kube-proxy
 * (`--hostname-override`, `--cluster-cidr`, `--proxy-mode`, `--nodeport-addresses`,
 * `--masquerade-all`, `--healthz-bind-address`, `--metrics-bind-address`, `--cleanup`, and the
 * KubeProxyConfiguration keys), kubelet (`--node-ip`, `--cluster-domain`), kube-controller-manager
 * (`--leader-elect-lease-duration`, `--node-monitor-grace-period`) and CoreDNS (forward, bind, acl) where
 * they exist.
 */
export type FlagType = 'string' | 'list' | 'boolean' | 'tristate' | 'duration' | 'choice' | 'count' | 'workers';

export interface FlagSpec {
  /** Long flag name without dashes. */
  readonly flag: string;
  readonly short?: string;
  /** Key in the config file (dots nest: `iptables.masqueradeAll`); undefined: command line only. */
  readonly key?: string;
  readonly type: FlagType;
  readonly default?: string | boolean | readonly string[];
  readonly choices?: readonly string[];
  /** Placeholder in --help (`ADDR:PORT`). */
  readonly arg?: string;
  readonly help: string;
}

export const PROXY_MODES = ['iptables', 'nftables', 'ipvs', 'userspace', 'none'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const FLAGS: readonly FlagSpec[] = [
  { flag: 'config', type: 'string', arg: 'FILE', help: 'read settings from this YAML or JSON file (AgentConfiguration); flags given on the command line win' },
  { flag: 'write-config-to', type: 'string', arg: 'FILE', help: 'write the settings in effect (flags, then --config, then defaults) to this file as an AgentConfiguration and exit, as kube-proxy\'s flag ("-": standard output); --config FILE reads it back' },
  // sources and store
  { flag: 'kubeconfig', key: 'clientConnection.kubeconfig', type: 'string', arg: 'FILE', help: 'mirror a real cluster from this kubeconfig ("in-cluster" for the pod\'s service account)' },
  { flag: 'context', key: 'clientConnection.context', type: 'string', arg: 'NAME', help: 'kubeconfig context to use (default: its current-context)' },
  { flag: 'manifests', short: 'f', key: 'manifests', type: 'list', arg: 'PATH', help: 'apply the YAML/JSON manifests in these files or folders (a folder means its files, as kubectl -f; re-read on change); Deployments and StatefulSets run in the workload simulator; with --redis any number of agents may carry the same -f: the holder of the lease svcnet-manifests writes, another takes over when it stops; comma-separated or repeated' },
  { flag: 'recursive', short: 'R', key: 'manifestsRecursive', type: 'boolean', default: false, help: 'with -f: also read the folders inside the folders named (kubectl -R)' },
  { flag: 'redis', key: 'store.redis', type: 'string', arg: 'URL', help: 'share state through Redis (redis://host:6379/0, rediss://, unix:///path/redis.sock); default an in-process memory store' },
  { flag: 'redis-min-replicas', key: 'store.redisMinReplicas', type: 'count', arg: 'N', default: '0', help: 'acknowledge a store write only once N Redis replicas have it (WAIT), so that a failover loses none; with Sentinel give the number of replicas. Each write then waits a replica round trip; 0: acknowledged by the primary alone, and the last writes before a failover may be lost' },
  { flag: 'redis-replica-timeout', key: 'store.redisReplicaTimeout', type: 'duration', default: '2s', help: 'with --redis-min-replicas: how long a write waits for the replicas before it fails (and is retried) instead of being acknowledged' },
  { flag: 'service-cluster-ip-range', key: 'store.serviceClusterIPRange', type: 'list', arg: 'CIDR', help: 'ClusterIP range(s) the store allocates from (same on every agent of one store); default 10.96.0.0/12, or 127.100.0.0/16 (loopback, this machine\'s own) with --proxy-mode userspace and the memory store' },
  { flag: 'service-node-port-range', key: 'store.serviceNodePortRange', type: 'string', arg: 'RANGE', default: '30000-32767', help: 'NodePort range the store allocates from (same on every agent of one store)' },
  // node
  { flag: 'hostname-override', key: 'hostnameOverride', type: 'string', arg: 'NAME', help: 'this node\'s name (default: the host name)' },
  { flag: 'node-ip', key: 'nodeIP', type: 'list', arg: 'IP', help: 'this node\'s address(es), one per family (default: the first non-loopback address)' },
  { flag: 'simulate-backends', key: 'simulateBackends', type: 'boolean', default: false, help: 'with -f: give this node\'s simulated Pods their address on this machine (loopback; needs root or CAP_NET_ADMIN) and a tiny echo server that answers which Pod served, so Services and Ingresses reach them; default: simulated Pods get no packets' },
  { flag: 'cluster-cidr', key: 'clusterCIDR', type: 'list', arg: 'CIDR', default: ['10.244.0.0/16'], help: 'pod CIDR(s): traffic from outside is masqueraded; the simulator takes pod IPs from here' },
  // proxy
  { flag: 'proxy-mode', key: 'mode', type: 'choice', arg: 'MODE', choices: PROXY_MODES, default: 'iptables', help: 'data plane: iptables, nftables, ipvs (falls back to iptables without kernel IPVS), userspace (no root) or none' },
  { flag: 'masquerade-all', key: 'iptables.masqueradeAll', type: 'boolean', default: false, help: 'SNAT all traffic sent through Service addresses' },
  { flag: 'nodeport-addresses', key: 'nodePortAddresses', type: 'list', arg: 'CIDR', default: [], help: 'accept NodePorts only on local addresses in these CIDRs ("primary" for the node IP); default all' },
  { flag: 'localhost-nodeports', key: 'iptables.localhostNodePorts', type: 'boolean', default: false, help: 'also accept NodePorts on 127.0.0.1 (iptables mode, IPv4, as kube-proxy: sets route_localnet=1 and drops other hosts\' packets to 127.0.0.0/8 in KUBE-FIREWALL); ignored in nftables mode, which has no localhost NodePorts' },
  { flag: 'iptables-min-sync-period', key: 'iptables.minSyncPeriod', type: 'duration', default: '1s', help: 'least time between two rule syncs (batches bursts of changes)' },
  { flag: 'iptables-sync-period', key: 'iptables.syncPeriod', type: 'duration', default: '30s', help: 'longest time between two rule syncs' },
  { flag: 'healthz-bind-address', key: 'healthzBindAddress', type: 'string', arg: 'ADDR:PORT', default: '0.0.0.0:10256', help: 'serve /healthz, /livez and /readyz here ("" turns it off)' },
  { flag: 'metrics-bind-address', key: 'metricsBindAddress', type: 'string', arg: 'ADDR:PORT', default: '127.0.0.1:10249', help: 'serve Prometheus /metrics and the agent\'s /status here ("" turns it off)' },
  // controllers
  { flag: 'reconcile-endpoints', key: 'reconcileEndpoints', type: 'tristate', help: 'run the Endpoints/EndpointSlice reconciler (under a lease); default on with manifests or Redis, off with --kubeconfig (use --no-reconcile-endpoints to turn off)' },
  { flag: 'loadbalancer-pool', key: 'loadBalancer.pools', type: 'list', arg: 'CIDR|RANGE', default: [], help: 'addresses for LoadBalancer Services (10.0.0.0/28 or 10.0.0.10-10.0.0.20; the dashboard\'s demo assigns 203.0.113.10-203.0.113.250 and announces none); the controller runs under a lease and its holder adds them to its interface; repeatable' },
  { flag: 'controller-health-timeout', key: 'controllerHealthTimeout', type: 'duration', default: '60s', help: '/healthz fails while a controller this agent leads has had a change waiting longer than this (queued, being written or retried): a stuck controller is restarted or replaced' },
  { flag: 'leader-elect-lease-duration', key: 'leaderElection.leaseDuration', type: 'duration', default: '15s', help: 'lease time of the controllers\' and the manifests writer\'s leader election; a dead leader is replaced within it' },
  { flag: 'node-status-update-frequency', key: 'nodeStatusUpdateFrequency', type: 'duration', default: '10s', help: 'how often this agent writes its heartbeat and status to the store' },
  { flag: 'node-monitor-grace-period', key: 'nodeMonitorGracePeriod', type: 'duration', default: '40s', help: 'the leader marks a Node NotReady after its agent is silent this long' },
  // DNS
  { flag: 'dns-listen', key: 'dns.listen', type: 'string', arg: 'ADDR:PORT', help: 'serve cluster DNS over UDP and TCP here (CoreDNS bind); default off' },
  { flag: 'dns-upstream', key: 'dns.upstreams', type: 'list', arg: 'ADDR', default: ['/etc/resolv.conf'], help: 'resolvers for names outside the cluster domain (CoreDNS forward); "none" answers REFUSED; repeatable' },
  { flag: 'dns-allow', key: 'dns.allow', type: 'list', arg: 'CIDR', default: [], help: 'answer only clients in these networks (CIDRs or addresses, CoreDNS acl); others get REFUSED for every query; default any client (a warning is logged when that makes an open resolver); repeatable' },
  { flag: 'dns-workers', key: 'dns.workers', type: 'workers', arg: 'N|auto', default: 'auto', help: 'DNS servers in all, each with its own SO_REUSEPORT UDP and TCP sockets on --dns-listen, all answering from the one store watch of this agent: N is this process\'s main thread and N-1 worker threads (1: the main thread alone); auto: one per core, at most 4 (knot\'s udp-workers, nginx\'s worker_processes auto). Needs Node 22.12+; older Node runs one and logs why' },
  { flag: 'cluster-domain', key: 'dns.clusterDomain', type: 'string', arg: 'DOMAIN', default: 'cluster.local', help: 'the cluster DNS zone' },
  // ingress
  { flag: 'ingress-http-listen', key: 'ingress.httpListen', type: 'string', arg: 'ADDR:PORT', help: 'route HTTP by Ingress rules here; default off' },
  { flag: 'ingress-https-listen', key: 'ingress.httpsListen', type: 'string', arg: 'ADDR:PORT', help: 'route HTTPS (certificates by SNI from spec.tls Secrets) here; default off' },
  { flag: 'default-ssl-certificate', key: 'ingress.defaultSSLCertificate', type: 'string', arg: 'NAMESPACE/SECRET', help: 'the TLS Secret whose certificate answers names no Ingress covers (ingress-nginx\'s flag); default: a self-signed "Kubernetes Ingress Controller Fake Certificate" made at start' },
  { flag: 'ingress-class', key: 'ingress.ingressClass', type: 'string', arg: 'NAME', default: 'svcnet', help: 'serve Ingresses of this IngressClass (and those naming none)' },
  { flag: 'ingress-workers', key: 'ingress.workers', type: 'workers', arg: 'N|auto', default: 'auto', help: 'Ingress routers in all, each with its own SO_REUSEPORT listeners, all routing from the one store watch of this agent: N is this process\'s main thread and N-1 worker threads (1: the main thread alone); auto: one per core, at most 4 (nginx\'s worker_processes auto). Needs Node 22.12+; older Node runs one and logs why' },
  { flag: 'ingress-trusted-proxy', key: 'ingress.trustedProxies', type: 'list', arg: 'CIDR', default: [], help: 'believe X-Forwarded-For/-Host/-Port/-Proto only from clients in these CIDRs or addresses (ingress-nginx proxy-real-ip-cidr); from any other client X-Forwarded-For is replaced by its address; repeatable' },
  // lifecycle
  { flag: 'cleanup', type: 'boolean', default: false, help: 'remove the rules, nftables table, IPVS ipsets and interface addresses the agent creates (only those: look-alikes stay), then exit' },
  { flag: 'cleanup-on-exit', key: 'cleanupOnExit', type: 'boolean', default: false, help: 'on SIGTERM also remove the rules (default: leave them in place, as kube-proxy does)' },
  { flag: 'log-level', key: 'logging.level', type: 'choice', arg: 'LEVEL', choices: LOG_LEVELS, default: 'info', help: 'log verbosity (JSON lines on stderr)' },
];

/** `proxy-mode` -> `proxyMode`: the property commander and AgentConfig use. */
export function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
