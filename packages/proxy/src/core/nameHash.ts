import * as crypto from 'node:crypto';

// The hashing under kube-proxy's chain names: iptables (KUBE-SVC-<16 chars>) and nftables
// (<8 chars>-name) both take base32(sha256(...)), so it sits below both data planes.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Standard base32 (with the usual alphabet) of a buffer, without padding; `chars` stops early. */
export function base32(buf: Uint8Array, chars = Infinity): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    if (out.length >= chars) return out.slice(0, chars);
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.length > chars ? out.slice(0, chars) : out;
}

type OneShotHash = (algorithm: string, data: string, encoding: 'buffer') => Buffer;
const oneShot = (crypto as { hash?: OneShotHash }).hash;

/** sha256 of a string: crypto.hash (one call, Node >= 20.12) where it exists. */
export function sha256(s: string): Uint8Array {
  return oneShot ? oneShot('sha256', s, 'buffer') : crypto.createHash('sha256').update(s).digest();
}
