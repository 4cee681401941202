import { FieldPath, InvalidObjectError, invalid, ipFamily, isValidIP, validateNonSpecialIP, type FieldError, type Pod, ANNOTATION_POD_IPS } from '@svcnet/model';

/**
 * A bare Pod's request for its addresses, as CNI plugins with static addresses take one from an
 * annotation (Calico's `cni.projectcalico.org/ipAddrs`, kube-ovn's `ovn.kubernetes.io/ip_address`):
 * comma-separated, one address per family, e.g. `10.244.0.10` or `10.244.0.10,fd00:10:244::10`.
 * It is metadata, which a client may write; the Pod's status (which it may not: the store drops
 * a client's status) is still written by the simulator, standing in for the kubelet, through the
 * status subresource, where the store validates it. What it is for: a manifest whose Pods are
 * real backends (a network namespace a test made, a host on the lab network) at known addresses.
 */
/**
 * The addresses `pod` asks for, or undefined when it asks for none. Throws InvalidObjectError
 * (field `metadata.annotations[svcnet.io/pod-ips]`) for text that is not a list of addresses,
 * two of one family, or an address that may not be an endpoint (loopback, link-local,
 * unspecified: what the Pod's status would be refused for anyway).
 */
export function requestedPodIPs(pod: Pod): string[] | undefined {
  const text = pod.metadata?.annotations?.[ANNOTATION_POD_IPS];
  if (text === undefined) return undefined;
  const path = FieldPath.root('metadata').child('annotations').key(ANNOTATION_POD_IPS);
  const ips = text.split(',');
  const errors: FieldError[] = [];
  for (const ip of ips) {
    const parseErrors = isValidIP(path, ip);
    errors.push(...(parseErrors.length ? parseErrors : validateNonSpecialIP(path, ip)));
  }
  const families = new Set(ips.map((ip) => ipFamily(ip)));
  if (errors.length === 0 && families.size !== ips.length) errors.push(invalid(path, text, 'may specify no more than one IP for each IP family'));
  if (errors.length > 0) throw new InvalidObjectError('Pod', pod.metadata?.name ?? '', errors);
  return ips;
}
