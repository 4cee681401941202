import type dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

let lastLiteral = '';

function lookup(address: string, family: number, cb: (err: Error | null, address: string, family: number) => void): void {
  if (address === lastLiteral || net.isIP(address) !== 0) {
    lastLiteral = address; // the next reply usually goes to the same client: skip the regex test
    cb(null, address, family);
  } else dns.lookup(address, family, cb);
}

/**
 * A `lookup` for dgram sockets. dgram resolves every send's, bind's and connect's address with
 * dns.lookup, which answers IP literals on the next tick: one extra callback turn each time. The
 * server's replies go to the address a query came from, and the forwarder's per-query sockets bind
 * the any-address and connect to an upstream: always literals, so this answers those at once and
 * leaves names (a `listen` host name) to dns.lookup.
 */
export const literalLookup = lookup as unknown as dgram.SocketOptions['lookup'];
