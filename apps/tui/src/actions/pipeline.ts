import { STDIN_PATH, parseCIDR } from '@svcnet/model';
import { UsageError } from '../cliErrors.js';
import type { PipelineFlags } from '../commands/render.js';
import { startManifestCluster, type ManifestCluster } from '../manifestCluster.js';
import { readManifestFlags, reportManifestInput } from './manifestInput.js';

const printError = (line: string) => process.stderr.write(`${line}\n`);

/** --service-cluster-ip-range as kube-apiserver checks it: CIDRs, at most one per family. */
export function serviceRanges(ranges: readonly string[]): string[] {
  const families = new Set<string>();
  for (const r of ranges) {
    const c = parseCIDR(r);
    if (!c) throw new UsageError(`--service-cluster-ip-range: ${JSON.stringify(r)} is not a CIDR (for example 10.96.0.0/12,fd00:10:96::/108)`);
    if (families.has(c.family)) throw new UsageError(`--service-cluster-ip-range: give at most one ${c.family} range (got ${ranges.join(',')})`);
    families.add(c.family);
  }
  return [...ranges];
}

/**
 * The manifests through the dashboard's pipeline, reproducibly: read (-f/-R/stdin), objects applied
 * through admission and allocation in file order, workloads simulated from a fixed seed, endpoints
 * reconciled, all settled. Problems go to stderr as they are found; `failures` counts them.
 */
export async function runPipeline(flags: PipelineFlags, options: { watch?: boolean } = {}): Promise<{ cluster: ManifestCluster; failures: number }> {
  const serviceCIDRs = serviceRanges(flags.serviceClusterIpRange);
  const input = await readManifestFlags(flags);
  let failures = reportManifestInput(input, printError);
  // With --validate=strict an object with unknown fields is an error, and is not applied.
  const rejected = new Set(input.strict ? input.unknown.map((u) => u.manifest) : []);
  const objects = input.objects.filter((m) => !rejected.has(m));
  // Standard input cannot be watched: with `-f -` the manifests are read once.
  const watch = (options.watch ?? false) && !flags.filename.includes(STDIN_PATH);
  let firstPass = true;
  const cluster = await startManifestCluster(flags.filename, {
    watch,
    recursive: flags.recursive ?? false,
    reproducible: true,
    serviceCIDRs,
    ...(watch ? {} : { parsed: { objects, errors: [], skipped: [] } }),
    log: (line) => printError(`svcnet: ${line}`),
    // The first pass's problems are printed below; later ones (files edited while serving) as they come.
    onProblem: (p) => firstPass || printError(`error: ${p.message}`),
  });
  firstPass = false;
  try {
    // Parse problems were printed above; what is left is what admission and the simulator refused.
    for (const p of cluster.sync.problems) if (!input.errors.some((e) => e.message === p.message)) printError(`error: ${p.message}`);
    failures += cluster.sync.problems.filter((p) => !input.errors.some((e) => e.message === p.message)).length;
    await cluster.settle();
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return { cluster, failures };
}

/** Runs the pipeline, prints what `f` makes of it, stops it; exit 1 when a manifest had a problem. */
export async function withPipeline(flags: PipelineFlags, f: (cluster: ManifestCluster) => Promise<string>): Promise<number> {
  const { cluster, failures } = await runPipeline(flags);
  try {
    process.stdout.write(await f(cluster));
  } finally {
    await cluster.stop();
  }
  return failures ? 1 : 0;
}
