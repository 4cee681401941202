import type { Logger } from 'pino';

interface SyncCounts {
  created: number;
  updated: number;
  deleted: number;
  problems: readonly { message: string }[];
}

/**
 * The `manifests: applied` line, once per change: a pass that created, updated or deleted
 * something, or whose set of problems differs from the previous pass's. The manifest source
 * rescans every few seconds; a rescan that only meets the same problem files again says nothing
 * new (each problem itself is logged once, when it first appears, by onProblem).
 */
export function manifestSyncLog(log: Logger): (r: SyncCounts) => void {
  let lastProblems = '';
  return (r) => {
    const problems = r.problems.map((p) => p.message).sort().join('\n');
    const changed = r.created + r.updated + r.deleted > 0 || problems !== lastProblems;
    lastProblems = problems;
    if (changed) log.info({ created: r.created, updated: r.updated, deleted: r.deleted, problems: r.problems.length }, 'manifests: applied');
  };
}
