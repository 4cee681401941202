import { Option } from 'commander';

/**
 * A list flag as kube-proxy and kube-apiserver spell them: comma-separated values
 * (`--cluster-cidr 10.244.0.0/16,fd00:10:244::/56`); a repeated flag adds to the list. The default
 * is replaced, not added to, by the first value given.
 */
export function listOption(flags: string, help: string, defaults?: readonly string[]): Option {
  const initial = defaults ? [...defaults] : undefined;
  const option = new Option(flags, help).argParser((value: string, previous: string[] | undefined) => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    return previous === undefined || previous === initial ? items : [...previous, ...items];
  });
  return initial ? option.default(initial, initial.join(',')) : option;
}

/** kube-apiserver's --service-cluster-ip-range: the ClusterIP range(s), one per family. */
export const serviceRangeOption = () =>
  listOption('--service-cluster-ip-range <cidrs>', 'ClusterIP range(s) for Services without one, comma-separated, at most one per family (kube-apiserver)', ['10.96.0.0/12']);
