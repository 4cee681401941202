import type { ManifestLimits, ManifestParseResult, SkippedDocument } from '@svcnet/model';
import type { Fence } from '@svcnet/store';
import type { WorkloadSimulator } from '../simulator/workloadSimulator.js';
import type { ManifestProblem } from './manifestPlan.js';

export interface ManifestSourceOptions {
  /** Files and folders (*.yaml, *.yml, *.json): a folder means its files, as kubectl's -f. */
  paths: string | readonly string[];
  /** Also read the folders inside the folders named (kubectl's -R). */
  recursive?: boolean;
  /**
   * Manifests already read (from standard input, or by a caller that reported their problems
   * itself): applied once instead of reading `paths`, which are then ignored, and never watched.
   */
  parsed?: ManifestParseResult;
  /** Where Deployments and StatefulSets go (without one they are reported as problems); it also schedules and starts bare Pods (their status is the simulator's, never the file's). */
  simulator?: WorkloadSimulator;
  /** Re-apply on change (fs.watch plus a periodic rescan); default true. */
  watch?: boolean;
  /** Quiet time after the last file event before re-reading (default 100 ms): an editor's save is several events. */
  debounceMs?: number;
  /** Rescan period, the fallback for file systems whose events get lost (default 2000 ms; 0 turns it off). */
  rescanIntervalMs?: number;
  limits?: ManifestLimits;
  /** The lease this writer holds, asked at each write: a deposed writer's late writes are refused (Fenced). */
  fence?: () => Fence | undefined;
  onSync?: (result: ManifestSyncResult) => void;
  onProblem?: (problem: ManifestProblem) => void;
}

export interface ManifestSyncResult {
  files: string[];
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Objects no longer in their file but kept because that file has errors right now. */
  kept: number;
  /** Every problem found in this pass, per file and document; the good documents were applied regardless. */
  problems: ManifestProblem[];
  /** Documents of kinds svcnet does not use (Namespace, ConfigMap, RBAC, custom resources), left alone. */
  skipped: SkippedDocument[];
}

export interface ManifestSourceStatus {
  running: boolean;
  paths: string[];
  files: number;
  objects: number;
  syncs: number;
  lastSyncAt?: string;
  problems: ManifestProblem[];
}
