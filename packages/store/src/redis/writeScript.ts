import type { Allocations } from '../admission.js';
import type { KindKeys } from './keys.js';

/** One op of the write script (see WRITE in scripts.ts). */
export interface ScriptOp {
  /** The object's key in the kind's hashes (`ns/name`, or `name` for cluster-scoped kinds). */
  field: string;
  mode: 'create' | 'update' | 'delete';
  /** The resourceVersion the stored object must have ('' for none: create). */
  expected: string;
  /** The object's JSON around its resourceVersion (encodeWithRevisionSlot). */
  head: string;
  tail: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  claim: Allocations;
  release: Allocations;
  /** Check the claims against the allocation sets (false: a trusted mirror books them as given). */
  checkClaims: boolean;
}

export type OpReply = ['ok', string] | ['exists', string] | ['notfound'] | ['conflict', string] | ['taken', string, string];
/** The script's answer for one chunk: every op's reply, or 'fenced' for all of them. */
export type ChunkReply = OpReply[] | 'fenced';

/** How the script checks a fence: in the same script ('lease'), or against the highest token seen ('max', Cluster). */
export interface FenceArgs {
  mode: '' | 'lease' | 'max';
  /** KEYS[8]: the lease hash ('lease'), the kind's fences hash ('max'), or any key of the kind. */
  key: string;
  token: string;
  name: string;
}

/** At most this many ops and about this many bytes of arguments go into one script call. */
export interface BatchLimits {
  ops: number;
  bytes: number;
}

// A script runs alone on the server: a few hundred ops (a few ms) keep other clients' latency low.
export const DEFAULT_BATCH_LIMITS: BatchLimits = { ops: 256, bytes: 2 << 20 };


/** Splits `ops` into chunks within `limits` (never empty chunks, at least one op each). */
export function chunkOps(ops: readonly ScriptOp[], limits: BatchLimits): ScriptOp[][] {
  const chunks: ScriptOp[][] = [];
  let cur: ScriptOp[] = [];
  let bytes = 0;
  for (const op of ops) {
    const size = op.head.length + op.tail.length + op.field.length + 64;
    if (cur.length > 0 && (cur.length >= limits.ops || bytes + size > limits.bytes)) {
      chunks.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(op);
    bytes += size;
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

/** The script's KEYS and ARGV for one chunk. */
export function scriptArgs(keys: KindKeys, ops: readonly ScriptOp[], fence: FenceArgs, maxlen: number, uidCandidate: string, durable: boolean): (string | number)[] {
  const args: (string | number)[] = [
    keys.rev, keys.objs, keys.rvs, keys.events, keys.uid, keys.ips, keys.ports, fence.key, keys.barrier,
    maxlen, uidCandidate, fence.mode, fence.token, fence.name, durable ? '1' : '0', ops.length,
  ];
  for (const op of ops) {
    const { claim, release } = op;
    args.push(
      op.field, op.mode, op.expected, op.head, op.tail, op.type,
      claim.ips.length, claim.nodePorts.length, release.ips.length, release.nodePorts.length, op.checkClaims ? '1' : '0',
    );
    for (const ip of claim.ips) args.push(ip);
    for (const p of claim.nodePorts) args.push(p);
    for (const ip of release.ips) args.push(ip);
    for (const p of release.nodePorts) args.push(p);
  }
  return args;
}

export const SCRIPT_KEYS = 9;
