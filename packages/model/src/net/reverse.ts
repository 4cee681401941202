import { type IP, formatIP, parseIP } from './ip.js';

/**
 * The PTR owner name of an address, fully qualified with a trailing dot, as miekg/dns ReverseAddr:
 * `10.0.0.1` -> `1.0.0.10.in-addr.arpa.`, IPv6 as 32 reversed nibbles under `ip6.arpa.`.
 * Undefined when `ip` is not an address.
 */
export function reverseName(ip: IP | string): string | undefined {
  const a = typeof ip === 'string' ? parseIP(ip) : ip;
  if (!a) return undefined;
  if (a.family === 'IPv4') {
    const octets: string[] = [];
    for (let i = 0; i < 4; i++) octets.push(String((a.value >> BigInt(i * 8)) & 0xffn));
    return `${octets.join('.')}.in-addr.arpa.`;
  }
  const nibbles: string[] = [];
  for (let i = 0; i < 32; i++) nibbles.push(((a.value >> BigInt(i * 4)) & 0xfn).toString(16));
  return `${nibbles.join('.')}.ip6.arpa.`;
}

/**
 * The address a PTR name stands for (the inverse of reverseName), or undefined when the name is not a
 * complete in-addr.arpa / ip6.arpa name. The trailing dot is optional; case is ignored.
 */
export function ipFromReverseName(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.endsWith('.in-addr.arpa')) {
    const labels = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (labels.length !== 4) return undefined;
    const text = labels.reverse().join('.');
    return parseIP(text)?.family === 'IPv4' ? text : undefined;
  }
  if (n.endsWith('.ip6.arpa')) {
    const labels = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (labels.length !== 32 || !labels.every((l) => /^[0-9a-f]$/.test(l))) return undefined;
    const hex = labels.reverse().join('');
    const groups = hex.match(/.{4}/g)!;
    const ip = parseIP(groups.join(':'));
    return ip && formatIP(ip);
  }
  return undefined;
}
