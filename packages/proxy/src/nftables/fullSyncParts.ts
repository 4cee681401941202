import type { NFTServiceArtifacts } from './nftablesService.js';
import { elementLine } from './nftablesService.js';

/** One service port's lines of a full transaction, split by kind (each part ends in "\n" or is empty). */
export interface FullSyncParts {
  /** `add set` (affinity) and `add chain` lines. */
  readonly decl: string;
  /** Rules of the service and local policy chains: the ones holding `numgen ... vmap { }`. */
  readonly policy: string;
  /** Rules of the other chains (endpoint, external, firewall) and the map elements. */
  readonly rest: string;
}

/**
 * Why three parts: each `numgen random mod N vmap { ... }` rule makes the kernel create an
 * anonymous set, and in one transaction that also holds ~100,000 endpoint chains and rules each
 * costs time in proportion to what the transaction already holds (measured on kernel 6.18, nft
 * 1.0.6: 10,000 services x 10 endpoints in one transaction ~175 s of kernel time; the same in
 * three transactions, chains / policy rules / the rest, ~47 s CPU). One transaction keeps these
 * sections in this order too (rules stay in order within each chain).
 */
export function fullSyncParts(table: string, a: NFTServiceArtifacts): FullSyncParts {
  const decl: string[] = [];
  const policy: string[] = [];
  const rest: string[] = [];
  for (const [name, def] of a.sets) decl.push(`add set ${table} ${name} ${def}`);
  for (const [name, rules] of a.chains) {
    decl.push(`add chain ${table} ${name}`);
    const to = name.startsWith('service-') || name.startsWith('local-') ? policy : rest;
    for (const r of rules) to.push(`add rule ${table} ${name} ${r}`);
  }
  for (const e of a.elements) rest.push(elementLine(table, e));
  // One flat string each (join with a trailing '' rather than `+ '\n'`, which makes a rope that
  // every full sync would walk again when joining the parts).
  const text = (lines: string[]) => (lines.length ? (lines.push(''), lines.join('\n')) : '');
  return { decl: text(decl), policy: text(policy), rest: text(rest) };
}
