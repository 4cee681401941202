// @svcnet/sources: where cluster state comes from. Each source writes into a @svcnet/store Store.
export { KubernetesSource } from './kubernetes/kubernetesSource.js';
export type { KindSyncStatus, KubernetesSourceOptions, KubernetesSourceStatus } from './kubernetes/kubernetesSource.js';
export { KubeConfigError } from './kubernetes/kubeConfigLoader.js';
export type { KubeConfigOptions } from './kubernetes/kubeConfigLoader.js';
export { WorkloadSimulator } from './simulator/workloadSimulator.js';
export type { FlapOptions, WorkloadSimulatorOptions, WorkloadSimulatorStatus } from './simulator/workloadSimulator.js';
// Re-exported from @svcnet/model, where they live, for code that seeds a WorkloadSimulator.
export { type Random, seededRandom } from '@svcnet/model';
export { SimulatorConfigError } from './simulator/nodeIpam.js';
export type { Workload } from './simulator/podFactory.js';
export { FILE_SOURCE_PREFIX, ManifestSource } from './manifests/manifestSource.js';
export type { ManifestSourceOptions, ManifestSourceStatus, ManifestSyncResult } from './manifests/manifestSource.js';
export { planManifestSync } from './manifests/manifestPlan.js';
export type { ManifestProblem } from './manifests/manifestPlan.js';
