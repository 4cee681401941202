import * as crypto from 'node:crypto';

// The hashing under kube-proxy's chain names: iptables (KUBE-SVC-<16 chars>) and nftables
// (<8 chars>-name) both take base32(sha256(...)), so it sits below both data planes.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Standard base32 (with the usual alphabet) of a buffer, without padding, behind `prefix`; `chars`
 * stops early. The result is one flat string: appending a character at a time made each name a
 * chain of rope nodes (5 per KUBE-SEP- name, ~20 MB for the 110,000 chain names of 10,000 Services
 * the iptables proxier keeps; issue 18).
 */
export function base32(buf: Uint8Array, chars = Infinity, prefix = ''): string {
  const codes: number[] = [];
  for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i));
  const end = prefix.length + chars;
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    if (codes.length >= end) break;
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      codes.push(ALPHABET.charCodeAt((value >>> (bits - 5)) & 31));
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0 && codes.length < end) codes.push(ALPHABET.charCodeAt((value << (5 - bits)) & 31));
  if (codes.length > end) codes.length = end;
  return String.fromCharCode(...codes);
}

type OneShotHash = (algorithm: string, data: string, encoding: 'buffer') => Buffer;
const oneShot = (crypto as { hash?: OneShotHash }).hash;

/** sha256 of a string: crypto.hash (one call, Node >= 20.12) where it exists. */
export function sha256(s: string): Uint8Array {
  return oneShot ? oneShot('sha256', s, 'buffer') : crypto.createHash('sha256').update(s).digest();
}
