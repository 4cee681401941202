// @svcnet/proxy: kube-proxy's rule engines (iptables, nftables, ipvs, userspace) for one node.
// The public door: what the agent, the CLI, the benches and the README's API use, and the types
// their signatures take and return. Helpers the data planes share stay inside (core/).
export { BoundedFrequencyRunner } from './core/boundedFrequencyRunner.js';
export type { BoundedFrequencyRunnerOptions } from './core/boundedFrequencyRunner.js';
export { endpointsFromSlices } from './core/endpointInfo.js';
export { EndpointsChangeTracker } from './core/endpointsChangeTracker.js';
export type { EndpointsMap, EndpointsChange, StaleEndpoint, UpdateEndpointsMapResult } from './core/endpointsChangeTracker.js';
export {
  ProxyConfigError,
  optionsFromKubeProxyConfiguration,
  parseDuration,
  proxyOptions,
  validateProxyOptions,
} from './core/proxyOptions.js';
export type { ProxyOptions } from './core/proxyOptions.js';
export { INVALID_REASONS, InvalidObjects } from './core/invalidObjects.js';
export type { InvalidObject, InvalidObjectKind, InvalidObjectListener, InvalidReason } from './core/invalidObjects.js';
export { UnsafeRuleValueError } from './core/ruleValueGuard.js';
export { servingProblemText } from './core/servingProblem.js';
export type { ServingProblem } from './core/servingProblem.js';
export type { AddressPolicy } from './core/ruleAddress.js';
export { ProxyState } from './core/proxyState.js';
export type { SyncChanges } from './core/proxyState.js';
export { ServiceChangeTracker } from './core/serviceChangeTracker.js';
export type { ServicePortMap, UpdateServiceMapResult } from './core/serviceChangeTracker.js';
export { servicePortsFromService } from './core/serviceInfo.js';
export { categorizeEndpoints } from './core/topology.js';
export type { CategorizedEndpoints } from './core/topology.js';
export type { EndpointInfo, IPFamily, Protocol, ServiceKey, ServicePortInfo, ServicePortName } from './core/types.js';

export { portProtoHash, servicePortEndpointChainName } from './iptables/chainNames.js';
export { applyRestore, sortIPTablesRules } from './iptables/iptablesDump.js';
export type { IPTablesDump, IPTablesState } from './iptables/iptablesDump.js';
export { renderIPTables } from './iptables/iptablesRenderer.js';
export type { IPTablesRenderInput, IPTablesRenderResult } from './iptables/iptablesRenderer.js';
export { IPTablesSyncer } from './iptables/iptablesSyncer.js';
export type { PreparedIPTablesSync } from './iptables/iptablesSyncer.js';
export { CANARY_CHAIN, CANARY_TABLES, IPTablesApplier } from './iptables/iptablesApplier.js';
export { createIPTablesProxier } from './iptables/iptablesBackend.js';
export { RANDOM_FULLY_MIN_VERSION, hostIPTablesVersion, parseIPTablesVersion, supportsRandomFully } from './engine/iptablesVersion.js';

export { TABLE as NFT_TABLE } from './nftables/nftablesBase.js';
export { hashAndTruncate } from './nftables/nftNames.js';
export { renderNFTService } from './nftables/nftablesService.js';
export type { NFTElement, NFTServiceArtifacts } from './nftables/nftablesService.js';
export { NFTablesSyncer } from './nftables/nftablesSyncer.js';
export type { PreparedNFTablesSync } from './nftables/nftablesSyncer.js';
export { NFTablesApplier, createNFTablesProxier } from './nftables/nftablesBackend.js';

export { CommandError, hostExec, netnsExec } from './engine/exec.js';
export type { Exec, ExecResult } from './engine/exec.js';
export { METRIC_NAMES, proxyMetrics } from './engine/metrics.js';
export type { ProxyMetrics } from './engine/metrics.js';
export { Proxier } from './engine/proxier.js';
export { ConntrackCleaner, conntrackCleanupCommands } from './engine/conntrack.js';
export type { ConntrackCleanupResult, ConntrackCommand } from './engine/conntrack.js';
export { DEFAULT_MONITOR_INTERVAL_MS, RuleMonitor } from './engine/ruleMonitor.js';
export type { ProxierLogger, ProxierOptions, ProxierStatus, SyncBackend } from './engine/proxier.js';
export { runProxyFromStore } from './engine/storeRunner.js';
export type { ProxierSink, ProxyInputs } from './engine/storeRunner.js';
export { RoundRobin } from './userspace/loadBalancer.js';
export { createUserspaceProxier } from './userspace/userspaceProxier.js';
export { PRIVILEGED_PORT_OFFSET, UserspacePortals } from './userspace/userspacePortals.js';
export type { PreparedUserspaceSync } from './userspace/userspaceProxier.js';
export type { PortalSpec } from './userspace/userspacePortals.js';
export { IPVS_IPSETS, KUBE_IPVS_DUMMY, renderIPVS } from './ipvs/ipvsRenderer.js';
export type { IPVSRenderInput, IPVSRenderResult } from './ipvs/ipvsRenderer.js';
export { chooseProxyMode, hostKernel } from './ipvs/ipvsSupport.js';
export type { KernelProbe, ModeDecision, ProxyMode } from './ipvs/ipvsSupport.js';
export { ServiceHealthServers, serviceHealthFromState, serviceHealthHosts, startProxyHealthServer } from './healthcheck/healthServers.js';
export type { ProxyHealthSource, ServiceHealth } from './healthcheck/healthServers.js';
