import { randomFillSync } from 'node:crypto';

/** Ids drawn per refill: 16 KiB of random bytes, hex-encoded once as text and as bytes. */
const IDS_PER_REFILL = 1024;
const ID_DIGITS = 32;

let hexText = '';
let hexBytes = new Uint8Array(0);
let next = IDS_PER_REFILL;

/**
 * Encodes a fresh block of random bytes. Each id is then a 32-character slice of `hexText` (V8
 * shares the characters, no copy) and, for request heads built as bytes, the same 32 digits in
 * `hexBytes`: one native call per 1024 ids instead of one per id.
 */
function refill(): void {
  hexText = randomFillSync(Buffer.allocUnsafe((IDS_PER_REFILL * ID_DIGITS) / 2)).toString('hex');
  hexBytes = Buffer.from(hexText, 'latin1');
  next = 0;
}

/** A random 32-hex-digit id, like nginx's $request_id. */
export function newRequestId(): string {
  if (next === IDS_PER_REFILL) refill();
  const at = next++ * ID_DIGITS;
  return hexText.slice(at, at + ID_DIGITS);
}

/** newRequestId(), its 32 digits also written into `out` at `pos`. */
export function writeNewRequestId(out: Uint8Array, pos: number): string {
  if (next === IDS_PER_REFILL) refill();
  const at = next++ * ID_DIGITS;
  const hex = hexBytes;
  for (let i = 0; i < ID_DIGITS; i++) out[pos + i] = hex[at + i]!;
  return hexText.slice(at, at + ID_DIGITS);
}
